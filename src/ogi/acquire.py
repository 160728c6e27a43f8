"""Acquire: find input files and read them as sources with their provenance.

Raw sources are never edited. Each may carry a ``<file>.provenance.json`` beside it
(origin, url, retrieved date, sha256, licence note), written when it was acquired.

>>> [p.name for p in discover([Path("data/raw")])]  # doctest: +SKIP
['000_6fcf304d54296c97.txt']
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

PROVENANCE_SUFFIX = ".provenance.json"
_SKIP_NAMES = {"README", "README.md", "LICENSE", "SOURCES.md"}


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


def _is_input(path: Path) -> bool:
    return not (
        path.name.startswith(".")
        or path.name.endswith(PROVENANCE_SUFFIX)
        or path.name in _SKIP_NAMES
    )


def discover(inputs: Iterable[Path]) -> list[Path]:
    """Input files named directly or found in folders (recursively), sorted, deduplicated.

    Hidden files and folders, provenance files and READMEs are not inputs. Paths are kept as
    given (so messages name them as the user did); the same file named twice counts once.
    Raises InputError for a path that does not exist or cannot be read, and for a folder
    with no input in it.
    """
    found: list[Path] = []
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
            inside = sorted(_walk(item))
            if not inside:
                raise InputError(str(item), "folder holds no report files", "add reports to it")
            found.extend(inside)
        elif exists:
            found.append(item)
        else:
            raise InputError(str(item), "no such file or folder", "check the path")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return [
        given for resolved, given in sorted(unique.items(), key=lambda kv: (kv[0].name, str(kv[0])))
    ]


def _walk(folder: Path) -> Iterator[Path]:
    """The input files under ``folder``; a sub-folder that cannot be read is an error, not skipped."""

    def fail(e: OSError) -> None:
        raise InputError(
            str(e.filename or folder), f"cannot be read ({e.strerror})", "check its permissions"
        ) from None

    for top, dirs, files in os.walk(folder, onerror=fail):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(top) / name
            try:
                if _is_input(path) and path.is_file():
                    yield path
            except OSError as e:
                fail(e)


def read_source(path: Path) -> Source:
    """Read one file as a Source (bytes, sha256, provenance if recorded beside it)."""
    try:
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
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(
                str(prov_path), f"is not valid JSON ({e})", "fix or remove it"
            ) from None
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
