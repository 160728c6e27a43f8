#!/usr/bin/env python3
"""Write a synthetic corpus (every generation and form, with injected faults) to a folder, for
trying builds at scale: ``python scripts/synthetic_corpus.py 1000 /tmp/corpus && ogi build /tmp/corpus --out /tmp/out``.

Each report is ``synthetic_NNNNN`` with the extension of its form (``.txt``, ``.html``,
``.pdf``), holding the form's own bytes (a PDF is a PDF, an html page in GBK is GBK); ``FOLDER.truth.jsonl`` beside the folder (not in it,
so that the folder holds only reports) has every table value and the checks that must fail.
Deterministic for a given --seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ogi.synth import corpus


@click.command()
@click.argument("count", type=int)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option(
    "--fault-rate", default=0.4, show_default=True, help="Share of reports with one injected fault."
)
def main(count: int, folder: Path, seed: int, fault_rate: float) -> None:
    """Write COUNT synthetic reports into FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".truth.jsonl"), "w", encoding="utf-8") as truth:
        for i, syn in enumerate(corpus(count, seed=seed, fault_rate=fault_rate)):
            name = f"synthetic_{i:05d}{Path(syn.name).suffix}"
            (folder / name).write_bytes(syn.data)
            record = {
                "file": name,
                "issuer": syn.issuer,
                "year": syn.year,
                "form": syn.form,
                "fault": syn.fault,
                "must_fail": sorted(map(list, syn.must_fail)),
                "values": {f"{code}@{col}": v for (code, col), v in sorted(syn.truth.items())},
            }
            truth.write(json.dumps(record, ensure_ascii=False) + "\n")
    click.echo(f"wrote {count} reports to {folder}")


if __name__ == "__main__":
    main()
