"""Lines and sentences of a report, with their offsets into the decoded source.

>>> [(ln.start, ln.text) for ln in split_lines("ab\\ncd", 0)]
[(0, 'ab'), (3, 'cd')]
>>> sentence_at("甲。乙丙。丁", 3)
(2, 5)
"""

from __future__ import annotations

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
