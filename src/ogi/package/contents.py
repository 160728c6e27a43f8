"""Contents: what a built package holds, in words — one line per report (source file, issuer,
year, generation, form) with what its checks found, as the Markdown table the README's
"Data" section shows for the committed package (`scripts/data_table.py` prints it; a test
compares it with the README, so that the README changes only with the data).

>>> print(reports_table(Path("."))[:48])  # doctest: +SKIP
| file | issuer | year | generation | form | checks |
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

STATUSES = ("pass", "fail", "ambiguous", "not_assessable")


def _rows(root: Path, name: str) -> Iterator[dict[str, str]]:
    with open(root / "data" / f"{name}.csv", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def reports_table(root: Path) -> str:
    """The Markdown table of the reports in the package at ``root`` (in package order), with
    the number of checks of each status and the failing checks named."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    failing: dict[str, list[str]] = defaultdict(list)
    for row in _rows(root, "checks"):
        counts[row["report_id"]][row["status"]] += 1
        if row["status"] == "fail":
            failing[row["report_id"]].append(f"`{row['check']}` ({row['subject']})")
    lines = [
        "| file | issuer | year | generation | form | checks: pass / fail / ambiguous / not assessable | failing |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in _rows(root, "reports"):
        c = counts[r["report_id"]]
        lines.append(
            f"| `{r['source_file']}` | {r['issuer'] or '—'} | {r['year'] or '—'} "
            f"| {r['generation'] or '—'} | {r['form']} "
            f"| {' / '.join(str(c[s]) for s in STATUSES)} "
            f"| {', '.join(failing[r['report_id']]) or '—'} |"
        )
    rejected = [f"`{r['source_file']}`: {r['problem']}" for r in _rows(root, "rejects")]
    out = "\n".join(lines) + "\n"
    if rejected:
        out += "\nRejected: " + "; ".join(rejected) + ".\n"
    return out
