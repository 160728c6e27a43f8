"""A table identity broken where OCR was unsure (``ogi.check.misread``, ``formats/ocr.yml``):
the cells a misread character would explain are left empty, ambiguous, with the candidates —
never guessed; a break between cells read surely stays a failing check.

On the real scan (the hongze scan of tests/test_ocr.py): the engine's own page results, from
its page cache, with one digit of one cell patched to a known misread. On generated reports:
a property over every cell of section 三 and 四 and every confusion.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_ocr import CACHE, HONGZE, SEED, scan

from ogi import formats
from ogi.acquire import Source
from ogi.build import parse_source
from ogi.check import run_checks
from ogi.check.misread import alternatives, settle, signs
from ogi.extract import extract
from ogi.parse import Parsed, parse
from ogi.summarise import summarise
from ogi.synth import corpus

# hongze's section 四 as printed: 行政复议 (1 1 0 0 | 2), 未经复议起诉 (1 0 0 0 | 1),
# 复议后起诉 (2 0 1 0 | 3); the fifth cell, 行政复议 总计, is the one misread below
S4_ROW = "110021000120103"
TARGET = ("g3.s4.reconsideration", "total")


@pytest.fixture(scope="module", autouse=True)
def _page_cache() -> Any:
    """The OCR'd pages go to the tests' cache (as in test_ocr), which :func:`misread` copies."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OGI_OCR_CACHE", str(CACHE / "pages"))
    yield
    mp.undo()


def _s4_glyph(glyphs: list[list[Any]]) -> int | None:
    """The index of the 行政复议 总计 digit among a page's cached glyphs: the line of 15
    one-digit cells that prints hongze's section 四."""
    digits = [(i, g) for i, g in enumerate(glyphs) if g[0].isdigit()]
    for _, g in digits:
        middle = (g[2] + g[4]) / 2
        line = sorted(
            (h[1], j) for j, h in digits if abs((h[2] + h[4]) / 2 - middle) < 0.5 * (g[4] - g[2])
        )
        if "".join(glyphs[j][0] for _, j in line) == S4_ROW:
            return line[4][1]
    return None


def misread(tmp_path: Path, text: str, score: float) -> Parsed:
    """The hongze scan read from a copy of the engine's page cache in which the 行政复议
    总计 cell's digit is read as ``text`` with confidence ``score``."""
    data = scan(HONGZE.read_bytes(), SEED)
    source = Source("hongze_scan.pdf", "hongze_scan.pdf", data, hashlib.sha256(data).hexdigest())
    parse_source(source)  # every page in the tests' cache (_page_cache)
    pages = tmp_path / "pages"
    shutil.copytree(CACHE / "pages", pages)
    patched = 0
    for path in sorted(pages.glob("*/*.json")):
        glyphs = json.loads(path.read_text(encoding="utf-8"))
        at = _s4_glyph(glyphs) if not path.stem.endswith("-line") else None
        if at is not None:
            assert glyphs[at][0] == "2"
            glyphs[at][0], glyphs[at][5] = text, score
            path.write_text(json.dumps(glyphs, ensure_ascii=False), encoding="utf-8")
            patched += 1
    assert patched >= 1  # (other tests' reads of the same page, as a JPEG, are patched too)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OGI_OCR_CACHE", str(pages))
        return parse_source(source)


def cells(parsed: Parsed) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["indicator"], c["column"]): c for c in parsed.statistics}


@pytest.fixture(scope="module")
def text_layer() -> Parsed:
    data = HONGZE.read_bytes()
    return parse_source(Source(HONGZE.name, HONGZE.name, data, hashlib.sha256(data).hexdigest()))


@pytest.mark.parametrize(
    ("read_as", "score", "candidates"),
    [
        ("7", 0.96, "7 (as read), 2"),  # a 2/7 confusion, the engine fairly sure
        ("9", 0.93, "9 (as read), 2"),  # the engine unsure: any digit may be the one printed
    ],
)
def test_a_misread_that_breaks_an_identity_is_ambiguous(
    tmp_path, text_layer, read_as: str, score: float, candidates: str
) -> None:
    parsed = misread(tmp_path, read_as, score)
    got, want = cells(parsed), cells(text_layer)
    cell = got[TARGET]
    assert (cell["value"], cell["value_status"], cell["settled_by"]) == (None, "ambiguous", None)
    (note,) = [n for n in parsed.notes if n["check"] == "ocr_misread"]
    assert (note["subject"], note["status"], note["observed"]) == (
        "g3.s4.reconsideration@total",
        "ambiguous",
        int(read_as),
    )
    assert f"candidates {candidates}." in note["message"]
    assert "g23.s4_block_total (g3.s4.reconsideration)" in note["message"]
    # no value is wrong: every other cell read is the text layer's
    wrong = {
        k: (want[k]["value"], c["value"])
        for k, c in got.items()
        if c["value"] is not None and c["value"] != want[k]["value"]
    }
    assert wrong == {}
    checks = {(c["check"], c["subject"]): c for c in run_checks(parsed)}
    assert checks[("g23.s4_block_total", "g3.s4.reconsideration")]["status"] == "not_assessable"
    assert summarise(parsed)["reconsiderations"] is None  # neither the misread nor a guess


