"""Check: the report's own arithmetic, as rows of the ``checks`` resource.

Every rule has a stable id; each result is pass, fail or not_assessable, with a message
naming the cells and numbers compared. A failing report keeps its printed numbers.
"""

from __future__ import annotations

from typing import Any

from ..parse import Parsed
from . import arithmetic, plausible, prose, template


def run_checks(parsed: Parsed) -> list[dict[str, Any]]:
    """All check rows for one parsed report."""
    rows = (
        arithmetic.check_tables(parsed)
        + template.check_tables(parsed)
        + prose.check_prose(parsed)
        + plausible.check_plausible(parsed)
    )
    rid = parsed.report["report_id"]
    engine = parsed.report.get("ocr_engine")
    if engine:  # a report read by OCR: what fails may be misread rather than misprinted
        rows = [
            {**row, "message": f"{row['message']} (read by OCR, {engine}: a cell may be misread)"}
            if row["status"] == "fail"
            else row
            for row in rows
        ]
    return [*parsed.notes, *({"report_id": rid, **row} for row in rows)]
