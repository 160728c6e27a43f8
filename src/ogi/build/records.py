"""Records: a manifest's reports in a SQLite file in the build's staging folder, not in
memory — one JSON record a report (:class:`ogi.build.manifest.Report`), in package order,
found by key — so that the main process of a build of 100,000 reports holds none of them.

Reports are appended (in batches), read back in order as often as needed (a fresh
:class:`Report` each, nothing kept) or one by key. The file is opened again in a process
forked from the one that made it (a SQLite connection must not cross a fork).

>>> import tempfile
>>> store = Reports(Path(tempfile.mkdtemp()) / "r.db")
>>> store.append_blob("k1", b'{"key": "k1"}')
>>> len(store), store.get_blob("k1"), store.position("k1"), store.position("k2")
(1, b'{"key": "k1"}', 0, None)
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

BATCH = 2000  # records written at a time


class Reports:
    """The reports of a manifest, in order, in the SQLite file ``path`` (made anew)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self._n = 0
        self._pending: list[tuple[int, str, bytes]] = []
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._index = False
        self._conn().execute(
            "CREATE TABLE IF NOT EXISTS r (pos INTEGER PRIMARY KEY, key TEXT, blob BLOB)"
        )

    def _conn(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._pid = os.getpid()
        return self._db

    def append_blob(self, key: str, blob: bytes) -> None:
        """Append one report's JSON record (``orjson.dumps(vars(report))``)."""
        self._pending.append((self._n, key, blob))
        self._n += 1
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        conn = self._conn()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO r VALUES (?, ?, ?)", self._pending)
        conn.execute("COMMIT")
        self._pending = []

    def _indexed(self) -> sqlite3.Connection:
        self._flush()
        conn = self._conn()
        if not self._index:  # once the records are written: one lookup after another
            conn.execute("CREATE INDEX IF NOT EXISTS r_key ON r (key)")
            self._index = True
        return conn

    def __len__(self) -> int:
        return self._n

    def blobs(self) -> Iterator[bytes]:
        """The records, in order."""
        self._flush()
        for (blob,) in self._conn().execute("SELECT blob FROM r ORDER BY pos"):
            yield blob

    def find(self, key: str) -> tuple[int, bytes] | None:
        """Where the report with this key is in the order, and its record (None: there is
        none)."""
        sql = "SELECT pos, blob FROM r WHERE key = ?"
        row = self._indexed().execute(sql, (key,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def get_blob(self, key: str) -> bytes | None:
        """The record of the report with this key (None: there is none)."""
        found = self.find(key)
        return None if found is None else found[1]

    def position(self, key: str) -> int | None:
        """Where the report with this key is in the order (None: there is none)."""
        found = self.find(key)
        return None if found is None else found[0]

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None