def test_a_break_between_cells_read_surely_stays_a_failing_check(tmp_path) -> None:
    """Read surely (0.999), a 7 where the outcomes add up to 2 is what the report prints."""
    parsed = misread(tmp_path, "7", 0.999)
    cell = cells(parsed)[TARGET]
    assert (cell["value"], cell["value_status"]) == (7, "printed")
    assert not [n for n in parsed.notes if n["check"] == "ocr_misread"]
    checks = {(c["check"], c["subject"]): c for c in run_checks(parsed)}
    failing = checks[("g23.s4_block_total", "g3.s4.reconsideration")]
    assert failing["status"] == "fail"
    assert "(read by OCR," in failing["message"]


def test_the_hongze_scan_has_no_misread_flagged(text_layer) -> None:
    """Unpatched, the scan's identities hold: no cell is questioned as a misread. The one row
    left empty is section 二's 行政规范性文件, where the OCR found two numbers for three cells
    (`| 3 | 0 |`): its cells are unknown (ambiguous), the check says why."""
    data = scan(HONGZE.read_bytes(), SEED)
    parsed = parse_source(Source("s.pdf", "s.pdf", data, hashlib.sha256(data).hexdigest()))
    assert not [n for n in parsed.notes if n["check"] == "ocr_misread"]
    unknown = [c for c in parsed.statistics if c["value_status"] == "ambiguous"]
    assert {(c["indicator"], c["value"], c["value_text"]) for c in unknown} == {
        ("g3.s2.normative_documents", None, "| 3 | 0 |")
    } and len(unknown) == 3
    (why,) = [n for n in parsed.notes if n["subject"] == "g3.s2.normative_documents"]
    assert "do not make one value per column" in why["message"]
    # each cell read keeps the engine's confidence; the least sure is section 二's 规章 row
    sure = {k: c["ocr_confidence"] for k, c in cells(parsed).items() if "ocr_confidence" in c}
    assert len(sure) == 183 and all(0 <= v <= 1 for v in sure.values())
    assert min(sure, key=lambda k: sure[k]) == ("g3.s2.rules", "issued")
    assert round(sure[("g3.s2.rules", "issued")], 2) == 0.94
    assert not [c for c in text_layer.statistics if c.get("ocr_confidence") is not None]


def test_a_scanned_report_that_breaks_its_arithmetic_keeps_its_failing_check() -> None:
    """A generated report printed with a fault (section 四's 未经复议直接起诉 总计 off by some),
    scanned and read by the engine: the break is the report's own, read surely, so its
    check fails and no cell is questioned — and no value is wrong."""
    syn = next(
        r
        for r in corpus(6, seed=5, fault_rate=1, forms=("pdf",), generations=(2, 3))
        if r.must_fail
    )
    assert (syn.generation, syn.fault) == (3, "s4_total_off")
    data = scan(syn.data, 1)
    parsed = parse_source(Source(syn.name, syn.name, data, hashlib.sha256(data).hexdigest()))
    checks = {(c["check"], c["subject"]): c["status"] for c in run_checks(parsed)}
    assert {k: checks.get(k) for k in syn.must_fail} == {k: "fail" for k in syn.must_fail}
    assert not [n for n in parsed.notes if n["check"] == "ocr_misread"]
    got = {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}
    assert {k: v for k, v in got.items() if v is not None} == {
        k: syn.truth[k] for k, v in got.items() if v is not None
    }


# --- the confusion logic, as properties ----------------------------------------------------

SPEC = formats.ocr()
NUMBERS = st.integers(min_value=0, max_value=10**7).map(str)


def _group(a: str, b: str) -> bool:
    return any(a in map(str, g) and b in map(str, g) for g in SPEC["confusions"])


@given(NUMBERS, st.floats(min_value=0.0, max_value=1.0))
def test_alternatives_differ_from_the_read_by_one_character(text: str, score: float) -> None:
    alts = alternatives(text, score, SPEC)
    assert len(alts) == len(set(alts)) and int(text) not in alts
    if score >= SPEC["suspect_below"]:
        assert alts == []
    for alt in alts:
        other = str(alt)
        assert len(other) == len(text) and (other == "0" or not other.startswith("0"))
        (i,) = [k for k in range(len(text)) if text[k] != other[k]]
        if score >= SPEC["unsure_below"]:
            assert _group(text[i], other[i])
    # and every such number is listed
    allowed = {
        text[:i] + d + text[i + 1 :]
        for i in range(len(text))
        for d in "0123456789"
        if d != text[i] and (score < SPEC["unsure_below"] or _group(text[i], d))
    }
    wanted = {int(a) for a in allowed if a == "0" or not a.startswith("0")}
    assert set(alts) == (wanted if score < SPEC["suspect_below"] else set())


@given(NUMBERS, NUMBERS)
def test_a_confusion_goes_both_ways(a: str, b: str) -> None:
    score = (SPEC["unsure_below"] + SPEC["suspect_below"]) / 2
    assert (int(b) in alternatives(a, score, SPEC)) == (int(a) in alternatives(b, score, SPEC))


