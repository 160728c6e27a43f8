"""Link prose figures to what they state: a cell of the report's own table (restatements)
or a measure stated in the prose only. The cues are declared in ``formats/prose.yml``.

>>> figs = [{"start": 11, "end": 16, "value": 1630, "value_text": "1630条"}]
>>> link_figures("我区共主动公开政府信息1630条。", figs, {"g1.proactive_total"}, 1)
>>> figs[0]["indicator"], figs[0]["column"]
('g1.proactive_total', 'year')
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from typing import Any

from .. import formats
from . import numerals
from .lines import fold_numbers, sentences


def _compile(pattern: str) -> re.Pattern[str]:
    zw = numerals.spec()["zw_class"]  # a zero-width character inside a number is no separator
    number = rf"\d(?:{zw}*\d)*(?:,\d{{3}})*(?:\.\d+)?"
    count = 0

    def group(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"(?P<n{count - 1}>{number})"

    return re.compile(re.sub(r"\{n\}", group, pattern))


@cache
def _cues() -> dict[str, Any]:
    p = formats.prose()
    restate: dict[int, list[dict[str, Any]]] = {}
    for cue in p["restatements"]:
        for gen in cue["generations"]:
            codes = [code.format(g=gen) for code in cue["indicator"]]
            restate.setdefault(gen, []).append(
                {**cue, "indicator": codes, "re": _compile(cue["pattern"])}
            )
    measures = [{**m, "re": _compile(m["pattern"])} for m in p["measures"]]
    return {"restatements": restate, "measures": measures}


def _number_spans(m: re.Match[str]) -> list[int]:
    return [m.start(g) for g in m.groupdict() if g.startswith("n") and m.group(g) is not None]


def link_figures(
    text: str, figures: list[dict[str, Any]], indicators: set[str], generation: int
) -> None:
    """Set ``indicator``/``column`` and ``measure`` on the figures the cues point at (in place).

    ``indicators`` are the codes present in the report's tables: a restatement cue names
    candidate indicators and the first one present is used (a derived indicator, the sum of
    cells, counts as present when its generation defines it).
    """
    indicators = (
        indicators | set(formats.derived(generation)) if generation in (2, 3) else indicators
    )
    if not figures:
        return
    folded = fold_numbers(text)
    by_start = {f["start"]: f for f in figures}
    # a figure's number may start after an approximation marker or a sign: index by the
    # number's start too
    for f in figures:
        lead = len(f["value_text"]) - len(f["value_text"].lstrip("约近超过逾大将接-−﹣－"))
        by_start.setdefault(f["start"] + lead, f)
    cues = _cues()
    restatements = [  # (cue, the first of its indicators present)
        (cue, present[0])
        for cue in cues["restatements"].get(generation, [])
        if (present := [code for code in cue["indicator"] if code in indicators])
    ]
    starts = sorted(by_start)
    first, last = min(f["start"] for f in figures), max(f["end"] for f in figures)
    for s, e in sentences(folded, *_sentence_bounds(folded, first, last)):
        i = bisect.bisect_left(starts, s)
        if i == len(starts) or starts[i] >= e:
            continue  # no figure in this sentence: nothing to link
        chunk = folded[s:e]
        for cue, code in restatements:
            for m in cue["re"].finditer(chunk):
                for pos in _number_spans(m):
                    fig = by_start.get(s + pos)
                    if fig is not None and fig.get("indicator") is None:
                        fig["indicator"], fig["column"] = code, cue["column"]
        for cue in cues["measures"]:
            for m in cue["re"].finditer(chunk):
                for pos in _number_spans(m):
                    fig = by_start.get(s + pos)
                    if fig is not None and fig.get("measure") is None:
                        fig["measure"] = cue["id"]


def _sentence_bounds(text: str, first: int, last: int) -> tuple[int, int]:
    start = max(text.rfind(ch, 0, first) for ch in "。！？!?\n") + 1
    end = min([i for i in (text.find(ch, last) for ch in "。！？!?\n") if i != -1] or [len(text)])
    return start, min(len(text), end + 1)
