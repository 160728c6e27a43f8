"""Workers: chunks parsed in child processes, every report bounded in time and memory.

The main process hands chunks (:mod:`ogi.build.chunk`) to worker processes, one per core by default,
and watches them. A worker says which input it starts; when one input keeps a worker longer
than the time limit, or its process dies (a crash, or the memory limit each worker runs
under), the worker is killed and replaced, that input is rejected, and the rest of its chunk is
parsed again. So a file that sends the parser into a loop or eats the memory costs one file,
not the batch — and the build still ends.

Workers are forked (nothing is imported twice), ignore Ctrl-C (the main process stops them)
and, on Linux, die with the main process even when it is killed with SIGKILL.

>>> chunks = parse([Task(0, [(0, "data/raw/000_6fcf304d54296c97.txt")], "/tmp/x")], 2, 60)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import OgiError
from ..extract import ocr
from .chunk import Chunk, Outcome, Task, parse_chunk
from .fresh import die_with_parent

TIME_LIMIT = 120.0  # seconds one input (or one page read by OCR) may take, by default
MEMORY_LIMIT = 4 << 30  # bytes of address space a worker may add to what it was forked with
REMEDY = "check that it is an OGI annual report; if it is, please report this as a bug"


def limit_memory(limit: int) -> None:
    """Let this process's address space grow by at most ``limit`` bytes (unless it is limited
    more already)."""
    _limit_memory(limit)


def _address_space() -> int:
    """Bytes of address space this process holds now (VmSize; 0 where /proc is not)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(limit: int) -> None:
    # Counted from what the process holds when forked: a build started from a process that
    # has mapped much already (a notebook with pyarrow, a test session) leaves its workers
    # the same room to parse as one started from the shell.
    try:
        import resource

        total = _address_space() + limit
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > total:
            resource.setrlimit(resource.RLIMIT_AS, (total, hard))
    except (ImportError, ValueError, OSError):
        pass


Work = Callable[[Task, Callable[[int], None]], Chunk]


