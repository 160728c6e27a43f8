"""Errors a user can act on: one line, naming the file, saying what to do."""

from __future__ import annotations


class OgiError(Exception):
    """An expected failure: bad input, a missing build, an invalid package.

    The CLI prints ``str(error)`` on one line and exits non-zero, without a traceback.

    >>> str(InputError("data/x.txt", "is empty", "give a report file"))
    'data/x.txt: is empty; give a report file'
    """


class InputError(OgiError):
    """A source file that cannot be read as an OGI report."""

    def __init__(self, path: str, problem: str, remedy: str) -> None:
        self.path, self.problem, self.remedy = path, problem, remedy
        super().__init__(f"{path}: {problem}; {remedy}")


# Exit statuses of the ``ogi`` command.
EXIT_OK = 0  # done: every input is in the build
EXIT_ERROR = 1  # failed: nothing was written (bad arguments, no readable report, invalid package …)
EXIT_USAGE = 2  # the command line itself was wrong (click)
EXIT_PARTIAL = 3  # built and published, but some inputs were rejected (see the rejects table)
EXIT_INTERRUPTED = 130  # Ctrl-C: nothing was published, earlier builds are unchanged
