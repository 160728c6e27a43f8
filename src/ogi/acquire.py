"""Acquire: find input files and read them as sources with their provenance.

Raw sources are never edited. Each may carry a ``<file>.provenance.json`` beside it
(origin, url, retrieved date, sha256, licence note), written when it was acquired.

>>> [p.name for p in discover([Path("data/raw")])]  # doctest: +SKIP
['000_6fcf304d54296c97.txt']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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

    Raises InputError for a path that does not exist or a folder with no input in it.
    """
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            inside = sorted(p for p in item.rglob("*") if p.is_file() and _is_input(p))
            if not inside:
                raise InputError(str(item), "folder holds no report files", "add reports to it")
            found.extend(inside)
        elif item.exists():
            found.append(item)
        else:
            raise InputError(str(item), "no such file or folder", "check the path")
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    return sorted(unique, key=lambda p: (p.name, str(p)))


def read_source(path: Path) -> Source:
    """Read one file as a Source (bytes, sha256, provenance if recorded beside it)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a file", "pass the files in it") from None
    except OSError as e:
        raise InputError(str(path), f"cannot be read ({e.strerror})", "check its permissions") from None
    provenance: dict[str, Any] = {}
    prov_path = path.with_name(path.name + PROVENANCE_SUFFIX)
    if prov_path.exists():
        try:
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(str(prov_path), f"is not valid JSON ({e})", "fix or remove it") from None
    return Source(
        path=str(path),
        name=path.name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        provenance=provenance,
    )
