"""Lines and sentences of a report, with their offsets into the decoded source.

>>> [(ln.no, ln.start, ln.text) for ln in split_lines("ab\\n\\n  \\ncd", 0)]
[(1, 0, 'ab'), (4, 7, 'cd')]
>>> sentence_at("甲。乙丙。丁", 3)
(2, 5)

Everything here is found with regular expressions over the whole text, not with Python work
per character or per line, so that a page of ten million blank lines or of one sentence of
five million numbers costs seconds, not minutes (tests/test_fuzz.py).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice

from .. import formats


class TooMany(Exception):
    """More of something (figures, citations, section numbers) than a report holds
    (``limits`` in ``formats/layout.yml``): the text is not a report. ``ogi.parse`` turns it
    into the InputError that refuses the file."""

    def __init__(self, what: str, limit: int) -> None:
        self.what, self.limit = what, limit
        super().__init__(f"more than {limit:,} {what.replace('_', ' ')}")


class Budget:
    """What is left of a report's limit for one kind of thing, spent as they are found.

    >>> b = Budget("citations"); b.take(10_000)
    >>> b.take()
    Traceback (most recent call last):
    ogi.parse.lines.TooMany: more than 10,000 citations
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.limit = int(formats.layout()["limits"][what])
        self.left = self.limit

    def take(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise TooMany(self.what, self.limit)

    def take_each(self, found: Iterator[object]) -> None:
        """Take one for each thing ``found``, looking no further than the limit."""
        self.take(len(list(islice(found, self.left + 1))))


_DIGITS = re.compile(r"\d\d*")  # \d+, written so that a search skips to the digits


def count_numbers(text: str, start: int = 0) -> None:
    """Raise TooMany when ``text[start:]`` holds more runs of digits than a report holds:
    the cheapest look at a text, taken before any other.

    >>> count_numbers("1 " * 20_001)
    Traceback (most recent call last):
    ogi.parse.lines.TooMany: more than 20,000 numbers
    """
    Budget("numbers").take_each(_DIGITS.finditer(text, start))


@cache
def _foldable() -> re.Pattern[str]:
    """A character that ``formats.fold`` changes."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(formats._FOLD)) + "]")


_FOLD_CHUNK = 4096


@lru_cache(maxsize=4)
def fold_text(text: str) -> str:
    """``formats.fold`` of a whole report, folded once however many readers ask for it, and
    only in the stretches that hold something to fold (ten million blank lines do not).

    >>> fold_text("（一）２０１８年" + " " * 5000 + "，")[-1]
    ','
    """
    foldable = _foldable()
    if not foldable.search(text):
        return text
    parts = (text[i : i + _FOLD_CHUNK] for i in range(0, len(text), _FOLD_CHUNK))
    return "".join(formats.fold(p) if foldable.search(p) else p for p in parts)


_KEEP_COMMA = {cp: to for cp, to in formats._FOLD.items() if cp != ord("，")}


@lru_cache(maxsize=4)
def fold_numbers(text: str) -> str:
    """:func:`fold_text`, but with the full-width comma kept: where numbers are read, ，
    separates figures (152，216，307) and only the ASCII comma may group thousands (1,234).

    >>> fold_numbers("１５２，２１６,000")
    '152，216,000'
    """
    folded = fold_text(text)
    if "，" not in text:
        return folded
    parts = ((i, text[i : i + _FOLD_CHUNK]) for i in range(0, len(text), _FOLD_CHUNK))
    return "".join(
        p.translate(_KEEP_COMMA) if "，" in p else folded[i : i + len(p)] for i, p in parts
    )


@dataclass(frozen=True)
class Line:
    """One line of the source, without its line break; ``start``/``end`` are offsets."""

    no: int
    start: int
    end: int
    text: str


# What str.splitlines breaks lines at. A line's text keeps a break other than \r and \n
# (a form feed …), as ``splitlines(keepends=True)`` then ``rstrip("\r\n")`` did.
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_KEPT = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_FIRST = re.compile(rf"[^{_BREAKS}]*[{_KEPT}]?")
# a line break, then a line with something other than white space in it (the break comes
# first so that the search skips from break to break)
_TEXT_LINE = re.compile(rf"[{_BREAKS}](?P<line>[^\S{_BREAKS}]*+\S[^{_BREAKS}]*)")
_ODD_BREAKS = re.compile(rf"[{_KEPT}]|\r")


def split_lines(text: str, start: int = 0) -> list[Line]:
    """The lines of ``text[start:]`` that are not blank (line numbers count from the top of
    ``text``, blank lines included; a blank line holds nothing to read)."""
    return list(_split_lines(text, start))


@lru_cache(maxsize=2)
def _split_lines(text: str, start: int) -> tuple[Line, ...]:
    out = []
    no = text.count("\n", 0, start) + 1
    odd = _ODD_BREAKS.search(text, start) is not None  # breaks other than \n: count them all
    first = _FIRST.match(text, start)
    assert first is not None  # it matches the empty string
    if text[first.start() : first.end()].strip():
        out.append(Line(no, start, first.end(), text[start : first.end()].rstrip("\r\n")))
    last = start
    for m in _TEXT_LINE.finditer(text, max(start, first.end() - 1)):
        a, b = m.span("line")
        if b < len(text) and text[b] in _KEPT:
            b += 1
        no += len(text[last:a].splitlines()) if odd else text.count("\n", last, a)
        out.append(Line(no, a, b, text[a:b]))
        last = a
    return tuple(out)


@cache
def _chrome() -> re.Pattern[str]:
    patterns = formats.layout()["chrome_lines"]
    return re.compile("^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*$")


def is_chrome(line: str) -> bool:
    """True for a line of web-page chrome (扫一扫在手机上查看当前页面, 打印本页 …)."""
    return bool(_chrome().match(formats.fold(line).strip()))


def chrome_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each line of web-page chrome in ``text[start:]``."""
    return list(_chrome_spans(text, start))


@cache
def _chrome_inline() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in formats.layout()["chrome_inline"]))


