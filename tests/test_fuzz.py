"""Fuzzing the reader: random and mutated reports never crash it and never hang it.

The contract of ``parse(extract(source))`` (and of the checks and the summary after it): a
report comes out, or the documented ``InputError`` says why not — nothing else, and within a
bounded time. Hypothesis feeds it random text made of what reports are made of (numerals,
section markers, table pipes, document numbers, units) and real reports mutated (spans cut,
doubled, moved, replaced; lines swapped; the file cut short; re-encoded). Each example runs
under a watchdog: an alarm that fails it if it spends more than ``BOUND`` seconds of CPU — a
bound against hangs, not a timing (CPU time, so a loaded machine cannot fail it).

Large pathological inputs (10 MB: ten million blank lines, five million numbers in one
sentence, a million section markers on one line …) are read in a separate process with a
memory limit and must finish within ``BOUND_LARGE`` seconds of CPU: read as a report, or refused as
not a report when they hold more figures, citations or section numbers than a report holds
(``limits`` in formats/layout.yml). A build that meets a slower file still stops it at its
time limit and rejects it, and the batch completes (tests/test_batch.py).
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi import package
from ogi.acquire import Source
from ogi.build.chunk import report_rows
from ogi.check import run_checks
from ogi.errors import InputError
from ogi.extract import extract
from ogi.package.report_check import check_report
from ogi.parse import parse
from ogi.summarise import summarise
from ogi.synth import corpus

BOUND = 30  # seconds one small input may take (they take milliseconds)
HEAD = "某区2019年政府信息公开工作年度报告\n"
PIECES = [
    *"一二三四五六七八九十百千万两零〇",
    *"（）()、.．:：|｜-—《》〔〕[]【】",
    *"0123456789０１２３",
    *"第号条件项次年月日个%％约余多近逾",
    "政府信息公开",
    "主动公开",
    "依申请公开",
    "受理",
    "答复",
    "行政复议",
    "行政诉讼",
    "其中",
    "合计",
    "总计",
    "本年",
    "历年累计",
    "单位",
    "国办公开办函〔2019〕60号",
    "榕晋政办〔2018〕133号",
    "《中华人民共和国政府信息公开条例》",
    "一、",
    "（一）",
    "1.",
    "（1）",
    "| 1 | 2 |",
    "\n",
    "\n\n",
    " ",
    "\t",
    "，",
    "。",
    "；",
    "\u3000",
    "\ufeff",
]

text_pieces = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=400).map(
    "".join
)


class Hang(Exception):
    pass


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    def ring(*_: Any) -> None:
        raise Hang(f"no answer in {seconds} s")

    # CPU time, not wall time (ITIMER_PROF): a loaded machine makes a test slower, never
    # makes it fail; a parser that loops still spends CPU and is stopped.
    old = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def read(data: bytes, name: str = "fuzz.txt") -> dict[str, list[dict[str, Any]]] | None:
    """What a build reads from ``data``: the report's rows, or None for an InputError."""
    source = Source(name, name, data, hashlib.sha256(data).hexdigest())
    with watchdog(BOUND):
        try:
            parsed = parse(extract(source))
        except InputError:
            return None
        run_checks(parsed)
        summarise(parsed)
        return report_rows(parsed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=text_pieces, head=st.booleans(), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_random_text(text: str, head: bool, encoding: str) -> None:
    """Random report-like text: a report or an InputError, never another exception."""
    read(((HEAD if head else "") + text).encode(encoding, errors="replace"))


def _reports() -> list[str]:
    texts = [SEED.read_text(encoding="utf-8")]
    forms = ("cell_lines", "markdown", "spaces", "tabs", "none")
    texts += [syn.text for syn in corpus(10, seed=9, forms=forms)]
    return texts


REPORTS = _reports()


@st.composite
def mutated(draw: Callable[..., Any]) -> str:
    text = draw(st.sampled_from(REPORTS))
    for _ in range(draw(st.integers(1, 6))):
        n = len(text)
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 400)))
        op = draw(st.sampled_from(["cut", "double", "insert", "replace", "swap", "truncate"]))
        if op == "cut":
            text = text[:a] + text[b:]
        elif op == "double":
            text = text[:b] + text[a:b] + text[b:]
        elif op == "insert":
            text = text[:a] + draw(text_pieces) + text[a:]
        elif op == "replace":
            text = text[:a] + draw(text_pieces) + text[b:]
        elif op == "swap":
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            text = text[:a]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_mutated_reports(text: str, encoding: str) -> None:
    """Real reports, mutated: a report or an InputError, never another exception."""
    read(text.encode(encoding, errors="replace"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated())
def test_mutated_reports_give_rows_the_package_accepts(text: str) -> None:
    """What the parser makes of a mutated report keeps the package's rules (its schemas,
    its keys within the report, the domain rules) — else a build rejects the report."""
    rows = read(text.encode("utf-8"))
    if rows is not None:
        cells = {name: package.texts(name, r) for name, r in rows.items()}
        assert check_report(cells) == []


def test_a_table_printed_twice_keeps_the_keys_unique() -> None:
    (syn,) = corpus(1, seed=2, forms=("cell_lines",), generations=(1,))
    start, end = syn.text.index("指 标 名 称"), syn.text.index("扫一扫")
    rows = read((syn.text[:end] + syn.text[start:end] + syn.text[end:]).encode("utf-8"))
    assert rows is not None
    cells = {name: package.texts(name, r) for name, r in rows.items()}
    assert check_report(cells) == []


def test_a_table_cut_short_then_printed_whole() -> None:
    """Found by the property test above: the provincial table (cells set apart by spaces)
    begins, breaks off after one row, and is printed again whole: the header printed again
    is no row, and each row is read once."""
    (syn,) = corpus(1, seed=2, forms=("spaces",), generations=(1,))
    start = syn.text.index("指 标 名 称")
    cut = syn.text.index("\n", syn.text.index("\n", start) + 1)  # the header and one row
    text = syn.text[:start] + syn.text[start:cut] + "\n" + syn.text[start:]
    rows = read(text.encode("utf-8"))
    assert rows is not None
    cells = {name: package.texts(name, r) for name, r in rows.items()}
    assert check_report(cells) == []
    whole = read(syn.data)
    assert whole is not None
    assert _values(rows) == _values(whole) and len(_values(rows)) == 30


def _values(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[Any, ...]]:
    return [(c["indicator"], c["column"], c["value"]) for c in rows["statistics"]]


def test_a_table_cut_short_inside_a_row_then_printed_whole() -> None:
    """One cell per line: the first printing stops inside a row (its numbers missing);
    the row of the complete printing is read."""
    (syn,) = corpus(1, seed=2, forms=("cell_lines",), generations=(1,))
    start = syn.text.index("指 标 名 称")
    cut = syn.text.index("条 |", start) + len("条 |\n")  # the header, a label and its unit
    text = syn.text[:start] + syn.text[start:cut] + syn.text[start:]
    rows, whole = read(text.encode("utf-8")), read(syn.data)
    assert rows is not None and whole is not None
    assert _values(rows) == _values(whole) and len(_values(rows)) == 30


@pytest.mark.parametrize("form", ["spaces", "markdown"])
def test_a_row_printed_again_with_other_numbers_is_left_empty(form: str) -> None:
    """The table printed twice, a row with other numbers the second time: neither printing
    is taken; the cells are empty (ambiguous) and a check shows both."""
    (syn,) = corpus(1, seed=2, forms=(form,), generations=(1,))
    start, end = syn.text.index("指 标 名 称"), syn.text.index("扫一扫")
    row = next(ln for ln in syn.text[start:end].splitlines() if "行政复议数" in ln)
    last = max(i for i, ch in enumerate(row) if ch.isdigit())
    other = row[:last] + str((int(row[last]) + 1) % 10) + row[last + 1 :]
    again = syn.text[start:end].replace(row, other)
    rows = read((syn.text[:end] + again + syn.text[end:]).encode("utf-8"))
    assert rows is not None
    cells = {name: package.texts(name, r) for name, r in rows.items()}
    assert check_report(cells) == []
    assert [
        (c["value"], c["value_status"])
        for c in rows["statistics"]
        if c["indicator"] == "g1.reconsiderations"
    ] == [(None, "ambiguous")] * 2
    (check,) = [
        c
        for c in rows["checks"]
        if c["subject"] == "g1.reconsiderations" and c["check"] == "table_printed_twice"
    ]
    assert check["status"] == "ambiguous"
    assert "printed twice with different numbers" in check["message"]
    assert _values(rows) == [
        v if v[0] != "g1.reconsiderations" else (*v[:2], None) for v in _values(read(syn.data))
    ]


def test_a_report_without_a_year_is_an_input_error() -> None:
    text = SEED.read_text(encoding="utf-8")
    for year in ("2018", "2019", "2017", "二〇一八", "二○一八"):
        text = text.replace(year, "")
    rows = read(text.encode("utf-8"))
    assert rows is None or rows["reports"][0]["year"] is not None


# ---------------------------------------------------------------------------------------------
# Ten megabytes of pathological text, each in its own process (memory limit 3 GB).

MB = 10 * 1024 * 1024
OPENING = "某区2019年政府信息公开工作年度报告\n一、总体情况\n本机关主动公开政府信息，依申请公开。\n"


def _ten_mb(piece: str) -> str:
    return OPENING + piece * (MB // len(piece.encode()) + 1)


# Each input and what reading it gives: a report, or the InputError of a text holding more
# than a report holds (``limits`` in formats/layout.yml).
NOT_A_REPORT = "InputError: x: looks like not a report: it holds more than"
LARGE = {
    "book-title marks never closed": (_ten_mb("《"), "report"),
    "spaces": (_ten_mb(" "), "report"),
    "blank lines": (_ten_mb("\n"), "report"),
    # a table printed column by column (plain pdftotext) starts at its header's first cell
    "a column table's header, then blank lines": (
        _ten_mb("\n").replace("\n\n", "\n指标名称\n", 1),
        "report",
    ),
    "document numbers": (_ten_mb("榕晋政办〔2018〕1号，"), f"{NOT_A_REPORT} 20,000 numbers"),
    "book titles": (_ten_mb("《条例》"), f"{NOT_A_REPORT} 10,000 citations"),
    "one sentence of numbers": (_ten_mb("1 "), f"{NOT_A_REPORT} 20,000 numbers"),
    "section markers on one line": (_ten_mb("（一）"), f"{NOT_A_REPORT} 10,000 section numbers"),
}
BOUND_LARGE = 20  # CPU seconds for ten megabytes (they take one to two on one core)
HANG = 900  # wall seconds after which the process is taken to hang (a guard only)


RUNNER = textwrap.dedent(
    """
    import hashlib, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[2]), resource.RLIM_INFINITY))
    from ogi.acquire import Source
    from ogi.check import run_checks
    from ogi.errors import InputError
    from ogi.extract import extract
    from ogi.parse import parse
    from ogi.summarise import summarise
    data = open(sys.argv[1], "rb").read()
    try:
        p = parse(extract(Source("x", "x.txt", data, hashlib.sha256(data).hexdigest())))
        run_checks(p)
        summarise(p)
        print("report")
    except InputError as e:
        print("InputError:", e)
    """
)


@pytest.mark.parametrize("kind", list(LARGE))
def test_ten_megabytes_of_pathological_text(kind: str, tmp_path: Path) -> None:
    text, expected = LARGE[kind]
    path = tmp_path / "large.txt"
    path.write_bytes(text.encode())
    assert path.stat().st_size >= MB
    try:
        proc = subprocess.run(
            [sys.executable, "-c", RUNNER, str(path), str(BOUND_LARGE)],
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer in {HANG} s")
    # The bound is CPU time (RLIMIT_CPU: SIGXCPU), so a loaded machine cannot fail the test.
    assert proc.returncode != -signal.SIGXCPU, f"more than {BOUND_LARGE} s of CPU"
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith(expected), proc.stdout[:300]
