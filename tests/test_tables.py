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


def test_a_row_with_empty_cells_at_both_ends_is_not_shifted() -> None:
    """markitdown on an office PDF (zoo report 495, seed 0: 部分公开's total printed blank)
    prints the row as ``| | | 0 | 0 | 3 | 0 | 0 | 0 | |`` in a grid two columns wider than the
    table: the blank may be the first empty cell or the last, so the row is not read. It was
    read shifted by one (3 in 社会公益组织, not 科研机构; 0 as its total)."""
    path = Path(__file__).parent / "fixtures" / "markitdown" / "zoo_00495_gen3.md"
    _, parsed = parse_file(path)
    row = {c["column"]: c for c in parsed.statistics if c["indicator"] == "g3.s3.partial"}
    assert {c["value"] for c in row.values()} == {None}
    assert {c["value_status"] for c in row.values()} == {"ambiguous"}  # numbers stand there
    granted = {
        c["column"]: c["value"] for c in parsed.statistics if c["indicator"] == "g3.s3.granted"
    }
    assert list(granted.values()) == [0, 0, 0, 0, 0, 2, 2]
    (check,) = [n for n in parsed.notes if n["subject"] == "g3.s3.partial"]
    assert check["check"] == "digit_split" and "one value per column" in check["message"]
