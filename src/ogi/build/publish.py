"""Publish: move a finished build into place so that no crash can leave a broken one.

A build writes everything into a staging folder inside the output folder (the same file
system, so a move is a rename). Publishing is journaled:

1. every staged file is complete and validated;
2. the journal ``.ogi-publish.json`` is written (atomically) in the output folder: the files
   to move and the *stamp* of the new build;
3. the commit point: the new database, which carries the new stamp (``PRAGMA user_version``),
   is put in place (exchanged with the old one, see :func:`move`) — a full build made it
   anew, an incremental build updated a copy of the published one (a site serving the old
   file keeps reading it, unchanged). When no process has the published database open
   (:func:`unused`), an incremental build updates it where it is instead, in one SQLite
   transaction: then the commit point is that transaction's ``COMMIT``, which sets the new
   stamp, and a kill before it leaves SQLite's journal, which rolls the database back when
   it is next opened;
4. the other files are renamed into place, ``datapackage.json`` last, and the published files
   the build no longer has (Parquet partitions of years gone) are removed;
5. the journal and the staging folder are removed.

:func:`recover` — run under the output folder's lock before any command reads or writes it —
finishes what a killed build left: if the database carries the journal's stamp, the build had
committed and the remaining renames are done; otherwise the staged files are thrown away and
the previous build stays as it was. A SIGKILL at any moment therefore leaves either the
previous build or the new one, whole.

A reader that is not ``ogi`` (frictionless, ``sqlite3``, a notebook) cannot be given the whole
of a publication by one rename -- the package is a folder of plain files at fixed paths -- so
it reads as :func:`read_whole` does: a publication is under way, or was cut short by a kill,
exactly while the journal is there, and every publication renames a new ``datapackage.json``
in last. So the files read while no journal was there before and after, and
``datapackage.json`` stayed the same file (:func:`published_build`), are of one build, whole.

One build at a time writes to an output folder: :func:`locked` holds an exclusive lock on the
folder itself (released by the system when the process ends, however it ends; a forked child
closes its copy of the lock as it starts, so that the lock never outlives the process that
took it). A site opens the database under :func:`db_lock` (shared), a build updates it in
place under the same lock (exclusive): a site never opens a database halfway through its
update.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar

from ..errors import OgiError

JOURNAL = ".ogi-publish.json"
STAGING_PREFIX = ".ogi-build-"
DB = Path("build") / "ogi.db"
LOCK_WAIT = 2.0  # seconds to wait for the folder's lock before saying another build holds it
T = TypeVar("T")


_HELD: set[int] = set()  # descriptors of the locks this process holds


@contextmanager
def locked(out: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the output folder's lock; an error if another build still holds it after
    ``wait`` seconds (the processes of a build that was just killed may take a moment to
    end)."""
    fd = os.open(out, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if time.monotonic() >= deadline:
                    raise OgiError(
                        f"{out}: another `ogi build` is writing to this folder; wait for it "
                        "to finish and build again"
                    ) from None
                time.sleep(0.02)
        _HELD.add(fd)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)


def forget_locks() -> None:
    """In a forked child: close the lock descriptors it inherited, so that the lock ends
    with the process that took it even if the child outlives it. Run by every fork of this
    process as the child starts (``os.register_at_fork``)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=forget_locks)


def recover_if_needed(out: Path) -> str | None:
    """:func:`recover` when a killed build left something in ``out`` and no build is
    running there; what it did (None: nothing)."""
    if not (out / JOURNAL).exists() and not any(out.glob(STAGING_PREFIX + "*")):
        return None
    try:
        with locked(out):
            return recover(out)
    except OgiError:  # a build is running: what is there is its own
        return None


@contextmanager
def db_lock(out: Path, exclusive: bool) -> Iterator[None]:
    """Hold the lock on opening the database of ``out`` (waits for it): shared to open it
    for reading, exclusive to update it in place. The lock is on the database's folder
    (not on the database, which must not be opened: see :func:`unused`)."""
    fd = os.open(out / DB.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def unused(path: Path) -> bool:
    """True when no process — of any user, this one included — has the file open or mapped
    (the kernel grants a write lease only then); False too when that cannot be told (a file
    system without leases, a file of another owner)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def stage(out: Path) -> Path:
    """A new, empty staging folder inside ``out``."""
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))


def clone(src: Path, dst: Path) -> None:
    """A copy of ``src`` at ``dst``: a reflink where the file system shares blocks (Btrfs,
    XFS), else a copy in the kernel."""
    with open(src, "rb") as s, open(dst, "wb") as d:
        try:
            fcntl.ioctl(d.fileno(), 0x40049409, s.fileno())  # FICLONE
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)


def db_stamp(db: Path) -> int | None:
    """The stamp of a database (None when there is no readable database)."""
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(db)  # opening rolls back what a killed transaction left
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def write_journal(
    out: Path, staging: Path, files: list[Path], stamp: int, remove: list[Path] | None = None
) -> dict[str, int]:
    """Record the files of ``staging`` to move into ``out`` (relative paths, in order), their
    inode numbers, and the published files to remove once they are moved (``remove``: the
    Parquet files of years the build no longer has); return the inode numbers."""
    tmp = out / (JOURNAL + ".tmp")
    inodes = {str(f): os.stat(staging / f).st_ino for f in files}
    body = {
        "staging": staging.name,
        "files": [str(f) for f in files],
        "stamp": stamp,
        "remove": [str(f) for f in remove or []],
    }
    tmp.write_text(json.dumps({**body, "inodes": inodes}) + "\n", encoding="utf-8")
    os.replace(tmp, out / JOURNAL)
    return inodes