@lru_cache(maxsize=2)
def _chrome_spans(text: str, start: int) -> tuple[tuple[int, int], ...]:
    """Whole lines of chrome (no longer than ``chrome_line_max``), and the chrome inside the
    other lines (a page flattened onto one line), in text order."""
    folded, chrome, inline = fold_text(text), _chrome(), _chrome_inline()
    longest = int(formats.layout()["chrome_line_max"])
    out: list[tuple[int, int]] = []
    for ln in _split_lines(text, start):
        if ln.end - ln.start <= longest and chrome.match(folded[ln.start : ln.end].strip()):
            out.append((ln.start, ln.end))
        elif ln.end - ln.start > longest:
            out += [m.span() for m in inline.finditer(folded, ln.start, ln.end)]
    return tuple(out)


def unchromed(line: Line, spans: list[tuple[int, int]]) -> list[Line]:
    """The parts of ``line`` outside the chrome ``spans`` (sorted, not overlapping), each
    with its blanks trimmed; a line of chrome has none.

    >>> [p.text for p in unchromed(Line(1, 10, 20, "ab 当前位置 cd"), [(13, 17)])]
    ['ab', 'cd']
    """
    parts: list[Line] = []
    pos = line.start
    for a, b in [*spans, (line.end, line.end)]:
        if b <= line.start or a > line.end:
            continue
        piece = line.text[pos - line.start : max(pos, a) - line.start]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            begin = pos + lead
            parts.append(Line(line.no, begin, begin + len(piece.strip()), piece.strip()))
        pos = max(pos, b)
    return parts


def text_lines(text: str, start: int = 0) -> Iterator[Line]:
    """The lines of ``text[start:]`` without their chrome: whole lines of chrome dropped,
    lines with chrome inside cut into the parts around it."""
    spans, i = chrome_spans(text, start), 0
    for line in _split_lines(text, start):
        j = i
        while j < len(spans) and spans[j][0] < line.end:
            j += 1
        if j == i:
            yield line
        else:
            yield from unchromed(line, spans[i:j])
        i = j


_SENTENCE_END = "。！？!?\n"
_END_RUNS = re.compile(f"[{_SENTENCE_END}]+")
_MARKS = re.compile("[。！？!?]")  # sentence ends other than a line break
_LEAD = re.compile(r"[ \t\r]*")
_BLANK = re.compile(r"\s*")


