"""Contents: what a built package holds, in words — the paragraph the descriptor's
description ends with (how many reports, of which bodies and years, and how the values were
read), and one line per report (source file, issuer, year, generation, form) with what its
checks found, as the Markdown table the README's "Data" section shows for the committed
package (`scripts/data_table.py` prints it; a test compares it with the README, so that the
README changes only with the data).

>>> en, zh = describe(2, [{"name": "甲县人民政府", "first_year": 2019, "last_year": 2020, "reports": 2}])
>>> en
'This build holds 2 reports, of 1 body (甲县人民政府), for the years 2019–2020. Every value is read from the reports by a deterministic parser (the same files give the same package byte for byte); a value it cannot settle from the report is left empty and flagged (value_status ambiguous, with a check listing its candidates), never guessed.'

>>> print(reports_table(Path("."))[:48])  # doctest: +SKIP
| file | issuer | year | generation | form | checks |
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATUSES = ("pass", "fail", "ambiguous", "not_assessable")
NAMED = 12  # bodies named in the description, at most


def describe(reports: int, bodies: list[dict[str, Any]]) -> tuple[str, str]:
    """The paragraph (English, Chinese) that says what a package of ``reports`` reports of
    ``bodies`` (rows of the issuers resource) holds."""
    names = [b["name"] for b in sorted(bodies, key=lambda b: (-b["reports"], b["name"]))]
    shown = "、".join(names[:NAMED]) + (f" … (+{len(names) - NAMED})" if len(names) > NAMED else "")
    years = [y for b in bodies for y in (b["first_year"], b["last_year"]) if y is not None]
    span = f"{min(years)}–{max(years)}" if years else None
    placed = sum(b["reports"] for b in bodies)
    en = f"This build holds {reports} report{'s' * (reports != 1)}"
    zh = f"本数据包收录{reports}份报告"
    if bodies:
        en += f", of {len(bodies)} bod{'ies' if len(bodies) != 1 else 'y'} ({shown})"
        zh += f"，来自{len(bodies)}个机关（{shown}）"
    if span:
        en += f", for the years {span}"
        zh += f"，年度{span}"
    if placed < reports:
        en += f" ({reports - placed} of them by bodies that could not be placed)"
        zh += f"（其中{reports - placed}份的发布机关未能定位）"
    en += (
        ". Every value is read from the reports by a deterministic parser (the same files give"
        " the same package byte for byte); a value it cannot settle from the report is left"
        " empty and flagged (value_status ambiguous, with a check listing its candidates),"
        " never guessed."
    )
    zh += (
        "。所有数值均由确定性的解析程序从报告中读取（相同的文件生成逐字节相同的数据包）；"
        "无法依据报告确定的数值留空并标记（value_status 为 ambiguous，并有核查记录列出候选值），"
        "绝不猜测。"
    )
    return en, zh


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
