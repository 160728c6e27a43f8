"""Building at scale: parallel and deterministic, incremental, and guarded.

* Parsing on several cores gives the same bytes as parsing on one — the package, the manifest
  and the database file — and two builds of the same inputs give the same bytes.
* An incremental build (reports added, removed, changed, renamed; a bad file added) parses
  only what changed and gives what a build from scratch gives: the same CSV files,
  descriptor and manifest, and a database with the same content (every row of every table,
  every search answer).
* Unchanged inputs are recognised by their sha256 and are not parsed again; a build with
  nothing changed publishes nothing.
* A worker that hangs or dies costs one input, not the batch (real processes, killed).
* The package's ``created`` timestamp comes from the inputs, not from the clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pty
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED

from ogi.build import build, workers
from ogi.build.chunk import Chunk, Task, parse_chunk
from ogi.extract import ocr
from ogi.store.tables import sqlite_uri
from ogi.synth import corpus

TEXT_FORMS = ("cell_lines", "markdown", "spaces", "tabs", "none", "html")


def write_corpus(folder: Path, n: int, seed: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for syn in corpus(n, seed=seed, forms=TEXT_FORMS):
        (folder / syn.name).write_bytes(syn.data)
        names.append(syn.name)
    return names


def files(root: Path) -> dict[str, str]:
    """sha256 of every published file but the database."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "ogi.db"
    }


def db_content(db: Path) -> dict[str, Any]:
    """Everything in a database but where SQLite put it: the schema, every row of every table
    and view in primary-key order, and the answers of every search table."""
    conn = sqlite3.connect(sqlite_uri(db, mode="ro"), uri=True)
    out: dict[str, Any] = {
        "schema": sorted(
            conn.execute(
                "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%'"
            ).fetchall()
        ),
        "user_version": conn.execute("pragma user_version").fetchone(),
    }
    names = [
        r[0]
        for r in conn.execute(
            "select name from sqlite_master where type in ('table', 'view') "
            "and name not like 'sqlite_%' and name not like '%_fts%'"
        )
    ]
    for name in names:
        out[name] = sorted(map(repr, conn.execute(f'select * from "{name}"')))
    for (fts,) in conn.execute(
        "select name from sqlite_master where type = 'table' and sql like '%using fts5%'"
    ):
        base = fts[: -len("_fts")]
        pk = [r[1] for r in conn.execute(f'pragma table_info("{base}")') if r[5]]
        keys = ", ".join(f'b."{k}"' for k in pk)
        for term in ('"公 开"', '"政 府"', '"申 请"', '"12345"', '"满 意 率"', '"办 公 室"'):
            out[f"{fts} {term}"] = sorted(
                map(
                    repr,
                    conn.execute(
                        f'select {keys} from "{base}" b where b.rowid in '
                        f'(select rowid from "{fts}" where "{fts}" match ?)',
                        [term],
                    ),
                )
            )
    conn.close()
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("scale") / "raw"
    write_corpus(raw, 30, seed=11)
    shutil.copy(SEED, raw / SEED.name)
    return raw


def test_parallel_build_is_byte_identical_to_serial(inputs: Path, tmp_path: Path) -> None:
    one = build([inputs], tmp_path / "one", jobs=1)
    two = build([inputs], tmp_path / "two", jobs=2)
    build([inputs], tmp_path / "again", jobs=2)
    assert one.reports == two.reports == 31 and not one.rejected
    assert files(tmp_path / "one") == files(tmp_path / "two") == files(tmp_path / "again")
    dbs = {
        hashlib.sha256((tmp_path / d / "build" / "ogi.db").read_bytes()).hexdigest()
        for d in ("one", "two", "again")
    }
    assert len(dbs) == 1  # the database file itself, byte for byte


