"""What the tables placed by the order of their numbers share (plain ``pdftotext``'s tables
printed column by column: :mod:`ogi.parse.columns`, :mod:`ogi.parse.g1_columns`,
:mod:`ogi.parse.g1n_columns`, :mod:`ogi.parse.header_columns`): the ``column_order`` check
that says whether every cell was placed, and the prose settling a cell the table's
arithmetic left unconfirmed, where it states the very number in the cell's place.
"""

from __future__ import annotations

from typing import Any

from .columns import number_value
from .lines import fold_text

# the column_order checks of the tables placed by order whose unconfirmed cells the prose
# may settle (settle_by_prose): subject → the indicators of that table
ORDERED = {"g1.appendix": "g1.", "g1n.appendix": "g1n.", "g2.s3": "g2.s3.", "g3.s3": "g3.s3."}


def order_check(subject: str, unread: int, message: str, start: int) -> dict[str, Any]:
    """The ``column_order`` check of a table placed by the order of its numbers: pass when
    every cell was placed, else ambiguous (``unread`` cells left empty; the message says
    why)."""
    return {
        "check": "column_order",
        "subject": subject,
        "status": "pass" if not unread else "ambiguous",
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": message,
        "start": start,
    }


def settle_by_prose(
    tables: list[Any], notes: list[dict[str, Any]], stated: dict[tuple[str, str], set[Any]]
) -> None:
    """The cells of a table placed by order that its arithmetic left unconfirmed, where the
    number in their place, or one of the values the readings that fit give it (the table's
    ``candidates``), is the one figure the prose states for that cell (共收到政府信息公开申请
    359 件): two sources agree, so the value is kept, ``settled_by`` prose, and the table's
    ``column_order`` check says how many."""
    for note in notes:
        prefix = ORDERED.get(note["subject"]) if note["check"] == "column_order" else None
        if prefix is None:
            continue
        mine = [
            (t, c) for t in tables for c in t.cells if (c["indicator"] or "").startswith(prefix)
        ]
        cells = [c for _, c in mine]
        settled = 0
        for table, cell in mine:
            if cell["value"] is not None or cell["value_status"] != "ambiguous":
                continue
            key = (cell["indicator"], cell["column"])
            value = number_value(fold_text(cell["value_text"]).strip())
            said = stated.get(key, set())
            picked = [c for c in table.candidates.get(key, ()) if {c.value} == said]
            if value is None and picked:  # the readings have it apart: the prose picks one,
                value = picked[0].value  # printed there in the readings that have it
                cell.update(value_text=picked[0].text, start=picked[0].start, end=picked[0].end)
            if value is not None and said == {value}:
                cell.update(value=value, value_status="printed", settled_by="prose")
                settled += 1
        if settled:
            note["status"] = "pass" if all(c["value"] is not None for c in cells) else "ambiguous"
            note["message"] += (
                f" Of those, the prose states the same figure for {settled}: kept, settled "
                "by the prose."
            )
