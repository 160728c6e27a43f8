"""Table arithmetic of generations 2 and 3, as declared in ``formats/gen23.yml``:

- g23.s3_row_total: each section-三 row's 总计 = the sum of its six applicant columns;
- g23.s3_balance: 一 + 二 = （七）总计 + 四, per column;
- g23.s3_results_sum: （七）总计 = the sum of every result row, per column;
- g23.s4_block_total: each section-四 总计 = the sum of its four outcomes;
- g23.nonnegative: no value is negative, except 本年增/减.
"""

from __future__ import annotations

from typing import Any

from .. import formats
from ..parse import Parsed
from .result import fmt, result

Cells = dict[tuple[str, str], dict[str, Any]]


def check_tables(parsed: Parsed) -> list[dict[str, Any]]:
    """Arithmetic checks for the fixed tables of a generation-2/3 report."""
    gen = parsed.report["generation"]
    if gen not in (2, 3) or not parsed.statistics:
        return []
    spec = formats.gen23()
    ident = spec["identities"]
    cells: Cells = {(c["indicator"], c["column"]): c for c in parsed.statistics}
    s3 = spec["tables"]["s3"]
    cols = [c["key"] for c in s3["columns"]]
    rows = [r for r in s3["rows"] if gen in r.get("generations", [2, 3])]
    code = lambda r: f"g{gen}.s3.{r}"  # noqa: E731
    out: list[dict[str, Any]] = []
    present = {c["indicator"] for c in parsed.statistics if c["table"] == "s3"}
    for r in [*rows, *formats.stand_ins(gen)]:
        if code(r["code"]) in present:
            out.append(
                _sum(
                    ident["row_total"],
                    code(r["code"]),
                    cells.get((code(r["code"]), s3["total_column"])),
                    [cells.get((code(r["code"]), c)) for c in cols[:-1]],
                )
            )
    if present:
        bal = ident["balance"]
        results = [code(r["code"]) for r in rows if r.get("result")]
        for r in formats.stand_ins(gen):  # printed as one row in place of its sub-rows
            if code(r["code"]) in present:
                results = [x for x in results if not x.startswith(code(r["code"]) + ".")]
                results.append(code(r["code"]))
        for c in cols:
            out.append(
                _balance(
                    bal,
                    c,
                    [cells.get((code(x), c)) for x in bal["left"]],
                    [cells.get((code(x), c)) for x in bal["right"]],
                )
            )
            out.append(
                _sum(
                    ident["results"],
                    c,
                    cells.get((code(ident["results"]["total"]), c)),
                    [cells.get((x, c)) for x in results],
                )
            )
    s4 = spec["tables"]["s4"]
    s4_cols = [c["key"] for c in s4["columns"]]
    for r in s4["rows"]:
        full = f"g{gen}.s4.{r['code']}"
        if (full, s4["total_column"]) in cells:
            out.append(
                _sum(
                    ident["s4_total"],
                    full,
                    cells.get((full, s4["total_column"])),
                    [cells.get((full, c)) for c in s4_cols[:-1]],
                )
            )
    out.append(_nonnegative(ident["nonnegative"], gen, parsed.statistics))
    return out


def _name(cell: dict[str, Any]) -> str:
    return f"{cell['label']} [{cell['column_label']}]"


def _sum(
    rule: dict[str, Any],
    subject: str,
    total: dict[str, Any] | None,
    parts: list[dict[str, Any] | None],
) -> dict[str, Any]:
    check = rule["check"]
    known = [p for p in parts if p is not None]
    if total is None or not known:
        return result(
            check,
            subject,
            "not_assessable",
            "error",
            f"{rule['title_en']} ({subject}): the cells are not in the table.",
        )
    missing = [c for c in [total, *known] if c["value"] is None]
    if missing or len(known) < len(parts):
        what = ", ".join(_name(c) for c in missing) or "a part"
        return result(
            check,
            subject,
            "not_assessable",
            "error",
            f"{rule['title_en']} ({subject}): {what} is empty (blank or not readable).",
            start=total["start"],
        )
    observed = sum(c["value"] for c in known)
    ok = abs(observed - total["value"]) < 1e-9
    shown = " + ".join(fmt(c["value"]) for c in known)
    return result(
        check,
        subject,
        "pass" if ok else "fail",
        "error",
        f"{rule['title_en']} ({subject}): {_name(total)} is {fmt(total['value'])}; the parts add up to "
        f"{shown} = {fmt(observed)}; {'holds' if ok else 'differs by ' + fmt(observed - total['value'])}.",
        expected=total["value"],
        observed=observed,
        start=total["start"],
    )


def _balance(
    rule: dict[str, Any],
    column: str,
    left: list[dict[str, Any] | None],
    right: list[dict[str, Any] | None],
) -> dict[str, Any]:
    check = rule["check"]
    cells = [c for c in [*left, *right] if c is not None]
    if len(cells) < len(left) + len(right) or any(c["value"] is None for c in cells):
        return result(
            check,
            column,
            "not_assessable",
            "error",
            f"{rule['title_en']} ({column}): a cell of 一, 二, （七） or 四 is empty or missing.",
        )
    lsum = sum(c["value"] for c in left if c)
    rsum = sum(c["value"] for c in right if c)
    ok = abs(lsum - rsum) < 1e-9
    lhs = " + ".join(f"{c['label']} {fmt(c['value'])}" for c in left if c)
    rhs = " + ".join(f"{c['label']} {fmt(c['value'])}" for c in right if c)
    return result(
        check,
        column,
        "pass" if ok else "fail",
        "error",
        f"{rule['title_en']} ({column}): {lhs} = {fmt(lsum)}; {rhs} = {fmt(rsum)}; "
        f"{'holds' if ok else 'they differ'}.",
        expected=lsum,
        observed=rsum,
        start=cells[0]["start"],
    )


def _nonnegative(rule: dict[str, Any], gen: int, stats: list[dict[str, Any]]) -> dict[str, Any]:
    signed = {
        c["key"]
        for b in formats.gen23()["tables"]["s2"]["by_generation"][gen]["blocks"]
        for c in b["columns"]
        if c.get("signed")
    }
    bad = [
        c for c in stats if c["value"] is not None and c["value"] < 0 and c["column"] not in signed
    ]
    if bad:
        listed = ", ".join(f"{_name(c)} {fmt(c['value'])}" for c in bad[:10])
        return result(
            rule["check"],
            "all",
            "fail",
            "error",
            f"{rule['title_en']}: {listed}.",
            observed=bad[0]["value"],
            start=bad[0]["start"],
        )
    return result(rule["check"], "all", "pass", "error", f"{rule['title_en']}: no negative value.")