_REPORTS: dict[tuple[int, int], Parsed] = {}
# generated web pages (every cell printed apart): generation 1's national form (seed 1) and
# provincial form (seed 2), generations 2 and 3
KINDS = [(1, 1), (1, 2), (2, 1), (3, 1)]


def _report(kind: tuple[int, int]) -> Parsed:
    if kind not in _REPORTS:
        gen, seed = kind
        syn = corpus(1, seed=seed, fault_rate=0, forms=("html",), generations=(gen,))[0]
        _REPORTS[kind] = parse(extract(Source(syn.name, syn.name, syn.data, "0" * 64)))
    return _REPORTS[kind]


_CANDIDATES = re.compile(r"candidates (.+?)\. The cell")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=20),
    st.floats(min_value=0.5, max_value=0.9899),
    st.lists(st.integers(min_value=0, max_value=10**6), max_size=8),
)
def test_a_misread_cell_is_flagged_never_a_wrong_value(
    kind: tuple[int, int], which: int, pos: int, score: float, unsure: list[int]
) -> None:
    """A generated report's cell misread by one confused character, the engine unsure of it
    (and of a few other cells): settled, the cell is empty and ambiguous with the printed value
    among its candidates, and no cell holds a value the report does not print. Read surely,
    the same misread is left to its failing check."""
    report = _report(kind)
    truth = {(c["indicator"], c["column"]): c["value"] for c in report.statistics}
    assert not [c for c in run_checks(report) if c["status"] == "fail"]
    checked = [
        i
        for i, c in enumerate(report.statistics)
        if c["table"] != "s2" and isinstance(c["value"], int) and c["value_status"] == "printed"
    ]
    i = checked[which % len(checked)]
    cell = report.statistics[i]
    mid = (SPEC["unsure_below"] + SPEC["suspect_below"]) / 2
    options = alternatives(cell["value_text"], mid, SPEC)  # a confusion of the printed text
    assume(options)
    wrong = options[pos % len(options)]
    stats = list(report.statistics)
    stats[i] = {**cell, "value": wrong, "value_text": str(wrong)}
    broken = Parsed(report=report.report, statistics=stats, notes=list(report.notes))
    assume([c for c in run_checks(broken) if c["status"] == "fail"])  # the misread shows
    spans = [(c["start"], c["end"], 1.0) for c in stats]
    for u in unsure:
        k = u % len(stats)
        spans[k] = (stats[k]["start"], stats[k]["end"], 0.97)
    spans[i] = (stats[i]["start"], stats[i]["end"], score)

    settled = settle(broken, spans)
    got = {(c["indicator"], c["column"]): c for c in settled.statistics}
    key = (cell["indicator"], cell["column"])
    assert (got[key]["value"], got[key]["value_status"]) == (None, "ambiguous")
    subject = f"{cell['indicator']}@{cell['column']}"
    (note,) = [n for n in settled.notes if n["check"] == "ocr_misread" and n["subject"] == subject]
    listed = _CANDIDATES.search(note["message"])
    assert listed is not None
    assert str(cell["value"]) in listed.group(1).replace(" (as read)", "").split(", ")
    assert {k: c["value"] for k, c in got.items() if c["value"] is not None} == {
        k: truth[k] for k, c in got.items() if c["value"] is not None
    }

    sure = [(s, e, 1.0) for s, e, _ in spans]
    # read surely: the break is the report's own (only the signs of changes are questioned)
    assert settle(broken, sure).statistics == signs(broken, sure).statistics


def test_a_change_read_by_ocr_is_flagged_with_both_signs() -> None:
    """Generation 2's 本年增/减 may be negative and no identity checks its sign: read by OCR
    (here every cell, read surely), each nonzero change is left empty with the value as read
    and its negation as candidates; a zero change, every other cell, and a report not read by
    OCR keep their values."""
    report = next(
        r for seed in range(20) for r in [_report((2, seed))] if _changes(r) and any(_changes(r))
    )
    spans = [(c["start"], c["end"], 1.0) for c in report.statistics]
    settled = settle(report, spans)
    assert settle(report, []) is report
    before = {(c["indicator"], c["column"]): c for c in report.statistics}
    after = {(c["indicator"], c["column"]): c for c in settled.statistics}
    flagged = {k for k, c in after.items() if c["value"] != before[k]["value"]}
    assert flagged == {k for k, c in before.items() if k[1] == "change" and c["value"]}
    assert all(after[k]["value_status"] == "ambiguous" for k in flagged)
    notes = {n["subject"]: n["message"] for n in settled.notes if n["check"] == "ocr_misread"}
    assert len(notes) == len(flagged)
    for indicator, column in flagged:
        value = before[(indicator, column)]["value"]
        assert (
            f"candidates {value} (as read), {-value}. The cell is left empty."
            in notes[f"{indicator}@{column}"]
        )
    gen3 = _report((3, 1))
    assert settle(gen3, [(c["start"], c["end"], 1.0) for c in gen3.statistics]) is gen3


def _changes(report: Parsed) -> list[int | float | None]:
    return [c["value"] for c in report.statistics if c["column"] == "change"]
