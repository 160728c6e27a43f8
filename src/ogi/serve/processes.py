"""The worker processes of ``ogi serve``: each listens on the port with a socket of its own.

uvicorn's ``workers=`` shares one listening socket between its workers, and an asyncio
server accepts every connection that is waiting when it wakes. Connections that arrive
together -- a browser's, or the 20 of ``scripts/load_test.py`` -- then all go to the worker
that woke first, which serves them alone while the others wait (``ss -tnp`` during the load
test: all 20 connections on one of six workers). Here each worker binds a socket of its own
to the port with ``SO_REUSEPORT``, and the kernel spreads new connections over the workers
(by a hash of the client's address and port).

:func:`run` starts the workers, starts a new one when one dies, and stops them all on
SIGINT or SIGTERM. Each worker serves the uvicorn app factory it is given.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
import time
from typing import Any

from ..errors import OgiError

BACKLOG = 2048  # uvicorn's default
# a worker that dies sooner than this after it started failed to start: stop, do not loop
STARTUP_SECONDS = 10.0


def listening_socket(host: str, port: int, reuse_port: bool = True) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` and listening, shared with other processes
    that bind the same port with ``SO_REUSEPORT``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets of that protocol, and
    # without it a response sent in two writes (headers, body) waits 40 ms for an ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(BACKLOG)
    return sock


def check_port(host: str, port: int) -> None:
    """Refuse a port that another program (or another ``ogi serve``) listens on: with
    ``SO_REUSEPORT`` the workers could otherwise share it with that program, unseen."""
    try:
        listening_socket(host, port, reuse_port=False).close()
    except OSError as e:
        raise OgiError(
            f"{host}:{port}: cannot listen there ({e.strerror}); stop what uses the port or "
            "give another with --port"
        ) from None


def _say(line: str) -> None:
    """A line in the server's log, as uvicorn writes its own."""
    print(line, file=sys.stderr, flush=True)


def _worker(app: str, host: str, port: int, log_level: str, access_log: bool = True) -> None:
    """One worker process: ``app`` (a uvicorn app factory) on its own socket; it dies with
    ``ogi serve`` (by SIGKILL too) and has the memory limit of :mod:`ogi.serve.guard`."""
    from . import guard

    guard.die_with_parent()
    guard.limit_memory()
    import uvicorn

    config = uvicorn.Config(app, factory=True, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def run(
    app: str,
    host: str,
    port: int,
    workers: int,
    log_level: str = "info",
    access_log: bool = True,
) -> None:
    """Serve the uvicorn app factory ``app`` (``"module:function"``) on ``host``:``port``
    with ``workers`` processes until SIGINT or SIGTERM."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OgiError(
            "this system cannot share a port between processes (no SO_REUSEPORT); "
            "serve with one: OGI_SERVE_WORKERS=1"
        )
    check_port(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> tuple[Any, float]:
        process = context.Process(target=_worker, args=(app, host, port, log_level, access_log))
        process.start()
        return process, time.monotonic()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    _say(f"INFO:     Started {workers} worker processes on {host}:{port}")
    try:
        while not stop.wait(0.5):
            for i, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_SECONDS:
                    raise OgiError(
                        f"a worker process stopped as it started (exit status "
                        f"{process.exitcode}); see the messages above"
                    )
                _say(f"WARNING:  Worker process [{process.pid}] stopped; starting another")
                running[i] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + 10
        for process, _ in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
