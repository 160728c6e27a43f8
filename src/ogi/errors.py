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
