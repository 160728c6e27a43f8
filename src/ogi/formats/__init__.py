"""Format knowledge, read from the declarative files beside this module.

Everything ogi knows about what OGI reports look like — table labels and their variants,
indicator codes, arithmetic identities, units, page chrome, citation shapes — lives in the
YAML files of this folder, and both the parser and the checks read it from here.

>>> gen1()["indicators"][0]["code"]
'g1.proactive_total'
>>> normalise_label("其中:1.网络(网上)申请数")
'网络申请数'
>>> fold("（一）２０１８年，")
'(一)2018年,'
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

_HERE = files(__name__)


def _load(name: str) -> Any:
    return yaml.safe_load(_HERE.joinpath(name).read_text(encoding="utf-8"))


@cache
def gen1() -> dict[str, Any]:
    """Generation-1 table families, indicators, identities and summary mapping."""
    return _load("gen1.yml")  # type: ignore[no-any-return]


@cache
def prose() -> dict[str, Any]:
    """Units, approximation markers, restatement and measure cues for prose figures."""
    return _load("prose.yml")  # type: ignore[no-any-return]


@cache
def layout() -> dict[str, Any]:
    """Page chrome, crawler headers, section markers, report cues."""
    return _load("layout.yml")  # type: ignore[no-any-return]


@cache
def citations() -> dict[str, Any]:
    """Document number and title shapes."""
    return _load("citations.yml")  # type: ignore[no-any-return]


@cache
def adcodes() -> dict[str, str]:
    """Six-digit division code → name (placeholders such as 市辖区 left out)."""
    text = _HERE.joinpath("adcodes.csv").read_text(encoding="utf-8")
    return {
        row["code"]: row["name"]
        for row in csv.DictReader(text.splitlines())
        if row["name"] not in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    }


@cache
def indicators() -> list[dict[str, Any]]:
    """Every known indicator row, all generations, in declaration order."""
    out = []
    g1 = gen1()
    family = next(iter(g1["families"]))
    for ind in g1["indicators"]:
        out.append({"generation": g1["generation"], "family": family, **ind})
    return out


# --- text folding -----------------------------------------------------------------------

# Full-width ASCII (U+FF01–U+FF5E) to ASCII, ideographic space to space, and a few
# look-alikes; one character to one character, so offsets into folded text are offsets
# into the source.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_FOLD.update({ord("﹪"): ord("%"), ord("．"): ord(".")})


def fold(text: str) -> str:
    """Fold full-width digits, letters, punctuation and odd spaces to ASCII, length-preserving."""
    return text.translate(_FOLD)


_LABEL_DROP = re.compile(
    r"\s+"  # white space, including inside words (指 标 名 称)
    r"|\([^()]*\)"  # bracketed asides: (网上), (条)
    r"|[、,;:/·'\"“”‘’]"  # list punctuation
)
_LABEL_PREFIX = re.compile(r"^(?:其中)?(?:\d{1,2}[.、]|\(\d{1,2}\)|[一二三四五六七八九十]+[、.])?")


def normalise_label(label: str) -> str:
    """The comparable form of a printed table label: folded, white space, 其中, numbering,
    bracketed asides and list punctuation removed."""
    s = _LABEL_DROP.sub("", fold(label))
    s = re.sub(r"^其中", "", s)
    return _LABEL_PREFIX.sub("", s, count=1)
