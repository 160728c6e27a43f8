"""Synthetic generation-1 reports (the provincial four-column appendix table) with ground
truth: channels add up to the requests received, answer types to the answers, 历年累计 ≥
the year; optional faults break exactly one rule.

>>> doc, truth, must_fail = gen1_doc(random.Random(1), "某区", None, "cell_lines", 2018)
>>> truth[("g1.requests_received", "year")] == sum(
...     truth[(c, "year")] for c in ("g1.requests_in_person", "g1.requests_online", "g1.requests_mail_fax"))
True
"""

from __future__ import annotations

import random

from .model import Doc, Head, Row, Table, within
from .truth import Value, resolve

FAULTS = (
    "channels_do_not_add_up",
    "subrow_exceeds_parent",
    "cumulative_below_year",
    "prose_disagrees",
    "prose_states_rate_twice",
)

# (code, printed label, unit, parent); the order of the provincial table.
ROWS = [
    ("g1.proactive_total", "主动公开文件数", "条", None),
    ("g1.proactive_website", "其中:1.政府网站公开数", "条", "g1.proactive_total"),
    ("g1.proactive_gazette", "2.政府公报公开数", "条", "g1.proactive_total"),
    ("g1.requests_received", "受理政府信息公开申请总数", "条", None),
    ("g1.requests_in_person", "其中:1.当面申请数", "条", "g1.requests_received"),
    ("g1.requests_online", "2.网络申请数", "条", "g1.requests_received"),
    ("g1.requests_mail_fax", "3.信函、传真申请数", "条", "g1.requests_received"),
    ("g1.answers_total", "对申请的答复总数", "条", None),
    ("g1.answers_granted", "其中:1.同意公开答复数", "条", "g1.answers_total"),
    ("g1.answers_partial", "2.同意部分公开答复数", "条", "g1.answers_total"),
    ("g1.answers_refused", "3.不予公开答复数", "条", "g1.answers_total"),
    ("g1.answers_other", "4.其他类型答复数", "条", "g1.answers_total"),
    ("g1.complaints", "接受行政申诉、举报数", "件", None),
    ("g1.reconsiderations", "行政复议数", "件", None),
    ("g1.lawsuits", "行政诉讼数", "件", None),
]
SUMS = [
    (
        "g1.requests_received",
        ("g1.requests_in_person", "g1.requests_online", "g1.requests_mail_fax"),
    ),
    (
        "g1.answers_total",
        ("g1.answers_granted", "g1.answers_partial", "g1.answers_refused", "g1.answers_other"),
    ),
]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def gen1_doc(
    rng: random.Random,
    place: str,
    fault: str | None,
    form: str,
    year: int,
    before: dict[str, int] | None = None,
) -> tuple[Doc, dict[tuple[str, str], Value | None], set[tuple[str, str]]]:
    """The document, its true cell values (None: must be empty) and the checks that must fail.
    ``before``: the same body's 历年累计 of the year before, which this year's carries on."""
    year_v: dict[str, int] = {}
    received = rng.randint(0, 900)
    for total, parts in SUMS:
        year_v[total] = received
        year_v.update(zip(parts, _split(rng, received, len(parts)), strict=True))
    proactive = rng.randint(50, 5000)
    year_v["g1.proactive_total"] = proactive
    year_v["g1.proactive_website"] = rng.randint(proactive // 2, proactive)
    year_v["g1.proactive_gazette"] = rng.randint(0, proactive - year_v["g1.proactive_website"])
    for code in ("g1.complaints", "g1.reconsiderations", "g1.lawsuits"):
        year_v[code] = rng.randint(0, 12)
    must_fail: set[tuple[str, str]] = set()
    # faults in the year column are injected before the cumulative column is drawn from it
    if fault == "channels_do_not_add_up":
        year_v["g1.requests_online"] += rng.randint(1, 9)
        must_fail.add(("g1.received_sum", "year"))
        if year_v["g1.requests_online"] > received:  # the channel now exceeds its parent too
            must_fail.add(("g1.subrow_le_parent", "g1.requests_online@year"))
    elif fault == "subrow_exceeds_parent":
        year_v["g1.proactive_gazette"] = proactive + rng.randint(1, 50)
        must_fail.add(("g1.subrow_le_parent", "g1.proactive_gazette@year"))
    if before is not None:  # 历年累计 of N = 历年累计 of N−1 + year N (identities hold on)
        cum_v = {code: before[code] + v for code, v in year_v.items()}
    else:
        cum_v = {code: v + rng.randint(0, 3 * v + 20) for code, v in year_v.items()}
        for total, parts in SUMS:  # the cumulative column obeys the same identities
            cum_v[total] = sum(cum_v[p] for p in parts)
        cum_v["g1.proactive_total"] = max(
            cum_v["g1.proactive_total"],
            cum_v["g1.proactive_website"],
            cum_v["g1.proactive_gazette"],
        )
    prose_received = received
    rate = round(rng.uniform(95, 100), 2)
    second_rate = rate
    if fault == "cumulative_below_year" and year_v["g1.lawsuits"] > 0:
        cum_v["g1.lawsuits"] = year_v["g1.lawsuits"] - 1
        must_fail.add(("g1.cumulative_ge_year", "g1.lawsuits"))
    elif fault == "prose_disagrees":
        prose_received = received + rng.randint(1, 20)
        must_fail.add(("prose_vs_table", "g1.requests_received@year"))
    elif fault == "prose_states_rate_twice":
        second_rate = round(rate - rng.choice([0.01, 0.03, 0.1]), 2)
        must_fail.add(("prose_vs_prose", "hotline_satisfaction_rate"))

    table = Table(
        [[Head("指 标 名 称"), Head("单位"), Head(f"{year}年"), Head("历年累计")]],
        [Row(label, [str(year_v[code]), str(cum_v[code])], unit) for code, label, unit, _ in ROWS],
    )
    doc = Doc(
        None,
        [
            ("h", "一、概述"),
            (
                "p",
                f"{year}年,我区认真贯彻落实《中华人民共和国政府信息公开条例》,结合{place}实际,全面做好政府信息公开工作。",
            ),
            ("h", "(一)工作开展情况"),
            (
                "p",
                f"我区共受理12345诉求件{year_v['g1.complaints'] * 100 + 7}件,群众满意率{rate}%。",
            ),
            ("h", "二、主动公开政府信息的情况"),
            (
                "p",
                f"{year}年我区共主动公开政府信息{proactive}条,历年累计{cum_v['g1.proactive_total']}条。",
            ),
            ("h", "三、政府信息依申请公开办理情况"),
            (
                "h",
                f"(一){year}年度我区共受理政府信息依申请公开{prose_received}件,主要受理方式是当面申请"
                f"{year_v['g1.requests_in_person']}件、网上申请{year_v['g1.requests_online']}件。",
            ),
            ("h", f"(二)回应关切情况:{year}年我区12345热线群众满意率{second_rate}%。"),
            ("h", "四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
            (
                "p",
                f"{year}年度共受理因政府信息公开被申请行政复议{year_v['g1.reconsiderations']}次、"
                f"提起行政诉讼{year_v['g1.lawsuits']}次。",
            ),
            ("h", "五、政府信息公开工作存在的主要问题及改进措施"),
            ("p", "进一步加强政务公开工作。"),
            ("h", "六、需要说明的事项与附表"),
            ("h", "(一)附表。"),
            ("table", table),
        ],
    )

    truth: dict[tuple[str, str], Value | None] = {}
    if form == "none":
        parent = {code: p for code, _, _, p in ROWS}

        def joint(a: dict[str, tuple[Value, ...]]) -> bool:
            for j in range(2):
                for child, p in parent.items():
                    if p and child in a and p in a and a[child][j] > a[p][j]:
                        return False
                for total, parts in SUMS:
                    if (
                        total in a
                        and all(x in a for x in parts)
                        and sum(a[x][j] for x in parts) != a[total][j]
                    ):
                        return False
            return True

        # the rows a rule ties together: a total with its parts, a parent with its 其中 rows
        groups = [
            ["g1.proactive_total", "g1.proactive_website", "g1.proactive_gazette"],
            *([total, *parts] for total, parts in SUMS),
        ]
        known = resolve(
            {code: (f"{year_v[code]}{cum_v[code]}", 2) for code, _, _, _ in ROWS},
            lambda k, v: v[1] >= v[0],
            joint,
            groups,
            # what the prose above states of the table (a reader may settle a split by it)
            {
                "g1.proactive_total": {0: proactive, 1: cum_v["g1.proactive_total"]},
                "g1.requests_received": {0: prose_received},
                "g1.requests_in_person": {0: year_v["g1.requests_in_person"]},
                "g1.requests_online": {0: year_v["g1.requests_online"]},
                "g1.reconsiderations": {0: year_v["g1.reconsiderations"]},
                "g1.lawsuits": {0: year_v["g1.lawsuits"]},
            },
        )
        for code, _, _, _ in ROWS:
            got = known[code]
            truth[(code, "year")] = got[0] if got else None
            truth[(code, "cumulative")] = got[1] if got else None
    else:
        for code, _, _, _ in ROWS:
            truth[(code, "year")] = year_v[code]
            truth[(code, "cumulative")] = cum_v[code]
    return doc, truth, must_fail


def printed_values(doc: Doc) -> dict[tuple[str, str], int]:
    """The values a provincial table of :func:`gen1_doc` prints, by (indicator, column)."""
    table = next(p for kind, p in doc.blocks if kind == "table")
    assert isinstance(table, Table)
    out = {}
    for (code, _, _, _), row in zip(ROWS, table.rows, strict=True):
        year, cum = row.values
        assert year is not None and cum is not None
        out[(code, "year")], out[(code, "cumulative")] = int(year), int(cum)
    return out


NATIONAL_FAULTS = ("channels_do_not_add_up", "subrow_exceeds_parent", "prose_disagrees")


def national_doc(
    rng: random.Random, place: str, fault: str | None, year: int
) -> tuple[Doc, dict[tuple[str, str], Value | None], set[tuple[str, str]]]:
    """A generation-1 report with the national-style three-column table (统计指标 | 单位 | 统计数),
    its groups headed by rows that carry —— instead of a value."""
    from .. import formats

    inds = {i["code"]: i for i in formats.gen1()["national_indicators"]}
    v: dict[str, int] = {
        code: rng.choice([0, rng.randint(0, 9), rng.randint(0, 400)]) for code in inds
    }
    for total, parts in [
        (
            "g1n.requests_received",
            [
                "g1n.requests_in_person",
                "g1n.requests_fax",
                "g1n.requests_online",
                "g1n.requests_mail",
            ],
        ),
        ("g1n.requests_closed", ["g1n.closed_on_time", "g1n.closed_extended"]),
        (
            "g1n.answers_total",
            [
                "g1n.answers_already_public",
                "g1n.answers_granted",
                "g1n.answers_partial",
                "g1n.answers_refused",
                "g1n.answers_not_this_body",
                "g1n.answers_not_exist",
                "g1n.answers_clarify",
                "g1n.answers_other_channel",
            ],
        ),
        (
            "g1n.reconsiderations",
            [
                "g1n.reconsideration_upheld",
                "g1n.reconsideration_corrected",
                "g1n.reconsideration_other",
            ],
        ),
        ("g1n.lawsuits", ["g1n.lawsuit_upheld", "g1n.lawsuit_corrected", "g1n.lawsuit_other"]),
        ("g1n.staff", ["g1n.staff_full_time", "g1n.staff_part_time"]),
    ]:
        # plausible (formats/plausibility.yml): answers, reconsiderations and lawsuits within
        # twice the requests received plus 20
        if total in ("g1n.answers_total", "g1n.reconsiderations", "g1n.lawsuits"):
            cap = 2 * v["g1n.requests_received"] + 20
            v.update(zip(parts, within([v[p] for p in parts], cap), strict=True))
        v[total] = sum(v[p] for p in parts)
    for code, ind in inds.items():  # 其中 rows that are not parts of a sum stay within their parent
        if ind.get("parent") in (
            "g1n.answers_refused",
            "g1n.proactive_total",
            "g1n.press_conferences",
            "g1n.online_interviews",
        ):
            v[code] = rng.randint(0, v[ind["parent"]] // 6)
    must_fail: set[tuple[str, str]] = set()
    prose_received = v["g1n.requests_received"]
    if fault == "channels_do_not_add_up":
        v["g1n.requests_online"] += rng.randint(1, 9)
        must_fail.add(("g1n.received_sum", "value"))
        if v["g1n.requests_online"] > v["g1n.requests_received"]:  # exceeds its parent too
            must_fail.add(("g1.subrow_le_parent", "g1n.requests_online@value"))
    elif fault == "subrow_exceeds_parent":
        v["g1n.proactive_normative"] = v["g1n.proactive_total"] + rng.randint(1, 9)
        must_fail.add(("g1.subrow_le_parent", "g1n.proactive_normative@value"))
    elif fault == "prose_disagrees":
        prose_received += rng.randint(1, 9)
        must_fail.add(("prose_vs_table", "g1n.requests_received@value"))
    groups = [
        "一、主动公开情况",
        "二、回应解读情况",
        "三、依申请公开情况",
        "四、行政复议数量",
        "五、行政诉讼数量",
        "六、举报投诉数量",
        "七、依申请公开信息收取的费用",
        "八、机构建设和保障经费情况",
        "九、政府信息公开会议和培训情况",
    ]
    totals = {4: "g1n.reconsiderations", 5: "g1n.lawsuits", 6: "g1n.complaints", 7: "g1n.fees"}
    rows: list[Row] = []
    numbering: dict[tuple[int, str | None], int] = {}
    for g, heading in enumerate(groups, start=1):
        if g in totals:
            rows.append(Row(heading, [str(v[totals[g]])], inds[totals[g]]["unit"]))
        else:
            rows.append(Row(heading, ["——"], "——"))
        for code, ind in inds.items():
            if ind["group"] != g or code in totals.values():
                continue
            parent = ind.get("parent")
            if parent in (None, *totals.values()):
                numbering[(g, parent)] = numbering.get((g, parent), 0) + 1
                n = numbering[(g, parent)]
                label = f"（{'一二三四五六七八九十'[n - 1]}）{ind['label_zh']}"
            else:
                siblings = [c for c, i in inds.items() if i.get("parent") == parent]
                label = (
                    "其中：" if code == siblings[0] else ""
                ) + f"{siblings.index(code) + 1}.{ind['label_zh']}"
            rows.append(Row(label, [str(v[code])], ind["unit"]))
    table = Table([[Head("统计指标"), Head("单位"), Head("统计数")]], rows)
    doc = Doc(
        None,
        [
            ("h", "一、概述"),
            (
                "p",
                f"{year}年,我区认真贯彻落实《中华人民共和国政府信息公开条例》,结合{place}实际,全面推进政务公开。",
            ),
            ("h", "二、主动公开政府信息情况"),
            ("p", "持续完善主动公开目录。"),
            ("h", "三、政府信息依申请公开情况"),
            ("p", f"{year}年共收到政府信息公开申请{prose_received}件。"),
            ("h", "四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
            ("p", "依法做好行政复议和行政诉讼应诉工作。"),
            ("h", "五、政府信息公开工作存在的主要问题及改进措施"),
            ("p", "进一步加强政务公开工作。"),
            ("h", "六、政府信息公开情况统计表"),
            ("table", table),
        ],
    )
    truth: dict[tuple[str, str], Value | None] = {(code, "value"): v[code] for code in inds}
    return doc, truth, must_fail
