"""Figures: every number in the prose with its unit or measure word and qualifiers.

Arabic numbers are figures wherever they stand in prose; a Chinese numeral (三十, 两) is a
figure only before a measure word (三十个工作日, 两个工作日), never in set phrases (一窗受理,
三同步), and a percentage written out (百分之九十五) is one. Numbers in tables, in section
numbering, in document numbers and titles, and ordinals (第N) are not figures. Units, markers
and kinds come from ``formats/prose.yml``.

A number is read whole or not at all (:mod:`ogi.parse.numerals`, ``formats/numerals.yml``):
一百二十三 is 123, 3万5千 is 35000, 三四个 is no figure; a minus sign before the digits is kept;
a zero-width character inside a number is no separator; numbers separated by ， or 、 are
several figures, and the ASCII comma groups thousands only where its groups are well formed —
after a clause that announces a list (分别 …) it cannot be told, and no figure is taken.

>>> [(f["value"], f["unit"], f["approx"], f["kind"]) for f in find_figures("共公开70余条，约42㎡，满意率99.95 %。", 0, 23, [])]
[(70, '条', '余', 'count'), (42, '㎡', '约', 'area'), (99.95, '%', None, 'percent')]
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .. import formats
from . import numerals
from .digits import MAX_DIGITS
from .lines import Budget, Spans, fold_numbers

_MINUS = "".join(formats.numerals()["minus"])


@cache
def _spec() -> dict[str, Any]:
    p, n = formats.prose(), numerals.spec()
    unit_kind = {u: kind for kind, units in p["units"].items() for u in units}
    units_re = "|".join(re.escape(u) for u in sorted(unit_kind, key=len, reverse=True))
    between = "|".join(re.escape(a) for a in p["approx"]["between"])
    after = "|".join(re.escape(a) for a in p["approx"]["after"])
    cn_units = "|".join(
        re.escape(u) for u in sorted(p["chinese_numeral_units"], key=len, reverse=True)
    )
    cn_not = "|".join(re.escape(u) for u in p["chinese_numeral_not_before"])
    zw, chars, digits = n["zw_class"], re.escape(n["chars"]), re.escape(n["digit_chars"])
    big, point = re.escape("".join(n["big_units"])), re.escape(n["point"])
    minus = re.escape(n["minus_chars"])
    # A number's first character (a digit, or a minus sign before one) is checked against the
    # one before it: not after a letter, a digit, a dot or the marks of codes and dates (ids,
    # 2019-2020, 10:30 are no figures). Each pattern opens with the character class of a
    # number's first character (the one before it is checked after), so that a search skips
    # straight to the digits.
    not_before = r"A-Za-z0-9.@_\-/:#"
    arabic = re.compile(
        rf"(?P<lead>[{minus}\d])(?<![{not_before}{minus}][{minus}\d])"
        rf"(?:(?<=\d)(?:{zw}*\d)*|(?<=[{minus}])\d(?:{zw}*\d)*)"
        rf"(?:,(?:{zw}*\d){{3}}(?!{zw}*\d))*(?:\.\d(?:{zw}*\d)*)?"
        r"(?![A-Za-z0-9_@]|\.[A-Za-z0-9])"
    )
    # after Arabic digits, a Chinese unit (and digits after it) goes on with the number: 3万5千,
    # 45.9 万人; a Chinese digit straight after Arabic ones does not (1200一网通办)
    units = re.escape("".join(n["small_units"]) + "".join(n["big_units"]))
    more = re.compile(rf"[ \t]*(?P<run>[{units}](?:{zw}*[{chars}\d])*)")
    tail = re.compile(
        rf"[\s{zw[1:-1]}]*(?P<between>{between})?\s*(?P<unit>{units_re})?(?P<after>{after})?"
    )
    cn_after = re.escape("".join(p["chinese_numeral_not_after"])) + chars + "0-9"
    rest = rf"[{chars}]*+(?:{point}[{digits}]++[{big}]?)?"
    numeral = rf"[{chars}]{rest}"
    chinese = re.compile(
        rf"(?P<num>[{chars}](?<![{cn_after}][{chars}]){rest})"
        rf"(?P<tail>(?P<between>{between})?(?P<unit>{cn_units})(?!{cn_not})(?P<after>{after})?)"
    )
    percent = re.compile(
        rf"{re.escape(n['percent_prefix'])}(?P<num>{numeral}|\d+(?:\.\d+)?)(?![0-9.{chars}])"
        rf"(?P<after>{after})?"
    )
    before = sorted(p["approx"]["before"], key=len, reverse=True)
    return {
        "unit_kind": unit_kind,
        "arabic": arabic,
        "more": more,
        "tail": tail,
        "chinese": chinese,
        "percent": percent,
        "before": before,
        "not_after": tuple(p["approx_not_after"]),
        "words": tuple(p["chinese_numeral_words"]),
        "cues": tuple(n["list_cues"]),
        "money_units": [u for u in unit_kind if u[0] in n["chars"]],
    }


def _kind(unit: str | None, value: float) -> str:
    if not unit:
        return "bare"
    kind: str = _spec()["unit_kind"][unit]
    if unit == "年" and not (value == int(value) and 1949 <= value <= 2100):
        return "duration"
    return kind


def _approx_before(folded: str, pos: int) -> str | None:
    spec = _spec()
    for marker in spec["before"]:
        if folded.startswith(marker, pos - len(marker)):
            prev = folded[pos - len(marker) - 1 : pos - len(marker)]
            if prev and prev in spec["not_after"]:
                return None
            return marker
    return None


def find_figures(
    text: str,
    start: int,
    end: int,
    skip: list[tuple[int, int]],
    notes: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Figures in ``text[start:end]`` outside the ``skip`` spans, in document order; more
    than a report holds (``limits`` in ``formats/layout.yml``) raise TooMany. A number that
    cannot be told (1,234 where the clause announces a list) is no figure: a
    ``figure_ambiguous`` check row saying why is added to ``notes``.

    >>> [f["value"] for f in find_figures("分别为一百二十三条、−5件和1\u200b234条，3万5千人次。", 0, 28, [])]
    [123, -5, 1234, 35000]
    """
    outside = Spans(skip)
    budget = Budget("numbers")
    spec = _spec()
    view = fold_numbers(text)
    out: list[dict[str, Any]] = []
    for m in spec["percent"].finditer(view, start, end):
        if outside.contains(m.start()):
            continue
        value = numerals.read(m.group("num"))
        if value is None:
            continue
        budget.take()
        arabic = m.group("num")[0].isdigit()
        out.append(
            _figure(
                text,
                view,
                m.start(),
                m.end(),
                value,
                "%",
                m.group("after"),
                "arabic" if arabic else "chinese",
            )
        )
    taken = Spans([(f["start"], f["end"]) for f in out])
    pos = start
    while True:
        m = spec["arabic"].search(view, pos, end)
        if not m:
            break
        pos = m.end()
        sign = m.group("lead") in _MINUS
        s = m.start() + sign
        if outside.contains(s) or taken.contains(s) or view[m.start() - 1 : m.start()] == "第":
            continue
        digits = numerals.strip_zero_width(view[s : m.end()])
        if len(digits.split(".")[0].replace(",", "")) > MAX_DIGITS:
            continue  # no quantity (an id, a code, noise), and more than a table holds
        num_end, value, numeral = _arabic_value(view, m, digits, end)
        pos = max(pos, num_end)
        if value is None or abs(value) >= 10**MAX_DIGITS:
            continue
        t = spec["tail"].match(view, num_end, end)
        assert t is not None  # every part of it is optional
        unit = t.group("unit")
        qualified = unit or t.group("between") or t.group("after")
        tail_end = t.end() if qualified else num_end
        pos = max(pos, tail_end)
        if "," in digits and _list_cue(view, m.start()):
            if notes is not None:
                notes.append(_ambiguous(text, m.start(), tail_end, digits))
            continue
        if sign:
            value = -value
        budget.take()
        approx = t.group("between") or t.group("after")
        out.append(_figure(text, view, m.start(), tail_end, value, unit, approx, numeral))
    taken = Spans([(f["start"], f["end"]) for f in out])
    for m in spec["chinese"].finditer(view, start, end):
        s = m.start("num")
        if outside.contains(s) or taken.contains(s) or view.startswith(spec["words"], s):
            continue
        value = numerals.read(m.group("num"))
        if value is None or abs(value) >= 10**MAX_DIGITS:
            continue
        budget.take()
        approx = m.group("between") or m.group("after")
        out.append(_figure(text, view, s, m.end("tail"), value, m.group("unit"), approx, "chinese"))
    out.sort(key=lambda f: f["start"])
    return out


