"""The outline: every numbered heading (一、 / （一） / 1. / （1）) as a tree of sections.

A heading is a section marker (``formats/layout.yml``) at the start of a line, or inside a
line right after a sentence ends (pages flattened to one line), or before one of the fixed
headings of generations 2 and 3. At the start of a line, its heading runs to the first 。 or
colon; run into the text, to the first 。 or colon close by, else to a word that ends
headings (情况, 方面 …), else the heading is left empty. The rest, up to the next heading, is
the body. Text before the first heading becomes section ``0``. Tables never open a section;
page chrome is kept out of bodies.

>>> secs = outline("一、概述\\n正文。\\n(一)情况。细节\\n", "r", 0, [])
>>> [(s["section_id"], s["level"], s["heading"], s["body"]) for s in secs]
[('r:1', 1, '概述', '正文。'), ('r:1.1', 2, '情况', '细节')]
>>> [(s["section_id"], s["heading"], s["body"]) for s in outline("前言。一、概述2016年成效。(一)基本情况今年如此。", "r", 0, [])]
[('r:0', '', '前言。'), ('r:1', '概述', '2016年成效。'), ('r:1.1', '基本情况', '今年如此。')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import formats
from .headings import flex, section_re
from .lines import Budget, Line, fold_text, skip_blanks, text_lines

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
    end: int  # offset in the text just past the marker


@cache
def _markers() -> list[tuple[int, str, re.Pattern[str]]]:
    return [
        (m["level"], m["numeral"], re.compile(r"\s*(?:" + m["pattern"] + ")"))
        for m in formats.layout()["markers"]
    ]


@cache
def _any_marker() -> re.Pattern[str]:
    return re.compile(
        "|".join(
            f"(?:{m['pattern']})".replace("?P<num>", "?:") for m in formats.layout()["markers"]
        )
    )


@cache
def _fixed_titles() -> re.Pattern[str]:
    """A fixed heading of generations 2/3 (一、总体情况 …), which may stand anywhere."""
    return re.compile(
        "|".join(section_re(s["ordinal"]).pattern for s in formats.gen23()["sections"])
    )


@cache
def _run_in() -> dict[str, Any]:
    spec = dict(formats.layout()["run_in"])
    spec["after_re"] = re.compile(spec["after"])
    spec["cut_re"] = re.compile(spec["cut_before"])
    spec["ends"] = sorted(spec["ends"], key=len, reverse=True)
    return spec


def find_marker(line: str) -> Marker | None:
    """The section marker opening a line, if any."""
    folded = formats.fold(line[:_HEAD])  # markers and headings stand at the start
    for level, numeral, pattern in _markers():
        m = pattern.match(folded)
        if m and m.end() < len(folded.rstrip()):  # a marker alone is not a heading
            num = m.group("num")
            ordinal = int(num) if numeral == "arabic" else chinese_number(num)
            return Marker(level, line[m.start() : m.end()].strip(), ordinal, m.end())
    return None


def _cuts(folded: str, skip: list[tuple[int, int]], budget: Budget) -> list[int]:
    """Offsets inside a line (> 0) where a run-in heading starts; none inside ``skip`` spans
    (tables, as offsets into the line). Every section number met is taken from ``budget``."""
    out: list[int] = []
    after = _run_in()["after_re"]
    fixed = _fixed_titles()
    for m in _any_marker().finditer(folded):
        budget.take()
        p = m.start()
        if p == 0 or (out and p < out[-1]) or any(a <= p < b for a, b in skip):
            continue
        if after.search(folded, max(0, p - 8), p) or fixed.match(folded, p):
            out.append(p)
    return out


_HEADING_END = re.compile(r"[。:：]")
_HEAD = 200  # how far into a line a marker and its heading are looked for
_WINDOW = 2 * _HEAD  # how much text reading one marker and its heading looks at


@cache
def _title_prefix() -> re.Pattern[str]:
    """The title of a fixed heading of generations 2/3, without its number."""
    titles = sorted(
        (t for s in formats.gen23()["sections"] for t in s["titles"]), key=len, reverse=True
    )
    return re.compile("|".join(flex(t) for t in titles))


def _run_in_heading(rest: str) -> tuple[str, int]:
    """(heading, where the body starts) for a heading run into its text, tried in order:
    a fixed heading of generations 2/3; the longest start of the text, up to the first digit,
    space or punctuation, that ends with a heading word (情况, 方面 …); the text up to the
    next marker close by, if no digit or sentence end comes first; the text up to a 。 or
    colon close by; else no heading (the text is all body)."""
    spec = _run_in()
    folded = formats.fold(rest[:_HEAD])
    fixed = _title_prefix().match(folded)
    if fixed:
        return rest[: fixed.end()], fixed.end()
    cut = spec["cut_re"].search(folded)
    head = folded[: cut.start() if cut else len(folded)][: spec["max_chars"]]
    for i in range(len(head), 1, -1):
        if any(head[:i].endswith(w) for w in spec["ends"]):
            return rest[:i], i + (folded[i : i + 1] in ("。", ":", "："))
    nxt = _any_marker().search(folded, 1, spec["max_chars"])
    if nxt and not re.search(r"[\d。:：!?！？；;]", folded[: nxt.start()]):
        return rest[: nxt.start()], nxt.start()
    m = _HEADING_END.search(folded, 0, spec["max_chars"])
    if m:
        return rest[: m.start()], m.end()
    return "", 0


@dataclass
class _Piece:
    start: int
    end: int
    line: int


def _segments(
    line: Line, folded: str, skip: list[tuple[int, int]], budget: Budget
) -> list[tuple[int, int, bool]]:
    """(start, end, at line start) pieces of a line (``folded``: its text folded), split where
    run-in headings start."""
    inside = [(a - line.start, b - line.start) for a, b in skip if a < line.end and b > line.start]
    bounds = [0, *_cuts(folded, inside, budget), len(line.text)]
    return [
        (line.start + a, line.start + b, a == 0)
        for a, b in zip(bounds, bounds[1:], strict=False)
        if b > a
    ]


def outline(
    text: str, report_id: str, start: int, skip: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    """Sections of ``text[start:]``; ``skip`` are spans (tables) that never open a section.
    More section numbers than a report holds (``limits`` in ``formats/layout.yml``) raise
    TooMany."""
    heads: list[tuple[Marker, int, str, list[_Piece]]] = []  # marker, start, heading, body pieces
    preamble: list[_Piece] = []
    budget, headings = Budget("section_numbers"), Budget("section_numbers")  # met, read

    def add_body(piece: _Piece) -> None:
        if text[piece.start : piece.end].strip():
            (heads[-1][3] if heads else preamble).append(piece)

    folded = fold_text(text)
    for line in text_lines(text, start):
        if any(a <= line.start < b for a, b in skip):
            add_body(_Piece(line.start, line.end, line.no))
            continue
        folded_line = folded[line.start : line.end]
        for seg_start, seg_end, at_line_start in _segments(line, folded_line, skip, budget):
            seg_stop = seg_start + len(text[seg_start:seg_end].rstrip())  # its last character
            pos, first = seg_start, True
            while pos < seg_end:  # a heading's text may open with the next marker (主要做法1.…)
                chunk = text[pos : min(seg_end, pos + _WINDOW)]
                marker = find_marker(chunk)
                if marker is None:
                    add_body(_Piece(pos, seg_end, line.no))
                    break
                rest = chunk[marker.end :]
                rest_start = pos + marker.end + len(rest) - len(rest.lstrip())
                rest = rest.lstrip()
                if at_line_start and first:
                    heading, body_at = _line_heading(
                        rest, seg_end - rest_start, seg_stop - rest_start
                    )
                else:
                    heading, body_at = _run_in_heading(rest)
                headings.take()
                heads.append((marker, pos + len(chunk) - len(chunk.lstrip()), heading.strip(), []))
                pos = skip_blanks(text, rest_start + body_at, seg_end)
                first = False
    return _tree(text, report_id, heads, preamble)


def whole(text: str, report_id: str, start: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The text after ``start`` as one section, when no outline was read (every line chrome,
    or a text without numbered headings), and the ``not_assessable`` check saying so."""
    body = text[start:].strip()
    begin = start + len(text[start:]) - len(text[start:].lstrip())
    mapped = (body, f"0:{begin}" if body else "")  # one run, copied unchanged
    section = _section(
        report_id, f"{report_id}:0", None, 0, None, None, "", None, mapped, begin, begin
    )
    section.update(seq=1, end=begin + len(body))
    check = {
        "check": "outline",
        "subject": "sections",
        "status": "not_assessable",
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": "no section of the report's outline was found (no numbered heading outside "
        "its tables and page chrome); its whole text is kept as one section.",
        "start": begin,
    }
    return [section], check


