"""Synthetic reports of generations 2 and 3 with ground truth: the three fixed tables with
random but consistent numbers (row totals, 一 + 二 = （七） + 四, （七） = the results, the
section 四 totals), prose that restates them, and optional faults."""

from __future__ import annotations

import random
from typing import Any

from .. import formats
from .model import Doc, Head, Row, Table, within
from .truth import Value, resolve

FAULTS = ("results_do_not_add_up", "prose_disagrees", "blank_cells", "s4_total_off")


def _s3_rows(gen: int) -> list[dict[str, Any]]:
    return [
        r for r in formats.gen23()["tables"]["s3"]["rows"] if gen in r.get("generations", [2, 3])
    ]


def s3_values(rng: random.Random, gen: int) -> dict[str, list[int]]:
    """Section 三: row code → seven values (six applicant columns and the total)."""
    rows = _s3_rows(gen)
    results = [r["code"] for r in rows if r.get("result")]
    vals: dict[str, list[int]] = {}
    for code in results:
        vals[code] = [
            rng.choice([0, 0, 0, rng.randint(0, 40)])
            if j == 0
            else rng.choice([0] * 12 + [1, 2, 3])
            for j in range(6)
        ]
    total = [sum(vals[c][j] for c in results) for j in range(6)]
    over = [rng.choice([0, 0, rng.randint(0, 5)]) for _ in range(6)]
    carried_in = [rng.randint(0, total[j] + over[j]) if rng.random() < 0.3 else 0 for j in range(6)]
    vals["total"] = total
    vals["carried_over"] = over
    vals["carried_in"] = carried_in
    vals["received"] = [total[j] + over[j] - carried_in[j] for j in range(6)]
    return {code: [*v, sum(v)] for code, v in vals.items()}


def s2_values(rng: random.Random, gen: int) -> dict[str, list[str]]:
    """Section 二: row code → printed cells (some decimal, some negative in generation 2)."""
    out: dict[str, list[str]] = {}
    for block in formats.gen23()["tables"]["s2"]["by_generation"][gen]["blocks"]:
        for row in block["rows"]:
            cells = []
            for col in block["columns"]:
                if col.get("decimal"):
                    places = rng.randint(0, 6)
                    cells.append(
                        f"{rng.uniform(0, 9000):.{places}f}"
                        + ("元" if col["key"] == "purchase_amount" else "")
                    )
                elif col.get("signed"):
                    cells.append(str(rng.randint(-20, 40)))
                else:
                    cells.append(str(rng.choice([0, rng.randint(0, 9), rng.randint(0, 3000)])))
            out[row["code"]] = cells
    return out


def s4_values(rng: random.Random) -> list[list[int]]:
    """Section 四: three blocks of four outcomes and their total."""
    blocks = []
    for _ in range(3):
        four = [rng.choice([0, 0, 0, rng.randint(0, 6)]) for _ in range(4)]
        blocks.append([*four, sum(four)])
    return blocks


