"""Progress: a bar with reports/s and the time left while a build runs, on a terminal only;
under it, once a scanned page is read, a bar of the pages read by OCR (seconds a page).

When standard error is not a terminal (a pipe, a log file, CI) nothing is drawn, so logs hold
only the build's result. The bar is redrawn as the build advances, not by a thread of its own:
the build forks its worker processes, and a process with threads should not fork.

>>> with bar(enabled=False) as p:
...     p.stage("parse", 10)
...     p.advance(10)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .result import Progress

STAGES = {
    "parse": "parsing",
    "years": "parsing again with neighbouring years",
    "package": "writing the package",
    "validate": "validating",
    "load": "loading the database",
}


class Bar(Progress):
    """The stages of a build on a rich progress bar: the current stage, reports done and
    to do, reports/s, time spent and time left."""

    def __init__(self, rich_progress: Any) -> None:
        self.bar = rich_progress
        self.task: Any = None
        self.pages: Any = None  # the bar of pages read by OCR, once there is one
        self.drawn = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        if self.pages is not None:
            self.bar.remove_task(self.pages)
            self.pages = None
        self.task = self.bar.add_task(STAGES.get(name, name), total=total, rate="")
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        if self.task is None:
            return
        self.bar.advance(self.task, n)
        speed = self._speed(self.task)
        self.bar.update(self.task, rate=f"{speed:,.0f} reports/s" if speed else "")
        self._draw()

    def page(self, n: int = 1) -> None:
        if self.pages is None:
            self.pages = self.bar.add_task("reading scanned pages (OCR)", total=None, rate="")
        self.bar.advance(self.pages, n)
        speed = self._speed(self.pages)
        self.bar.update(self.pages, rate=f"{1 / speed:,.1f} s/page" if speed else "")
        self._draw(force=True)

    def _speed(self, task: Any) -> float | None:
        return next((t.speed for t in self.bar.tasks if t.id == task), None)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.drawn > 0.1:
            self.bar.refresh()
            self.drawn = now


@contextmanager
def bar(enabled: bool | None = None) -> Iterator[Progress]:
    """A progress reporter: a bar when standard error is a terminal, else silent."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield Progress()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>16}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with RichProgress(
        *columns, console=Console(stderr=True), transient=True, auto_refresh=False
    ) as rich_progress:
        yield Bar(rich_progress)
