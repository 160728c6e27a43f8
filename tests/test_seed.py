"""The seed report (福州市晋安区, 2018, generation 1), parsed: exact values, checked by hand
against data/raw/000_6fcf304d54296c97.txt."""

from __future__ import annotations

from collections import Counter

from conftest import SEED, SEED_ID

from ogi.parse import Parsed
from ogi.parse.lines import is_chrome
from ogi.summarise import summarise

# sha256("福州市晋安区人民政府|350111")[:16]: the body's name and division code
ISSUER_ID = "255a9465bb69775b"


def test_report_metadata(seed: Parsed) -> None:
    r = seed.report
    assert r == {
        "report_id": SEED_ID,
        "source_file": "000_6fcf304d54296c97.txt",
        "sha256": "ca49a4b9fa6d23946e4c283fe68f341f265b0fe3a38da9268e69fa5c5498c119",
        "bytes": 32504,
        "encoding": "utf-8",
        "form": "text",
        "ocr_engine": None,
        "ocr_pages": None,
        "title": None,
        "issuer": "福州市晋安区人民政府",
        "issuer_printed": None,
        "issuer_source": "text",
        "issuer_kind": "government",
        "issuer_level": "county",
        "province": "福建省",
        "city": "福州市",
        "county": "晋安区",
        "area_code": "350111",
        "area_code_today": "350111",
        "place_source": "name",
        "issuer_id": ISSUER_ID,
        "year": 2018,
        "generation": 1,
        "table_family": "g1_provincial",
        "published": None,
        "url": None,
        "chars": 11792,
    }


# All 30 appendix values: (indicator, column) → value, as printed.
APPENDIX = {
    ("g1.proactive_total", "year"): 1630,
    ("g1.proactive_total", "cumulative"): 20080,
    ("g1.proactive_website", "year"): 1630,
    ("g1.proactive_website", "cumulative"): 20080,
    ("g1.proactive_gazette", "year"): 0,
    ("g1.proactive_gazette", "cumulative"): 0,
    ("g1.requests_received", "year"): 192,
    ("g1.requests_received", "cumulative"): 608,
    ("g1.requests_in_person", "year"): 2,
    ("g1.requests_in_person", "cumulative"): 58,
    ("g1.requests_online", "year"): 65,
    ("g1.requests_online", "cumulative"): 148,
    ("g1.requests_mail_fax", "year"): 125,
    ("g1.requests_mail_fax", "cumulative"): 402,
    ("g1.answers_total", "year"): 192,
    ("g1.answers_total", "cumulative"): 608,
    ("g1.answers_granted", "year"): 57,
    ("g1.answers_granted", "cumulative"): 211,
    ("g1.answers_partial", "year"): 2,
    ("g1.answers_partial", "cumulative"): 57,
    ("g1.answers_refused", "year"): 0,
    ("g1.answers_refused", "cumulative"): 18,
    ("g1.answers_other", "year"): 133,
    ("g1.answers_other", "cumulative"): 322,
    ("g1.complaints", "year"): 0,
    ("g1.complaints", "cumulative"): 0,
    ("g1.reconsiderations", "year"): 5,
    ("g1.reconsiderations", "cumulative"): 25,
    ("g1.lawsuits", "year"): 5,
    ("g1.lawsuits", "cumulative"): 26,
}


def test_all_30_appendix_values(seed: Parsed) -> None:
    got = {(c["indicator"], c["column"]): c["value"] for c in seed.statistics}
    assert len(seed.statistics) == 30
    assert got == APPENDIX
    assert {c["value_status"] for c in seed.statistics} == {"printed"}
    assert {c["column_label"] for c in seed.statistics} == {"2018年", "历年累计"}


def test_appendix_labels_units_hierarchy_and_location(seed: Parsed) -> None:
    rows = {c["row"]: c for c in seed.statistics if c["column"] == "year"}
    assert [
        (n, rows[n]["label"], rows[n]["unit"], rows[n]["parent_row"]) for n in sorted(rows)
    ] == [
        (1, "主动公开文件数", "条", None),
        (2, "其中:1.政府网站公开数", "条", 1),
        (3, "2.政府公报公开数", "条", 1),
        (4, "受理政府信息公开申请总数", "条", None),
        (5, "其中:1.当面申请数", "条", 4),
        (6, "2.网络申请数", "条", 4),
        (7, "3.信函、传真申请数", "条", 4),
        (8, "对申请的答复总数", "条", None),
        (9, "其中:1.同意公开答复数", "条", 8),
        (10, "2.同意部分公开答复数", "条", 8),
        (11, "3.不予公开答复数", "条", 8),
        (12, "4.其他类型答复数", "条", 8),
        (13, "接受行政申诉、举报数", "件", None),
        (14, "行政复议数", "件", None),
        (15, "行政诉讼数", "件", None),
    ]
    text = SEED.read_text(encoding="utf-8")
    for cell in seed.statistics:  # every cell points at its printed text
        assert text[cell["start"] : cell["end"]] == cell["value_text"]
        assert text.splitlines()[cell["line"] - 1].startswith(cell["value_text"])
    granted = next(
        c
        for c in seed.statistics
        if c["indicator"] == "g1.answers_granted" and c["column"] == "year"
    )
    assert (granted["line"], granted["start"], granted["end"]) == (136, 11621, 11623)


