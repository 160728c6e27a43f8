"""Lines and sentences of a report, with their offsets into the decoded source.

>>> [(ln.start, ln.text) for ln in split_lines("ab\\ncd", 0)]
[(0, 'ab'), (3, 'cd')]
>>> sentence_at("甲。乙丙。丁", 3)
(2, 5)
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from .. import formats


@dataclass(frozen=True)
class Line:
    """One line of the source, without its line break; ``start``/``end`` are offsets."""

    no: int
    start: int
    end: int
    text: str


def split_lines(text: str, start: int = 0) -> list[Line]:
    """The lines of ``text[start:]`` (line numbers count from the top of ``text``)."""
    out = []
    no = text.count("\n", 0, start) + 1
    pos = start
    for raw in text[start:].splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        out.append(Line(no, pos, pos + len(body), body))
        pos += len(raw)
        no += 1
    return out


@cache
def _chrome() -> re.Pattern[str]:
    patterns = formats.layout()["chrome_lines"]
    return re.compile("^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*$")


def is_chrome(line: str) -> bool:
    """True for a line of web-page chrome (扫一扫在手机上查看当前页面, 打印本页 …)."""
    return bool(_chrome().match(formats.fold(line).strip()))


_SENTENCE_END = "。！？!?\n"


class LineNumbers:
    """Line numbers (1-based) of offsets in a text, by bisection.

    >>> LineNumbers("a\\nb\\nc").at(2), LineNumbers("a\\nb\\nc").at(0)
    (2, 1)
    """

    def __init__(self, text: str) -> None:
        self.breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def at(self, pos: int) -> int:
        return bisect.bisect_left(self.breaks, pos) + 1


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

    >>> Sentences("甲。乙丙。丁").at(3)
    (2, 5)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends = [i for i, ch in enumerate(text) if ch in _SENTENCE_END]

    def at(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_left(self.ends, pos)
        start = self.ends[i - 1] + 1 if i > 0 else 0
        end = self.ends[i] + 1 if i < len(self.ends) else len(self.text)
        if end > 0 and self.text[end - 1] == "\n":
            end -= 1
        while start < end and self.text[start] in " \t\r":
            start += 1
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
    """Sentences of ``text[start:end]`` as (start, end) offsets, blanks left out."""
    out = []
    i = start
    while i < end:
        j = i
        while j < end and text[j] not in _SENTENCE_END:
            j += 1
        stop = j + 1 if j < end and text[j] != "\n" else j
        s, e = i, stop
        while s < e and text[s].isspace():
            s += 1
        if s < e:
            out.append((s, e))
        i = j + 1
    return out