def _skip(blanks: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Where the run of ``blanks`` starting at ``start`` ends (at most at ``end``)."""
    m = blanks.match(text, start, max(start, end))
    return m.end() if m else start


def skip_blanks(text: str, start: int, end: int) -> int:
    """The first offset from ``start`` (up to ``end``) that is not white space.

    >>> skip_blanks("a \\u3000\\nb", 1, 5)
    4
    """
    return _skip(_BLANK, text, start, end)


class LineNumbers:
    """Line numbers (1-based) of offsets in a text, counted on from the last one asked for.

    >>> LineNumbers("a\\nb\\nc").at(2), LineNumbers("a\\nb\\nc").at(0)
    (2, 1)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos, self.no = 0, 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.no = 0, 1
        self.no += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.no


class Spans:
    """Spans of text (start, end) to look positions up in quickly.

    >>> Spans([(5, 9), (0, 2)]).contains(7), Spans([(5, 9)]).contains(9)
    (True, False)
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def contains(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


MAX_SENTENCE = (
    600  # a "sentence" longer than this (a page without full stops) is cut around the point
)


class Sentences:
    """Sentence bounds of a whole text, found once: ``at(pos)`` is :func:`sentence_at` without
    scanning the text again for every figure (a page with no full stop would cost time squared).
    The ends are kept as runs (ten million blank lines are one run).

    >>> Sentences("甲。乙丙。丁").at(3), Sentences("甲。\\n\\n乙丙").at(4)
    ((2, 5), (4, 6))
    """

    def __init__(self, text: str) -> None:
        self.text = text
        runs = [m.span() for m in _END_RUNS.finditer(text)]
        self.starts = [a for a, _ in runs]
        self.stops = [b for _, b in runs]
        self.trimmed: dict[int, int] = {}  # a sentence's start → after its leading blanks

    def at(self, pos: int) -> tuple[int, int]:
        j = bisect.bisect_right(self.starts, pos) - 1
        if j >= 0 and pos < self.stops[j]:  # on a sentence end
            nxt: int | None = pos
            prev = pos - 1 if pos > self.starts[j] else self.stops[j - 1] - 1 if j > 0 else -1
        else:
            prev = self.stops[j] - 1 if j >= 0 else -1
            nxt = self.starts[j + 1] if j + 1 < len(self.starts) else None
        start = prev + 1
        end = nxt + 1 if nxt is not None else len(self.text)
        if end > 0 and self.text[end - 1] == "\n":
            end -= 1
        if start not in self.trimmed:
            self.trimmed[start] = _skip(_LEAD, self.text, start, end)
        start = self.trimmed[start]
        if end - start > MAX_SENTENCE:
            start = max(start, pos - MAX_SENTENCE // 2)
            end = min(end, start + MAX_SENTENCE)
        return start, end


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """Start and end offsets of the sentence around ``pos`` (ends: 。！？ and line breaks)."""
    start = max(text.rfind(ch, 0, pos) for ch in _SENTENCE_END) + 1
    ends = [i for i in (text.find(ch, pos) for ch in _SENTENCE_END) if i != -1]
    end = min(ends) + 1 if ends else len(text)
    if end > 0 and text[end - 1] == "\n":
        end -= 1
    while start < end and text[start] in " \t\r":
        start += 1
    return start, end


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as (start, end) offsets, blanks left out; a 。 right
    after another end is a sentence of its own.

    >>> sentences("甲。\\n\\n 乙！？丙", 0, 9)
    [(0, 2), (5, 7), (7, 8), (8, 9)]
    """
    out = []
    i = start
    for run in _END_RUNS.finditer(text, start, end):
        j, b = run.span()
        stop = j if text[j] == "\n" else j + 1
        s = _skip(_BLANK, text, i, stop)
        if s < stop:
            out.append((s, stop))
        out += [(m.start(), m.end()) for m in _MARKS.finditer(text, j + 1, b)]
        i = b
    s = _skip(_BLANK, text, i, end)
    if s < end:
        out.append((s, end))
    return out
