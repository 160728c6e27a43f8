"""Prose checks: the prose against the table, and the prose against itself.

- prose_vs_table: a figure that restates a table cell (linked by the restatement cues of
  ``formats/prose.yml``) must equal that cell;
- prose_vs_prose: a measure stated more than once must be stated with one value.
"""

from __future__ import annotations

from typing import Any

from .. import formats
from ..parse import Parsed
from .result import fmt, result


def check_prose(parsed: Parsed) -> list[dict[str, Any]]:
    """prose_vs_table and prose_vs_prose rows for one report."""
    return _against_table(parsed) + _against_itself(parsed)


def _place(fig: dict[str, Any]) -> str:
    return f"section {fig['section_id'].split(':', 1)[1]} (offset {fig['start']})"


def _where(fig: dict[str, Any]) -> str:
    return f"“{fig['value_text']}” in {_place(fig)}"


def _against_table(parsed: Parsed) -> list[dict[str, Any]]:
    cells = {(c["indicator"], c["column"]): c for c in parsed.statistics if c["indicator"]}
    gen = parsed.report["generation"]
    names = {i["code"]: i["label_zh"] for i in formats.indicators()}
    for code, parts in formats.derived(gen).items() if gen in (2, 3) else []:
        for column in {c["column"] for c in parsed.statistics}:
            found = [cells.get((p, column)) for p in parts]
            if found and all(found):
                values = [f["value"] for f in found if f]
                total = sum(values) if all(v is not None for v in values) else None
                label = f"{names[code]} (the sum of {len(found)} cells)"
                cells[(code, column)] = {
                    "value": total,
                    "label": label,
                    "column_label": column,
                    "start": found[0]["start"] if found[0] else None,
                }
    stated: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for fig in parsed.figures:
        if fig["indicator"]:
            stated.setdefault((fig["indicator"], fig["column"]), []).append(fig)
    out = []
    for (code, column), figs in stated.items():
        cell = cells.get((code, column))
        subject = f"{code}@{column}"
        if cell is None or cell["value"] is None:
            out.append(
                result(
                    "prose_vs_table",
                    subject,
                    "not_assessable",
                    "warning",
                    f"The prose states {_where(figs[0])} for {code} ({column}), "
                    "but that table cell is empty (printed blank, or digits run together that the "
                    "arithmetic cannot split in one way; see digit_split).",
                    observed=figs[0]["value"],
                    start=figs[0]["start"],
                )
            )
            continue
        wrong = [f for f in figs if abs(f["value"] - cell["value"]) > 1e-9]
        shown = wrong[0] if wrong else figs[0]
        said = ", ".join(_where(f) for f in figs)
        table = f"the table's {cell['label']} [{cell['column_label']}] is {fmt(cell['value'])}"
        message = f"The prose states {said}; {table}; " + (
            "they disagree." if wrong else "they agree."
        )
        out.append(
            result(
                "prose_vs_table",
                subject,
                "fail" if wrong else "pass",
                "warning",
                message,
                expected=cell["value"],
                observed=shown["value"],
                start=shown["start"],
            )
        )
    return out


def _against_itself(parsed: Parsed) -> list[dict[str, Any]]:
    labels = {m["id"]: m for m in formats.prose()["measures"]}
    groups: dict[str, list[dict[str, Any]]] = {}
    for fig in parsed.figures:
        if fig["measure"]:
            groups.setdefault(fig["measure"], []).append(fig)
    out = []
    for measure, figs in groups.items():
        if len(figs) < 2:
            continue
        first = figs[0]
        differ = [f for f in figs[1:] if abs(f["value"] - first["value"]) > 1e-9]
        name = f"{labels[measure]['label_zh']} ({labels[measure]['label_en']})"
        if differ:
            message = (
                f"{name} is stated as {fmt(first['value'])}{first['unit'] or ''} in {_place(first)} "
                f"and as {fmt(differ[0]['value'])}{differ[0]['unit'] or ''} in {_place(differ[0])}."
            )
        else:
            message = (
                f"{name} is stated {len(figs)} times, always as "
                f"{fmt(first['value'])}{first['unit'] or ''}: {', '.join(_where(f) for f in figs)}."
            )
        shown = differ[0] if differ else first
        out.append(
            result(
                "prose_vs_prose",
                measure,
                "fail" if differ else "pass",
                "warning",
                message,
                expected=first["value"],
                observed=shown["value"],
                start=shown["start"],
            )
        )
    return out
