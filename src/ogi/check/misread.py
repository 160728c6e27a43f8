"""Misreads of a scan: a table identity that fails where OCR was unsure of a cell.

A report read by OCR (``Document.ocr_cells``: each OCR'd table cell's span in the text and
the engine's confidence in it) may break an identity because a digit was misread, not
because the report misprints it. :func:`settle` runs the report's table identities (the
checks' own, ``arithmetic`` and ``template``); when one fails, each suspect cell — a printed
value read with a confidence below ``formats/ocr.yml``'s ``suspect_below`` — is tried with
each of its :func:`alternatives` (one character read otherwise). An alternative that makes a
failing identity hold, and breaks none that held, is a candidate: the cell is left empty
(``value_status = ambiguous``) and an ``ocr_misread`` check, ``ambiguous``, lists its
candidates, the value as read among them. Nothing is guessed, even with one candidate: the
report may print what was read. Cells read surely are never questioned, so a report whose
surely read cells break its arithmetic keeps its failing check.

>>> alternatives("38", 0.97, formats.ocr())
[88, 30, 36, 39, 33]
>>> alternatives("38", 0.999, formats.ocr())
[]
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from .. import formats
from ..parse import Parsed
from . import arithmetic, template
from .result import fmt

OcrCell = tuple[int, int, float]  # start, end in the report's text; the engine's confidence
_NUMBER = re.compile(r"^(\d+)(\.\d+)?$")


def _value(text: str) -> int | float | None:
    """A cell's text as the number it prints (``1,234`` and a unit allowed), or None."""
    body = text.replace(",", "").removesuffix("万元").removesuffix("亿元").removesuffix("元")
    m = _NUMBER.match(body.strip())
    if not m or (len(m.group(1)) > 1 and m.group(1).startswith("0")):
        return None
    return float(body) if m.group(2) else int(body)


def alternatives(text: str, score: float, spec: dict[str, Any]) -> list[int | float]:
    """The values a cell printing ``text`` may hold if OCR misread one of its characters:
    none when the engine was sure (``score`` ≥ ``suspect_below``); any digit for any below
    ``unsure_below``; else only a digit for one it is confused with (``confusions``). In the
    order of the characters, then of the confusions; no repeats, never the value as read."""
    if score >= spec["suspect_below"]:
        return []
    partners: dict[str, list[str]] = {}
    for group in spec["confusions"]:
        for d in group:
            partners.setdefault(str(d), []).extend(str(o) for o in group if o != d)
    read = _value(text)
    out: list[int | float] = []
    for i, ch in enumerate(text):
        if not ch.isdigit():
            continue
        others = "0123456789" if score < spec["unsure_below"] else "".join(partners.get(ch, []))
        for other in others:
            value = _value(text[:i] + other + text[i + 1 :])
            if value is not None and value != read and value not in out:
                out.append(value)
    return out


def _identities(parsed: Parsed) -> dict[tuple[str, str], str]:
    """(check, subject) → status of every table identity of the report."""
    rows = arithmetic.check_tables(parsed) + template.check_tables(parsed)
    return {(r["check"], r["subject"]): r["status"] for r in rows}


def scores(statistics: list[dict[str, Any]], cells: Sequence[OcrCell]) -> dict[int, float]:
    """Index of each statistic read from an OCR'd cell → the engine's confidence in it."""
    spans = sorted(cells)
    starts = [s[0] for s in spans]
    out = {}
    for i, cell in enumerate(statistics):
        at = cell.get("start")
        if at is None:
            continue
        k = bisect.bisect_right(starts, at) - 1
        if k >= 0 and at < spans[k][1]:
            out[i] = spans[k][2]
    return out


def with_confidence(parsed: Parsed, cells: Sequence[OcrCell]) -> Parsed:
    """The report with each statistic read by OCR given the engine's confidence in its cell
    (``ocr_confidence``)."""
    if not cells:
        return parsed
    found = scores(parsed.statistics, cells)
    stats = [
        {**c, "ocr_confidence": found[i]} if i in found else c
        for i, c in enumerate(parsed.statistics)
    ]
    return dataclasses.replace(parsed, statistics=stats)


def settle(parsed: Parsed, cells: Sequence[OcrCell]) -> Parsed:
    """The report with the cells an unsure read may explain a failing identity by left
    empty and flagged (``ocr_misread``); unchanged when no identity fails."""
    stats = parsed.statistics
    if not cells or not stats:
        return parsed
    before = _identities(parsed)
    failing = {k for k, s in before.items() if s == "fail"}
    if not failing:
        return parsed
    spec = formats.ocr()
    found: dict[int, tuple[float, list[int | float], set[tuple[str, str]]]] = {}
    trials = 0
    for i, score in sorted(scores(stats, cells).items(), key=lambda kv: (kv[1], kv[0])):
        cell = stats[i]
        if cell["value"] is None or cell["value_status"] != "printed":
            continue
        for alt in alternatives(cell["value_text"] or "", score, spec):
            trials += 1
            if trials > spec["max_trials"]:
                break
            trial = [*stats[:i], {**cell, "value": alt}, *stats[i + 1 :]]
            after = _identities(dataclasses.replace(parsed, statistics=trial))
            fixed = {k for k in failing if after.get(k) == "pass"}
            broken = {k for k, s in after.items() if s == "fail" and k not in failing}
            if fixed and not broken:
                found.setdefault(i, (score, [], set()))[1].append(alt)
                found[i][2].update(fixed)
    if not found:
        return parsed
    out = list(stats)
    notes = list(parsed.notes)
    rid = parsed.report["report_id"]
    engine = parsed.report.get("ocr_engine") or "OCR"
    for i, (score, alts, fixed) in sorted(found.items()):
        cell = stats[i]
        out[i] = {**cell, "value": None, "value_status": "ambiguous", "settled_by": None}
        held = ", ".join(f"{c} ({s})" for c, s in sorted(fixed))
        shown = ", ".join(fmt(v) for v in alts)
        notes.append(
            {
                "report_id": rid,
                "check": "ocr_misread",
                "subject": f"{cell['indicator'] or 'row' + str(cell['row'])}@{cell['column']}",
                "status": "ambiguous",
                "severity": "error",
                "expected": None,
                "observed": cell["value"],
                "message": (
                    f"{cell['label']} [{cell['column_label']}] was read by OCR ({engine}) as "
                    f"{cell['value_text']} with confidence {score:.3f}, where {held} fails; "
                    f"read with one character otherwise it would hold: candidates "
                    f"{fmt(cell['value'])} (as read), {shown}. The cell is left empty."
                ),
                "start": cell["start"],
            }
        )
    return dataclasses.replace(parsed, statistics=out, notes=notes)