def gen23_doc(
    rng: random.Random, gen: int, issuer: str, place: str, year: int, fault: str | None, form: str
) -> tuple[Doc, dict[tuple[str, str], Value | None], set[tuple[str, str]]]:
    """The document, its true cell values (None: must be empty) and the checks that must fail."""
    spec = formats.gen23()["tables"]
    s2, s3, s4 = s2_values(rng, gen), s3_values(rng, gen), s4_values(rng)
    # plausible (formats/plausibility.yml): reconsiderations, and lawsuits, within twice the
    # requests plus 20, with room for the 1–3 an s4_total_off fault adds
    cap = 2 * (s3["received"][6] + s3["carried_in"][6]) + 20 - 3
    for b, share in ((0, cap), (1, cap // 2), (2, cap // 2)):
        four = within(s4[b][:4], share)
        s4[b] = [*four, sum(four)]
    must_fail: set[tuple[str, str]] = set()
    blanks: set[tuple[str, int]] = set()
    g = f"g{gen}"
    rows = _s3_rows(gen)
    # a row the template splits into sub-rows, printed as one row in their place (a fifth)
    stand_ins = formats.stand_ins(gen)
    for stand_in in stand_ins if stand_ins and rng.random() < 0.2 else []:
        code = stand_in["code"]
        subs = [r for r in rows if r.get("group") == code]
        parts = [s3.pop(r["code"]) for r in subs]
        s3[code] = [sum(p[j] for p in parts) for j in range(7)]
        at = rows.index(subs[0])
        rows = [*rows[:at], stand_in, *(r for r in rows[at:] if r not in subs)]
    results = [r["code"] for r in rows if r.get("result")]
    if fault == "results_do_not_add_up":
        code = rng.choice(results)
        s3[code][0] += 1
        s3[code][6] += 1
        must_fail |= {("g23.s3_results_sum", "natural_person"), ("g23.s3_results_sum", "total")}
    elif fault == "s4_total_off":
        b = rng.randrange(3)
        s4[b][4] += rng.randint(1, 3)
        must_fail.add(("g23.s4_block_total", f"{g}.s4.{spec['s4']['rows'][b]['code']}"))
    elif fault == "blank_cells":
        for _ in range(rng.randint(1, 3)):
            blanks.add((rng.choice(results), rng.randrange(7)))
    prose_received = s3["received"][6] + (rng.randint(1, 9) if fault == "prose_disagrees" else 0)
    if fault == "prose_disagrees":
        must_fail.add(("prose_vs_table", f"{g}.s3.received@total"))

    # -- the tables as printed ------------------------------------------------------------
    s2_table = _s2_table(gen, s2)
    s3_table = _s3_table(rows, s3, blanks)
    s4_table = _s4_table(s4)
    lawsuits = s4[1][4] + s4[2][4]
    doc = Doc(
        f"{issuer}{year}年政府信息公开工作年度报告",
        [
            (
                "p",
                f"本报告根据《中华人民共和国政府信息公开条例》编制，统计期限自{year}年1月1日起至{year}年12月31日止。",
            ),
            ("h", "一、总体情况"),
            ("p", f"{year}年，{place}认真贯彻落实《条例》，持续深化政务公开工作。"),
            ("h", "（一）主动公开方面"),
            ("p", "持续完善主动公开目录，及时公开政府信息。"),
            ("h", "二、主动公开政府信息情况"),
            ("table", s2_table),
            ("h", "三、收到和处理政府信息公开申请情况"),
            ("p", f"本年度共收到政府信息公开申请{prose_received}件。"),
            ("table", s3_table),
            ("h", "四、政府信息公开行政复议、行政诉讼情况"),
            ("p", f"本年度发生政府信息公开行政复议{s4[0][4]}件、行政诉讼{lawsuits}件。"),
            ("table", s4_table),
            ("h", "五、存在的主要问题及改进情况"),
            ("p", "政务公开工作仍有不足，下一步将继续改进。"),
            ("h", "六、其他需要报告的事项"),
            ("p", "本年度未收取信息处理费。"),
        ],
    )

    # -- what a reader can know -------------------------------------------------------------
    truth: dict[tuple[str, str], Value | None] = {}
    s2_cols = {
        r["code"]: b["columns"]
        for b in spec["s2"]["by_generation"][gen]["blocks"]
        for r in b["rows"]
    }
    s3_cols = [c["key"] for c in spec["s3"]["columns"]]
    s4_cols = [c["key"] for c in spec["s4"]["columns"]]
    if form == "none":
        s2_known = resolve(
            {c: ("".join(x.removesuffix("元") for x in v), len(v)) for c, v in s2.items()},
            lambda k, v: _kinds_ok(s2_cols[k], v),
            lambda a: True,
        )
        s3_known = resolve(
            {c: ("".join(map(str, v)), 7) for c, v in s3.items()},
            lambda k, v: sum(v[:6]) == v[6],
            lambda a: _s3_joint(a, results),
        )
        s4_known = resolve(
            {"s4": ("".join(str(x) for b in s4 for x in b), 15)},
            lambda k, v: all(sum(v[i * 5 : i * 5 + 4]) == v[i * 5 + 4] for i in range(3)),
            lambda a: True,
        )
        for code, cols in s2_cols.items():
            got = s2_known[code]
            for i, col in enumerate(cols):
                truth[(f"{g}.s2.{code}", col["key"])] = got[i] if got else None
        for code in s3:
            got3 = s3_known[code]
            for i, col in enumerate(s3_cols):
                truth[(f"{g}.s3.{code}", col)] = got3[i] if got3 else None
        got4 = s4_known["s4"]
        for b, row in enumerate(spec["s4"]["rows"]):
            for i, col in enumerate(s4_cols):
                truth[(f"{g}.s4.{row['code']}", col)] = got4[b * 5 + i] if got4 else None
    else:
        for code, cols in s2_cols.items():
            for i, col in enumerate(cols):
                printed = s2[code][i].removesuffix("元")
                truth[(f"{g}.s2.{code}", col["key"])] = (
                    float(printed) if "." in printed else int(printed)
                )
        for code, vals in s3.items():
            for i, col in enumerate(s3_cols):
                truth[(f"{g}.s3.{code}", col)] = None if (code, i) in blanks else vals[i]
        for b, row in enumerate(spec["s4"]["rows"]):
            for i, col in enumerate(s4_cols):
                truth[(f"{g}.s4.{row['code']}", col)] = s4[b][i]
    return doc, truth, must_fail


def _kinds_ok(cols: list[dict[str, Any]], values: tuple[Value, ...]) -> bool:
    for col, v in zip(cols, values, strict=True):
        if isinstance(v, float) and not col.get("decimal"):
            return False
        if v < 0 and not col.get("signed"):
            return False
    return True


def _s3_joint(a: dict[str, tuple[Value, ...]], results: list[str]) -> bool:
    for j in range(7):
        if {"received", "carried_in", "total", "carried_over"} <= set(a) and (
            a["received"][j] + a["carried_in"][j] != a["total"][j] + a["carried_over"][j]
        ):
            return False
        if (
            "total" in a
            and all(r in a for r in results)
            and sum(a[r][j] for r in results) != a["total"][j]
        ):
            return False
    return True


def _s2_table(gen: int, values: dict[str, list[str]]) -> Table:
    blocks = formats.gen23()["tables"]["s2"]["by_generation"][gen]["blocks"]
    rows: list[Row] = []
    captions: dict[int, list[list[Head]]] = {}
    header: list[list[Head]] = []
    for b, block in enumerate(blocks):
        head = [
            [Head(block["caption"], colspan=1 + len(block["columns"]))],
            [
                Head("信息内容"),
                *(
                    Head(c["label"] + ("（单位：万元）" if c.get("unit") == "万元" else ""))
                    for c in block["columns"]
                ),
            ],
        ]
        if b == 0:
            header = head
        else:
            captions[len(rows)] = head
        rows += [Row(r["label"], list(values[r["code"]])) for r in block["rows"]]
    return Table(header, rows, captions)


def _s3_table(
    s3_rows: list[dict[str, Any]], values: dict[str, list[int]], blanks: set[tuple[str, int]]
) -> Table:
    spec = formats.gen23()["tables"]["s3"]
    header = [
        [
            Head("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3),
            Head("申请人情况", colspan=7),
        ],
        [Head("自然人", rowspan=2), Head("法人或其他组织", colspan=5), Head("总计", rowspan=2)],
        [Head(c["label"]) for c in spec["columns"][1:6]],
    ]
    groups = {
        "refused": "（三）不予公开",
        "unable": "（四）无法提供",
        "not_processed": "（五）不予处理",
        "other": "（六）其他处理",
    }
    rows: list[Row] = []
    opened: set[str] = set()
    for r in s3_rows:
        if r["code"] == "granted":
            rows.append(Row("三、本年度办理结果"))
        group = r.get("group")
        if group and group not in opened:
            rows.append(Row(groups[group]))
            opened.add(group)
        printed: list[str | None] = [
            None if (r["code"], i) in blanks else str(v) for i, v in enumerate(values[r["code"]])
        ]
        rows.append(Row(r["label"], printed))
    return Table(header, rows)


def _s4_table(values: list[list[int]]) -> Table:
    cols = [c["label"] for c in formats.gen23()["tables"]["s4"]["columns"]]
    header = [
        [Head("行政复议", colspan=5), Head("行政诉讼", colspan=10)],
        [Head(c, rowspan=2) for c in cols]
        + [Head("未经复议直接起诉", colspan=5), Head("复议后起诉", colspan=5)],
        [Head(c) for c in cols * 2],
    ]
    flat: list[str | None] = [str(x) for block in values for x in block]
    return Table(header, [Row("", flat)])


def gen_of_year(rng: random.Random, gen: int) -> int:
    return rng.choice([2019, 2020]) if gen == 2 else rng.randint(2021, 2025)
