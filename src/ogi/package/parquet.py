"""Parquet: a resource's CSV text → one Parquet file (zstd), typed from its Table Schema.

Integers are ``int64``, numbers ``float64``, dates ``date32``, booleans ``bool`` and every
other field — codes such as ``area_code`` included — a string; an empty cell is a null, as in
the CSV files (``missingValues: [""]``) and the database. The CSV text is read as a stream,
block by block (a file of any size in a few tens of megabytes); a run of blocks becomes one
row group (:func:`_groups`), so that the file is a function of the CSV bytes alone: the same
rows give the same bytes (the writer records no time, and its ``created_by`` names the
pinned pyarrow version).

>>> import io, tempfile, pyarrow.parquet as pq
>>> target = Path(tempfile.mkdtemp()) / "summary.parquet"
>>> text = header_bytes("summary") + ("ab12,2020,某区,2" + "," * 13 + "\\n").encode()
>>> write_csv("summary", io.BytesIO(text), target)
1
>>> row = pq.read_table(target).to_pylist()[0]
>>> row["year"], row["issuer"], row["requests_received"]
(2020, '某区', None)
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import schema
from .parquet_format import COMPRESSION, LEVEL, writer_version

__all__ = ["COMPRESSION", "LEVEL", "Pieces", "arrow_schema", "write_csv", "writer_version"]

# bytes of CSV text parsed at a time: one batch. pyarrow's streaming CSV reader reads some 32
# blocks ahead, so this bounds the writer's memory (with 16 MB blocks a year of statistics
# at 100,000 reports held 520 MB of read-ahead)
BLOCK = 1 << 20
GROUP = 16  # batches (of BLOCK bytes of CSV text) in a row group: 16 MB of text, at most
GROUP_ROWS = 1 << 20  # rows in a row group, at most (the group ends at the batch that passes it)


def _pool() -> pa.MemoryPool:
    """jemalloc where pyarrow has it: the writer of a build of 10,000 reports peaked at 265 MB
    with pyarrow's default allocator (mimalloc), 244 MB with jemalloc; the bytes written
    are the same."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.default_memory_pool()


ARROW_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def arrow_type(field_type: str) -> pa.DataType:
    """The Arrow type of a Table Schema field type (``string`` for the rest)."""
    return ARROW_TYPES.get(field_type, pa.string())


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of a resource, from its Table Schema, fields in order."""
    return pa.schema(
        [pa.field(f["name"], arrow_type(f["type"])) for f in schema.resource(name)["fields"]]
    )


def header_bytes(name: str) -> bytes:
    """The header line of a resource's CSV text."""
    return (",".join(schema.field_names(name)) + "\n").encode("utf-8")


def write_csv(name: str, source: BinaryIO | io.RawIOBase, target: Path) -> int:
    """Write the CSV text of resource ``name`` (header first) read from ``source`` as the
    Parquet file ``target``; return its rows."""
    types = arrow_schema(name)
    pool = _pool()
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=BLOCK, use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in types},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            true_values=["true"],
            false_values=["false"],
        ),
        memory_pool=pool,
    )
    if reader.schema.names != types.names:
        raise ValueError(f"{name}: the CSV header is not the resource's fields")
    rows = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(
        target,
        types,
        compression=COMPRESSION,
        compression_level=LEVEL,
        version="2.6",
        memory_pool=pool,
    ) as writer:
        for group in _groups(reader):
            # its batches as they are: a copy into one chunk a column (combine_chunks)
            # doubled the row group in memory
            table = pa.Table.from_batches(group, schema=types)
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            rows += table.num_rows
    return rows


def _groups(batches: Iterable[pa.RecordBatch]) -> Iterator[list[pa.RecordBatch]]:
    """The batches in runs of :data:`GROUP` (fewer once a run has :data:`GROUP_ROWS` rows):
    each run one row group. Its bounds depend on the CSV text alone, so the same rows make
    the same file."""
    group: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        group.append(batch)
        rows += batch.num_rows
        if len(group) == GROUP or rows >= GROUP_ROWS:
            yield group
            group, rows = [], 0
    if group:
        yield group


class Pieces(io.RawIOBase):
    """A read-only stream of byte strings and byte ranges of files, one after the other:
    the CSV text of some reports' rows, read where they lie in the package's files."""

    def __init__(self, parts: Iterable[bytes | tuple[str, int, int]]) -> None:
        super().__init__()
        self._parts = list(parts)
        self._at = 0  # the part being read
        self._offset = 0  # within it
        self._files: dict[str, int] = {}  # path → open descriptor (a year's rows are many ranges)

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files = {}
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``b`` from as many parts as it holds (the reader makes one batch, so one row
        group, of each read: a read of one report's rows at a time made thousands)."""
        view = memoryview(b).cast("B")
        filled = 0
        while self._at < len(self._parts) and filled < len(view):
            part = self._parts[self._at]
            room = len(view) - filled
            if isinstance(part, bytes):
                data = part[self._offset : self._offset + room]
            else:
                path, start, length = part
                want = min(room, length - self._offset)
                fd = self._files.get(path)
                if fd is None:
                    fd = self._files[path] = os.open(path, os.O_RDONLY)
                data = os.pread(fd, want, start + self._offset) if want else b""
                if want and not data:
                    raise OSError(f"{path}: shorter than the build recorded")
            if not data:
                self._at, self._offset = self._at + 1, 0
                continue
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._offset += len(data)
        return filled
