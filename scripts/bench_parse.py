#!/usr/bin/env python3
"""Parsing speed per generation and form: median and 95th-percentile milliseconds per report
(extract + parse + checks + summary) on one core, over a generated corpus.

    python scripts/bench_parse.py            # 40 reports of each generation × form
    python scripts/bench_parse.py --per 100

Target: a median under 20 ms per report for text and HTML. Prints a table; writes
build/bench_parse.json.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

import click

from ogi.acquire import Source
from ogi.check import run_checks
from ogi.extract import extract
from ogi.parse import parse
from ogi.summarise import summarise
from ogi.synth import FORMS, GENERATIONS, corpus

TARGET_MS = 20.0


@click.command()
@click.option("--per", default=40, show_default=True, help="Reports per generation × form.")
@click.option("--seed", default=1, show_default=True)
@click.option(
    "--out", default="build/bench_parse.json", show_default=True, type=click.Path(path_type=Path)
)
def main(per: int, seed: int, out: Path) -> None:
    reports = corpus(per * len(FORMS) * len(GENERATIONS), seed=seed)
    times: dict[tuple[int, str], list[float]] = defaultdict(list)
    for syn in reports:
        src = Source(syn.name, syn.name, syn.data, hashlib.sha256(syn.data).hexdigest())
        t0 = time.perf_counter()
        parsed = parse(extract(src))
        run_checks(parsed)
        summarise(parsed)
        times[(syn.generation, syn.form)].append((time.perf_counter() - t0) * 1000)
    rows = []
    click.echo(
        f"{'generation':>10} {'form':<10} {'reports':>7} {'median ms':>10} {'p95 ms':>8}  target"
    )
    for gen in GENERATIONS:
        for form in FORMS:
            ms = sorted(times[(gen, form)])
            med, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
            ok = "ok" if med < TARGET_MS or form == "pdf" else "SLOW"
            click.echo(
                f"{gen:>10} {form:<10} {len(ms):>7} {med:>10.2f} {p95:>8.2f}  {ok if form != 'pdf' else '(pdf: no target)'}"
            )
            rows.append(
                {
                    "generation": gen,
                    "form": form,
                    "reports": len(ms),
                    "median_ms": round(med, 3),
                    "p95_ms": round(p95, 3),
                }
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"target_ms": TARGET_MS, "results": rows}, indent=2) + "\n", encoding="utf-8"
    )
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
