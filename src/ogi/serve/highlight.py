"""Matches of a search shown in context: the words of a query found again in the raw text.

The full-text index (:mod:`ogi.store.search`) says *which* rows match; these functions find *where*,
so that pages can show the text around each match with the words marked. They read a query
the way :func:`ogi.store.search.fts_query` does (whitespace-separated terms, ``"quoted phrases"``)
and match each term as the index does: case-insensitively, with full-width characters folded,
and with punctuation or spaces allowed between its characters (``舆情`` is found in ``舆，情``).

Everything returned is :class:`markupsafe.Markup` with the text escaped: report text that
contains HTML is shown as text.

>>> str(snippet("加强网络舆情监测，及时回应<script>", "舆情", width=4))
'加强网络<mark>舆情</mark>监测，及…'
>>> str(mark("a<b>舆情", [(4, 6)]))
'a&lt;b&gt;<mark>舆情</mark>'
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from ..store.search import _FULLWIDTH_TO_ASCII, _QUERY_TERMS, segment

Span = tuple[int, int]


def terms(query: str) -> list[str]:
    """The terms of a search box query, as :func:`ogi.store.search.fts_query` splits them.

    >>> terms('舆情 "双随机 一公开" ')
    ['舆情', '双随机 一公开']
    """
    query = query.replace("\x00", " ")
    if query.count('"') % 2:
        query += '"'
    out = []
    for bit in _QUERY_TERMS.split(query):
        if not bit or bit == '""':
            continue
        if len(bit) > 1 and bit[0] == bit[-1] == '"':
            bit = bit[1:-1]
        if bit.strip():
            out.append(bit)
    return out


def _fold(text: str) -> str:
    """Full-width to ASCII and lower case, keeping every character at its offset."""
    folded = text.translate(_FULLWIDTH_TO_ASCII)
    lowered = folded.lower()
    return lowered if len(lowered) == len(folded) else folded


@lru_cache(maxsize=256)
def _pattern(query: str) -> re.Pattern[str] | None:
    alternatives = []
    for term in terms(query):
        tokens = segment(_fold(term)).split()
        tokens = [t for t in (re.sub(r"[\W_]+", "", tok) for tok in tokens) if t]
        if tokens:
            alternatives.append(r"[\W_]*".join(map(re.escape, tokens)))
    if not alternatives:
        return None
    # longest first, so that a phrase wins over a shorter term it contains
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


def find(text: str, query: str) -> list[Span]:
    """Where the terms of ``query`` occur in ``text``: (start, end) offsets, in order.

    >>> find("网络舆情，舆 情", "舆情")
    [(2, 4), (5, 8)]
    """
    pattern = _pattern(query)
    if pattern is None or not text:
        return []
    return [m.span() for m in pattern.finditer(_fold(text)) if m.end() > m.start()]


def mark(text: str, spans: list[Span], mark_id: str | None = None) -> Markup:
    """``text`` escaped, with each span in ``<mark>``; the first gets ``id=mark_id``."""
    out: list[Markup] = []
    pos = 0
    for i, (start, end) in enumerate(sorted(spans)):
        if start < pos:
            continue
        attrs = Markup(' id="{}"').format(mark_id) if mark_id and i == 0 else Markup("")
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark{}>{}</mark>").format(attrs, text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def snippet(text: str, query: str, width: int = 40, hits: int = 3) -> Markup | None:
    """The text around the first ``hits`` matches (``width`` characters each side), joined
    by ``…``, matches marked; None when ``query`` does not occur in ``text``."""
    spans = find(text, query)[:hits]
    if not spans:
        return None
    windows: list[list[int]] = []
    for start, end in spans:
        lo, hi = max(0, start - width), min(len(text), end + width)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    parts: list[Markup] = []
    for lo, hi in windows:
        inside = [(s - lo, e - lo) for s, e in spans if lo <= s and e <= hi]
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(text) else ""
        parts.append(Markup("{}{}{}").format(prefix, mark(text[lo:hi], inside), suffix))
    return Markup(" ").join(parts)
