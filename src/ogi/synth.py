"""Synthetic generation-1 reports with ground truth, for tests and benchmarks.

Deterministic for a given seed. Numbers are random but consistent (channels add up to the
requests received, answer types to the answers, 历年累计 ≥ the year); a fault can be injected
so that exactly one rule breaks, and the truth says which check must fail.

>>> report = gen1_report(random.Random(1))
>>> report.truth[("g1.requests_received", "year")] == sum(
...     report.truth[(c, "year")] for c in ("g1.requests_in_person", "g1.requests_online", "g1.requests_mail_fax"))
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import formats

FAULTS = (
    "channels_do_not_add_up",
    "subrow_exceeds_parent",
    "cumulative_below_year",
    "prose_disagrees",
    "prose_states_rate_twice",
)
FORMS = ("pipe_lines", "markdown")

# (code, printed label, unit); the order of the provincial table.
ROWS = [
    ("g1.proactive_total", "主动公开文件数", "条"),
    ("g1.proactive_website", "其中:1.政府网站公开数", "条"),
    ("g1.proactive_gazette", "2.政府公报公开数", "条"),
    ("g1.requests_received", "受理政府信息公开申请总数", "条"),
    ("g1.requests_in_person", "其中:1.当面申请数", "条"),
    ("g1.requests_online", "2.网络申请数", "条"),
    ("g1.requests_mail_fax", "3.信函、传真申请数", "条"),
    ("g1.answers_total", "对申请的答复总数", "条"),
    ("g1.answers_granted", "其中:1.同意公开答复数", "条"),
    ("g1.answers_partial", "2.同意部分公开答复数", "条"),
    ("g1.answers_refused", "3.不予公开答复数", "条"),
    ("g1.answers_other", "4.其他类型答复数", "条"),
    ("g1.complaints", "接受行政申诉、举报数", "件"),
    ("g1.reconsiderations", "行政复议数", "件"),
    ("g1.lawsuits", "行政诉讼数", "件"),
]


_SUMS = [
    (
        "g1.requests_received",
        ("g1.requests_in_person", "g1.requests_online", "g1.requests_mail_fax"),
    ),
    (
        "g1.answers_total",
        ("g1.answers_granted", "g1.answers_partial", "g1.answers_refused", "g1.answers_other"),
    ),
]


@dataclass
class Synthetic:
    """A generated report and what a correct parse must find in it."""

    text: str
    issuer: str
    year: int
    form: str
    truth: dict[tuple[str, str], int] = field(default_factory=dict)
    fault: str | None = None
    must_fail: set[tuple[str, str]] = field(default_factory=set)  # (check, subject)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _counties(rng: random.Random) -> tuple[str, str]:
    codes = formats.adcodes()
    county = rng.choice(
        sorted(
            c for c in codes if c[4:] != "00" and codes[c].endswith("区") and c[:4] + "00" in codes
        )
    )
    return codes[county[:4] + "00"], codes[county]


def gen1_report(
    rng: random.Random, fault: str | None = None, form: str = "pipe_lines"
) -> Synthetic:
    """One provincial-table generation-1 report, optionally with one injected fault."""
    city, county = _counties(rng)
    year = rng.randint(2009, 2018)
    year_v: dict[str, int] = {}
    received = rng.randint(0, 900)
    for total, parts in _SUMS:
        year_v[total] = received
        year_v.update(zip(parts, _split(rng, received, len(parts)), strict=True))
    proactive = rng.randint(50, 5000)
    year_v["g1.proactive_total"] = proactive
    year_v["g1.proactive_website"] = rng.randint(proactive // 2, proactive)
    year_v["g1.proactive_gazette"] = rng.randint(0, proactive - year_v["g1.proactive_website"])
    for code in ("g1.complaints", "g1.reconsiderations", "g1.lawsuits"):
        year_v[code] = rng.randint(0, 12)
    # faults in the year column are injected before the cumulative column is drawn from it
    year_faults: set[tuple[str, str]] = set()
    if fault == "channels_do_not_add_up":
        year_v["g1.requests_online"] += rng.randint(1, 9)
        year_faults.add(("g1.received_sum", "year"))
    elif fault == "subrow_exceeds_parent":
        year_v["g1.proactive_gazette"] = proactive + rng.randint(1, 50)
        year_faults.add(("g1.subrow_le_parent", "g1.proactive_gazette@year"))
    cum_v = {code: v + rng.randint(0, 3 * v + 20) for code, v in year_v.items()}
    for total, parts in _SUMS:  # the cumulative column obeys the same identities
        cum_v[total] = sum(cum_v[p] for p in parts)
    cum_v["g1.proactive_total"] = max(
        cum_v["g1.proactive_total"], cum_v["g1.proactive_website"], cum_v["g1.proactive_gazette"]
    )

    syn = Synthetic("", f"{city}{county}人民政府", year, form, fault=fault)
    prose_received = received
    rate = round(rng.uniform(95, 100), 2)
    second_rate = rate
    syn.must_fail |= year_faults
    if fault == "cumulative_below_year":
        cum_v["g1.lawsuits"] = max(0, year_v["g1.lawsuits"] - rng.randint(1, 3))
        if cum_v["g1.lawsuits"] < year_v["g1.lawsuits"]:
            syn.must_fail.add(("g1.cumulative_ge_year", "g1.lawsuits"))
        else:
            syn.fault = None
    elif fault == "prose_disagrees":
        prose_received = received + rng.randint(1, 20)
        syn.must_fail.add(("prose_vs_table", "g1.requests_received@year"))
    elif fault == "prose_states_rate_twice":
        second_rate = round(rate - rng.choice([0.01, 0.03, 0.1]), 2)
        syn.must_fail.add(("prose_vs_prose", "hotline_satisfaction_rate"))

    for code, _, _ in ROWS:
        syn.truth[(code, "year")] = year_v[code]
        syn.truth[(code, "cumulative")] = cum_v[code]
    syn.text = _render(syn, city, county, year_v, cum_v, prose_received, rate, second_rate, form)
    return syn


def _render(
    syn: Synthetic,
    city: str,
    county: str,
    y: dict[str, int],
    c: dict[str, int],
    prose_received: int,
    rate: float,
    second_rate: float,
    form: str,
) -> str:
    lines = [
        "一、概述",
        f"{syn.year}年,我区认真贯彻落实《中华人民共和国政府信息公开条例》,结合{city}{county}实际,全面做好政府信息公开工作。",
        "(一)工作开展情况",
        f"我区共受理12345诉求件{y['g1.complaints'] * 100 + 7}件,群众满意率{rate}%。",
        "二、主动公开政府信息的情况",
        f"{syn.year}年我区共主动公开政府信息{y['g1.proactive_total']}条,历年累计{c['g1.proactive_total']}条。",
        "三、政府信息依申请公开办理情况",
        f"(一){syn.year}年度我区共受理政府信息依申请公开{prose_received}件,主要受理方式是当面申请"
        f"{y['g1.requests_in_person']}件、网上申请{y['g1.requests_online']}件。",
        f"(二)回应关切情况:{syn.year}年我区12345热线群众满意率{second_rate}%。",
        "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
        f"{syn.year}年度共受理因政府信息公开被申请行政复议{y['g1.reconsiderations']}次、提起行政诉讼{y['g1.lawsuits']}次。",
        "五、政府信息公开工作存在的主要问题及改进措施",
        "进一步加强政务公开工作。",
        "六、需要说明的事项与附表",
        "(一)附表。",
    ]
    header = ["指 标 名 称", "单位", f"{syn.year}年", "历年累计"]
    rows = [[label, unit, str(y[code]), str(c[code])] for code, label, unit in ROWS]
    if form == "markdown":
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        lines += [f"{cell} |" for r in [header, *rows] for cell in r]
    lines.append("扫一扫在手机上查看当前页面")
    return "\n".join(lines) + "\n"


def corpus(n: int, seed: int = 0, fault_rate: float = 0.4) -> list[Synthetic]:
    """``n`` reports: a share with one fault each, in every form, deterministic for ``seed``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fault = rng.choice(FAULTS) if rng.random() < fault_rate else None
        out.append(gen1_report(rng, fault, FORMS[i % len(FORMS)]))
    return out
