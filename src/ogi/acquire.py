"""Acquire: find input files and read them as sources with their provenance.

Raw sources are never edited. Each may carry a ``<file>.provenance.json`` beside it
(origin, url, retrieved date, sha256, licence note), written when it was acquired.

>>> [p.name for p in discover([Path("data/raw")])]  # doctest: +SKIP
['000_6fcf304d54296c97.txt']
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import InputError

PROVENANCE_SUFFIX = ".provenance.json"
# not inputs: notes beside the reports, and a person's review of them (ogi.parse.review)
_SKIP_NAMES = {"README", "README.md", "LICENSE", "SOURCES.md", "review.csv"}


@dataclass(frozen=True)
class Source:
    """One input file: its name, bytes, hash and recorded provenance."""

    path: str
    name: str
    data: bytes
    sha256: str
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def report_id(self) -> str:
        """Stable id of the report: the first 16 hex digits of the sha256."""
        return self.sha256[:16]


def _is_input_name(name: str) -> bool:
    return not (name.startswith(".") or name.endswith(PROVENANCE_SUFFIX) or name in _SKIP_NAMES)


def discover(inputs: Iterable[Path]) -> list[Path]:
    """Input files named directly or found in folders (recursively), sorted, deduplicated.

    Hidden files and folders, provenance files and READMEs are not inputs. Paths are kept as
    given (so messages name them as the user did); the same file named twice counts once.
    Inputs are sorted by the name of the file they resolve to, then by its resolved path.
    Raises InputError for a path that does not exist or cannot be read, and for a folder
    with no input in it.
    """
    found: list[tuple[Path, str]] = []  # (as given, resolved)
    for item in inputs:
        try:
            is_dir, exists = item.is_dir(), item.exists()
        except OSError as e:  # e.g. a folder on the way that may not be entered
            raise InputError(
                str(item),
                f"cannot be read ({e.strerror})",
                "check its permissions and those of the folders it is in",
            ) from None
        if is_dir:
            inside = list(_walk(item))
            if not inside:
                raise InputError(str(item), "folder holds no report files", "add reports to it")
            found.extend(inside)
        elif exists:
            found.append((item, str(item.resolve())))
        else:
            raise InputError(str(item), "no such file or folder", "check the path")
    unique: dict[str, Path] = {}
    for given, resolved in found:
        unique.setdefault(resolved, given)
    return [
        given
        for resolved, given in sorted(
            unique.items(), key=lambda kv: (os.path.basename(kv[0]), kv[0])
        )
    ]


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    """(path, resolved path) of the input files under ``folder``; a sub-folder that cannot be
    read is an error, not skipped. Only symbolic links are resolved one by one; other files
    are resolved through their folder, which is resolved once."""
    stack = [str(folder)]
    while stack:
        top = stack.pop()
        real_top = os.path.realpath(top)
        try:
            with os.scandir(top) as it:
                entries = sorted(it, key=lambda e: e.name)
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif _is_input_name(entry.name) and not _links_to_folder(entry):
                    # not only regular files: a pipe, a socket, a device, a dangling link
                    # or a link loop is an input that read_source rejects with its reason
                    real = os.path.realpath(entry.path) if entry.is_symlink() else None
                    yield Path(entry.path), real or os.path.join(real_top, entry.name)
        except OSError as e:
            raise InputError(
                str(e.filename or top), f"cannot be read ({e.strerror})", "check its permissions"
            ) from None


def _links_to_folder(entry: os.DirEntry[str]) -> bool:
    """True for a symbolic link to a folder (not followed: it could lead back up)."""
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:  # a link loop: not a folder
        return False


def _not_a_file(path: Path) -> InputError | None:
    """Why ``path`` is not a regular file to read (a link loop, a dangling link, a pipe, a
    socket, a device), or None when it is one (or a folder, which the caller tells)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            return InputError(
                str(path),
                "is a symbolic link that leads back to itself (a link loop)",
                "point the link at the report file, or remove it",
            )
        if os.path.islink(path):
            return InputError(
                str(path),
                f"is a symbolic link to nothing ({os.readlink(path)} does not exist)",
                "point the link at the report file, or remove it",
            )
        return None  # told by the caller
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
    )
    return InputError(str(path), f"is not a regular file ({kind})", "give the report as a file")


@dataclass(frozen=True, slots=True)
class Input:
    """One input file as a build sees it before parsing: where it is, what its bytes hash to,
    the provenance recorded beside it — or why it cannot be read — and its fingerprint."""

    path: Path
    sha256: str | None = None
    size: int | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    error: InputError | None = None
    fingerprint: list[int] | None = None

    @property
    def name(self) -> str:
        return self.path.name


