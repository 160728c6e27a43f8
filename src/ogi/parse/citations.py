"""Cited documents: every document number (文号) and every 《title》.

>>> [(c["kind"], c["text"], c["title"], c["issuer_code"], c["doc_year"], c["doc_serial"])
...  for c in find_citations("贯彻《办法》(闽政办〔2018〕26号)。", 0, len("贯彻《办法》(闽政办〔2018〕26号)。"))]
[('title', '《办法》', '办法', None, None, None), ('doc_number', '闽政办〔2018〕26号', '办法', '闽政办', 2018, 26)]
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from typing import Any

from .. import formats
from .lines import Budget, Spans, fold_text


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], tuple[str, ...]]:
    spec = formats.citations()
    dn = spec["doc_number"]
    opens = "".join(re.escape(b[0]) for b in dn["brackets"])
    closes = "".join(re.escape(b[1]) for b in dn["brackets"])
    doc = re.compile(
        rf"(?P<code>{dn['code_chars']})\s*[{opens}]\s*(?P<year>(?:19|20)\d\d)\s*[{closes}]"
        r"\s*第?\s*(?P<serial>\d{1,9})\s*号"
    )
    decree = re.compile(dn["decree"])
    marks = spec["title_marks"][0]
    title = re.compile(rf"{marks[0]}(?P<title>[^{marks}\n]{{1,300}}){marks[1]}")
    prefixes = tuple(sorted(dn["code_prefixes_not_part"], key=len, reverse=True))
    return doc, decree, title, prefixes


def _strip_code(code: str, prefixes: tuple[str, ...]) -> tuple[str, int]:
    """Remove leading words that are not part of an organ code; return (code, chars cut)."""
    cut = 0
    changed = True
    while changed and len(code) > 1:
        changed = False
        for p in prefixes:
            if code.startswith(p) and len(code) > len(p):
                code, cut, changed = code[len(p) :], cut + len(p), True
                break
    return code, cut


def find_citations(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """Citations in ``text[start:end]`` in document order (without report or section ids);
    more than a report holds (``limits`` in ``formats/layout.yml``) raise TooMany."""
    doc, decree, title_re, prefixes = _patterns()
    budget = Budget("citations")
    folded = fold_text(text)[start:end]
    found: list[dict[str, Any]] = []
    titles: list[dict[str, Any]] = []
    for m in title_re.finditer(folded):
        s, e = start + m.start(), start + m.end()
        budget.take()
        rec = {
            "kind": "title",
            "text": text[s:e],
            "title": text[s + 1 : e - 1],
            "issuer_code": None,
            "doc_year": None,
            "doc_serial": None,
            "start": s,
            "end": e,
        }
        titles.append(rec)
        found.append(rec)
    title_ends = [t["end"] for t in titles]  # in order: titles do not overlap
    taken: list[tuple[int, int]] = [(t["start"], t["end"]) for t in titles]
    for pattern, has_year in ((doc, True), (decree, False)):
        inside = Spans(taken)
        for m in pattern.finditer(folded):
            code, cut = _strip_code(m.group("code"), prefixes)
            s, e = start + m.start() + cut, start + m.end()
            if inside.contains(s):
                continue
            taken.append((s, e))
            budget.take()
            found.append(
                {
                    "kind": "doc_number",
                    "text": text[s:e],
                    "title": _title_before(text, s, titles, title_ends),
                    "issuer_code": text[s : s + len(code)],
                    "doc_year": int(m.group("year")) if has_year else None,
                    "doc_serial": int(m.group("serial")),
                    "start": s,
                    "end": e,
                }
            )
    found.sort(key=lambda c: c["start"])
    return found


_BETWEEN = re.compile(r"^\s*[(（]?\s*$")


def _title_before(text: str, pos: int, titles: list[dict[str, Any]], ends: list[int]) -> str | None:
    """The 《title》 printed right before a document number, e.g. 《…》(榕晋政办〔2018〕133号)."""
    i = bisect.bisect_right(ends, pos) - 1
    if i < 0:
        return None
    t = titles[i]
    return t["title"] if _BETWEEN.match(text[t["end"] : pos]) else None
