"""Figures: every number in the prose with its unit or measure word and qualifiers.

Arabic numbers are figures wherever they stand in prose; a Chinese numeral (三十, 两) is a
figure only before a measure word (三十个工作日, 两个工作日), never in set phrases (一窗受理,
三同步). Numbers in tables, in section numbering, in document numbers and titles, and
ordinals (第N) are not figures. Units, markers and kinds come from ``formats/prose.yml``.

>>> [(f["value"], f["unit"], f["approx"], f["kind"]) for f in find_figures("共公开70余条，约42㎡，满意率99.95 %。", 0, 23, [])]
[(70, '条', '余', 'count'), (42, '㎡', '约', 'area'), (99.95, '%', None, 'percent')]
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .. import formats
from .digits import MAX_DIGITS
from .lines import Budget, Spans, fold_text
from .outline import chinese_number


@cache
def _spec() -> dict[str, Any]:
    p = formats.prose()
    unit_kind = {u: kind for kind, units in p["units"].items() for u in units}
    units_re = "|".join(re.escape(u) for u in sorted(unit_kind, key=len, reverse=True))
    between = "|".join(re.escape(a) for a in p["approx"]["between"])
    after = "|".join(re.escape(a) for a in p["approx"]["after"])
    cn_units = "|".join(
        re.escape(u) for u in sorted(p["chinese_numeral_units"], key=len, reverse=True)
    )
    cn_not = "|".join(re.escape(u) for u in p["chinese_numeral_not_before"])
    # Each pattern opens with the character class of a number's first character (the
    # character before it is checked after), so that a search skips straight to the digits.
    arabic = re.compile(
        r"(?P<num>\d(?<![A-Za-z0-9.@_\-/:#]\d)\d*(?:,\d{3})*(?:\.\d+)?)"
        r"(?![A-Za-z0-9_@]|\.[A-Za-z0-9])"
        rf"(?P<tail>\s*(?P<between>{between})?\s*(?P<unit>{units_re})?(?P<after>{after})?)"
    )
    cn = "一二三四五六七八九十两"
    chinese = re.compile(
        rf"(?P<num>[{cn}](?<![第{cn}][{cn}])[{cn}]{{0,2}})"
        rf"(?P<tail>(?P<between>{between})?(?P<unit>{cn_units})(?!{cn_not})(?P<after>{after})?)"
    )
    before = sorted(p["approx"]["before"], key=len, reverse=True)
    return {
        "unit_kind": unit_kind,
        "arabic": arabic,
        "chinese": chinese,
        "before": before,
        "not_after": tuple(p["approx_not_after"]),
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
    text: str, start: int, end: int, skip: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    """Figures in ``text[start:end]`` outside the ``skip`` spans, in document order; more
    than a report holds (``limits`` in ``formats/layout.yml``) raise TooMany."""
    outside = Spans(skip)
    budget = Budget("numbers")
    spec = _spec()
    folded = fold_text(text)
    out: list[dict[str, Any]] = []
    for numeral, pattern in (("arabic", spec["arabic"]), ("chinese", spec["chinese"])):
        for m in pattern.finditer(folded, start, end):
            s = m.start("num")
            if outside.contains(s) or folded[s - 1 : s] == "第":
                continue
            digits = m.group("num")
            if len(digits.split(".")[0].replace(",", "")) > MAX_DIGITS:
                continue  # no quantity (an id, a code, noise), and more than a table holds
            if numeral == "arabic":
                raw = digits.replace(",", "")
                value: int | float = float(raw) if "." in raw else int(raw)
            else:
                cn = chinese_number(digits)
                if cn is None or cn >= 10**MAX_DIGITS:
                    continue
                value = cn
            unit = m.group("unit")
            qualified = unit or m.group("between") or m.group("after")
            tail_end = m.end("tail") if qualified else m.end("num")
            before = _approx_before(folded, s)
            fig_start = s - len(before) if before else s
            approx = before or m.group("between") or m.group("after")
            budget.take()
            out.append(
                {
                    "value": value,
                    "value_text": text[fig_start:tail_end],
                    "unit": unit,
                    "kind": _kind(unit, value),
                    "approx": approx,
                    "numeral": numeral,
                    "start": fig_start,
                    "end": tail_end,
                }
            )
    out.sort(key=lambda f: f["start"])
    return out
