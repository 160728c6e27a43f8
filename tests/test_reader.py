"""The report reader on real reports: every statistic, figure and citation of every real report
of tests/fixtures/real that builds, opened in ``/-/report/<id>?start=…&end=…`` as its link does,
marks exactly the value as printed.

The reader shows a section's body, which is not a plain slice of the source: lines are joined
by one line break, page chrome is left out, and blanks at either end are stripped. The section's
``body_map`` says where each run of the body is in the source; these tests hold the page to it,
and hold the map itself to the source on text built for it (trailing blanks, CRLF, blank lines,
chrome between lines).
"""

from __future__ import annotations

import asyncio
import csv
import html
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from test_site import _ogi_executable

from ogi.parse.outline import body_map, body_offset, outline
from ogi.serve.app import make_datasette

REAL = ROOT / "tests" / "fixtures" / "real"
HIT = re.compile(r'<mark id="hit" class="ogi-hit">(.*?)</mark>', re.S)
# what each table's link points at, and the column holding it as printed
PRINTED = {"statistics": "value_text", "figures": "value_text", "citations": "text"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_real(root: Path) -> Path:
    """``ogi build`` of every real report of tests/fixtures/real into ``root / 'real'``."""
    out = root / "real"
    files = sorted(p for p in REAL.iterdir() if p.suffix in {".txt", ".pdf", ".html"})
    result = subprocess.run(
        [_ogi_executable(), "build", *map(str, files), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # 3: some files were rejected (listed in the rejects table), the others built
    assert result.returncode in (0, 3), result.stderr
    return out


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real(tmp_path_factory.mktemp("reader"))


def built_reports(out: Path) -> dict[str, str]:
    """report_id → source file of every report that built."""
    return {r["report_id"]: r["source_file"] for r in read_csv(out / "data" / "reports.csv")}


def test_every_real_report_builds_or_is_rejected(real: Path) -> None:
    files = {p.name for p in REAL.iterdir() if p.suffix in {".txt", ".pdf", ".html"}}
    rejects = read_csv(real / "data" / "rejects.csv")
    built = set(built_reports(real).values())
    assert built | {Path(r["source_file"]).name for r in rejects} == files
    # the three reports the reader was first found wrong on build today
    assert {"pingtan_2016_gen1.txt", "pingtan_2019_gen2.txt", "pingtan_2023_gen3.txt"} <= built


def marked(out: Path, rows: list[tuple[str, str, str]]) -> list[str | None]:
    """The text marked ``#hit`` on the reader page of each (report_id, start, end)."""

    async def main() -> list[str | None]:
        ds = make_datasette(out)
        await ds.invoke_startup()
        found: list[str | None] = []
        for report_id, start, end in rows:
            page = await ds.client.get(
                f"/-/report/{report_id}", params={"start": start, "end": end}
            )
            assert page.status_code == 200
            hits = HIT.findall(page.text)
            assert len(hits) <= 1
            found.append(html.unescape(hits[0]) if hits else None)
        return found

    return asyncio.run(main())


@pytest.mark.parametrize("table", list(PRINTED))
def test_the_reader_marks_every_row_as_printed(real: Path, table: str) -> None:
    reports = built_reports(real)
    rows = [r for r in read_csv(real / "data" / f"{table}.csv") if r["start"]]
    assert {r["report_id"] for r in rows} <= set(reports)
    got = marked(real, [(r["report_id"], r["start"], r["end"]) for r in rows])
    wrong = [
        (reports[r["report_id"]], r["start"], r[PRINTED[table]], m)
        for r, m in zip(rows, got, strict=True)
        if m != r[PRINTED[table]]
    ]
    assert wrong == [], f"{len(wrong)} of {len(rows)} {table} rows marked wrong: {wrong[:5]}"
    # every report of the text form: the marked text is also the source's own characters
    for r, m in zip(rows, got, strict=True):
        source = REAL / reports[r["report_id"]]
        if source.suffix == ".txt":
            assert source.read_text(encoding="utf-8")[int(r["start"]) : int(r["end"])] == m


def test_the_rows_of_every_real_report_are_tested(real: Path) -> None:
    per_report = {
        rid: sum(
            1
            for t in PRINTED
            for r in read_csv(real / "data" / f"{t}.csv")
            if r["report_id"] == rid
        )
        for rid in built_reports(real)
    }
    assert all(n > 0 for n in per_report.values()), per_report


TEXT = (
    "前言 \r\n"
    "一、概述\r\n"
    "正文第一行。  \r\n"
    "\r\n"
    "\u3000第二行有12件。\r\n"
    "【打印本页】\r\n"
    "第三行。\u3000 \r\n"
    "二、其他情况：本年度共3件。  \n"
)


def test_the_body_map_points_every_character_of_the_body_at_the_source() -> None:
    sections = outline(TEXT, "r", 0, [])
    assert [s["heading"] for s in sections] == ["", "概述", "其他情况"]
    assert sections[1]["body"] == "正文第一行。  \n\u3000第二行有12件。\n第三行。"
    for s in sections:
        assert s["body_map"], s
        for i, ch in enumerate(s["body"]):
            if ch == "\n":
                continue
            pos = next(
                p
                for p in range(s["start"], s["end"])
                if body_offset(s["body"], s["body_map"], p) == i
            )
            assert TEXT[pos] == ch, (s["section_id"], i)
        if s["heading"]:
            at = s["heading_start"]
            assert TEXT[at : at + len(s["heading"])] == s["heading"]
    first = sections[1]
    # the chrome line between the lines is not in the body: no position in it maps there
    chrome = TEXT.index("【打印本页】")
    assert all(body_offset(first["body"], first["body_map"], chrome + k) is None for k in range(6))
    assert body_map(first["body_map"])[0][1] == TEXT.index("正文第一行")


def test_a_value_after_trailing_blanks_is_found_where_it_is_printed() -> None:
    # the flattened pages of real reports: one line, blanks before the next heading
    text = (
        "一、总体情况。本年度受理申请12件，均已按时答复。   二、其他需要报告的事项。收取费用9元。 "
    )
    sections = outline(text, "r", 0, [])
    assert sections[0]["body"] == "本年度受理申请12件，均已按时答复。"
    assert sections[0]["end"] == text.index("二")  # the section's source ends in the blanks
    for s, value in zip(sections, ("12", "9"), strict=True):
        at = text.index(value)
        lo = body_offset(s["body"], s["body_map"], at)
        assert lo is not None and s["body"][lo : lo + len(value)] == value
