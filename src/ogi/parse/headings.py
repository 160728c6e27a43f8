"""Headings: the patterns by which the fixed headings and row labels of the templates are
found in any flattening — white space, line breaks and quote marks allowed between their
characters.

>>> bool(re.search(flex("本年新收"), "本 年 新“收”"))
True
>>> section_re(3).search("三、收到和处理政府信息公开申请情况") is not None
True
"""

from __future__ import annotations

import re
from functools import cache

from .. import formats

_CN = "〇一二三四五六七八九十"
QUOTES = "“”\"‘’「」'"


def flex(text: str) -> str:
    """A regex for ``text`` allowing white space and quote marks between its characters."""
    chars = [c for c in formats.fold(text) if c not in QUOTES and not c.isspace()]
    gap = rf"[\s{QUOTES}]*"
    return gap.join(re.escape(c) for c in chars)


@cache
def section_re(ordinal: int) -> re.Pattern[str]:
    """The fixed heading of section ``ordinal`` of a generation 2/3 report (三、收到和处理…)."""
    sec = next(s for s in formats.gen23()["sections"] if s["ordinal"] == ordinal)
    titles = "|".join(flex(t) for t in sorted(sec["titles"], key=len, reverse=True))
    return re.compile(rf"{_CN[ordinal]}\s*[、.]\s*(?:{titles})")
