"""Who published a report: the body's name, kind, level and place.

A name is read as [place][body]. The place is the longest chain of division names the name
begins with (福建省 福州市 晋安区), each as of the report's year (``formats/divisions.csv``:
洪泽县 in 2013, 洪泽区 from 2016), or a known body (``formats/issuers.yml``: 平潭综合实验区 →
平潭县 350128). The body is the rest: its longest matching suffix in ``issuers.yml`` gives the
kind (government, government_office, department, township, zone), and the division's rank the
level (province, city, county; township for 乡/镇/街道; state_council for the State Council's
departments, which belong to no division). A standard short form of the body (上海市科委) is
expanded from the table; a bare one (市科委) takes its place from the report, when the report
names one place of that level.

>>> r = resolve("淮安市洪泽区人民政府", 2024)
>>> (r.name, r.kind, r.level, r.area_code, r.place_source)
('淮安市洪泽区人民政府', 'government', 'county', '320813', 'name')
>>> r = resolve("洪泽县人民政府", 2013)
>>> (r.area_code, r.area_code_today, r.city)
('320829', '320813', '淮安市')
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from .. import formats

TODAY = 9999  # valid_to of a division still in force


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    valid_from: int
    valid_to: int
    code_today: str | None

    def distance(self, year: int | None) -> int:
        """Years between `year` and the years this name was in force (0 when in force)."""
        if year is None:
            return 0 if self.valid_to == TODAY else 1
        if year < self.valid_from:
            return self.valid_from - year
        return max(0, year - self.valid_to)


@dataclass(frozen=True)
class Issuer:
    """A resolved issuer. ``place_source``: name (the name holds the division), alias (a known
    body of formats/issuers.yml), text (the report's own place, for a bare 市科委), near_miss
    (an OCR-like misspelling the report's text confirms), national (a State Council
    department); empty when unplaced. ``problem``: why it is unplaced, when it is."""

    name: str
    printed: str
    kind: str | None = None
    level: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    area_code: str | None = None
    area_code_today: str | None = None
    place_source: str | None = None
    problem: str | None = None
    candidates: tuple[str, ...] = field(default=())


@cache
def spec() -> dict[str, Any]:
    """formats/issuers.yml."""
    return formats._load("issuers.yml")  # type: ignore[no-any-return]


@cache
def divisions() -> tuple[Division, ...]:
    """Every (code, name) of formats/divisions.csv with the years it was in force."""
    text = formats._HERE.joinpath("divisions.csv").read_text(encoding="utf-8")
    return tuple(
        Division(
            r["code"],
            r["name"],
            int(r["valid_from"]),
            int(r["valid_to"]) if r["valid_to"] else TODAY,
            r["code_today"] or None,
        )
        for r in csv.DictReader(text.splitlines())
    )


_PROVINCE_STEM = re.compile(r"^(.{2,3}?)(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")


@cache
def _index() -> dict[str, tuple[Division, ...]]:
    """Name → divisions, with the short names of provinces and prefecture cities (福建, 福州)."""
    index: dict[str, list[Division]] = {}
    for d in divisions():
        index.setdefault(d.name, []).append(d)
    for d in divisions():
        if d.code.endswith("00") and (m := _PROVINCE_STEM.match(d.name)):
            stem = m.group(1)
            if stem not in index or all(x.name != stem for x in index[stem]):
                index.setdefault(stem, []).append(d)
    return {k: tuple(v) for k, v in index.items()}


@cache
def _longest_key() -> int:
    return max(len(k) for k in _index())


# -- normalising -----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]{0,200}>")
_MARKUP = re.compile(r"[#*>`_~\[\]|]+")
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b-\u200f\ufeff]+")
_EDGE = re.compile(
    r"^[\s:：,，。.、;；\"'“”‘’《》<>（）()【】\-—]+|[\s:：,，。.、;；\"'“”‘’《》<>（）()【】\-—]+$"
)


def normalise(printed: str) -> str:
    """The name without markup, spaces and edge punctuation (`# 沐阳县 人民政府` → 沐阳县人民政府)."""
    s = html.unescape(printed)
    s = _TAG.sub("", s)
    s = _MARKUP.sub("", s)
    s = formats.fold(s)
    s = _SPACE.sub("", s)
    return _EDGE.sub("", s)


# -- the place part --------------------------------------------------------------------------


def _parent_ok(child: Division, parent: Division) -> bool:
    if child.code == parent.code:
        return False
    if parent.code.endswith("0000"):
        return child.code[:2] == parent.code[:2]
    if parent.code.endswith("00"):
        return child.code[:4] == parent.code[:4]
    return False


def _chain(name: str) -> tuple[list[tuple[Division, ...]], int]:
    """The divisions the name begins with, each narrowed to the children of the one before
    (福州市 晋安区), and where the rest begins."""
    chain: list[tuple[Division, ...]] = []
    pos = 0
    index = _index()
    longest = _longest_key()
    while pos < len(name):
        for size in range(min(longest, len(name) - pos), 1, -1):
            key = name[pos : pos + size]
            if key not in index:
                continue
            found = index[key]
            if chain:
                found = tuple(d for d in found if any(_parent_ok(d, p) for p in chain[-1]))
                if not found:
                    continue
            chain.append(found)
            pos += size
            break
        else:
            break
    if len(chain) > 1:  # narrow each parent to those with a child in the chain
        for i in range(len(chain) - 2, -1, -1):
            kept = tuple(p for p in chain[i] if any(_parent_ok(c, p) for c in chain[i + 1]))
            chain[i] = kept or chain[i]
    return chain, pos


def _pick(found: Iterable[Division], year: int | None) -> list[Division]:
    """The divisions in force in `year` (else the nearest in years), one per code."""
    found = list(found)
    if not found:
        return []
    best = min(d.distance(year) for d in found)
    by_code: dict[str, Division] = {}
    for d in sorted(found, key=lambda d: (d.distance(year), -d.valid_to, d.name)):
        if d.distance(year) == best:
            by_code.setdefault(d.code, d)
    # a municipality's own prefecture code under the same name (上海市 310000 and 310100)
    return [
        d
        for d in by_code.values()
        if not any(
            p.code != d.code and _parent_ok(d, p) and p.name == d.name for p in by_code.values()
        )
    ]


@cache
def _by_code() -> dict[str, tuple[Division, ...]]:
    index: dict[str, list[Division]] = {}
    for d in divisions():
        index.setdefault(d.code, []).append(d)
    return {k: tuple(v) for k, v in index.items()}


def _name_at(code: str, year: int | None) -> str | None:
    picked = _pick(_by_code().get(code, ()), year)
    return picked[0].name if picked else None


def _level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def _placed(issuer: Issuer, d: Division, year: int | None, source: str) -> Issuer:
    code = d.code
    prov = _name_at(code[:2] + "0000", year)
    city = _name_at(code[:4] + "00", year) if not code.endswith("0000") else None
    city = None if city == prov else city  # a municipality's districts have no prefecture
    county = d.name if not code.endswith("00") else None
    return replace(
        issuer,
        province=prov,
        city=city,
        county=county,
        area_code=code,
        area_code_today=d.code_today,
        place_source=source,
        level=issuer.level or _level_of(code),
    )


# -- the body part ---------------------------------------------------------------------------


@cache
def _suffixes() -> tuple[tuple[str, str], ...]:
    """(suffix, kind), longest first; a zone's committee (开发区管委会) is a zone."""
    s = spec()
    out = [(suf, kind) for kind, sufs in s["kinds"].items() for suf in sufs]
    out += [(z + c, "zone") for z in s["kinds"]["zone"] for c in s["zone_self"]]
    return tuple(sorted(set(out), key=lambda sk: (-len(sk[0]), sk[0])))


def kind_of(body: str) -> str | None:
    """The kind of a body part by its longest known suffix (镇人民政府 → township)."""
    for suf, kind in _suffixes():
        if body.endswith(suf):
            return kind
    return None


def _expand(body: str, defined: dict[str, str]) -> str:
    if body in defined:
        return defined[body]
    return str(spec()["short_forms"].get(body, body))


def _level_word(body: str) -> tuple[str | None, str]:
    """(level, rest) of a body part that begins with a level word (市科委 → city, 科委)."""
    if any(body.startswith(w) for w in spec()["not_level_words"]):
        return None, body
    for word, level in sorted(spec()["level_words"].items(), key=lambda kv: -len(kv[0])):
        if body.startswith(word) and len(body) > len(word):
            return level, body[len(word) :]
    return None, body


@cache
def _known() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k in spec()["known"]:
        for n in [k["name"], *k.get("aliases", [])]:
            out[n] = k
    return out


@cache
def _known_longest_first() -> tuple[str, ...]:
    return tuple(sorted(_known(), key=lambda n: (-len(n), n)))


def _division_of(code: str, year: int | None) -> Division | None:
    picked = _pick(_by_code().get(code, ()), year)
    return picked[0] if picked else None


def resolve(
    printed: str,
    year: int | None,
    context: str = "",
    defined: dict[str, str] | None = None,
    home: str | None = None,
) -> Issuer:
    """Resolve a printed issuer name as of `year`. `context` is the report's text (it
    confirms a near miss and tells apart places of the same name); `defined` the short forms
    the report defines (市科委 → 上海市科学技术委员会); `home` the report's own place name (from
    its self-references), for a bare 市科委."""
    defined = defined or {}
    name = normalise(printed)
    if name in defined:
        name = defined[name]
    base = Issuer(name=name, printed=printed)
    if not name:
        return replace(base, problem="empty")
    known = _known()
    if name in known:
        k = known[name]
        out = replace(base, name=k["name"], kind=k["kind"], level=k["level"])
        if k.get("area_code") and (d := _division_of(str(k["area_code"]), year)):
            return _placed(out, d, year, "alias")
        return replace(out, place_source="national" if k["level"] == "state_council" else None)
    if name in spec()["state_council"]:
        return replace(base, kind=kind_of(name), level="state_council", place_source="national")
    for kname in _known_longest_first():  # a body of a known zone
        k = known[kname]
        if name.startswith(kname) and k.get("area_code") and len(name) > len(kname):
            body = _expand(name[len(kname) :], defined)
            out = replace(base, name=kname + body, kind=kind_of(body), level=k["level"])
            if d := _division_of(str(k["area_code"]), year):
                return _placed(out, d, year, "alias")
    return _resolve_divisions(base, name, year, context, defined, home)


def _resolve_divisions(
    base: Issuer,
    name: str,
    year: int | None,
    context: str,
    defined: dict[str, str],
    home: str | None,
) -> Issuer:
    chain, pos = _chain(name)
    if not chain:
        fixed = _near_miss(name, year, context)
        if fixed is not None:
            return replace(fixed, printed=base.printed, place_source="near_miss")
        level, rest = _level_word(name)
        body = _expand(rest, defined)
        word = name[: len(name) - len(rest)]
        if level and home and normalise(home).endswith(word):
            placed = _resolve_divisions(base, normalise(home) + body, year, context, {}, None)
            if placed.area_code:
                return replace(placed, printed=base.printed, place_source="text")
        kind = kind_of(body)
        return replace(
            base,
            name=name[: len(name) - len(rest)] + body,
            kind=kind or "other",
            level="township" if kind == "township" else level,
            problem=f"“{name}” names no division",
        )
    place_part, body = name[:pos], _expand(name[pos:], defined)
    if body in spec()["zone_self"]:  # 开发区管委会: the zone's own committee
        kind = kind_of(name) or "other"
    else:
        kind = (kind_of(body) or "other") if body else "government"
    out = replace(base, name=place_part + body, kind=kind)
    if kind == "township":
        out = replace(out, level="township")
    found = _pick(chain[-1], year)
    if len(found) > 1 and context:
        named = [d for d in found if _parents_named(d, year, context)]
        found = named or found
    if len(found) != 1:
        return replace(
            out,
            problem=f"“{place_part}” fits {len(found)} divisions",
            candidates=tuple(sorted(d.code for d in found)),
        )
    return _placed(out, found[0], year, "name")


def _parents_named(d: Division, year: int | None, context: str) -> bool:
    for code in (d.code[:4] + "00", d.code[:2] + "0000"):
        n = _name_at(code, year)
        if code != d.code and n and n in context:
            return True
    return False


def _near_miss(name: str, year: int | None, context: str) -> Issuer | None:
    """The issuer with one confusable character of its place swapped (沐阳县 → 沭阳县), when
    exactly one such swap names a division and the report's text names it or its city."""
    if not context:
        return None
    pairs = spec()["confusables"]
    swaps = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    hits: dict[str, Issuer] = {}
    for i, ch in enumerate(name[: _longest_key()]):
        if ch not in swaps:
            continue
        fixed = name[:i] + swaps[ch] + name[i + 1 :]
        chain, pos = _chain(fixed)
        if not chain or pos <= i:
            continue
        r = _resolve_divisions(Issuer(fixed, name), fixed, year, "", {}, None)
        if r.area_code and (fixed[:pos] in context or (r.city and r.city in context)):
            hits[r.area_code] = r
    return next(iter(hits.values())) if len(hits) == 1 else None


# -- report columns --------------------------------------------------------------------------

ISSUER_COLUMNS = (
    "issuer",
    "issuer_printed",
    "issuer_source",
    "issuer_kind",
    "issuer_level",
    "province",
    "city",
    "county",
    "area_code",
    "area_code_today",
    "place_source",
    "issuer_id",
)


def issuer_id(r: Issuer) -> str | None:
    """A stable id of a placed body: a hash of its name and division code (national for a
    State Council department). Unplaced bodies have none: two of the same name may be two
    places, and are never merged."""
    if r.area_code:
        where = r.area_code
    elif r.place_source == "national":
        where = "national"
    else:
        return None
    return hashlib.sha256(f"{r.name}|{where}".encode()).hexdigest()[:16]


def issuer_columns(r: Issuer | None, source: str | None) -> dict[str, Any]:
    """The report row's issuer columns (all empty when no issuer was found)."""
    if r is None:
        return dict.fromkeys(ISSUER_COLUMNS)
    return {
        "issuer": r.name,
        "issuer_printed": r.printed if source != "text" else None,
        "issuer_source": source,
        "issuer_kind": r.kind,
        "issuer_level": r.level,
        "province": r.province,
        "city": r.city,
        "county": r.county,
        "area_code": r.area_code,
        "area_code_today": r.area_code_today,
        "place_source": r.place_source,
        "issuer_id": issuer_id(r),
    }


def issuer_note(r: Issuer | None) -> dict[str, Any] | None:
    """The check row of an issuer that could not be placed (not_assessable: no division of
    that name; ambiguous: several, listed)."""
    if r is None or r.problem is None:
        return None
    who = f"issuer “{r.name}”" + (f" (printed “{r.printed}”)" if r.printed != r.name else "")
    if r.candidates:
        status = "ambiguous"
        message = (
            f"{who}: {r.problem} ({', '.join(r.candidates)}) and the report does not tell "
            "which; it is left unplaced."
        )
    else:
        status = "not_assessable"
        message = f"{who}: {r.problem}; it is left unplaced."
    return {
        "check": "issuer.place",
        "subject": "issuer",
        "status": status,
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": message,
        "start": None,
    }


# -- the issuers resource --------------------------------------------------------------------
