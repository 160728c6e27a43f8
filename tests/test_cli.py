"""The ``ogi`` command as a user meets it: exit codes and the exact one-line messages.

Bad input stops ``ogi parse`` with one line on stderr, ``ogi: error: <file>: <what is wrong>;
<what to do>``, exit status 1, no traceback. ``ogi build`` rejects a bad file with one line,
``ogi: rejected: <file>: <what is wrong>; <what to do>``, builds the others and exits 3
(partial); when no file is left it ends with one ``ogi: error:`` line, exit status 1, and
nothing written. Arguments that name no inputs (a missing path, a folder without reports)
stop it with one line. A failed build leaves the previous one byte for byte; GBK, GB18030,
UTF-8 with a BOM and UTF-16 parse to the same report as the UTF-8 seed; ``ogi validate``
names what is wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import RAW, SEED, SEED_ID

from ogi.cli import main

RAW_REPORTS = [p for p in RAW.iterdir() if not p.name.endswith(".provenance.json")]
OGI = Path(sys.executable).parent / "ogi"
PARSE_KEYS = {"report", "sections", "statistics", "figures", "citations", "checks", "summary"}
# What differs between two files holding the same report text in different bytes.
BYTE_FIELDS = ("report_id", "sha256", "bytes", "encoding", "source_file")

SEED_BYTES = SEED.read_bytes()
SEED_TEXT = SEED_BYTES.decode("utf-8")

EMPTY = "is empty; give a report file with text in it"
BINARY = "is a binary file, not a text report; give the report as text (UTF-8 or GBK)"
IMAGE = "is an image that cannot be read (damaged or cut short); get an intact copy"
PDF_DAMAGED = "is a PDF that cannot be read (damaged or cut short); get an intact copy of the file"
NOT_OGI = (
    "is not an OGI annual report (no 政府信息公开 report wording found); remove it from the inputs"
)
CUT_UTF8 = (
    "is UTF-8 text that ends in the middle of a character, so the file looks cut off; "
    "get the complete file and build again"
)
CUT_GB = (
    "is GBK/GB18030 text that ends in the middle of a character, so the file looks cut off; "
    "get the complete file and build again"
)
MISSING = "no such file or folder; check the path"
DENIED = (
    "cannot be read (Permission denied); check its permissions and those of the folders it is in"
)


def ogi(*args: str | Path) -> Result:
    """Run ``ogi`` in-process; an exception other than SystemExit fails the test."""
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="ogi", catch_exceptions=False)


def assert_one_line_error(result: Result | subprocess.CompletedProcess[str], line: str) -> None:
    """Exit status 1 and exactly ``line`` on stderr, nothing else, no traceback."""
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert "Traceback" not in result.stderr
    assert result.stderr == line + "\n", result.stderr
    assert line.startswith("ogi: error: ") and "\n" not in line
    assert code == 1


def none_left(n: int) -> str:
    """The last line of a build whose every input was rejected."""
    return (
        f"ogi: error: none of the {n} input file(s) could be read as a report "
        "(each is listed above); nothing was written"
    )


def assert_all_rejected(
    result: Result | subprocess.CompletedProcess[str], rejected: list[str]
) -> None:
    """Exit status 1; one ``ogi: rejected:`` line per file, then the error line; no traceback."""
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert "Traceback" not in result.stderr
    lines = [f"ogi: rejected: {r}" for r in rejected] + [none_left(len(rejected))]
    assert result.stderr.splitlines() == lines, result.stderr
    assert code == 1
    assert result.stdout == ""


def assert_nothing_written(out: Path) -> None:
    """The output folder holds no package and no staging folder (it is absent or empty)."""
    assert not (out / "datapackage.json").exists()
    assert not list(out.glob(".ogi-build-*"))
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def parse_json(path: Path) -> dict:
    result = ogi("parse", path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def same_report(parsed: dict) -> tuple[dict[str, object], str]:
    """The parse without the fields that depend on the bytes; the report id masked everywhere."""
    report = dict(parsed["report"])
    rid = report["report_id"]
    own = {k: report.pop(k) for k in BYTE_FIELDS}
    rest = json.dumps({**parsed, "report": report}, ensure_ascii=False, sort_keys=True)
    return own, rest.replace(rid, "<report_id>")


def cut_in_character(data: bytes, at: int) -> bytes:
    """``data`` cut at ``at`` or later, inside a UTF-8 multi-byte character."""
    while data[at] & 0xC0 != 0x80:  # move to a continuation byte
        at += 1
    return data[:at]


# ---------------------------------------------------------------------------------------------
# 1. Bad input: one line each; a build with no file left exits 1 and writes nothing.


def _random_binary() -> bytes:
    rng = random.Random(20181231)
    return rng.randbytes(600) + b"\x00\x00\x00" + rng.randbytes(600)


# The first lead byte of a 3-byte UTF-8 character after byte 5000 of the seed: made 0xFF, it
# and the two continuation bytes after it are invalid.
DAMAGE_AT = next(i for i in range(5000, len(SEED_BYTES)) if SEED_BYTES[i] & 0xF0 == 0xE0)

# name → (file name, content, problem; remedy)
BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "empty": ("empty.txt", b"", EMPTY),
    "whitespace": ("blank.txt", b"  \n\t\r\n  \n", EMPTY),
    "full-width spaces": ("blank-cjk.txt", "\u3000\u3000\n \u3000\n".encode(), EMPTY),
    "bom only": ("bom.txt", b"\xef\xbb\xbf \r\n", EMPTY),
    "binary": ("blob.bin", _random_binary(), BINARY),
    "png": ("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00", IMAGE),
    "jpeg": ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", IMAGE),
    "utf-16 without bom, not a report": (  # read as UTF-16 (tests/test_hostile.py)
        "u16.txt",
        "第一回\n话说天下大势，分久必合，合久必分。\n".encode("utf-16-be"),
        NOT_OGI,
    ),
    "pdf, damaged": (
        "report.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        PDF_DAMAGED,
    ),
    "html page that is not a report": (
        "news.html",
        "<!DOCTYPE html>\n<html><body><h1>区领导调研春耕生产</h1><p>近日，区领导深入田间地头调研。</p></body></html>".encode(),
        NOT_OGI,
    ),
    "chinese novel": (
        "novel.txt",
        "第一回\n话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。"
        "及秦灭之后，楚、汉分争，又并入于汉。\n".encode(),
        NOT_OGI,
    ),
    "english text": (
        "english.txt",
        b"It was the best of times, it was the worst of times.\n" * 20,
        NOT_OGI,
    ),
    "government text, not an OGI report": (
        "notice.txt",
        "关于做好2019年春节期间安全生产工作的通知\n各乡镇人民政府：请认真做好安全生产工作。\n".encode(),
        NOT_OGI,
    ),
    "notice mentioning disclosure in passing": (
        "notice2.txt",
        "关于印发《2019年政务公开工作要点》的通知\n各单位：请做好主动公开和政府信息公开工作。\n".encode(),
        NOT_OGI,
    ),
    # a NUL byte or a few are left out and noted (tests/test_hostile.py); NULs throughout are not
    "nul bytes throughout": (
        "nuls.txt",
        b"\x00".join(SEED_BYTES[i : i + 100] for i in range(0, len(SEED_BYTES), 100)),
        BINARY,
    ),
    "truncated utf-8": ("cut.txt", cut_in_character(SEED_BYTES, len(SEED_BYTES) // 2), CUT_UTF8),
    "truncated utf-8, last character": ("cut-end.txt", SEED_BYTES.rstrip()[:-1], CUT_UTF8),
    "truncated gbk": (
        "cut-gbk.txt",
        SEED_TEXT[:5000].encode("gbk") + "报".encode("gbk")[:1],
        CUT_GB,
    ),
    "damaged utf-8": (
        "damaged.txt",
        SEED_BYTES[:DAMAGE_AT] + b"\xff" + SEED_BYTES[DAMAGE_AT + 1 :],
        f"is UTF-8 text with 3 invalid byte(s), the first at offset {DAMAGE_AT}, so the file is "
        "damaged; get an intact copy of the file and build again",
    ),
}


def test_bad_files_table_is_what_it_says() -> None:
    """The crafted inputs really are what their names claim (so the tests test that)."""
    assert not BAD_FILES["whitespace"][1].strip()
    assert not BAD_FILES["full-width spaces"][1].decode("utf-8").strip()
    with pytest.raises(UnicodeDecodeError, match="invalid"):
        BAD_FILES["damaged utf-8"][1].decode("utf-8")
    cut = BAD_FILES["truncated utf-8"][1]
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data"):
        cut.decode("utf-8")
    assert cut[:-2].decode("utf-8", errors="ignore")  # valid up to the cut character
    with pytest.raises(UnicodeDecodeError, match="incomplete multibyte sequence"):
        BAD_FILES["truncated gbk"][1].decode("gb18030")


@pytest.fixture(params=sorted(BAD_FILES), ids=lambda k: k.replace(" ", "-"))
def bad_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    name, data, message = BAD_FILES[request.param]
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path, message


def test_build_rejects_bad_file(bad_file: tuple[Path, str], tmp_path: Path) -> None:
    path, message = bad_file
    out = tmp_path / "out"
    result = ogi("build", path, "--out", out)
    assert_all_rejected(result, [f"{path}: {message}"])
    assert_nothing_written(out)


def test_parse_rejects_bad_file(bad_file: tuple[Path, str]) -> None:
    path, message = bad_file
    result = ogi("parse", path)
    assert_one_line_error(result, f"ogi: error: {path}: {message}")
    assert result.stdout == ""


def test_build_rejects_bad_file_in_a_folder(tmp_path: Path) -> None:
    """A bad file among good ones is named and rejected; the good ones are built and
    published, the rejected file is in the rejects table, and the exit status is 3."""
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "zz-empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = ogi("build", folder, "--out", out)
    assert result.exit_code == 3
    assert result.stderr == f"ogi: rejected: {folder / 'zz-empty.txt'}: {EMPTY}\n"
    assert result.stdout.startswith(f"built 1 report into {out}: 1 issuers, 81 sections, ")
    assert "reports" not in result.stdout and "summary" not in result.stdout
    assert result.stdout.endswith(
        " checks (1 failing: see the checks table); 1 file rejected (see the rejects table)\n"
    )
    with open(out / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        assert list(csv.reader(f)) == [
            ["reject_no", "source_file", "sha256", "bytes", "problem", "remedy"],
            [
                "1",
                "zz-empty.txt",
                hashlib.sha256(b"").hexdigest(),
                "0",
                "is empty",
                "give a report file with text in it",
            ],
        ]
    with open(out / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        assert [r["report_id"] for r in csv.DictReader(f)] == [SEED_ID]
    assert ogi("validate", out).exit_code == 0


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-report.txt"
    out = tmp_path / "out"
    result = ogi("build", missing, "--out", out)
    assert_one_line_error(result, f"ogi: error: {missing}: {MISSING}")
    assert_nothing_written(out)
    result = ogi("parse", missing)
    assert_one_line_error(result, f"ogi: error: {missing}: {MISSING}")
    assert result.stdout == ""


def test_missing_path_among_good_ones(tmp_path: Path) -> None:
    missing = tmp_path / "typo.txt"
    out = tmp_path / "out"
    result = ogi("build", SEED, missing, "--out", out)
    assert_one_line_error(result, f"ogi: error: {missing}: {MISSING}")
    assert_nothing_written(out)


@pytest.mark.parametrize(
    "contents",
    [[], ["README.md", "x.txt.provenance.json", ".hidden.txt"]],
    ids=["empty-folder", "no-report-files"],
)
def test_folder_without_reports(tmp_path: Path, contents: list[str]) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in contents:
        (folder / name).write_text("{}\n")
    (folder / ".git").mkdir()  # hidden folders are not searched
    shutil.copy(SEED, folder / ".git" / "report.txt")
    out = tmp_path / "out"
    result = ogi("build", folder, "--out", out)
    assert_one_line_error(
        result, f"ogi: error: {folder}: folder holds no report files; add reports to it"
    )
    assert_nothing_written(out)
    result = ogi("parse", folder)
    assert_one_line_error(
        result, f"ogi: error: {folder}: is a folder, not a file; pass the files in it"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["build", "{missing}", "--out", "{out}"],
        ["parse", "{bad}"],
        ["parse", "{missing}"],
        ["validate", "{missing}"],
    ],
)
def test_real_process_prints_one_line(tmp_path: Path, args: list[str]) -> None:
    """The installed ``ogi`` script, as a separate process: one line, status 1, no traceback."""
    bad, missing, out = tmp_path / "empty.txt", tmp_path / "missing.json", tmp_path / "out"
    bad.write_bytes(b"")
    argv = [a.format(bad=bad, missing=missing, out=out) for a in args]
    proc = subprocess.run([str(OGI), *argv], capture_output=True, text=True, timeout=300)
    named = missing if "{missing}" in args else bad
    assert proc.stderr.startswith(f"ogi: error: {named}: ")
    assert_one_line_error(proc, proc.stderr.rstrip("\n"))
    assert proc.stdout == ""
    assert_nothing_written(out)


def test_real_process_rejects_and_fails(tmp_path: Path) -> None:
    """The installed ``ogi`` script: a build whose only input is bad — one line for the file,
    one for the build, status 1, no traceback, nothing written."""
    bad, out = tmp_path / "empty.txt", tmp_path / "out"
    bad.write_bytes(b"")
    proc = subprocess.run(
        [str(OGI), "build", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_all_rejected(proc, [f"{bad}: {EMPTY}"])
    assert_nothing_written(out)


def test_real_process_partial_build(tmp_path: Path) -> None:
    """The installed ``ogi`` script: a good report and a bad file — exit status 3."""
    bad, out = tmp_path / "empty.txt", tmp_path / "out"
    bad.write_bytes(b"")
    proc = subprocess.run(
        [str(OGI), "build", str(SEED), str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (proc.returncode, proc.stderr) == (3, f"ogi: rejected: {bad}: {EMPTY}\n")
    assert proc.stdout.startswith(f"built 1 report into {out}: ")
    assert (out / "datapackage.json").is_file()


# ---------------------------------------------------------------------------------------------
# 1b. Unreadable input, and an output folder that cannot be written. Root reads and writes
# whatever the permissions say, through the capabilities CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH: the process runs as root without them, so that file permissions apply
# to it while it can still read the checkout and its .venv wherever they are.


def _unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    pytest.skip(
        "running as root and neither setpriv nor runuser is installed, so no process "
        "can be started that file permissions apply to"
    )


@pytest.fixture(scope="module")
def as_user() -> list[str]:
    """The command prefix that runs a process file permissions apply to (empty when not root)."""
    prefix = _unprivileged_prefix()
    probe = subprocess.run(
        [*prefix, str(OGI), "--version"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        pytest.skip(
            f"`ogi` cannot be run as an unprivileged user here: {probe.stderr.strip()[-200:]}"
        )
    return prefix


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder the unprivileged user may enter (pytest's own tmp folders are root-only)."""
    path = Path(tempfile.mkdtemp(prefix="ogi-test-cli-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for p in path.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(path)


def _run_as(prefix: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, str(OGI), *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def _writable_out(root: Path) -> Path:
    out = root / "out"
    out.mkdir()
    out.chmod(0o777)
    return out


def test_unreadable_file(as_user: list[str], shared_dir: Path) -> None:
    report = shared_dir / "locked.txt"
    report.write_bytes(SEED_BYTES)
    report.chmod(0)
    out = _writable_out(shared_dir)
    proc = _run_as(as_user, shared_dir, "build", "locked.txt", "--out", "out")
    assert_all_rejected(proc, [f"locked.txt: {DENIED}"])
    assert_nothing_written(out)
    proc = _run_as(as_user, shared_dir, "parse", "locked.txt")
    assert_one_line_error(proc, f"ogi: error: locked.txt: {DENIED}")
    assert proc.stdout == ""


def test_file_in_a_folder_that_cannot_be_entered(as_user: list[str], shared_dir: Path) -> None:
    closed = shared_dir / "closed"
    closed.mkdir()
    shutil.copy(SEED, closed / "report.txt")
    closed.chmod(0o000)
    out = _writable_out(shared_dir)
    for args in (["build", "closed/report.txt", "--out", "out"], ["parse", "closed/report.txt"]):
        proc = _run_as(as_user, shared_dir, *args)
        assert_one_line_error(proc, f"ogi: error: closed/report.txt: {DENIED}")
    proc = _run_as(as_user, shared_dir, "build", "closed", "--out", "out")
    assert_one_line_error(
        proc, "ogi: error: closed: cannot be read (Permission denied); check its permissions"
    )
    assert_nothing_written(out)


def test_unreadable_sub_folder_is_not_skipped(as_user: list[str], shared_dir: Path) -> None:
    """A sub-folder that cannot be read is an error, not silently fewer reports."""
    raw = shared_dir / "raw"
    (raw / "2019").mkdir(parents=True)
    shutil.copy(SEED, raw / SEED.name)
    shutil.copy(SEED, raw / "2019" / "other.txt")
    (raw / "2019").chmod(0o000)
    out = _writable_out(shared_dir)
    proc = _run_as(as_user, shared_dir, "build", "raw", "--out", "out")
    assert_one_line_error(
        proc, "ogi: error: raw/2019: cannot be read (Permission denied); check its permissions"
    )
    assert_nothing_written(out)


def test_output_folder_not_writable(as_user: list[str], shared_dir: Path) -> None:
    shutil.copy(SEED, shared_dir / "report.txt")
    out = shared_dir / "out"
    out.mkdir(mode=0o555)
    for target in ("out", "out/new"):
        proc = _run_as(as_user, shared_dir, "build", "report.txt", "--out", target)
        assert_one_line_error(
            proc,
            f"ogi: error: {target}: cannot write the build into it (Permission "
            "denied); check that you may write to it and that the disk has room",
        )
    assert not any(out.iterdir())


# ---------------------------------------------------------------------------------------------
# 2. Encodings: the same text in other bytes is the same report.


@pytest.fixture(scope="module")
def seed_parse() -> tuple[dict[str, object], str]:
    parsed = parse_json(SEED)
    assert parsed["report"]["report_id"] == SEED_ID
    return same_report(parsed)


@pytest.mark.parametrize(
    ("codec", "prefix", "encoding"),
    [
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
    ],
    ids=["gbk", "gb18030", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_other_encodings_parse_like_the_seed(
    tmp_path: Path,
    seed_parse: tuple[dict[str, object], str],
    codec: str,
    prefix: bytes,
    encoding: str,
) -> None:
    data = prefix + SEED_TEXT.encode(codec)
    path = tmp_path / f"seed-{codec}.txt"
    path.write_bytes(data)
    own, rest = same_report(parse_json(path))
    sha = hashlib.sha256(data).hexdigest()
    assert own == {
        "report_id": sha[:16],
        "sha256": sha,
        "bytes": len(data),
        "encoding": encoding,
        "source_file": path.name,
    }
    assert own["report_id"] != seed_parse[0]["report_id"]
    assert rest == seed_parse[1]  # sections, statistics, figures, citations, checks, summary


def test_gb18030_characters_outside_gbk(tmp_path: Path) -> None:
    """Characters only GB18030 has (4-byte CJK Extension A/B, the euro) are kept, and the report
    parses as its UTF-8 twin does."""
    extra = "𠮷㐀€"
    text = SEED_TEXT.replace("现就本年度", extra + "现就本年度", 1)
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    (tmp_path / "u8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    own, rest = same_report(parse_json(tmp_path / "gb.txt"))
    assert own["encoding"] == "gb18030"
    assert rest == same_report(parse_json(tmp_path / "u8.txt"))[1]
    assert extra in rest


# ---------------------------------------------------------------------------------------------
# 3. A failed build leaves the previous one as it was.


@pytest.mark.parametrize("bad", ["empty", "not a report", "missing"])
def test_previous_build_survives_a_failure(tmp_path: Path, bad: str) -> None:
    """A build that fails — its only input rejected, or a path that does not exist — leaves
    the previous build byte for byte."""
    out = tmp_path / "out"
    result = ogi("build", RAW, "--out", out)
    assert result.exit_code == 0, result.stderr
    before = tree_digest(out)
    assert {"datapackage.json", "metadata.yml", "build/ogi.db", "data/statistics.csv"} <= set(
        before
    )

    bad_path = tmp_path / "in" / f"{bad}.txt"
    bad_path.parent.mkdir()
    if bad == "missing":
        result = ogi("build", SEED, bad_path, "--out", out)
        assert_one_line_error(result, f"ogi: error: {bad_path}: {MISSING}")
    else:
        if bad == "empty":
            bad_path.write_bytes(b"")
            line = f"{bad_path}: {EMPTY}"
        else:
            bad_path.write_bytes(BAD_FILES["english text"][1])
            line = f"{bad_path}: {NOT_OGI}"
        result = ogi("build", bad_path, "--out", out)
        assert_all_rejected(result, [line])
    assert result.stdout == ""
    assert tree_digest(out) == before
    assert not list(out.glob(".ogi-build-*"))
    assert not (out / ".ogi-publish.json").exists()


@pytest.mark.parametrize("bad", ["empty", "not a report", "duplicate"])
def test_partial_build_publishes_the_good_reports(tmp_path: Path, bad: str) -> None:
    """The seed and a bad file: the seed is built as it is alone, the bad file is rejected —
    on stderr, in the rejects table and in the database — and the exit status is 3."""
    alone = tmp_path / "alone"
    assert ogi("build", SEED, "--out", alone).exit_code == 0
    bad_path = tmp_path / "in" / f"{bad}.txt"
    bad_path.parent.mkdir()
    if bad == "empty":
        bad_path.write_bytes(b"")
        problem, said = EMPTY, EMPTY
    elif bad == "not a report":
        bad_path.write_bytes(BAD_FILES["english text"][1])
        problem, said = NOT_OGI, NOT_OGI
    else:  # the package names the first copy by its name, the build's output by its path
        bad_path.write_bytes(SEED_BYTES)
        said = f"is the same report as {SEED} (identical sha256); remove one of them"
        problem = f"is the same report as {SEED.name} (identical sha256); remove one of them"
    out = tmp_path / "out"
    result = ogi("build", SEED, bad_path, "--out", out)
    assert (result.exit_code, result.stderr) == (3, f"ogi: rejected: {bad_path}: {said}\n")
    for name in ("reports", "sections", "statistics", "figures", "citations", "checks", "summary"):
        rel = f"data/{name}.csv"
        assert (out / rel).read_bytes() == (alone / rel).read_bytes(), rel
    with open(out / "data" / "rejects.csv", encoding="utf-8", newline="") as f:
        (row,) = csv.DictReader(f)
    assert (row["reject_no"], row["source_file"]) == ("1", f"{bad}.txt")
    assert f"{row['problem']}; {row['remedy']}" == problem
    db = sqlite3.connect(out / "build" / "ogi.db")
    assert db.execute("select reject_no, source_file, problem, remedy from rejects").fetchall() == [
        (1, f"{bad}.txt", row["problem"], row["remedy"])
    ]
    db.close()


# ---------------------------------------------------------------------------------------------
# 4. ogi validate


@pytest.fixture(scope="module")
def cli_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/raw built by ``ogi build`` (the command, not the library)."""
    out = tmp_path_factory.mktemp("cli-built")
    result = ogi("build", RAW, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"built {len(RAW_REPORTS)} reports into {out}: ")
    return out


def test_validate_good_build(cli_built: Path) -> None:
    dp = cli_built / "datapackage.json"
    result = ogi("validate", dp)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"{dp}: valid (frictionless and domain checks)\n",
        "",
    )
    result = ogi("validate", cli_built)  # a folder stands for its datapackage.json
    assert (result.exit_code, result.stdout) == (
        0,
        f"{dp}: valid (frictionless and domain checks)\n",
    )


def _edit_csv(path: Path, edit: Callable[[list[list[str]]], None]) -> None:
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    edit(rows)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n" if b"\r\n" in raw else "\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _set(resource: str, row: int, field: str, value: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        def change(rows: list[list[str]]) -> None:
            rows[row][rows[0].index(field)] = value

        _edit_csv(root / "data" / f"{resource}.csv", change)

    return edit


def _duplicate_first_row(root: Path) -> None:
    _edit_csv(root / "data" / "statistics.csv", lambda rows: rows.insert(2, list(rows[1])))


CORRUPTIONS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "not a number": (
        _set("statistics", 1, "value", "many"),
        ['statistics row 2 field value: type-error: type is "number/default"'],
    ),
    "duplicate primary key": (
        _duplicate_first_row,
        ["statistics row 3: primary-key: the same as in the row at position 2"],
    ),
    "dangling foreign key": (
        _set("statistics", 1, "indicator", "g1.no_such_indicator"),
        [
            'statistics row 2: foreign-key: for "indicator": values "g1.no_such_indicator" '
            'not found in the lookup table "indicators" as "code"'
        ],
    ),
    "offset outside the text": (
        _set("statistics", 1, "end", "999999"),
        [f"statistics ({SEED_ID}): offsets 11391–999999 outside the report's 11792 characters"],
    ),
    "summary against statistics": (
        _set("summary", 1, "requests_received", "193"),
        [f"summary {SEED_ID}: requests_received is 193, its statistics give 192"],
    ),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS), ids=lambda k: k.replace(" ", "-"))
def test_validate_corrupted_build(cli_built: Path, tmp_path: Path, corruption: str) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(cli_built, root, ignore=shutil.ignore_patterns("build"))
    edit, problems = CORRUPTIONS[corruption]
    edit(root)
    dp = root / "datapackage.json"
    result = ogi("validate", dp)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        *problems,
        f"ogi: error: {dp}: invalid, {len(problems)} problem(s); rebuild with `ogi build`",
    ]


def test_validate_missing_path(tmp_path: Path) -> None:
    for missing in (tmp_path / "nowhere" / "datapackage.json", tmp_path / "datapackage.json"):
        result = ogi("validate", missing)
        assert_one_line_error(
            result,
            f"ogi: error: {missing}: no such file; run `ogi build` first or "
            "give the path of a datapackage.json",
        )
    result = ogi("validate", tmp_path)  # a folder without a package
    assert_one_line_error(
        result,
        f"ogi: error: {tmp_path / 'datapackage.json'}: no such file; run "
        "`ogi build` first or give the path of a datapackage.json",
    )


@pytest.mark.parametrize(
    "content",
    ["{\n", '{"name": "not-a-package"}\n', "[1, 2]\n"],
    ids=["not-json", "no-resources", "not-an-object"],
)
def test_validate_not_a_package(tmp_path: Path, content: str) -> None:
    dp = tmp_path / "datapackage.json"
    dp.write_text(content)
    result = ogi("validate", dp)
    assert result.stderr.startswith(f"ogi: error: {dp}: is not a readable data package (")
    assert result.stderr.endswith(
        "); rebuild with `ogi build` or give the path of a datapackage.json\n"
    )
    assert_one_line_error(result, result.stderr.rstrip("\n"))


# ---------------------------------------------------------------------------------------------
# 5. ogi parse and --help


def test_parse_seed() -> None:
    result = ogi("parse", SEED)
    assert result.exit_code == 0
    assert result.stderr == ""
    parsed = json.loads(result.stdout)
    assert set(parsed) == PARSE_KEYS
    assert parsed["report"]["report_id"] == SEED_ID
    assert parsed["report"]["source_file"] == SEED.name
    assert parsed["report"]["encoding"] == "utf-8"
    assert parsed["report"]["sha256"] == hashlib.sha256(SEED_BYTES).hexdigest()
    for key in ("sections", "statistics", "figures", "citations", "checks"):
        assert isinstance(parsed[key], list) and parsed[key], key
    assert isinstance(parsed["summary"], dict)
    assert parsed["summary"]["report_id"] == SEED_ID
    assert "晋安区" in result.stdout  # Chinese is written as is, not as \\u escapes


@pytest.mark.parametrize(
    "command",
    [[], ["build"], ["parse"], ["validate"], ["serve"]],
    ids=["ogi", "build", "parse", "validate", "serve"],
)
def test_help(command: list[str]) -> None:
    result = ogi(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(" ".join(["Usage: ogi", *command, "[OPTIONS]"]))
    assert result.stderr == ""


def test_version() -> None:
    result = ogi("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("ogi, version ")


# ---------------------------------------------------------------------------------------------
# 6. The same inputs give the same bytes.


def test_build_is_reproducible(cli_built: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "out"
    result = ogi("build", RAW, "--out", other)
    assert result.exit_code == 0, result.stderr
    published = [
        "datapackage.json",
        "metadata.yml",
        *(f"data/{p.name}" for p in sorted((cli_built / "data").glob("*.csv"))),
    ]
    assert len(published) > 2
    for rel in published:
        assert (other / rel).read_bytes() == (cli_built / rel).read_bytes(), rel
    assert sorted(p.name for p in (other / "data").glob("*.csv")) == [p[5:] for p in published[2:]]


# ---------------------------------------------------------------------------------------------
# 7. The same content under two names.


def test_duplicate_content_under_two_names(tmp_path: Path) -> None:
    """The second of two files with the same bytes is rejected (in a stable order)."""
    a, b = tmp_path / "raw" / "a.txt", tmp_path / "raw" / "b.txt"
    a.parent.mkdir()
    a.write_bytes(SEED_BYTES)
    b.write_bytes(SEED_BYTES)
    out = tmp_path / "out"
    line = f"ogi: rejected: {b}: is the same report as {a} (identical sha256); remove one of them\n"
    for args in ([a, b], [b, a], [a.parent]):
        result = ogi("build", *args, "--out", out)
        assert (result.exit_code, result.stderr) == (3, line)
    with open(out / "data" / "reports.csv", encoding="utf-8", newline="") as f:
        assert [r["source_file"] for r in csv.DictReader(f)] == ["a.txt"]


def test_same_file_named_twice_counts_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = ogi("build", SEED, RAW, SEED.parent / ".." / "raw" / SEED.name, "--out", out)
    assert result.exit_code == 0, result.stderr
    n = len(RAW_REPORTS)  # the seed, named three times, once
    assert result.stdout.startswith(f"built {n} reports into {out}: ")
    assert (out / "datapackage.json").is_file()


def test_out_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("x", encoding="utf-8")
    result = ogi("build", SEED, "--out", out)
    assert_one_line_error(
        result, f"ogi: error: {out}: is a file, not a folder; give --out a folder to build into"
    )
    assert out.read_text(encoding="utf-8") == "x"


def test_raw_source_changed_after_acquisition(tmp_path: Path) -> None:
    """A raw file whose bytes no longer match the sha256 in its provenance is refused."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    prov = SEED.with_name(SEED.name + ".provenance.json")
    shutil.copy(prov, raw / prov.name)
    with open(raw / SEED.name, "a", encoding="utf-8") as f:
        f.write("\n")
    actual = hashlib.sha256((raw / SEED.name).read_bytes()).hexdigest()
    result = ogi("build", raw, "--out", tmp_path / "out")
    assert_all_rejected(
        result,
        [
            f"{raw / SEED.name}: does not match its provenance (sha256 {actual[:12]}…, recorded "
            "ca49a4b9fa6d…): the raw source was changed; restore the original file, or acquire "
            "it again with new provenance"
        ],
    )
    assert_nothing_written(tmp_path / "out")
