"""Fresh: a function run in a new Python interpreter while the build goes on.

The build's helpers are forked (:class:`ogi.build.workers.Aside`): nothing is imported twice.
But a forked child shares the main process's pages, and they count in its memory too: the
Parquet writer, forked from the main process of a build of 100,000 reports, counted some
600 MB that were not its own. :class:`Fresh` runs ``fn(*args)`` in a new interpreter
(:func:`main`) instead: its memory is its own, it imports what it needs (about 0.4 s), and it
does not import the program that started it (as multiprocessing's *spawn* does: a script that
calls ``ogi.build.build`` without a ``__main__`` guard would run again in it). ``fn`` and
``args`` go to it pickled on its stdin, what it returned (or raised) comes back on its stdout.
It is killed when the process that started it dies, however it dies.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from ..errors import OgiError


class Fresh:
    """``fn(*args)`` in a new interpreter; :meth:`result` waits for what it returned (or
    raises what it raised)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-P", "-c", f"import {__name__}; {__name__}.main()", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # it ended at once: result() says so

    def result(self) -> Any:
        assert self._process.stdout is not None
        try:
            data = self._process.stdout.read()
            status = self._process.wait()
        except BaseException:  # the build stopped (Ctrl-C): so does this
            self._process.kill()
            self._process.wait()
            raise
        finally:
            self._process.stdout.close()
        try:
            ok, value = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError):
            raise OgiError(f"a helper process ended unexpectedly (status {status})") from None
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """Stop it (the build failed)."""
        self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def die_with_parent() -> None:
    """Be killed when the process that started this one dies, even by SIGKILL (Linux; a
    no-op elsewhere). Run by every helper of a build as it starts."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> None:
    """The new interpreter: ``python -P -c 'import ogi.build.fresh; ogi.build.fresh.main()'
    PID`` (``-P``: nothing of the folder it was started in shadows a module)."""
    parent = int(sys.argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops it
    die_with_parent()
    if os.getppid() != parent:  # it died before that
        return
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # what fn prints does not mix with the result
    fn, args = pickle.loads(sys.stdin.buffer.read())
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except Exception as e:  # sent to the build, which raises it
        result = (False, e)
    out.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()