def test_outline(seed: Parsed) -> None:
    secs = {s["section_id"].split(":", 1)[1]: s for s in seed.sections}
    assert len(seed.sections) == 81
    assert Counter(s["level"] for s in seed.sections) == {1: 6, 2: 18, 3: 17, 4: 40}
    assert [secs[str(n)]["heading"] for n in range(1, 7)] == [
        "概述",
        "主动公开政府信息的情况",
        "政府信息依申请公开办理情况",
        "因政府信息公开申请行政复议、提起行政诉讼的情况",
        "政府信息公开工作存在的主要问题及改进措施",
        "需要说明的事项与附表",
    ]
    s = secs["1.2.2.1"]
    assert (s["marker"], s["ordinal"], s["level"], s["heading"], s["parent_id"]) == (
        "(6)",
        6,
        4,
        "深入推进预决算公开",
        f"{SEED_ID}:1.2.2",
    )
    assert secs["1.2.14.2"]["ordinal"] == 40
    assert secs["2.5.1"]["marker"] == "1、"
    assert secs["2.5.1"]["heading"].startswith("2018年我区共受理12345诉求件48634件")
    assert secs["6.2"]["heading"] == "附表"
    assert [s["seq"] for s in seed.sections] == list(range(1, 82))


def test_outline_keeps_every_line_and_no_chrome(seed: Parsed) -> None:
    """Sections tile the report: their spans are disjoint, cover every line that is not page
    chrome, and heading + body is exactly the span's text without the chrome (up to white
    space and the 。 or colon that ends a heading)."""
    text = SEED.read_text(encoding="utf-8")

    def squash(s: str) -> str:
        return "".join(ch for ch in s if not ch.isspace() and ch not in "。:：")

    spans = sorted((s["start"], s["end"]) for s in seed.sections)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        if body.strip() and not is_chrome(body):
            assert any(a <= pos < b for a, b in spans), body
        pos += len(line)
    for sec in seed.sections:
        assert "扫一扫" not in sec["body"]
        own = "\n".join(
            ln for ln in text[sec["start"] : sec["end"]].splitlines() if not is_chrome(ln)
        )
        assert squash(own) == squash(f"{sec['marker']}{sec['heading']}{sec['body']}")
    assert is_chrome(text.splitlines()[-1])


def test_figures(seed: Parsed) -> None:
    figs = seed.figures
    assert len(figs) == 127
    assert Counter(f["kind"] for f in figs) == {
        "count": 79,
        "date": 18,
        "percent": 10,
        "bare": 9,
        "duration": 8,
        "area": 2,
        "money": 1,
    }
    by_text = {f["value_text"]: f for f in figs}
    assert [(f["value_text"], f["value"], f["unit"], f["approx"]) for f in figs if f["approx"]] == [
        ("70余条", 70, "条", "余"),
        ("30%以内", 30, "%", "以内"),
        ("约2000平方米", 2000, "平方米", "约"),
        ("约42㎡", 42, "㎡", "约"),
    ]
    assert [f["value_text"] for f in figs if f["numeral"] == "chinese"] == [
        "三个",
        "三个",
        "两个工作日",
        "三十个工作日",
        "一个工作日",
        "六轮",
        "六轮",
        "五个",
    ]
    assert by_text["三十个工作日"]["value"] == 30
    assert by_text["99.95 %"]["value"] == 99.95 and by_text["99.95 %"]["unit"] == "%"
    assert by_text["25万元"]["kind"] == "money"
    text = SEED.read_text(encoding="utf-8")
    for f in figs:
        assert text[f["start"] : f["end"]] == f["value_text"]
        assert f["value_text"] in f["sentence"]
    first = figs[0]
    assert first["sentence"].startswith("2018年,我区政府认真贯彻落实《条例》")
    assert first["section_id"] == f"{SEED_ID}:1"
    # no number from the table, a section marker, a document number or a title
    assert not any(f["start"] >= 11340 for f in figs)
    assert "IPv6" not in [f["value_text"] for f in figs] and 6 not in [
        f["value"] for f in figs if f["section_id"].endswith(":1.2.8.2")
    ]
    assert not any(f["value"] in (133, 208, 366) and f["unit"] is None for f in figs)