def move(
    staging: Path, out: Path, files: list[Path], inodes: dict[str, int] | None = None
) -> None:
    """Put each staged file in place (those already moved are skipped).

    A file that replaces a published one is *exchanged* with it (``renameat2`` with
    ``RENAME_EXCHANGE``, atomic like a rename): the old file lands in the staging folder and
    goes with it. A rename over an existing file would make ext4 write the new file's data
    out first (its ``auto_da_alloc`` safeguard): a third of a second for the database of 10,000
    reports, a tenth of an incremental build. ``inodes`` (from the journal) tells a staged file from an old one
    exchanged out already, which is skipped."""
    for rel in files:
        src, dst = staging / rel, out / rel
        try:
            ino = os.stat(src).st_ino
        except FileNotFoundError:
            continue  # renamed into place already
        if inodes is not None and inodes.get(str(rel), ino) != ino:
            continue  # the published file it replaced, exchanged out already
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not _exchange(src, dst):
            os.replace(src, dst)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when ``b`` does not exist or the system or file
    system cannot exchange (then the caller renames)."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOENT, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def drop(out: Path, remove: list[Path]) -> None:
    """Remove published files a build no longer has (those already gone are skipped), and
    the folders they leave empty."""
    for rel in remove:
        (out / rel).unlink(missing_ok=True)
        parent = (out / rel).parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def finish(out: Path, staging: Path) -> None:
    """Forget the journal and the staging folder."""
    (out / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def commit_by_rename(
    staging: Path, out: Path, files: list[Path], stamp: int, remove: list[Path] | None = None
) -> None:
    """Publish a full build: its database (which carries ``stamp``) is renamed into place
    first — the commit point — then every other file; then ``remove`` is removed."""
    inodes = write_journal(out, staging, files, stamp, remove)
    move(staging, out, [f for f in files if f == DB], inodes)
    move(staging, out, files, inodes)
    drop(out, remove or [])
    finish(out, staging)


def commit_in_place(
    staging: Path,
    out: Path,
    files: list[Path],
    inodes: dict[str, int],
    remove: list[Path] | None = None,
) -> None:
    """Publish an incremental build whose database was updated in place (committed, with
    the journal written before): the other files, ``remove`` removed, then the journal is
    forgotten."""
    move(staging, out, files, inodes)
    drop(out, remove or [])
    finish(out, staging)


def _settle(out: Path) -> str | None:
    """Undo an update in place that a kill stopped before its ``COMMIT``: SQLite rolls it
    back when the database is next opened, and a journal it finds nothing to roll back
    with (the kill came before the journal was complete, so before the database was
    touched) is left over: removed here."""
    leftover = out / DB.with_name(DB.name + "-journal")
    if not leftover.exists() or db_stamp(out / DB) is None:
        return None
    leftover.unlink(missing_ok=True)
    return "rolled back an interrupted update of the database"


def recover(out: Path) -> str | None:
    """Finish or undo what a killed build left in ``out``; say which (None: nothing to do).

    Call with the folder's lock held."""
    journal = out / JOURNAL
    done = _settle(out)
    if journal.exists():
        try:
            body = json.loads(journal.read_text(encoding="utf-8"))
            staging = out / body["staging"]
            files = [Path(f) for f in body["files"]]
            stamp = int(body["stamp"])
            inodes = {str(k): int(v) for k, v in body.get("inodes", {}).items()}
            remove = [Path(f) for f in body.get("remove", [])]
        except (OSError, ValueError, KeyError, TypeError):
            body = None  # a journal cut short: written before the commit point, never used
        if body is not None and db_stamp(out / DB) == stamp:
            move(staging, out, files, inodes)
            drop(out, remove)
            done = "finished the publication of an interrupted build"
        else:
            done = "discarded an interrupted build; the previous one is unchanged"
        journal.unlink()
    (out / (JOURNAL + ".tmp")).unlink(missing_ok=True)
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
        done = done or "removed the files of an interrupted build; the previous one is unchanged"
    return done


def published_build(out: Path) -> tuple[int, int] | None:
    """Which build a reader of ``out`` reads: the inode and modification time of its
    ``datapackage.json`` (every publication renames a new one in, last); None while a
    publication is under way or was cut short (its journal is there) or there is none."""
    if (out / JOURNAL).exists():
        return None
    try:
        st = os.stat(out / "datapackage.json")
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def read_whole(out: Path, read: Callable[[Path], T], wait: float = 10.0) -> T:
    """``read(out)``, done again until what it read is one build, whole: no journal before
    and after it, and the same ``datapackage.json`` (:func:`published_build`). A journal that
    stays for ``wait`` seconds was left by a kill: an error saying to run ``ogi validate``,
    which finishes or undoes that publication."""
    deadline = time.monotonic() + wait
    while True:
        before = published_build(out)
        if before is not None:
            value = read(out)
            if published_build(out) == before:
                return value
        elif time.monotonic() > deadline:
            raise OgiError(
                f"{out}: a build was killed while it published (its journal {JOURNAL} is "
                f"there); run `ogi validate {out}` to finish or undo it, then read again"
            )
        time.sleep(0.05)