def _line_heading(rest: str, length: int, printed: int) -> tuple[str, int]:
    """At the start of a line: the heading runs to the first 。 or colon with text after it,
    else it is the whole line. A long line with neither is read like a run-in heading.
    ``rest``: the line's text after the marker (its first ``_HEAD`` characters at least);
    ``length``: how long that text is; ``printed``: how long without trailing blanks."""
    spec = _run_in()
    folded = formats.fold(rest[:_HEAD])
    m = _HEADING_END.search(folded)
    if m and m.end() < printed:
        if m.start() <= spec["max_chars"] * 3 or length <= spec["max_chars"] * 4:
            return rest[: m.start()], m.end()
    elif printed <= spec["max_chars"] * 4:
        return rest[:printed].rstrip("。:："), length
    return _run_in_heading(rest)


def _tree(
    text: str,
    report_id: str,
    heads: list[tuple[Marker, int, str, list[_Piece]]],
    preamble: list[_Piece],
) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    if preamble:
        sections.append(
            _section(
                report_id,
                f"{report_id}:0",
                None,
                0,
                None,
                None,
                "",
                None,
                _join(text, preamble),
                preamble[0].start,
                preamble[-1].end,
            )
        )
    stack: list[dict[str, Any]] = []  # open ancestors, innermost last
    children: dict[str | None, int] = {}
    for marker, begin, heading, pieces in heads:
        while stack and stack[-1]["level"] >= marker.level:
            stack.pop()
        parent = stack[-1] if stack else None
        parent_id = parent["section_id"] if parent else None
        children[parent_id] = children.get(parent_id, 0) + 1
        path = f"{parent['section_id'].split(':', 1)[1]}." if parent else ""
        end = pieces[-1].end if pieces else begin + len(marker.marker) + len(heading)
        end = max(end, _heading_end(text, begin, marker, heading))
        sec = _section(
            report_id,
            f"{report_id}:{path}{children[parent_id]}",
            parent_id,
            marker.level,
            marker.marker,
            marker.ordinal,
            heading,
            _heading_start(text, begin, marker, heading),
            _join(text, pieces),
            begin,
            end,
        )
        sections.append(sec)
        stack.append(sec)
    for seq, sec in enumerate(sections, start=1):
        sec["seq"] = seq
    return sections