def fingerprint(path: Path) -> list[int] | None:
    """What changes when a file or the provenance beside it changes, as ``git`` tells
    (size, modification and change times, inode of both); None when it cannot be told."""
    try:
        name = os.fspath(path)
        st = os.stat(name)
        try:
            pst = os.stat(name + PROVENANCE_SUFFIX)  # beside it: the same name, suffixed
            prov = [pst.st_size, pst.st_mtime_ns, pst.st_ctime_ns, pst.st_ino]
        except FileNotFoundError:
            prov = []
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, *prov]


def identify(path: Path, seen: Input | None = None) -> Input:
    """Read and hash one input (without keeping its bytes); an unreadable file, or one whose
    bytes no longer match its provenance, is an Input with an error.

    ``seen``: the same file as identified by an earlier build; when its fingerprint has not
    changed, its sha256 and provenance are taken from there and the file is not read."""
    fp = fingerprint(path)
    if seen is not None and fp is not None and seen.fingerprint == fp and seen.error is None:
        return (
            seen
            if seen.path == path
            else Input(path, seen.sha256, seen.size, seen.provenance, None, fp)
        )
    try:
        src = read_source(path)
    except InputError as e:
        data_sha, size = None, None
        try:
            if stat.S_ISREG(os.stat(path).st_mode):  # never wait on a pipe
                data = path.read_bytes()
                data_sha, size = hashlib.sha256(data).hexdigest(), len(data)
        except OSError:
            pass
        return Input(path, data_sha, size, error=e)
    return Input(path, src.sha256, len(src.data), src.provenance, None, fp)


# What a provenance file may hold: each known field is text or null; dates are real dates.
PROVENANCE_TEXT = ("file", "path", "title", "origin", "url", "licence", "sha256")
PROVENANCE_DATES = ("retrieved", "published")


def provenance_problem(provenance: Any) -> str | None:
    """What is wrong with a provenance record as read from its JSON file, in a few words
    naming the field; None when it is a record the package can publish.

    >>> provenance_problem({"url": 42})
    'field "url" is 42, not text'
    >>> provenance_problem({"retrieved": "2020-13-45"})
    'field "retrieved" is "2020-13-45", not a date (YYYY-MM-DD)'
    >>> provenance_problem(["a"]), provenance_problem({"title": "t", "url": None})
    ('is a list, not a JSON object of fields', None)
    """
    if not isinstance(provenance, dict):
        kind = {list: "a list", str: "a string", type(None): "null", bool: "true or false"}.get(
            type(provenance), "a number"
        )
        return f"is {kind}, not a JSON object of fields"
    for key in PROVENANCE_TEXT + PROVENANCE_DATES:
        value = provenance.get(key)
        if value is None:
            continue
        shown = json.dumps(value, ensure_ascii=False)[:40]
        if not isinstance(value, str):
            return f'field "{key}" is {shown}, not text'
        if key in PROVENANCE_DATES and value and not _is_date(value):
            return f'field "{key}" is {shown}, not a date (YYYY-MM-DD)'
        if key == "sha256" and value and not re.fullmatch(r"[0-9a-f]{64}", value):
            return f'field "{key}" is {shown}, not a sha256 (64 hex digits)'
    return None


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_source(path: Path) -> Source:
    """Read one file as a Source (bytes, sha256, provenance if recorded beside it)."""
    try:
        problem = _not_a_file(path)
        if problem is not None:
            raise problem
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a file", "pass the files in it") from None
    except FileNotFoundError:
        raise InputError(str(path), "no such file or folder", "check the path") from None
    except OSError as e:
        raise InputError(
            str(path),
            f"cannot be read ({e.strerror})",
            "check its permissions and those of the folders it is in",
        ) from None
    provenance: dict[str, Any] = {}
    prov_path = path.with_name(path.name + PROVENANCE_SUFFIX)
    if prov_path.exists():
        try:
            if not prov_path.is_file():  # a pipe would be waited on for ever
                raise ValueError("not a regular file")
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(
                str(prov_path), f"is not valid JSON ({e})", "fix or remove it"
            ) from None
        wrong = provenance_problem(provenance)
        if wrong:
            raise InputError(str(prov_path), wrong, "fix or remove it")
    sha256 = hashlib.sha256(data).hexdigest()
    recorded = provenance.get("sha256")
    if recorded and recorded != sha256:
        raise InputError(
            str(path),
            f"does not match its provenance (sha256 {sha256[:12]}…, recorded "
            f"{str(recorded)[:12]}…): the raw source was changed",
            "restore the original file, or acquire it again with new provenance",
        )
    return Source(path=str(path), name=path.name, data=data, sha256=sha256, provenance=provenance)
