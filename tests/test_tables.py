"""Table rows as OCR and converters leave them (ogi.parse.tables)."""

from __future__ import annotations

from pathlib import Path

from ogi.build import parse_file
from ogi.parse.tables import heading_inside
from ogi.synth import zoo
from ogi.synth.model import render_text

ROWS = "| （三）其他情形数 | 件 | 9 |\n| 五、行政诉讼数量 | 件 | 0 |\n"
JOINED = "| （三）其他情形数五、行政诉讼数量 | 件 | 9 |\n"


def test_a_heading_run_into_a_label_is_found_only_at_a_top_level_row() -> None:
    assert heading_inside("（三）其他情形数五、行政诉讼数量", "g1_national") == 5
    assert heading_inside("五、行政诉讼数量", "g1_national") is None
    assert heading_inside("（三）其他情形数", "g1_national") is None
    assert heading_inside("其中：三、其他情形数", "g1_national") is None  # not a group heading


def test_a_row_run_into_the_next_groups_heading_reads_neither(tmp_path: Path) -> None:
    """OCR joined two lines of a scanned national-form table (zoo_00053): the last row of
    group 四 and the heading of group 五. Its one value cannot be placed; the rows below it are
    group 五's, not a second 其他情形数 of group 四."""
    item = zoo.reports(8, 0)[1]
    assert item.family == "gen1_national"
    text = render_text(item.doc, "markdown")
    assert ROWS in text
    path = tmp_path / "joined.md"
    path.write_text(text.replace(ROWS, JOINED), encoding="utf-8")
    _, parsed = parse_file(path)
    read = {
        c["indicator"]: c["value"]
        for c in parsed.statistics
        if (c["indicator"] or "").startswith(("g1n.reconsideration", "g1n.lawsuit"))
    }
    assert read.get("g1n.reconsideration_other") is None
    assert read.get("g1n.lawsuits") is None
    for code in ("g1n.reconsiderations", "g1n.reconsideration_upheld", "g1n.lawsuit_other"):
        assert read[code] == item.truth[(code, "value")]
    assert not [c for c in parsed.notes if c["check"] == "table_printed_twice"]
