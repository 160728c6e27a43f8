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
from fnmatch import fnmatchcase
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

_HERE = files(__name__)


# libyaml's safe loader where PyYAML was built with it (the wheels are): the same data, five
# times sooner — it is read by every build and every worker
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """YAML text as data, with the safe loader (libyaml's when there is one)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


def _load(name: str) -> Any:
    return load_yaml(_HERE.joinpath(name).read_text(encoding="utf-8"))


@cache
def gen1() -> dict[str, Any]:
    """Generation-1 table families, indicators, identities and summary mapping."""
    return _load("gen1.yml")  # type: ignore[no-any-return]


@cache
def gen23() -> dict[str, Any]:
    """Generations 2 and 3: fixed sections, the three table templates, identities, summary."""
    return _load("gen23.yml")  # type: ignore[no-any-return]


@cache
def prose() -> dict[str, Any]:
    """Units, approximation markers, restatement and measure cues for prose figures."""
    return _load("prose.yml")  # type: ignore[no-any-return]


@cache
def plausibility() -> dict[str, Any]:
    """Plausibility rules over the summary row: possible but unlikely numbers (warnings)."""
    return _load("plausibility.yml")  # type: ignore[no-any-return]


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
    for ind in g1["indicators"]:
        out.append({"generation": g1["generation"], "family": "g1_provincial", **ind})
    for ind in g1["national_indicators"]:
        out.append({"generation": g1["generation"], "family": "g1_national", **ind})
    spec = gen23()
    for gen in spec["generations"]:
        for table, row in template_rows(gen) + [("s3", r) for r in stand_ins(gen)]:
            out.append(
                {
                    "code": f"g{gen}.{table}.{row['code']}",
                    "generation": gen,
                    "family": f"gen{gen}",
                    "label_zh": row["label"],
                    "label_en": row["label_en"],
                    "unit": row.get("unit", "件"),
                    "variants": ([row["anchor"]] if row.get("anchor") else [])
                    + list(row.get("variants", [])),
                }
            )
        for d in spec["derived"]:
            out.append(
                {
                    "code": f"g{gen}.{d['code']}",
                    "generation": gen,
                    "family": f"gen{gen}",
                    "label_zh": d["label_zh"],
                    "label_en": d["label_en"]
                    + " (sum of "
                    + ", ".join(f"g{gen}.{c}" for c in d["cells"])
                    + ")",
                    "unit": "件",
                    "variants": [],
                }
            )
    return out


@cache
def derived(gen: int) -> dict[str, list[str]]:
    """Derived indicators of generation 2 or 3: code → the codes of the cells it adds up."""
    codes = [f"g{gen}.{t}.{r['code']}" for t, r in template_rows(gen)]
    out = {}
    for d in gen23()["derived"]:
        cells: list[str] = []
        for pattern in d["cells"]:
            full = f"g{gen}.{pattern}"
            cells += (
                [c for c in codes if fnmatchcase(c, full)]
                if "*" in full
                else [c for c in codes if c == full]
            )
        out[f"g{gen}.{d['code']}"] = cells
    return out


def template_rows(gen: int) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) of the fixed tables of generation 2 or 3, in printed order."""
    tables = gen23()["tables"]
    rows: list[tuple[str, dict[str, Any]]] = []
    for block in tables["s2"]["by_generation"][gen]["blocks"]:
        rows += [("s2", r) for r in block["rows"]]
    rows += [("s3", r) for r in tables["s3"]["rows"] if gen in r.get("generations", [2, 3])]
    rows += [("s4", r) for r in tables["s4"]["rows"]]
    return rows


def stand_ins(gen: int) -> list[dict[str, Any]]:
    """Rows of section 三 that generation ``gen`` splits into their group's sub-rows but a
    report may print as one row (（六）其他处理 in generation 3): read in place of the
    sub-rows when none of them is printed."""
    return [r for r in gen23()["tables"]["s3"]["rows"] if gen in r.get("stands_in", [])]


# --- text folding -----------------------------------------------------------------------

# Full-width ASCII (U+FF01–U+FF5E) to ASCII, ideographic space to space, and a few
# look-alikes; one character to one character, so offsets into folded text are offsets
# into the source.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_FOLD.update({ord("﹪"): ord("%"), ord("．"): ord("."), ord("−"): ord("-"), ord("﹣"): ord("-")})


def fold(text: str) -> str:
    """Fold full-width digits, letters, punctuation and odd spaces to ASCII, length-preserving."""
    if not _FOLDABLE.search(text):  # nothing to fold: told at once, even of ten megabytes
        return text
    return text.translate(_FOLD)


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]")


_LABEL_PREFIX = re.compile(
    r"^(?:其中[:：]?)?(?:\d{1,2}[.、．]|[(（]\d{1,2}[)）]|[一二三四五六七八九十]+[、.．])?"
)
_LABEL_DROP = re.compile(
    r"\([^()]*\)"  # bracketed asides: (网上), (条)
    r"|[、,;:/·'\"“”‘’]"  # list punctuation
)


def normalise_label(label: str) -> str:
    """The comparable form of a printed table label: folded, white space, 其中, numbering,
    bracketed asides and list punctuation removed."""
    s = re.sub(r"\s+", "", fold(label))
    s = _LABEL_PREFIX.sub("", s, count=1)
    return _LABEL_DROP.sub("", s)


@cache
def numerals() -> dict[str, Any]:
    """How numbers are written: Chinese digits and units, signs, zero-width characters,
    list separators."""
    return _load("numerals.yml")  # type: ignore[no-any-return]


@cache
def labels() -> dict[str, Any]:
    """labels.yml: the bilingual labels of check ids and coded column values (read once: the
    site labels every coded cell it shows with them)."""
    return _load("labels.yml")  # type: ignore[no-any-return]


def code_label(column: str, code: Any) -> tuple[str, str] | None:
    """(zh, en) label of ``code`` in ``column`` (``check`` for check ids), or None.

    >>> code_label("status", "fail"), code_label("check", "g23.s3_results_sum")[1]
    (('不通过', 'fail'), 'results total = sum of the results')
    """
    if not isinstance(code, str):
        return None
    table = labels()["checks"] if column == "check" else labels()["values"].get(column, {})
    found = table.get(code)
    return (found["zh"], found["en"]) if found else None


@cache
def _provinces() -> dict[str, str]:
    """Full and short names of every province-level division → its full name."""
    endings = labels()["province_endings"]
    out: dict[str, str] = {}
    for code, name in adcodes().items():
        if code.endswith("0000"):
            out[name] = name
            short = next((name[: -len(e)] for e in endings if name.endswith(e)), name)
            out.setdefault(short, name)
    return out


def province_name(text: Any) -> Any:
    """The full name of a province given by its full or short name; anything else unchanged.

    >>> province_name("山东"), province_name(" 广西 "), province_name("山东省"), province_name("x")
    ('山东省', '广西壮族自治区', '山东省', 'x')
    """
    if not isinstance(text, str):
        return text
    return _provinces().get(text.strip(), text.strip())


@cache
def ocr() -> dict[str, Any]:
    """What OCR misreads in a table cell (confusions) and the confidences that make a cell a
    suspect when its table breaks an identity (``formats/ocr.yml``)."""
    return _load("ocr.yml")  # type: ignore[no-any-return]
