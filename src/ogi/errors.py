"""Errors a user can act on: one line, naming the file, saying what to do."""

from __future__ import annotations

import unicodedata


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


def one_line(text: str) -> str:
    """``text`` safe to print as one line: line ends and other control characters (which a
    file name may hold) written as escapes.

    >>> one_line("a\\rb\\u2028c\\x1fd\\te")
    'a\\\\rb\\\\u2028c\\\\x1fd\\te'
    """
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c == "\t" or c.isprintable() or unicodedata.category(c) not in ("Cc", "Zl", "Zp"):
            out.append(c)
        else:
            out.append(repr(c)[1:-1] if ord(c) < 0x80 else f"\\u{ord(c):04x}")
    return "".join(out)


# Exit statuses of the ``ogi`` command.
EXIT_OK = 0  # done: every input is in the build
EXIT_ERROR = 1  # failed: nothing was written (bad arguments, no readable report, invalid package …)
EXIT_USAGE = 2  # the command line itself was wrong (click)
EXIT_PARTIAL = 3  # built and published, but some inputs were rejected (see the rejects table)
EXIT_INTERRUPTED = 130  # Ctrl-C: nothing was published, earlier builds are unchanged
