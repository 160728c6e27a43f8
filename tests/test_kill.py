"""A build killed with SIGKILL at any moment never corrupts what was published.

Build A is published; then ``ogi build`` of other inputs (B: reports added, removed, changed)
runs as a real process and is killed with SIGKILL at moments spread over its whole run —
parsing, writing the package, validating, loading, publishing — once as a full build and once
as an incremental one (which updates the database in place). After each kill, and the
recovery every command runs first, the output folder holds build A or build B, whole: every
published file byte for byte, a database with exactly that build's content that passes
SQLite's integrity check, a package frictionless finds valid, no staging folder and no journal
left. The next build then completes and gives B.

The crash windows of publishing are also hit on purpose: the publication is driven step by
step (journal written, database renamed, then each file) and recovery is run after each step.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED
from test_scale import db_content, write_corpus

from ogi.build import publish
from ogi.errors import OgiError
from ogi.package.validate import frictionless_errors

OGI = Path(sys.executable).parent / "ogi"
KILLS = 6  # per kind of build


def published(out: Path) -> dict[str, str]:
    """sha256 of every file in the output folder but the database, and what is left over."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "ogi.db"
    }


def state(out: Path) -> tuple[dict[str, str], dict[str, Any]]:
    return published(out), db_content(out / "build" / "ogi.db")


