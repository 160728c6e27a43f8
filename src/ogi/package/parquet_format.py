"""What the bytes of the package's Parquet files depend on besides their rows — the
compression and the pyarrow version — without importing pyarrow (the build's main process
plans the Parquet files; a process of its own writes them)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

COMPRESSION, LEVEL = "zstd", 3


@cache
def writer_version() -> str:
    """The pyarrow version and the compression: what a file's bytes depend on besides its rows."""
    return f"pyarrow {version('pyarrow')}, {COMPRESSION} {LEVEL}"
