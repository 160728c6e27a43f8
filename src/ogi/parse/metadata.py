"""Report metadata: title, issuing body, year, generation.

The issuer is read from every place it is printed — the title line (…2018年度政府信息公开
工作年度报告, or 2025年…办公厅政府信息公开工作年度报告), a crawler header (发布机构), the
signature at the end (落款), the opening sentence (…编制), the provenance — and resolved into
kind, level and place by ``ogi.parse.issuers``. When none prints it, it is inferred from the
text: the report's self-references (我区, 区政府 …) give the level of government, and the most
cited place name of that level, checked against the national division codes, gives the body.
A name that fits several places and that the text cannot tell apart is left unplaced.

>>> signature_of("……无其他需要报告事项。 平潭综合实验区市场监督管理局 2020年1月13日 抄送：…", 2019)
'平潭综合实验区市场监督管理局'
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

from .. import formats
from . import issuers
from .lines import fold_text

_TITLE = re.compile(
    r"^(?P<issuer>.*?)\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*(?:政府信息公开|政务公开)"
)
# a title that prints the year first: 2025年上海市人民政府办公厅政府信息公开工作年度报告
_TITLE_YEAR_FIRST = re.compile(
    r"^\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*(?P<issuer>\S.*?)\s*(?:政府信息公开|政务公开)"
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


def title_of(text: str, header: dict[str, str], body_start: int) -> str | None:
    """The printed title: a crawler header's 标题, else the first line, or the first two or
    three lines run together (a title wrapped over lines: 淮安市洪泽区人民政府 / 2024年政府信息
    公开工作年度报告), that read as a title — after one leading line that does not (正文)."""
    if header.get("title"):
        return header["title"]
    lines = [ln.strip() for ln in text[body_start:].lstrip().split("\n", 5)[:5]]
    for size in (1, 2, 3):
        for skip in (0, 1):
            head = "".join(lines[skip : skip + size])
            if len(head) > 60 or not _TITLE_LINE.search(formats.fold(head)):
                continue
            first = lines[0]
            if skip and _issuer_in_title(head) is None and 0 < len(first) <= 30:
                return first + head  # the issuer on a line of its own above the title
            return head
    return None


def _title_match(title: str) -> re.Match[str] | None:
    folded = formats.fold(title)
    return _TITLE.search(folded) or _TITLE_YEAR_FIRST.search(folded)


def _issuer_in_title(title: str) -> str | None:
    """The issuer a title names before or after its year, as printed."""
    folded = formats.fold(title)
    for pattern in (_TITLE, _TITLE_YEAR_FIRST):
        m = pattern.search(folded)
        if m and m.group("issuer").strip():
            return title[m.start("issuer") : m.end("issuer")].strip()
    return None


def year_of(title: str | None, tables: list[Any], text: str) -> int | None:
    """Report year: from the title, else the table's year column header, else the year most
    often written in the text."""
    if title and (m := _title_match(title)):
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


_DATE = re.compile(r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_RUN = re.compile(r"[\u4e00-\u9fff()（）]{2,40}$")
_OPENING = (
    re.compile(r"由\s*([\u4e00-\u9fff()（）]{2,40}?)\s*(?:根据|依据|按照|负责|编制|制作)"),
    re.compile(r"([\u4e00-\u9fff()（）]{2,40}?)\s*(?:编制|制作|发布)"),
)
_DEFINED = re.compile(
    r"([\u4e00-\u9fff]{2,40})\s*[(（]\s*以下简称\s*[\"“「]?([\u4e00-\u9fff]{2,12})[\"”」]?\s*[)）]"
)


def _body_in(run: str, year: int | None, **kw: Any) -> str | None:
    """The longest tail of a run of text that is a placed body (…事项。平潭综合实验区市场监督管理局
    → 平潭综合实验区市场监督管理局)."""
    for i in range(len(run) - 1):
        r = issuers.resolve(run[i:], year, **kw)
        if r.kind and (r.area_code or r.place_source == "national"):
            return run[i:]
    return None


def signature_of(text: str, year: int | None) -> str | None:
    """The body signing the report (落款): the name printed just before the last date near its
    end that is not a date of printing (…印发)."""
    tail = text[-1200:]
    for m in reversed(list(_DATE.finditer(tail))):
        if tail[m.end() : m.end() + 3].lstrip().startswith(("印发", "印", "发布")):
            continue
        run = _RUN.search(tail[: m.start()].rstrip())
        if run and (name := _body_in(run.group(0), year)):
            return name
    return None


def opening_of(text: str, year: int | None, home: str | None) -> str | None:
    """The body the opening sentence says compiled the report (市科委编制了…)."""
    head = fold_text(text[:400])
    for pattern in _OPENING:
        for m in pattern.finditer(head):
            if name := _body_in(m.group(1), year, home=home):
                return name
    return None


def defined_short_forms(text: str, year: int | None) -> dict[str, str]:
    """Short forms a report defines for a body: 上海市科学技术委员会（以下简称“市科委”）."""
    out: dict[str, str] = {}
    for m in _DEFINED.finditer(fold_text(text[:3000])):
        if full := _body_in(m.group(1), year):
            out.setdefault(m.group(2), issuers.normalise(full))
    return out


def issuer_of(
    title: str | None,
    header: dict[str, str],
    text: str,
    provenance: dict[str, Any],
    year: int | None,
) -> tuple[issuers.Issuer | None, str | None]:
    """(the issuer, where it was read): from the title, a crawler header (发布机构), the
    signature at the end, the opening sentence, the provenance, in that order — the first that
    is placed, else the first printed; when none is printed, the place the text speaks for."""
    context = fold_text(text)
    defined = defined_short_forms(text, year)
    found: list[tuple[str, issuers.Issuer]] = []
    home: str | None = None
    for attempt in (1, 2):  # the report's own place is looked for only when needed (市科委)
        if attempt == 2:
            home = _place_in_text(text)
            if home is None:
                break
        printed: list[tuple[str, str]] = []
        if title and (t := _issuer_in_title(title)):
            printed.append(("title", t))
        if header.get("issuer"):
            printed.append(("header", header["issuer"]))
        if sig := signature_of(text, year):
            printed.append(("signature", sig))
        if op := opening_of(text, year, home):
            printed.append(("opening", op))
        if provenance.get("issuer"):
            printed.append(("provenance", str(provenance["issuer"])))
        found = [
            (src, issuers.resolve(p, year, context=context, defined=defined, home=home))
            for src, p in printed
        ]
        for src, r in found:
            if r.area_code or r.place_source == "national":
                return r, src
    if found:
        return found[0][1], found[0][0]
    home = home or _place_in_text(text)
    if home is None:
        return None, None
    r = issuers.resolve(home + formats.layout()["government_suffix"], year, context=context)
    return r, "text"


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