def _arabic_value(
    view: str, m: re.Match[str], digits: str, end: int
) -> tuple[int, int | float | None, str]:
    """Where the number matched at ``m`` ends, its value (None when it is no one number) and
    its numeral: Arabic digits, or mixed when Chinese units go on with it (3万, 1.2万, 3万5千).
    万 and 亿 before 元 are the money unit (12.5万元), unless a larger unit is in the number
    already (1亿2千万元 is 120 000 000 元)."""
    spec = _spec()
    num_end = m.end()
    value: int | float = (
        float(digits.replace(",", "")) if "." in digits else int(digits.replace(",", ""))
    )
    more = spec["more"].match(view, num_end, end)
    if not more or "," in digits:
        return num_end, value, "arabic"
    powers = {**numerals.spec()["small_units"], **numerals.spec()["big_units"]}
    begin, stop = more.start("run"), more.end()
    for i in range(begin, more.end()):
        unit = next((u for u in spec["money_units"] if view.startswith(u, i)), None)
        if unit is None:
            continue
        seen = [powers[c] for c in view[begin:i] if c in powers]
        if not seen or max(seen) <= powers.get(unit[0], 0):
            stop = i
            break
    if stop == begin:
        return num_end, value, "arabic"
    return stop, numerals.read(digits + view[begin:stop]), "mixed"


def _list_cue(view: str, pos: int) -> bool:
    """True when the clause before ``pos`` announces a list (分别, 依次 …)."""
    head = view[max(0, pos - 16) : pos]
    for mark in "。；;！？!?\n，":
        head = head.rsplit(mark, 1)[-1]
    return any(cue in head for cue in _spec()["cues"])


def _ambiguous(text: str, start: int, end: int, digits: str) -> dict[str, Any]:
    groups = digits.split(",")
    return {
        "check": "figure_ambiguous",
        "subject": f"prose@{start}",  # one check per number: (report, check, subject) is a key
        "status": "ambiguous",
        "severity": "warning",
        "expected": None,
        "observed": None,
        "message": (
            f"“{text[start:end]}” (offset {start}): its commas may group the thousands of one "
            f"number ({digits.replace(',', '')}) or separate {len(groups)} "
            f"({', '.join(groups)}), as the clause announces a list; no figure is taken."
        ),
        "start": start,
    }


def _figure(
    text: str,
    view: str,
    s: int,
    tail_end: int,
    value: int | float,
    unit: str | None,
    approx: str | None,
    numeral: str,
) -> dict[str, Any]:
    before = _approx_before(view, s)
    fig_start = s - len(before) if before else s
    return {
        "value": value,
        "value_text": text[fig_start:tail_end],
        "unit": unit,
        "kind": _kind(unit, value),
        "approx": before or approx,
        "numeral": numeral,
        "start": fig_start,
        "end": tail_end,
    }
