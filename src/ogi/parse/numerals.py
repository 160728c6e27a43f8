"""Numbers as they are written: Chinese numerals (一百二十三, 两千三百, 三万, 九十九点五),
mixed ones (3万, 1.2万, 3千五百), and Arabic digits with zero-width characters inside.

A numeral is read whole or not at all: :func:`read` gives its value, or None when the text is
not one well-formed number — never the value of a part of it. The characters (digits, units,
the decimal point, signs, zero-width characters) are declared in ``formats/numerals.yml``.

The grammar, strict where a reading could be wrong and lenient only where it cannot:

* units go down within a group of four (千 百 十) and between groups (亿 万);
* a skipped place is marked by one 零 (一千零五 is 1005); without it the number is not read
  (一千五十, 三亿五千 could be misread), except for the common shortening of a last digit
  straight after its unit (两千三 is 2300, 一万五 is 15000);
* 十 may open a number without a digit (十二); 百, 千, 万 may not (数百, 上千 are no number);
* digits in a row with no unit between them (二〇一九, 三四 "three or four") are not read;
* after a group unit Arabic digits are read as printed (3万5000); a lone one (3万5) is not;
* a decimal (1.2, 九十九点五) may only be followed by one group unit (1.2万 is 12000).

>>> read("一百二十三"), read("一千零五"), read("两千三"), read("三万"), read("1.2万")
(123, 1005, 2300, 30000, 12000)
>>> read("十五六"), read("一千五十"), read("二〇一九"), read("零"), read("九十九点五")
(None, None, None, 0, 99.5)
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from .. import formats

_Token = tuple[str, int, str]  # kind (digit, arabic, small, big, zero), value, printed text


@cache
def spec() -> dict[str, Any]:
    """``formats/numerals.yml`` with the character classes built from it."""
    n = formats.numerals()
    digits = "".join(n["digits"])
    units = "".join(n["small_units"]) + "".join(n["big_units"])
    zw = "".join(n["zero_width"])
    return {
        **n,
        "digit_chars": digits,
        "unit_chars": units,
        "chars": digits + units,
        "zw_class": f"[{zw}]",
        "zw_table": str.maketrans("", "", zw),
        "minus_chars": "".join(n["minus"]),
    }


def strip_zero_width(text: str) -> str:
    """``text`` without the characters that print as nothing (U+200B … U+FEFF)."""
    return text.translate(spec()["zw_table"])


def read(text: str) -> int | float | None:
    """The value of one numeral (Chinese, mixed or Arabic; zero-width characters ignored),
    or None when ``text`` is not one well-formed number."""
    s = strip_zero_width(text)
    if not s:
        return None
    if re.fullmatch(r"\d+", s):
        return int(s) if len(s) == 1 or s[0] != "0" else None
    n = spec()
    if s in n["digits"] and n["digits"][s] == 0:
        return 0  # 零, 〇
    decimal = _decimal(s)
    if decimal is not None:
        return decimal
    tokens = _tokens(s)
    if tokens is None:
        return None
    return _number(tokens, top=True)


def _decimal(s: str) -> int | float | None:
    """A decimal numeral (1.2, 1.2万, 九十九点五, 一点五亿), else None."""
    n = spec()
    big = "".join(n["big_units"])
    m = re.fullmatch(rf"(\d+)\.(\d+)([{big}]?)", s)
    if m:
        whole, frac, unit = m.groups()
        if len(whole) > 1 and whole[0] == "0":
            return None
    else:
        digits = n["digit_chars"]
        m = re.fullmatch(rf"([^{n['point']}]+){n['point']}([{digits}]+)([{big}]?)", s)
        if not m or "两" in m.group(2):
            return None
        head = _number(_tokens(m.group(1)) or [], top=True) if m.group(1) else None
        if head is None or head >= 10**4:
            return None
        whole = str(head)
        frac = "".join(str(n["digits"][c]) for c in m.group(2))
        unit = m.group(3)
    value = Decimal(f"{whole}.{frac}") * (10 ** n["big_units"][unit] if unit else 1)
    return int(value) if value == value.to_integral_value() else float(value)


def _tokens(s: str) -> list[_Token] | None:
    n = spec()
    out: list[_Token] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c.isdigit() and c.isascii():
            j = i
            while j < len(s) and s[j].isdigit() and s[j].isascii():
                j += 1
            out.append(("arabic", int(s[i:j]), s[i:j]))
            if j - i > 1 and s[i] == "0":
                return None
            i = j
            continue
        if c in n["digits"]:
            value = n["digits"][c]
            out.append(("zero" if value == 0 else "digit", value, c))
        elif c in n["small_units"]:
            out.append(("small", n["small_units"][c], c))
        elif c in n["big_units"]:
            power = n["big_units"][c]
            if out and out[-1][0] == "big" and out[-1][1] < power:  # 万亿
                power += out.pop()[1]
            out.append(("big", power, c))
        else:
            return None
        i += 1
    return out


def _number(tokens: list[_Token], top: bool, after_zero: bool = False) -> int | None:
    """The value of tokens with group units (万, 亿), or None."""
    bigs = [t[1] for t in tokens if t[0] == "big"]
    if not bigs:
        return _group(tokens, top, after_zero)
    power = max(bigs)
    at = [i for i, t in enumerate(tokens) if t[0] == "big" and t[1] == power]
    if len(at) > 1:
        return None
    head_tokens, tail = tokens[: at[0]], tokens[at[0] + 1 :]
    if not head_tokens:
        return None
    head = _number(head_tokens, top, after_zero)
    if head is None or head == 0:
        return None
    value = head * 10**power
    if not tail:
        return value
    if tail[0][0] == "zero":  # 一万零五: the next place is skipped
        rest = _number(tail[1:], top=False, after_zero=True) if len(tail) > 1 else None
        return value + rest if rest is not None and 0 < rest < 10 ** (power - 1) else None
    if len(tail) == 1 and tail[0][0] == "digit" and tail[0][2] != "两":
        return value + tail[0][1] * 10 ** (power - 1)  # 一万五: 15000
    if len(tail) == 1 and tail[0][0] == "arabic":  # 3万5000 is 35000; 3万5 cannot be told
        rest = tail[0][1]
        return value + rest if len(tail[0][2]) > 1 and rest < 10**power else None
    rest = _number(tail, top=False)
    if rest is None or not 10 ** (power - 1) <= rest < 10**power:
        return None  # a skipped place without 零 (三亿五千), or too large for its place
    return value + rest


def _group(tokens: list[_Token], top: bool, after_zero: bool) -> int | None:
    """The value of a group below 10 000 (digits and 十 百 千), or None."""
    if len(tokens) == 1 and tokens[0][0] == "arabic":
        return tokens[0][1]
    value, last, zero = 0, 4, False  # last: the power of the last unit read
    i = 0
    while i < len(tokens):
        kind, v, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "zero":
            if zero or i == 0 or nxt is None:
                return None
            zero = True
            i += 1
            continue
        if kind == "small":  # 十 without a digit: only opening a number (十二, 一千零十)
            if v != 1 or not (i == 0 and (top or after_zero) or zero) or last <= 1:
                return None
            value += 10
            last, zero = 1, False
            i += 1
            continue
        if kind == "arabic" and v > 9:
            return None
        if kind not in ("digit", "arabic"):
            return None
        if nxt is not None and nxt[0] == "small":
            power = nxt[1]
            if power >= last or (last < 4 and power != last - 1 and not zero):
                return None
            if zero and power >= last - 1:
                return None
            value += v * 10**power
            last, zero = power, False
            i += 2
            continue
        if nxt is not None:
            return None  # two digits in a row
        if text == "两" and last < 4:
            return None  # 一百两
        if zero:
            if last < 2:
                return None
            value += v
        elif last in (4, 1):
            value += v
        elif kind == "digit":
            value += v * 10 ** (last - 1)  # 两千三: 2300
        else:
            return None
        i += 1
    return value if tokens else None
