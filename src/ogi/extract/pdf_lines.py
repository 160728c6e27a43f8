"""Characters → words → lines, by pdfplumber's rules (its defaults, no layout): characters
whose tops lie within 3 pt (chained) share a line; in a line, left to right, a word ends at a
space or at a gap of more than 3 pt; words whose tops lie within 3 pt share a line again.
Written out here for upright text because pdfplumber's general version (every direction,
every option) cost more than reading the page; rotated text goes to pdfplumber itself.

    >>> from ogi.extract.pdf_page import Char
    >>> chars = [Char("商", 0, 0, 7, 9, True), Char("业", 7, 0, 14, 9, True),
    ...          Char("企", 0, 10, 7, 19, True), Char("业", 7, 10, 14, 19, True)]
    >>> cell_lines(chars)
    ['商业', '企业']
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, NamedTuple, TypeVar

from pdfplumber.utils.text import LIGATURES, chars_to_textmap, extract_text

from .pdf_page import Char

TOLERANCE = 3.0  # pdfplumber's x_tolerance and y_tolerance


class Span(NamedTuple):
    """A word, or a line of words, and its box."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


T = TypeVar("T", Char, Span)


def _clusters(items: list[T], ordered: bool = False) -> list[list[T]]:
    """Items whose tops lie within TOLERANCE of the next distinct top, chained, together.
    Groups come top to bottom, items keep their order in each; ``ordered``: the items
    are taken as they come and a group ends where the next item belongs to another."""
    tops = sorted({item.top for item in items})
    if len(tops) == 1:
        return [list(items)]
    index: dict[float, int] = {}
    n, last = 0, None
    for top in tops:
        if last is not None and top > last + TOLERANCE:
            n += 1
        index[top] = n
        last = top
    keyed = [(index[item.top], item) for item in items]
    if not ordered:
        keyed.sort(key=lambda pair: pair[0])
    return [[item for _, item in group] for _, group in groupby(keyed, key=lambda p: p[0])]


def _span(items: list[Char] | list[Span], between: str) -> Span:
    """Characters (or words) as one word (or line): their texts joined, ligatures written
    out, and their boxes'."""
    if len(items) == 1:
        c = items[0]
        return Span(LIGATURES.get(c.text, c.text), c.x0, c.top, c.x1, c.bottom)
    return Span(
        between.join([LIGATURES.get(c.text, c.text) for c in items]),
        min([c.x0 for c in items]),
        min([c.top for c in items]),
        max([c.x1 for c in items]),
        max([c.bottom for c in items]),
    )


def _words(chars: list[Char]) -> list[Span]:
    words: list[Span] = []
    for line in _clusters(chars):
        line.sort(key=lambda c: c.x0)
        word: list[Char] = []
        for char in line:
            if word and (
                char.text.isspace()
                or char.x0 < word[-1].x0
                or char.x0 > word[-1].x1 + TOLERANCE
                or abs(char.top - word[-1].top) > TOLERANCE
            ):
                words.append(_span(word, ""))
                word = []
            if not char.text.isspace():
                word.append(char)
        if word:
            words.append(_span(word, ""))
    return words


def _plumber(chars: list[Char]) -> list[dict[str, Any]]:
    return [
        {
            **c._asdict(),
            "doctop": c.top,
            "width": c.x1 - c.x0,
            "height": c.bottom - c.top,
            "object_type": "char",
        }
        for c in chars
    ]


def text_lines(chars: list[Char]) -> list[Span]:
    """The lines of text these characters (in the order drawn) make, with their boxes —
    what pdfplumber's ``extract_text_lines()`` gives."""
    if not chars:
        return []
    if not all(c.upright for c in chars):
        lines = chars_to_textmap(_plumber(chars)).extract_text_lines(return_chars=False)
        return [Span(ln["text"], ln["x0"], ln["top"], ln["x1"], ln["bottom"]) for ln in lines]
    return [_span(line, " ") for line in _clusters(_words(chars), ordered=True)]


def cell_lines(chars: list[Char]) -> list[str]:
    """The lines of text in one table cell (its characters in the order drawn) — what
    pdfplumber's ``extract_text()`` gives, split at line breaks."""
    if not chars:
        return []
    if not all(c.upright for c in chars):
        return extract_text(_plumber(chars)).split("\n")
    return [" ".join(w.text for w in line) for line in _clusters(_words(chars))]