def ogi_build(raw: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(OGI), "build", str(raw), "--out", str(out), "--jobs", "2", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Inputs A and B, their builds (as references), and how long a build of B takes."""
    root = tmp_path_factory.mktemp("kill")
    raw_a = root / "a"
    names = write_corpus(raw_a, 24, seed=21)
    shutil.copy(SEED, raw_a / SEED.name)
    raw_b = root / "b"
    shutil.copytree(raw_a, raw_b)
    write_corpus(root / "more", 4, seed=22)
    for p in (root / "more").iterdir():
        shutil.copy(p, raw_b / ("b_" + p.name))
    for name in names[:2]:
        (raw_b / name).unlink()
    changed = raw_b / names[5]
    changed.write_bytes(changed.read_bytes().replace("一、".encode(), "一、 ".encode(), 1))
    refs = {}
    for name, raw in (("a", raw_a), ("b", raw_b)):
        out = root / f"ref-{name}"
        assert subprocess.run([str(OGI), "build", str(raw), "--out", str(out)]).returncode == 0
        refs[name] = state(out)
    assert refs["a"] != refs["b"]
    seconds = {}
    for kind, extra in (("full", ["--full"]), ("incremental", [])):
        out = root / f"timing-{kind}"
        shutil.copytree(root / "ref-a", out)
        t = time.monotonic()
        assert ogi_build(raw_b, out, *extra).wait(timeout=600) == 0
        seconds[kind] = time.monotonic() - t
        assert state(out) == refs["b"]
    return {"root": root, "a": raw_a, "b": raw_b, "refs": refs, "seconds": seconds}


def assert_whole(out: Path, refs: dict[str, Any]) -> str:
    """The folder holds build A or build B, whole; which one."""
    assert not (out / publish.JOURNAL).exists()
    assert not list(out.glob(publish.STAGING_PREFIX + "*"))
    conn = sqlite3.connect(out / "build" / "ogi.db")
    assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
    conn.close()
    now = state(out)
    which = [name for name, ref in refs.items() if ref == now]
    assert which, "the output folder is neither the previous build nor the new one"
    assert frictionless_errors(out / "datapackage.json") == []
    return which[0]


def seen_by_a_reader(out: Path, refs: dict[str, Any]) -> str:
    """What a reader that is not ogi finds in the folder, before any recovery: "journal"
    while the publication journal is there (the folder is not a build to read), else the
    build it holds, whole (a reader's SQLite rolls back what a killed update left)."""
    if (out / publish.JOURNAL).exists():
        return "journal"
    sqlite3.connect(out / "build" / "ogi.db").close()  # as any reader's sqlite3 does
    files = {
        rel: digest
        for rel, digest in published(out).items()
        if not rel.startswith(publish.STAGING_PREFIX) and not rel.endswith("ogi.db-journal")
    }
    now = (files, db_content(out / "build" / "ogi.db"))
    which = [name for name, ref in refs.items() if ref == now]
    assert which, "no journal, and the folder is neither the previous build nor the new one"
    return which[0]


@pytest.mark.parametrize("kind", ["full", "incremental"])
def test_sigkill_at_random_moments(builds: dict[str, Any], kind: str) -> None:
    root, refs = builds["root"], builds["refs"]
    rng = random.Random(20181231 + len(kind))
    extra = ["--full"] if kind == "full" else []
    seen = []
    for i in range(KILLS):
        out = root / f"{kind}-{i}"
        shutil.copytree(root / "ref-a", out)
        # moments spread over the whole build, each at a random place in its own slice
        delay = builds["seconds"][kind] * (i + rng.random()) / KILLS
        proc = ogi_build(builds["b"], out, *extra)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        seen_by_a_reader(out, refs)  # a reader that is not ogi is told, or reads one build
        with publish.locked(out):  # what every command does first
            publish.recover(out)
        seen.append(assert_whole(out, refs))
        assert ogi_build(builds["b"], out).wait(timeout=600) == 0  # the next build completes
        assert state(out) == refs["b"]
        shutil.rmtree(out)
    assert seen[0] == "a"  # killed early: nothing of B published


def _staged_b(root: Path, out: Path) -> tuple[Path, list[Path], int]:
    """A staging folder in ``out`` holding build B, as a full build leaves it before
    publishing: its files, and the stamp of its database."""
    staging = publish.stage(out)
    ref_b = root / "ref-b"
    files = [
        p.relative_to(ref_b)
        for p in sorted(ref_b.rglob("*"))
        if p.is_file() and p.relative_to(ref_b) != publish.DB
    ]
    for rel in [publish.DB, *files]:
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ref_b / rel, staging / rel)
    stamp = publish.db_stamp(staging / publish.DB)
    assert stamp is not None
    return staging, [publish.DB, *files], stamp


def test_recovery_after_each_step_of_publishing(builds: dict[str, Any]) -> None:
    root, refs = builds["root"], builds["refs"]
    steps = sum(1 for p in (root / "ref-b").rglob("*") if p.is_file())
    for done in range(-1, steps + 1):  # -1: killed before the journal was written
        out = root / f"steps-{done}"
        shutil.copytree(root / "ref-a", out)
        staging, files, stamp = _staged_b(root, out)
        if done >= 0:
            publish.write_journal(out, staging, files, stamp)
            publish.move(staging, out, files[:done])
        with publish.locked(out):
            publish.recover(out)
        expected = "a" if done < 1 else "b"  # the database's rename is the commit point
        assert assert_whole(out, refs) == expected, done
        shutil.rmtree(out)


def test_a_reader_that_is_not_ogi_reads_one_build_whole_at_every_step(
    builds: dict[str, Any],
) -> None:
    """A publication driven step by step as :func:`ogi.build.publish.commit_by_rename` does
    it (journal, database, every file, ``datapackage.json`` last, journal gone). A kill at
    any step leaves a folder that a reader sees as one build, whole, or as not to be read
    (the journal); and a reader that checks :func:`ogi.build.publish.published_build` before
    and after it reads (:func:`ogi.build.publish.read_whole`) accepts only reads during
    which nothing it could read changed."""
    root, refs = builds["root"], builds["refs"]
    out = root / "reader"
    shutil.copytree(root / "ref-a", out)
    staging, files, stamp = _staged_b(root, out)
    last = Path("datapackage.json")
    files = [publish.DB, *(f for f in files if f not in (publish.DB, last)), last]
    steps: list[tuple[Any, str]] = []

    def step() -> None:
        steps.append((publish.published_build(out), seen_by_a_reader(out, refs)))

    step()
    inodes = publish.write_journal(out, staging, files, stamp)
    step()
    for f in files:
        publish.move(staging, out, [f], inodes)
        step()
    with pytest.raises(OgiError, match="was killed while it published"):
        publish.read_whole(out, lambda o: "read", wait=0)
    publish.finish(out, staging)
    step()
    seen = [what for _, what in steps]
    assert seen == ["a", *["journal"] * (len(files) + 1), "b"]
    for j, (key_j, _) in enumerate(steps):
        for k in range(j, len(steps)):
            if key_j is not None and steps[k][0] == key_j:  # the reader accepts its read
                assert {what for _, what in steps[j : k + 1]} == {seen[j]}, (j, k)
    assert publish.read_whole(out, lambda o: publish.db_stamp(o / publish.DB)) == stamp


def test_a_journal_cut_short_is_ignored(builds: dict[str, Any]) -> None:
    root, refs = builds["root"], builds["refs"]
    out = root / "cut-journal"
    shutil.copytree(root / "ref-a", out)
    staging, files, stamp = _staged_b(root, out)
    publish.write_journal(out, staging, files, stamp)
    journal = out / publish.JOURNAL
    journal.write_bytes(journal.read_bytes()[:20])
    with publish.locked(out):
        publish.recover(out)
    assert assert_whole(out, refs) == "a"


def test_commands_recover_first(builds: dict[str, Any]) -> None:
    """``ogi validate`` finishes a publication a killed build committed."""
    root, refs = builds["root"], builds["refs"]
    out = root / "validate-recovers"
    shutil.copytree(root / "ref-a", out)
    staging, files, stamp = _staged_b(root, out)
    publish.write_journal(out, staging, files, stamp)
    publish.move(staging, out, files[:3])
    result = subprocess.run(
        [str(OGI), "validate", str(out)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert assert_whole(out, refs) == "b"
    assert sorted(os.listdir(out / "build")) == [
        "manifest.json",
        "ogi.db",
        "parquet-digests.json",
        "seen.json",
    ]


def test_a_replaced_file_is_exchanged_and_never_put_back(tmp_path: Path) -> None:
    """Publishing exchanges a staged file with the published one (the old one lands in the
    staging folder); a recovery after that point does not exchange them back — the journal's
    inode numbers tell the staged file from the old one."""
    out, staging = tmp_path / "out", tmp_path / "out" / ".ogi-build-x"
    (staging / "data").mkdir(parents=True)
    (out / "data").mkdir(exist_ok=True)
    (out / "data" / "a.csv").write_text("old\n")
    (staging / "data" / "a.csv").write_text("new\n")
    (staging / "data" / "b.csv").write_text("new b\n")  # nothing published to replace
    files = [Path("data/a.csv"), Path("data/b.csv")]
    inodes = publish.write_journal(out, staging, files, stamp=1)
    publish.move(staging, out, files[:1], inodes)  # killed after the first file
    assert (out / "data" / "a.csv").read_text() == "new\n"
    assert os.stat(out / "data" / "a.csv").st_ino == inodes["data/a.csv"]
    if (staging / "data" / "a.csv").exists():  # exchanged (Linux): the old file is staged
        assert (staging / "data" / "a.csv").read_text() == "old\n"
    publish.move(staging, out, files, inodes)  # what recovery does: the rest, once
    assert (out / "data" / "a.csv").read_text() == "new\n"
    assert (out / "data" / "b.csv").read_text() == "new b\n"
    publish.finish(out, staging)
    assert not staging.exists()


KILL_AT = """
import os, signal, sys
from pathlib import Path
import ogi.{module} as module
real = module.{function}
def stop(*args, **kwargs):
    if {after}:
        real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
module.{function} = stop
from ogi.build import build
build([Path(sys.argv[1])], Path(sys.argv[2]))
"""


@pytest.mark.parametrize(
    ("module", "function", "after", "expected"),
    [
        ("store.update", "_replace", False, "a"),  # in the middle of the update
        ("build.publish", "write_journal", True, "a"),  # the journal written, COMMIT not yet
        ("build.publish", "commit_in_place", False, "b"),  # COMMIT done, the files not yet moved
    ],
)
def test_a_kill_around_the_commit_of_an_update_in_place(
    builds: dict[str, Any], module: str, function: str, after: bool, expected: str
) -> None:
    """An incremental build updates the published database in place (nothing has it open):
    killed before its COMMIT, the database rolls back and the previous build is whole; killed
    after it, the recovery finishes the publication."""
    root, refs = builds["root"], builds["refs"]
    out = root / f"in-place-{function}"
    shutil.copytree(root / "ref-a", out)
    inode = os.stat(out / publish.DB).st_ino
    code = KILL_AT.format(module=module, function=function, after=after)
    proc = subprocess.run([sys.executable, "-c", code, str(builds["b"]), str(out)], timeout=300)
    assert proc.returncode == -signal.SIGKILL
    with publish.locked(out):
        publish.recover(out)
    assert assert_whole(out, refs) == expected  # also: no journal of SQLite's left over
    assert os.stat(out / publish.DB).st_ino == inode  # updated in place, or not at all
    assert ogi_build(builds["b"], out).wait(timeout=600) == 0
    assert assert_whole(out, refs) == "b"


def test_one_build_at_a_time(builds: dict[str, Any]) -> None:
    """While a process holds the output folder's lock, ``ogi build`` waits a moment, then
    stops with one line and leaves the published build as it is."""
    root, refs = builds["root"], builds["refs"]
    out = root / "locked"
    shutil.copytree(root / "ref-a", out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from ogi.build import publish\n"
            "with publish.locked(Path(sys.argv[1])):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        t = time.monotonic()
        result = subprocess.run(
            [str(OGI), "build", str(builds["b"]), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        waited = time.monotonic() - t
    finally:
        holder.communicate("")
    assert result.returncode == 1
    assert result.stderr == (
        f"ogi: error: {out}: another `ogi build` is writing to this folder; wait for it to "
        "finish and build again\n"
    )
    assert waited >= publish.LOCK_WAIT
    assert assert_whole(out, refs) == "a"
    shutil.rmtree(out)


def _child(conn: Any) -> None:
    conn.recv()  # a child that does nothing about the locks itself


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """A process forked while the lock is held (a parsing worker) closes its copy of the lock
    as it starts: the lock ends with the process that took it, even when that one is killed
    and the child lives on."""
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    with publish.locked(tmp_path):
        child = ctx.Process(target=_child, args=(theirs,), daemon=True)
        child.start()
    try:
        # another open file of the folder: its lock conflicts with any copy the child kept
        with publish.locked(tmp_path):
            assert child.is_alive()
    finally:
        ours.send(None)
        child.join(timeout=30)


def test_unused_tells_whether_any_process_has_a_file_open(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"x" * 100)
    assert publish.unused(path)
    with open(path, "rb"):
        assert not publish.unused(path)  # this process
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import sys; f = open({str(path)!r}, 'rb'); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while publish.unused(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not publish.unused(path)  # another process
    finally:
        reader.communicate(b"")
    assert publish.unused(path)
    assert not publish.unused(tmp_path / "missing.db")
