"""Field check: build a folder of real reports and compare each one's key figures with the
figures read by hand (a ``truth.json`` such as ``tests/fixtures/real/truth.json``).

    python scripts/field_check.py FOLDER TRUTH.json [--require-exact] [--require-issuer]

For every report of the truth file it prints each key figure as ``exact``, ``missing`` (the
build published no value, or rejected the file) or ``wrong`` (the build published another
value), and whether the issuer is right (the built issuer is one of ``issuer_names``) and the
area code equal; then the totals. Exit status: 1 when any key figure is wrong; with
``--require-exact`` also when any is missing (or a report of the truth is not in the folder);
with ``--require-issuer`` also when an issuer or area code is not right; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ogi.build import build
from ogi.errors import OgiError

KEYS = (
    "requests_received",
    "requests_carried_in",
    "requests_handled",
    "requests_carried_over",
    "reconsiderations",
    "lawsuits",
    "proactive_disclosures",
)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _built(folder: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Build ``folder`` into a scratch folder: each source file's report and summary row
    (merged), and the problem of each rejected file."""
    with tempfile.TemporaryDirectory(prefix="ogi-field-") as tmp:
        out = Path(tmp)
        try:
            build([folder], out, jobs=1)
        except OgiError as e:  # every file rejected: the rejects are in the message only
            print(f"field_check: the build published nothing ({e})", file=sys.stderr)
        data = out / "data"
        summary = {r["report_id"]: r for r in _rows(data / "summary.csv")}
        reports = {
            r["source_file"]: {**summary.get(r["report_id"], {}), **r}
            for r in _rows(data / "reports.csv")
        }
        rejects = {r["source_file"]: r["problem"] for r in _rows(data / "rejects.csv")}
    return reports, rejects


def _number(text: str) -> int | float | None:
    if text == "":
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def compare(truth: dict[str, Any], row: dict[str, str] | None) -> dict[str, Any]:
    """One report's key figures and issuer against its truth."""
    figures: dict[str, tuple[str, Any, Any]] = {}
    for key in KEYS:
        if key not in truth:
            continue
        got = _number(row.get(key, "")) if row else None
        status = "missing" if got is None else "exact" if got == truth[key] else "wrong"
        figures[key] = (status, truth[key], got)
    issuer = (row or {}).get("issuer", "")
    area = (row or {}).get("area_code", "")
    return {
        "figures": figures,
        "issuer": issuer,
        "issuer_right": issuer in truth.get("issuer_names", []),
        "area_code": area,
        "area_right": "area_code" not in truth or area == truth["area_code"],
    }


def _line(name: str, result: dict[str, Any], reject: str | None) -> str:
    counts = {s: 0 for s in ("exact", "missing", "wrong")}
    for status, _, _ in result["figures"].values():
        counts[status] += 1
    issuer = "right" if result["issuer_right"] else f"not right ({result['issuer'] or '-'})"
    area = "equal" if result["area_right"] else f"not equal ({result['area_code'] or '-'})"
    head = (
        f"{name:32} exact {counts['exact']}  missing {counts['missing']}  "
        f"wrong {counts['wrong']}  issuer {issuer}  area {area}"
    )
    detail = [
        f"    {key}: {status} (truth {want}, built {'-' if got is None else got})"
        for key, (status, want, got) in result["figures"].items()
        if status != "exact"
    ]
    if reject:
        detail.insert(0, f"    rejected: {reject}")
    return "\n".join([head, *detail])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="folder of real reports")
    ap.add_argument("truth", type=Path, help="truth.json: key figures read by hand")
    ap.add_argument("--require-exact", action="store_true", help="a missing key figure fails too")
    ap.add_argument(
        "--require-issuer", action="store_true", help="a wrong issuer or area code fails too"
    )
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        print(f"field_check: {args.folder}: not a folder of reports", file=sys.stderr)
        return 2
    try:
        truth = json.loads(args.truth.read_text(encoding="utf-8"))["reports"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"field_check: {args.truth}: not a truth file ({e})", file=sys.stderr)
        return 2
    reports, rejects = _built(args.folder)
    totals = {s: 0 for s in ("exact", "missing", "wrong")}
    issuers = areas = 0
    absent = []
    for name in sorted(truth):
        if not (args.folder / name).exists():
            absent.append(name)
        result = compare(truth[name], reports.get(name))
        for status, _, _ in result["figures"].values():
            totals[status] += 1
        issuers += result["issuer_right"]
        areas += result["area_right"]
        print(_line(name, result, rejects.get(name)))
    for name in absent:
        print(f"{name}: in the truth file, not in {args.folder}")
    print(
        f"total: {len(truth)} report(s), {sum(totals.values())} key figure(s): "
        f"exact {totals['exact']}, missing {totals['missing']}, wrong {totals['wrong']}; "
        f"issuer right {issuers}/{len(truth)}, area code equal {areas}/{len(truth)}"
    )
    failed = totals["wrong"] > 0
    failed |= args.require_exact and (totals["missing"] > 0 or bool(absent))
    failed |= args.require_issuer and (issuers < len(truth) or areas < len(truth))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