def _heading_start(text: str, begin: int, marker: Marker, heading: str) -> int | None:
    """Offset of the heading's first character as printed (None without a heading)."""
    pos = text.find(heading, begin + len(marker.marker)) if heading else -1
    return pos if pos >= 0 else None


def _heading_end(text: str, begin: int, marker: Marker, heading: str) -> int:
    """Offset just past the heading text (and its 。 or colon) as printed."""
    pos = text.find(heading, begin) if heading else begin + len(marker.marker)
    end = (pos + len(heading)) if pos >= 0 else begin + len(marker.marker)
    if end < len(text) and formats.fold(text[end]) in "。:：":
        end += 1
    return end


def _join(text: str, pieces: list[_Piece]) -> tuple[str, str]:
    """Body text: pieces of one line joined as they stand (by a space where chrome was cut out
    between them), lines joined by a line break; and
    its map to the source (:func:`body_map`).

    >>> _join("ab \\n\\n cd  ", [_Piece(0, 3, 1), _Piece(5, 10, 3)])
    ('ab \\n cd', '0:0 4:5')
    """
    out: list[str] = []
    runs: list[tuple[int, int]] = []  # (offset in the body, offset in the source)
    size, last_line, last_end = 0, None, -1
    for p in pieces:
        part = text[p.start : p.end]
        if last_line is not None and p.line != last_line:
            out.append("\n")
            size += 1
        elif last_line is not None and text[last_end : p.start].strip():
            out.append(" ")  # page chrome cut out between them
            size += 1
        if p.start != last_end or not runs:
            runs.append((size, p.start))
        out.append(part)
        size += len(part)
        last_line, last_end = p.line, p.end
    joined = "".join(out)
    body = joined.strip()
    if not runs:
        return body, ""
    # pieces hold printed text, so what strip() removes lies in the first and last pieces
    lead = len(joined) - len(joined.lstrip())
    kept = [(0, runs[0][1] + lead)] + [(b - lead, s) for b, s in runs[1:]]
    return body, " ".join(f"{b}:{s}" for b, s in kept)


def body_map(mapping: str) -> list[tuple[int, int]]:
    """A section's ``body_map`` read: (offset in the body, offset in the source) where each
    run of the body copied unchanged from the source begins.

    >>> body_map("0:12 40:60"), body_map("")
    ([(0, 12), (40, 60)], [])
    """
    return [(int(b), int(s)) for b, _, s in (run.partition(":") for run in mapping.split())]


def body_offset(body: str, mapping: str, pos: int) -> int | None:
    """Where source offset ``pos`` is in the body (None if the body does not hold it).

    >>> body_offset("ab\\ncd", "0:0 3:5", 6), body_offset("ab\\ncd", "0:0 3:5", 3)
    (4, None)
    """
    runs = body_map(mapping)
    for i, (b, s) in enumerate(runs):
        stop = runs[i + 1][0] - 1 if i + 1 < len(runs) else len(body)
        if i + 1 < len(runs) and body[stop] not in "\n ":
            stop += 1  # the next run follows on the same line (no break, no chrome cut out)
        if s <= pos < s + (stop - b):
            return b + pos - s
    return None


def _section(
    report_id: str,
    section_id: str,
    parent_id: str | None,
    level: int,
    marker: str | None,
    ordinal: int | None,
    heading: str,
    heading_start: int | None,
    body: tuple[str, str],
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
        "heading_start": heading_start,
        "body": body[0],
        "body_map": body[1],
        "start": start,
        "end": end,
    }