def _serve(conn: Connection, memory_limit: int, work: Work) -> None:
    """A worker: parse the chunks it receives until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _limit_memory(memory_limit)
    gc.disable()  # the garbage is collected once per chunk instead
    ocr.on_page(lambda: conn.send(("page", None)))
    while True:
        task = conn.recv()
        if task is None:
            return
        chunk = work(task, lambda pos: conn.send(("start", pos)))
        conn.send(("done", chunk))
        gc.collect()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Task | None = None
    current: int | None = None  # position of the input being parsed
    since: float = 0.0


def _start(memory_limit: int, work: Work) -> _Worker:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, memory_limit, work), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


def _stop(w: _Worker) -> None:
    if w.process.is_alive():
        w.process.kill()
    w.process.join()
    w.conn.close()


@dataclass
class _Run:
    """The state of one parse: chunks to do, chunks done, inputs rejected by the watch."""

    pending: deque[Task]
    done: dict[int, Chunk] = field(default_factory=dict)
    lost: dict[int, list[Outcome]] = field(default_factory=dict)  # chunk → rejected here
    restarts: dict[int, int] = field(default_factory=dict)  # chunk → workers lost between inputs

    def lose(self, w: _Worker, problem: str) -> None:
        """Reject the input a stopped worker was on; parse the rest of its chunk again."""
        assert w.task is not None
        task, pos = w.task, w.current
        if pos is None:
            self.restarts[task.index] = self.restarts.get(task.index, 0) + 1
            if self.restarts[task.index] > 2:
                raise OgiError(f"a parsing process {problem} three times, outside any report")
        path = dict(task.items).get(pos, "") if pos is not None else ""
        if pos is not None:
            self.lost.setdefault(task.index, []).append(
                Outcome(pos, path, reject=(problem, REMEDY))
            )
        rest = [(p, f) for p, f in task.items if p != pos]
        self.pending.appendleft(Task(task.index, rest, task.scratch, task.reviews, task.neighbours))


def parse(
    tasks: list[Task],
    jobs: int,
    time_limit: float = TIME_LIMIT,
    advance: Callable[[int], None] | None = None,
    memory_limit: int = MEMORY_LIMIT,
    work: Work = parse_chunk,
    pages: Callable[[int], None] | None = None,
) -> list[Chunk]:
    """Parse ``tasks`` in ``jobs`` worker processes; the chunks, in task order.

    ``work(task, starting)``: what a worker does with a task (:func:`ogi.build.chunk.parse_chunk`);
    it calls ``starting(pos)`` before each input. A page read by OCR is told to ``pages``
    and starts the input's time again: for a scan the time limit is counted per page."""
    run = _Run(deque(tasks))
    workers = [_start(memory_limit, work) for _ in range(max(1, min(jobs, len(tasks))))]
    try:
        while run.pending or any(w.task for w in workers):
            for i, w in enumerate(workers):
                if w.task is None and run.pending:
                    if not w.process.is_alive():
                        _stop(w)
                        workers[i] = w = _start(memory_limit, work)
                    w.task, w.current, w.since = run.pending.popleft(), None, time.monotonic()
                    w.conn.send(w.task)
            busy = [w for w in workers if w.task]
            ready = wait([w.conn for w in busy], timeout=min(1.0, time_limit / 4))
            for w in busy:
                if w.conn in ready:
                    _receive(w, run, advance, pages)
                elif w.current is not None and time.monotonic() - w.since > time_limit:
                    _stop(w)
                    run.lose(w, f"took more than {time_limit:g} s to parse, so it was stopped")
                    w.task = None
            for i, w in enumerate(workers):
                if w.task is None and not w.process.is_alive():
                    workers[i] = _start(memory_limit, work)
    finally:
        for w in workers:
            if w.task is None and w.process.is_alive():
                with contextlib.suppress(OSError):
                    w.conn.send(None)
                w.process.join(timeout=5)
            _stop(w)
    return [_with_lost(run.done[t.index], run.lost.get(t.index, [])) for t in tasks]


def _receive(
    w: _Worker,
    run: _Run,
    advance: Callable[[int], None] | None,
    pages: Callable[[int], None] | None = None,
) -> None:
    try:
        kind, body = w.conn.recv()
    except (EOFError, OSError):  # the process died: a crash, or out of memory
        w.process.join(timeout=10)
        code = w.process.exitcode
        _stop(w)
        how = f"signal {-code}" if code is not None and code < 0 else f"status {code}"
        run.lose(w, f"stopped the parser (its process ended with {how}, out of memory?)")
        w.task = None
        return
    if kind == "page":
        w.since = time.monotonic()
        if pages:
            pages(1)
        return
    if kind == "start":
        if w.current is not None and advance:
            advance(1)
        w.current, w.since = body, time.monotonic()
    else:
        if w.current is not None and advance:
            advance(1)
        run.done[body.index] = body
        w.task, w.current = None, None


def _with_lost(chunk: Chunk, lost: list[Outcome]) -> Chunk:
    if lost:
        chunk.outcomes = sorted([*chunk.outcomes, *lost], key=lambda o: o.pos)
    return chunk


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Aside:
    """A function run in a forked process while the main process goes on; :meth:`result`
    waits for what it returned (or raises what it raised)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_aside, args=(child, fn, args), daemon=True)
        self._process.start()
        child.close()

    def result(self) -> Any:
        try:
            ok, value = self._conn.recv()
        except EOFError:
            raise OgiError(
                f"a checking process ended unexpectedly (status {self._process.exitcode})"
            ) from None
        finally:
            self._process.join()
            self._conn.close()
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()


def _aside(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    try:
        conn.send((True, fn(*args)))
    except Exception as e:  # sent to the main process, which raises it
        conn.send((False, e))
