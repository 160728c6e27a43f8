"""The outline: every numbered heading (一、 / （一） / 1. / （1）) as a tree of sections.

A heading is a line that opens with a section marker (``formats/layout.yml``). Its heading
text runs to the first 。 or colon; the rest of the line and the lines up to the next heading
are its body. Text before the first heading becomes section ``0``. Lines inside a table and
page chrome never open a section; chrome is also kept out of bodies.

>>> secs = outline("一、概述\\n正文。\\n(一)情况。细节\\n", "r", 0, [])
>>> [(s["section_id"], s["level"], s["heading"], s["body"]) for s in secs]
[('r:1', 1, '概述', '正文。'), ('r:1.1', 2, '情况', '细节')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import formats
from .lines import Line, is_chrome, split_lines

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(s: str) -> int | None:
    """Value of a Chinese numeral up to 99 (十一 → 11, 二十 → 20, 两 → 2), else None.

    >>> chinese_number("十二"), chinese_number("三十"), chinese_number("九")
    (12, 30, 9)
    """
    s = s.replace("两", "二")
    if not s or any(ch not in _CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


@dataclass(frozen=True)
class Marker:
    level: int
    marker: str
    ordinal: int | None
    end: int  # offset in the line just past the marker


@cache
def _markers() -> list[tuple[int, str, re.Pattern[str]]]:
    return [
        (m["level"], m["numeral"], re.compile(r"\s*(?:" + m["pattern"] + ")"))
        for m in formats.layout()["markers"]
    ]


def find_marker(line: str) -> Marker | None:
    """The section marker opening a line, if any."""
    folded = formats.fold(line)
    for level, numeral, pattern in _markers():
        m = pattern.match(folded)
        if m and m.end() < len(folded.rstrip()):  # a marker alone is not a heading
            num = m.group("num")
            ordinal = int(num) if numeral == "arabic" else chinese_number(num)
            return Marker(level, line[m.start() : m.end()].strip(), ordinal, m.end())
    return None


_HEADING_END = re.compile(r"[。:：]")


def outline(
    text: str, report_id: str, start: int, skip: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    """Sections of ``text[start:]``; ``skip`` are spans (tables) that never open a section."""
    lines = split_lines(text, start)

    def in_skip(line: Line) -> bool:
        return any(a <= line.start < b for a, b in skip)

    # Group lines under the heading that precedes them.
    groups: list[tuple[Marker | None, Line | None, list[Line]]] = [(None, None, [])]
    for line in lines:
        if is_chrome(line.text):
            continue
        marker = None if in_skip(line) else find_marker(line.text)
        if marker:
            groups.append((marker, line, []))
        else:
            groups[-1][2].append(line)

    sections: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []  # open ancestors, innermost last
    children: dict[str | None, int] = {}
    for marker, head, body_lines in groups:
        if marker is None or head is None:
            body = _join(text, body_lines)
            if body.strip():
                first, last = _content_span(body_lines)
                sections.append(
                    _section(
                        report_id,
                        f"{report_id}:0",
                        None,
                        0,
                        None,
                        None,
                        "",
                        body.strip("\n"),
                        first,
                        last,
                    )
                )
            continue
        while stack and stack[-1]["level"] >= marker.level:
            stack.pop()
        parent = stack[-1] if stack else None
        parent_id = parent["section_id"] if parent else None
        children[parent_id] = children.get(parent_id, 0) + 1
        path = f"{parent['section_id'].split(':', 1)[1]}." if parent else ""
        section_id = f"{report_id}:{path}{children[parent_id]}"
        rest = head.text[marker.end :].strip()
        m = _HEADING_END.search(formats.fold(rest))
        if m and m.end() < len(rest):
            heading, tail = rest[: m.start()], rest[m.end() :].lstrip()
        else:
            heading, tail = rest.rstrip("。:："), ""
        body = "\n".join(part for part in [tail, _join(text, body_lines)] if part)
        begin = head.start + (len(head.text) - len(head.text.lstrip()))
        _, last = _content_span(body_lines) if body_lines else (0, head.end)
        sec = _section(
            report_id,
            section_id,
            parent_id,
            marker.level,
            marker.marker,
            marker.ordinal,
            heading.strip(),
            body.strip("\n"),
            begin,
            max(last, head.end),
        )
        sections.append(sec)
        stack.append(sec)
    for seq, sec in enumerate(sections, start=1):
        sec["seq"] = seq
    return sections


def _content_span(lines: list[Line]) -> tuple[int, int]:
    kept = [ln for ln in lines if ln.text.strip()]
    if not kept:
        return (lines[0].start, lines[0].start) if lines else (0, 0)
    return kept[0].start, kept[-1].end


def _join(text: str, lines: list[Line]) -> str:
    return "\n".join(ln.text for ln in lines).strip("\n")


def _section(
    report_id: str,
    section_id: str,
    parent_id: str | None,
    level: int,
    marker: str | None,
    ordinal: int | None,
    heading: str,
    body: str,
    start: int,
    end: int,
) -> dict[str, Any]:
    return {
        "section_id": section_id,
        "report_id": report_id,
        "parent_id": parent_id,
        "seq": 0,
        "level": level,
        "marker": marker,
        "ordinal": ordinal,
        "heading": heading,
        "body": body,
        "start": start,
        "end": end,
    }
