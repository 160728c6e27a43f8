"""What a build returns and reports as it goes: the rejected inputs, the result (counts,
seconds by stage), the error when nothing could be built, and the progress hooks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OgiError
from . import workers


@dataclass
class Rejected:
    """An input that is not in the package, and why."""

    path: str
    problem: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; {self.remedy}"


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    reports: int
    counts: dict[str, int] = field(default_factory=dict)
    failing_checks: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    parsed: int = 0  # reports parsed by this build
    reused: int = 0  # reports taken unchanged from the previous build
    incremental: bool = False
    in_place: bool = False  # the published database was updated where it is
    seconds: dict[str, float] = field(default_factory=dict)  # by stage, and total
    load_seconds: dict[str, float] = field(default_factory=dict)  # by step of the load

    @property
    def partial(self) -> bool:
        """Some inputs were rejected."""
        return bool(self.rejected)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class BuildFailed(OgiError):
    """No report could be built: every input was rejected."""

    def __init__(self, rejected: list[Rejected]) -> None:
        self.rejected = rejected
        super().__init__(
            f"none of the {len(rejected)} input file(s) could be read as a report "
            "(each is listed above); nothing was written"
        )


class Progress:
    """What a build reports as it goes (a no-op; see :mod:`ogi.build.progress` for the bar)."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def page(self, n: int = 1) -> None:
        """``n`` more pages read by OCR."""


@contextmanager
def timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    t = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t


def default_jobs() -> int:
    """Worker processes by default: one per core this process may use."""
    return workers.cpu_count()