def test_figures_restating_the_table(seed: Parsed) -> None:
    linked = [
        (f["value_text"], f["indicator"], f["column"]) for f in seed.figures if f["indicator"]
    ]
    assert linked == [
        ("1630条", "g1.proactive_total", "year"),
        ("20080条", "g1.proactive_total", "cumulative"),
        ("192件", "g1.requests_received", "year"),
        ("2件", "g1.requests_in_person", "year"),
        ("65件", "g1.requests_online", "year"),
        ("125件", "g1.requests_mail_fax", "year"),
        ("608件", "g1.requests_received", "cumulative"),
        ("192件", "g1.answers_total", "year"),
        ("57件", "g1.answers_granted", "year"),
        ("2件", "g1.answers_partial", "year"),
        ("133件", "g1.answers_other", "year"),
        ("5次", "g1.reconsiderations", "year"),
        ("5次", "g1.lawsuits", "year"),
        ("25次", "g1.reconsiderations", "cumulative"),
        ("26次", "g1.lawsuits", "cumulative"),
    ]
    measures = Counter(f["measure"] for f in seed.figures if f["measure"])
    assert measures == {
        "online_interviews": 3,
        "hotline_cases": 2,
        "hotline_timely_read_rate": 2,
        "hotline_timely_reply_rate": 2,
        "hotline_satisfaction_rate": 2,
    }


def test_citations(seed: Parsed) -> None:
    cites = seed.citations
    assert len(cites) == 26
    assert Counter(c["kind"] for c in cites) == {"title": 19, "doc_number": 7}
    docs = [
        (c["text"], c["issuer_code"], c["doc_year"], c["doc_serial"])
        for c in cites
        if c["kind"] == "doc_number"
    ]
    assert docs == [
        ("榕晋政办〔2018〕133号", "榕晋政办", 2018, 133),
        ("闽政办〔2018〕26号", "闽政办", 2018, 26),
        ("榕晋政办〔2018〕132号", "榕晋政办", 2018, 132),
        ("榕政〔2017〕18号", "榕政", 2017, 18),
        ("闽政办〔2017〕65 号", "闽政办", 2017, 65),
        ("榕政办〔2017〕366号", "榕政办", 2017, 366),
        ("榕晋政办〔2018〕208号", "榕晋政办", 2018, 208),
    ]
    first_doc = next(c for c in cites if c["kind"] == "doc_number")
    assert (
        first_doc["title"]
        == "福州市晋安区人民政府办公室关于印发晋安区推进重大建设项目批准和实施领域政府信息公开工作实施方案的通知"
    )
    assert first_doc["section_id"] == f"{SEED_ID}:1.2.2.2"
    assert first_doc["sentence"].startswith("各单位贯彻落实《福州市晋安区人民政府办公室")
    titles = Counter(c["title"] for c in cites if c["kind"] == "title")
    assert titles["中华人民共和国政府信息公开条例"] == 3 and titles["条例"] == 2


def test_checks(seed_checks: list[dict]) -> None:
    assert len(seed_checks) == 60
    status = Counter((c["check"], c["status"]) for c in seed_checks)
    assert status == {
        ("g1.received_sum", "pass"): 2,
        ("g1.answered_sum", "pass"): 2,
        ("g1.subrow_le_parent", "pass"): 18,
        ("g1.cumulative_ge_year", "pass"): 15,
        ("prose_vs_table", "pass"): 15,
        ("prose_vs_prose", "pass"): 4,
        ("prose_vs_prose", "fail"): 1,
        ("plausible.answered_vs_received", "pass"): 1,
        ("plausible.lawsuits_vs_requests", "pass"): 1,
        ("plausible.reconsiderations_vs_requests", "pass"): 1,
    }
    (fail,) = [c for c in seed_checks if c["status"] == "fail"]
    assert (fail["check"], fail["subject"], fail["expected"], fail["observed"]) == (
        "prose_vs_prose",
        "hotline_satisfaction_rate",
        99.66,
        99.63,
    )
    assert fail["message"] == (
        "12345热线群众满意率 (12345 hotline satisfaction rate) is stated as 99.66% in section 1.2.10.1 "
        "(offset 8000) and as 99.63% in section 2.5.1 (offset 10218)."
    )
    received = next(
        c for c in seed_checks if c["check"] == "g1.received_sum" and c["subject"] == "year"
    )
    assert received["message"] == (
        "requests received = sum of the channels (year): 受理政府信息公开申请总数 [row 4, 2018年] is 192; "
        "其中:1.当面申请数 2 + 2.网络申请数 65 + 3.信函、传真申请数 125 = 192; holds."
    )


def test_summary(seed: Parsed) -> None:
    assert summarise(seed) == {
        "report_id": SEED_ID,
        "year": 2018,
        "issuer": "福州市晋安区人民政府",
        "generation": 1,
        "requests_received": 192,
        "requests_carried_in": None,
        "requests_handled": 192,
        "granted": 57,
        "partially_granted": 2,
        "refused": 0,
        "unable_to_provide": None,
        "not_processed": None,
        "other_handling": 133,
        "requests_carried_over": None,
        "reconsiderations": 5,
        "lawsuits": 5,
        "proactive_disclosures": 1630,
    }