def test_incremental_build_equals_a_build_from_scratch(inputs: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(inputs, raw)
    out = tmp_path / "out"
    first = build([raw], out)
    assert (first.incremental, first.parsed) == (False, 31)
    inode = os.stat(out / "build" / "ogi.db").st_ino

    names = sorted(p.name for p in raw.iterdir())
    write_corpus(tmp_path / "more", 3, seed=12)
    for p in sorted((tmp_path / "more").iterdir()):  # added, one in the middle by name
        shutil.copy(p, raw / p.name.replace("synthetic_", "synthetic_0000x_"))
    (raw / names[3]).unlink()  # removed
    changed = raw / names[5]  # changed (same name, other bytes)
    changed.write_bytes(changed.read_bytes().replace("一、".encode(), "一、 ".encode(), 1))
    os.rename(raw / names[7], raw / ("renamed_" + names[7]))  # renamed: a new name is a new key
    (raw / "zz-empty.txt").write_bytes(b"")  # rejected

    second = build([raw], out)
    assert second.incremental
    # nothing had the database open: it was updated where it is, not copied
    assert second.in_place and os.stat(out / "build" / "ogi.db").st_ino == inode
    assert sorted(os.listdir(out / "build")) == [
        "manifest.json",
        "ogi.db",
        "parquet-digests.json",
        "seen.json",
    ]  # no journal left
    assert second.parsed == 3 + 1 + 1  # added, changed, renamed; the others reused
    assert second.reused == 31 - 3 and len(second.rejected) == 1

    scratch = build([raw], tmp_path / "scratch", full=True)
    assert (scratch.incremental, scratch.parsed) == (False, 33)
    assert files(out) == files(tmp_path / "scratch")
    assert db_content(out / "build" / "ogi.db") == db_content(
        tmp_path / "scratch" / "build" / "ogi.db"
    )
    assert second.counts == scratch.counts

    (raw / "zz-empty.txt").unlink()  # back to no rejected file: the rejects table empties
    third = build([raw], out)
    assert third.incremental and third.parsed == 0 and not third.rejected
    assert db_content(out / "build" / "ogi.db")["rejects"] == []


def test_paths_that_look_like_uri_syntax(tmp_path: Path) -> None:
    """An output folder whose path holds ``?``, ``#``, ``%``, spaces or Chinese: SQLite opens
    the build's databases by URI (read-only), so these are escaped; the incremental build
    updates the database as in any folder."""
    root = tmp_path / "a?b#c %41 政府"
    raw, out = root / "raw", root / "out"
    write_corpus(raw, 3, seed=15)
    build([raw], out)
    shutil.copy(SEED, raw / SEED.name)
    again = build([raw], out)
    assert again.in_place and again.parsed == 1 and again.reports == 4
    build([raw], root / "scratch", full=True)
    assert files(out) == files(root / "scratch")
    content = db_content(out / "build" / "ogi.db")
    assert len(content["reports"]) == 4
    assert content == db_content(root / "scratch" / "build" / "ogi.db")
    assert sorted(os.listdir(root)) == ["out", "raw", "scratch"]  # no file made by a bad URI


@pytest.mark.parametrize("reader", ["sqlite3", "site"])
def test_a_database_in_use_is_never_changed(inputs: Path, tmp_path: Path, reader: str) -> None:
    """While a process reads the published database — a program holding it open immutable,
    or the site (``ogi serve`` opens it at start) — an incremental build leaves that file
    as it is: the reader goes on reading the previous build, whole, and the new build is
    published as a new file."""
    raw = tmp_path / "raw"
    shutil.copytree(inputs, raw)
    out = tmp_path / "out"
    build([raw], out)
    db = out / "build" / "ogi.db"
    before = db_content(db)
    inode = os.stat(db).st_ino
    sql = "select count(*), group_concat(report_id) from (select report_id from reports order by 1)"
    if reader == "sqlite3":
        conn = sqlite3.connect(sqlite_uri(db, immutable="1"), uri=True, check_same_thread=False)
        ask: Callable[[], Any] = lambda: conn.execute(sql).fetchone()  # noqa: E731
    else:
        from ogi.serve.app import make_datasette

        database = make_datasette(out).get_database("ogi")
        ask = lambda: tuple(asyncio.run(database.execute(sql)).first())  # noqa: E731
    seen = ask()
    assert seen[0] == 31
    (raw / sorted(os.listdir(raw))[0]).unlink()
    write_corpus(tmp_path / "more", 1, seed=13)
    for p in (tmp_path / "more").iterdir():
        shutil.copy(p, raw / ("added_" + p.name))

    again = build([raw], out)
    assert again.incremental and again.parsed == 1 and not again.in_place
    assert ask() == seen  # the reader's file is unchanged
    assert os.stat(db).st_ino != inode
    after = db_content(db)
    assert after["reports"] != before["reports"] and len(after["reports"]) == 31
    build([raw], tmp_path / "scratch", full=True)
    assert after == db_content(tmp_path / "scratch" / "build" / "ogi.db")


def test_nothing_changed_publishes_nothing(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([inputs], out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build([inputs], out)
    assert again.incremental and (again.parsed, again.reused) == (0, 31)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_a_touched_file_is_read_again_but_not_parsed(inputs: Path, tmp_path: Path) -> None:
    """A new modification time makes the build read the file again; the same sha256 means it
    is not parsed again."""
    raw = tmp_path / "raw"
    shutil.copytree(inputs, raw)
    out = tmp_path / "out"
    build([raw], out)
    target = next(raw.iterdir())
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
    again = build([raw], out)
    assert again.incremental and again.parsed == 0


def test_created_comes_from_the_inputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([SEED], out)
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["created"] == "2026-11-26T00:00:00Z"  # the seed's provenance: retrieved
    raw = tmp_path / "raw"
    write_corpus(raw, 2, seed=1)  # no provenance, no publication date: no created
    build([raw], tmp_path / "synthetic")
    desc = json.loads((tmp_path / "synthetic" / "datapackage.json").read_text(encoding="utf-8"))
    assert "created" not in desc


# ---------------------------------------------------------------------------------------------
# The watch over the workers. The work functions are real: one sleeps, one kills its own
# process, as a parser stuck in a loop or killed for its memory would.


def _hangs_on(name: str) -> Callable[[Task, Callable[[int], None]], Chunk]:
    def work(task: Task, starting: Callable[[int], None]) -> Chunk:
        def guarded(pos: int) -> None:
            starting(pos)
            if dict(task.items)[pos].endswith(name):
                time.sleep(3600)

        return parse_chunk(task, guarded)

    return work


def _dies_on(name: str) -> Callable[[Task, Callable[[int], None]], Chunk]:
    def work(task: Task, starting: Callable[[int], None]) -> Chunk:
        def guarded(pos: int) -> None:
            starting(pos)
            if dict(task.items)[pos].endswith(name):
                os.kill(os.getpid(), signal.SIGKILL)

        return parse_chunk(task, guarded)

    return work


@pytest.mark.parametrize(
    ("work", "problem"),
    [
        (_hangs_on, "took more than 20 s to parse, so it was stopped"),
        (_dies_on, "stopped the parser (its process ended with signal 9, out of memory?)"),
    ],
    ids=["hangs", "dies"],
)
def test_a_stuck_or_dead_worker_costs_one_input(
    inputs: Path, tmp_path: Path, work: Callable[[str], Any], problem: str
) -> None:
    paths = sorted(str(p) for p in inputs.iterdir())
    bad = Path(paths[4]).name
    tasks = [
        Task(i, [(pos, p) for pos, p in enumerate(paths) if pos // 8 == i], str(tmp_path))
        for i in range(4)
    ]
    chunks = workers.parse(tasks, 2, time_limit=20, work=work(bad))
    outcomes = [o for c in chunks for o in c.outcomes]
    assert [o.pos for o in outcomes] == list(range(len(paths)))
    rejected = [(o.path, o.reject) for o in outcomes if o.reject]
    assert rejected == [(paths[4], (problem, workers.REMEDY))]
    assert all(o.report_id for o in outcomes if o.pos != 4)


def _reads_pages(
    name: str, pages: int, told: bool
) -> Callable[[Task, Callable[[int], None]], Chunk]:
    """A worker that, before parsing ``name``, reads ``pages`` pages, 2.5 s each — telling
    each page to the OCR stage's hook as the page reader does (``told``), or not."""

    def work(task: Task, starting: Callable[[int], None]) -> Chunk:
        def guarded(pos: int) -> None:
            starting(pos)
            if dict(task.items)[pos].endswith(name):
                for _ in range(pages):
                    time.sleep(2.5)
                    if told:
                        ocr.page_done()

        return parse_chunk(task, guarded)

    return work


@pytest.mark.parametrize("told", [True, False], ids=["page by page", "no page told"])
def test_the_time_limit_of_a_scan_is_counted_per_page(
    inputs: Path, tmp_path: Path, told: bool
) -> None:
    """Four pages read by OCR, 2.5 s each, under a 6 s limit: an input whose pages are told
    as they are read is given the limit for each page, and is parsed; without them (a file
    that is not a scan), the same 10 s stop it."""
    paths = sorted(str(p) for p in inputs.iterdir())[:6]
    scan = Path(paths[2]).name
    tasks = [Task(i, [(pos, p)], str(tmp_path)) for i, (pos, p) in enumerate(enumerate(paths))]
    seen: list[int] = []
    chunks = workers.parse(
        tasks, 2, time_limit=6, work=_reads_pages(scan, 4, told), pages=seen.append
    )
    rejected = [(o.path, o.reject) for c in chunks for o in c.outcomes if o.reject]
    if told:
        assert rejected == [] and seen == [1] * 4
    else:
        problem = "took more than 6 s to parse, so it was stopped"
        assert rejected == [(paths[2], (problem, workers.REMEDY))] and seen == []


# ---------------------------------------------------------------------------------------------
# Progress: a bar on a terminal, nothing otherwise.


def _run_on_a_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run ``ogi`` with a pseudo-terminal as stderr; its exit status and what it drew."""
    master, slave = pty.openpty()
    ogi = Path(sys.executable).parent / "ogi"
    proc = subprocess.Popen([str(ogi), *args], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(timeout=600), drawn


def test_progress_bar_on_a_terminal_only(inputs: Path, tmp_path: Path) -> None:
    code, drawn = _run_on_a_terminal(["build", str(inputs), "--out", str(tmp_path / "tty")])
    assert code == 0
    text = drawn.decode("utf-8", errors="replace")
    assert "parsing" in text and "reports/s" in text and "left" in text
    ogi = Path(sys.executable).parent / "ogi"
    piped = subprocess.run(
        [str(ogi), "build", str(inputs), "--out", str(tmp_path / "pipe")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (piped.returncode, piped.stderr) == (0, "")
