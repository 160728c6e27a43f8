"""Build: inputs → parsed reports → package → validation → SQLite → metadata, then publish.

The stages, each timed (``BuildResult.seconds``):

* **parse** — find and hash the inputs; parse, in worker processes on every core, those the
  previous build does not already hold (:mod:`ogi.build.chunk`), in chunks of consecutive inputs
  so that the output does not depend on which worker did what; then, again, the
  generation-1 reports the same body's neighbouring years settle (:mod:`ogi.build.years`);
* **package** — write ``data/*.csv`` (each report's rows, in input order, copied from the
  chunk files or from the previous build's files; then the checks that compare reports with
  each other, made anew from every report's small record), ``datapackage.json``,
  ``metadata.yml``;
* **validate** — every new row against the Table Schemas (:mod:`ogi.package.fastcheck`: the errors
  frictionless would find); in a full build, on the second core while the database loads;
* **load** — the database: built anew from the chunk databases, or, when a previous build
  exists, updated: in place when few reports changed and no process has it open (a site
  serving it, a notebook reading it), else a copy of it; keys are checked as rows go in.

A bad input file does not stop the batch: it is rejected, with the reason, in
``BuildResult.rejected`` and in the ``rejects`` resource; the build is then *partial*.

Everything is written into a staging folder inside the output folder first and published
with a journal (:mod:`ogi.build.publish`): a build killed at any moment leaves the previous build
or the new one, whole. Unchanged reports — same bytes (sha256), name, provenance and parser
version (:mod:`ogi.build.manifest`) — are not parsed again.

>>> result = build([Path("data/raw")], Path("."))  # doctest: +SKIP
>>> result.counts["statistics"]  # doctest: +SKIP
30

The modules, in the order a build runs them: :mod:`~ogi.build.plan` (what each input
becomes, the chunks, the manifest), :mod:`~ogi.build.workers` and :mod:`~ogi.build.chunk`
(parsing in worker processes), :mod:`~ogi.build.years` (the second pass: neighbouring
years), :mod:`~ogi.build.assemble` (the package's files),
:mod:`~ogi.build.verify` (the checks before publishing), :mod:`~ogi.build.run` (a build from
start to end), :mod:`~ogi.build.update` (an incremental build's update of the published
database), :mod:`~ogi.build.publish` (the journal, the lock, recovery),
:mod:`~ogi.build.manifest` (what the previous build holds) and :mod:`~ogi.build.progress`
(the bar); :mod:`~ogi.build.result` is what a build returns.
"""

from __future__ import annotations

from .chunk import parse_file, parse_source
from .result import BuildFailed, BuildResult, Progress, Rejected, default_jobs
from .run import build

__all__ = [
    "BuildFailed",
    "BuildResult",
    "Progress",
    "Rejected",
    "build",
    "default_jobs",
    "parse_file",
    "parse_source",
]
