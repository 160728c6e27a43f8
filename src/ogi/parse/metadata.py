"""Report metadata: title, issuing body, place (province / city / county), year, generation.

The issuer is read from the title line when there is one (…2018年度政府信息公开工作年度报告),
else from a crawler header (发布机构), else inferred from the text: the report's
self-references (我区, 区政府 …) give the level of government, and the most cited place name
of that level, checked against the national division codes, gives the body. A name that
fits several places and that the text cannot tell apart is left empty, not guessed.

>>> place("福州市晋安区")["province"]
'福建省'
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

from .. import formats
from .lines import fold_text

_TITLE = re.compile(
    r"^(?P<issuer>.*?)\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*(?:政府信息公开|政务公开)"
)
_TITLE_LINE = re.compile(r"(?:政府信息公开|政务公开)(?:工作)?年度报告")
_YEAR_COLUMN = re.compile(r"^\s*((?:19|20)\d\d)\s*年度?\s*$")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


@cache
def _by_name() -> dict[str, list[str]]:
    """Division name → codes (a name such as 鼓楼区 can belong to several places)."""
    index: dict[str, list[str]] = {}
    for code, name in formats.adcodes().items():
        index.setdefault(name, []).append(code)
    return index


def _levels(code: str) -> tuple[str | None, str | None, str | None]:
    """(province code, city code, county code) of a six-digit code."""
    codes = formats.adcodes()
    prov = code[:2] + "0000"
    city = code[:4] + "00" if code[2:4] != "00" else None
    county = code if code[4:] != "00" else None
    return (
        prov if prov in codes else None,
        city if city in codes else None,
        county if county in codes else None,
    )


def place(name: str) -> dict[str, str | None]:
    """Province, city, county and division code of a place name such as 福州市晋安区; all
    empty when the name is unknown or fits several places."""
    codes = formats.adcodes()
    out: dict[str, str | None] = {"province": None, "city": None, "county": None, "area_code": None}
    candidates: list[str] = []
    for size in range(min(len(name), 12), 1, -1):  # the longest division name ending `name`
        if name[-size:] in _by_name():
            candidates = _by_name()[name[-size:]]
            head = name[:-size]
            narrowed = [
                c
                for c in candidates
                if any(up and up != c and codes[up] in head for up in _levels(c)[:2])
            ]
            candidates = narrowed or candidates
            break
    if len(candidates) != 1:
        return out
    code = candidates[0]
    prov, city, county = _levels(code)
    out["province"] = codes[prov] if prov else None
    out["city"] = codes[city] if city else None
    out["county"] = codes[county] if county else None
    out["area_code"] = code
    return out


def title_of(text: str, header: dict[str, str], body_start: int) -> str | None:
    """The printed title: a crawler header's 标题, else a first line that reads as a title."""
    if header.get("title"):
        return header["title"]
    first = text[body_start:].lstrip().split("\n", 1)[0].strip()
    if _TITLE_LINE.search(formats.fold(first)) and len(first) <= 60:
        return first
    return None


def year_of(title: str | None, tables: list[Any], text: str) -> int | None:
    """Report year: from the title, else the table's year column header, else the year most
    often written in the text."""
    if title and (m := _TITLE.search(formats.fold(title))):
        return int(m.group("year"))
    for table in tables:
        for _, header in table.columns:
            if m := _YEAR_COLUMN.match(formats.fold(header)):
                return int(m.group(1))
    years = Counter(int(y) for y in _YEAR.findall(fold_text(text)) if 2007 <= int(y) <= 2100)
    if years:
        (year, _), *_ = sorted(years.items(), key=lambda kv: (-kv[1], -kv[0]))
        return year
    return None


def issuer_of(
    title: str | None, header: dict[str, str], text: str
) -> tuple[str | None, str | None, str | None]:
    """(issuer, where it was read, place name) — see the module docstring."""
    if title and (m := _TITLE.search(formats.fold(title))) and m.group("issuer").strip():
        issuer = title[: m.start("year")].strip()
        return issuer, "title", issuer
    if header.get("issuer"):
        return header["issuer"], "header", header["issuer"]
    name = _place_in_text(text)
    if name is None:
        return None, None, None
    return name + formats.layout()["government_suffix"], "text", name


def _place_in_text(text: str) -> str | None:
    """The place the report speaks for, from its self-references and place names."""
    folded = fold_text(text)
    refs = formats.layout()["self_reference"]
    counts = {level: sum(folded.count(w) for w in words) for level, words in refs.items()}
    level, hits = max(counts.items(), key=lambda kv: kv[1])
    if hits == 0:
        return None
    names: Counter[str] = Counter()
    for m in re.finditer(re.escape(level), folded):
        for size in range(len(level) + 7, len(level), -1):  # longest first: 陵城区 before 城区
            cand = folded[max(0, m.end() - size) : m.end()]
            if cand in _by_name():
                names[cand] += 1
                break
    if not names:
        return None
    best, n = names.most_common(1)[0]
    if sum(1 for v in names.values() if v == n) > 1:
        return None  # two places cited equally often: ambiguous
    # prefix with the city (and province) named before it in the text, when one is
    codes = _by_name()[best]
    codes_map = formats.adcodes()
    for code in codes:
        prov, city, _ = _levels(code)
        for upper in (city, prov):
            if upper and upper != code and codes_map[upper] + best in folded:
                return codes_map[upper] + best
    return best if len(codes) == 1 else None


def generation_of(text: str, year: int | None) -> int:
    """Generation of a report whose tables were not found: the fixed section wording of
    generations 2/3 (then the year tells 2 from 3), else 1."""
    if "收到和处理政府信息公开申请" in fold_text(text):
        return 3 if (year or 0) >= 2021 else 2
    return 1
