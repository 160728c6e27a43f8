"""How cells link onwards: every number and citation to the report text it came from.

Datasette's ``render_cell`` hook calls :func:`render` for every cell of every HTML table
(JSON and CSV are not affected). It returns None to leave a cell to Datasette, or the
cell's HTML:

* ``start`` of ``statistics``, ``figures``, ``citations``, ``checks`` and ``sections`` →
  the report reader (``/-/report/<id>``) with the printed text marked in its section;
* ``source_file`` of ``reports``, and a ``report_id`` / ``prev_report_id`` that Datasette
  does not already link (views, query results) → the report reader;
* ``section_id`` in query results → the reader at that section; a section without a heading,
  which Datasette would label ``None``, says so;
* ``issuer`` → the *One body over the years* query for that body;
* ``unit`` of a count of figures (*Figures by unit*) → the figures in that unit;
* ``indicator`` (a foreign key Datasette labels with ``label_zh``) → the indicator, labelled
  in both languages;
* codes (``check``, ``status``, ``severity``, ``value_status``, ``settled_by``, ``kind``) →
  their label in both languages (``formats/labels.yml``), the code beside it.

Values are escaped; links are built from ids only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from datasette.utils import tilde_encode
from markupsafe import Markup

from ..formats import code_label

REPORT_ID = re.compile(r"[0-9a-f]{16}")
LOCATED = {"statistics", "figures", "citations", "checks", "sections"}
ISSUER_LINKED = {None, "summary", "report_rates", "reports"}


def _raw(row: Any, column: str) -> Any:
    try:
        value = row[column]
    except (IndexError, KeyError):
        return None
    return value["value"] if isinstance(value, dict) else value


def reader_url(report_id: str, **params: Any) -> str:
    """The report reader for ``report_id``; with ``start``/``end`` or ``section``, scrolled
    to what they point at."""
    query = {k: v for k, v in params.items() if v is not None and v != ""}
    url = f"/-/report/{report_id}"
    if query:
        url += "?" + urlencode(query)
    return url + ("#hit" if "start" in query or "section" in query else "")


def _link(href: str, text: str, title: str | None = None) -> Markup:
    if title:
        return Markup('<a href="{}" title="{}">{}</a>').format(href, title, text)
    return Markup('<a href="{}">{}</a>').format(href, text)


# the only columns render() may change: every other cell returns at once
COLUMNS = frozenset({"start", "source_file", "report_id", "prev_report_id", "section_id"})
COLUMNS |= {"previous_report_id"}
COLUMNS |= {"issuer", "indicator", "parent_id", "unit"}
# columns holding codes, shown with their bilingual label (formats/labels.yml)
CODED = frozenset({"check", "status", "severity", "value_status", "settled_by", "kind"})
COLUMNS |= CODED


def coded(column: str, value: Any) -> Markup | None:
    """A code with its label in both languages, the code itself kept visible and in the title."""
    label = code_label(column, value)
    if label is None:
        return None
    return Markup('<span class="ogi-code" title="{}">{} / {} <code>{}</code></span>').format(
        value, label[0], label[1], value
    )


def render(
    row: Any,
    value: Any,
    column: str,
    table: str | None,
    database: str,
    database_name: str,
    indicator_labels: dict[str, str],
    is_view: bool,
) -> Markup | None:
    """The HTML of one cell, or None for Datasette's own rendering."""
    if column not in COLUMNS or database != database_name:
        return None
    if column == "start" and table in LOCATED:
        report_id = _raw(row, "report_id")
        if not isinstance(report_id, str) or not REPORT_ID.fullmatch(report_id):
            return None
        if table == "sections":
            href = reader_url(report_id, section=_raw(row, "section_id"))
        elif value is None:
            return _link(reader_url(report_id), "报告 / report")
        else:
            end = _raw(row, "end") if table != "checks" else None
            href = reader_url(report_id, start=value, end=end)
        title = f"offset {value}" if value is not None else None
        return _link(href, "原文 / source ›", title)
    if column == "source_file" and table == "reports" and isinstance(value, str):
        report_id = _raw(row, "report_id")
        if isinstance(report_id, str) and REPORT_ID.fullmatch(report_id):
            return _link(reader_url(report_id), value, "阅读原文 / read the report")
    if (
        column in ("report_id", "prev_report_id", "previous_report_id")
        and (table is None or is_view)
        and isinstance(value, str)
        and REPORT_ID.fullmatch(value)
    ):
        return _link(reader_url(value), value, "阅读原文 / read the report")
    if column == "section_id" and table is None and isinstance(value, str):
        report_id = value.split(":", 1)[0]
        if REPORT_ID.fullmatch(report_id):
            return _link(reader_url(report_id, section=value), value, "阅读原文 / read the report")
    if column == "issuer" and table in ISSUER_LINKED and isinstance(value, str) and value:
        href = f"/{database_name}/body_over_years?issuer={quote(value)}"
        return _link(href, value, "历年情况 / over the years")
    if column in ("section_id", "parent_id") and isinstance(value, dict) and value.get("value"):
        if value.get("label"):
            return None  # Datasette's own: the heading, then the id
        section = str(value["value"])
        href = f"/{database_name}/sections/{tilde_encode(section)}"
        return Markup('<a href="{}">（无标题 / no heading）</a>&nbsp;<em>{}</em>').format(href, section)
    if column == "unit" and table is None and isinstance(value, str) and _raw(row, "figures"):
        # a count of figures by unit (figures_by_unit): the unit lists them
        args = {"unit__isnull": "1"} if value == "(none)" else {"unit": value}
        kind = _raw(row, "kind")
        if isinstance(kind, str):
            args["kind"] = kind
        return _link(f"/{database_name}/figures?{urlencode(args)}", value, "列出这些数字 / list them")
    if column in CODED:
        return coded(column, value.get("value") if isinstance(value, dict) else value)
    if column == "indicator" and isinstance(value, dict) and value.get("value"):
        code = str(value["value"])
        label = indicator_labels.get(code)
        text = f"{value.get('label') or code} / {label}" if label else str(value.get("label"))
        return _link(f"/{database_name}/indicators/{tilde_encode(code)}", text, code)
    return None
