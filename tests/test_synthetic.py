"""A generated corpus with ground truth, all generations × every text flattening: every cell
the arithmetic can settle is exact, every other one is empty and flagged, every injected
fault is caught by its check, and no clean report fails a check."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from ogi.acquire import Source
from ogi.check import run_checks
from ogi.extract import extract
from ogi.parse import Parsed, parse
from ogi.summarise import summarise
from ogi.synth import FORMS, GENERATIONS, Synthetic, corpus

N = 360  # ten reports of every generation × form


def parse_synthetic(syn: Synthetic) -> Parsed:
    return parse(
        extract(Source(syn.name, syn.name, syn.data, hashlib.sha256(syn.data).hexdigest()))
    )


@pytest.fixture(scope="module")
def results() -> list[tuple[Synthetic, Parsed, list[dict]]]:
    out = []
    for syn in corpus(N, seed=2026):
        parsed = parse_synthetic(syn)
        out.append((syn, parsed, run_checks(parsed)))
    return out


def test_every_cell_is_exact_or_flagged(results) -> None:
    table: Counter[tuple[int, str, str]] = Counter()
    for syn, parsed, checks in results:
        got = {(c["indicator"], c["column"]): c for c in parsed.statistics}
        assert set(got) == set(syn.truth), (syn.name, syn.form, set(syn.truth) ^ set(got))
        # a run of digits left unsplit is flagged: several splits fit (ambiguous) or none does
        flagged = {
            c["subject"] for c in checks if c["check"] == "digit_split" and c["status"] != "pass"
        }
        for key, want in syn.truth.items():
            cell = got[key]
            if want is None:
                assert cell["value"] is None, (syn.name, syn.form, key, cell)
                assert cell["value_status"] in ("ambiguous", "blank"), (syn.name, key, cell)
                if cell["value_status"] == "ambiguous":
                    assert key[0] in flagged or any(key[0].startswith(s) for s in flagged), (
                        syn.name,
                        key,
                    )
                table[(syn.generation, syn.form, "flagged")] += 1
            else:
                assert cell["value"] == pytest.approx(want), (syn.name, syn.form, key, cell, want)
                table[(syn.generation, syn.form, "exact")] += 1
        table[(syn.generation, syn.form, "reports")] += 1
    print("\ngeneration form        reports  exact  flagged  wrong")
    for gen in GENERATIONS:
        for form in FORMS:
            t = [table[(gen, form, k)] for k in ("reports", "exact", "flagged")]
            print(f"{gen:>10} {form:<11} {t[0]:>7} {t[1]:>6} {t[2]:>8}      0")
    assert sum(table[(g, f, "reports")] for g in GENERATIONS for f in FORMS) == N


def test_every_fault_is_caught_and_clean_reports_pass(results) -> None:
    seen: Counter[str] = Counter()
    for syn, _, checks in results:
        failed = {(c["check"], c["subject"]) for c in checks if c["status"] == "fail"}
        assert failed == syn.must_fail, (syn.name, syn.form, syn.fault, failed ^ syn.must_fail)
        seen[syn.fault or "clean"] += 1
    assert seen["clean"] >= N // 2 and len(seen) >= 8


def test_metadata_and_summary_follow_the_text(results) -> None:
    for syn, parsed, _ in results:
        rep = parsed.report
        assert (rep["issuer"], rep["year"], rep["generation"]) == (
            syn.issuer,
            syn.year,
            syn.generation,
        ), syn.name
        # the title carries the full name: the place columns follow it (as of the year)
        assert (rep["issuer_kind"], rep["issuer_level"], rep["place_source"]) == (
            "government",
            "county",
            "name",
        ), syn.name
        assert rep["city"] + rep["county"] + "人民政府" == syn.issuer, syn.name
        assert rep["area_code"] and rep["issuer_id"], syn.name
        row = summarise(parsed)
        if syn.generation == 1:
            key = (
                ("g1n.requests_received", "value")
                if ("g1n.requests_received", "value") in syn.truth
                else ("g1.requests_received", "year")
            )
            assert row["requests_received"] == syn.truth[key]
            assert row["requests_carried_in"] is None
        else:
            g = f"g{syn.generation}"
            assert row["requests_received"] == syn.truth[(f"{g}.s3.received", "total")]
            assert row["requests_carried_over"] == syn.truth[(f"{g}.s3.carried_over", "total")]


def test_a_package_built_from_the_corpus_is_valid(tmp_path) -> None:
    """Every generation and form in one build: frictionless and the domain rules find nothing."""
    from ogi.build import build
    from ogi.package.validate import validate

    raw = tmp_path / "raw"
    raw.mkdir()
    reports = corpus(len(GENERATIONS) * len(FORMS) * 2, seed=99)
    for syn in reports:
        (raw / syn.name).write_bytes(syn.data)
    out = tmp_path / "out"
    build([raw], out)
    assert validate(out / "datapackage.json") == []
    with open(out / "data" / "reports.csv", encoding="utf-8") as f:
        assert sum(1 for _ in f) - 1 == len(reports)


def test_crawled_pages_give_their_header_and_lose_their_chrome(results) -> None:
    crawled = [(syn, parsed) for syn, parsed, _ in results if syn.form == "crawled"]
    assert len(crawled) >= 30
    for syn, parsed in crawled:
        header = dict(line.split(": ", 1) for line in syn.text.splitlines()[:6] if ": " in line)
        assert parsed.report["url"] == header["原文链接"], syn.name
        assert parsed.report["published"] == header["发布时间"][:10], syn.name
        assert parsed.report["title"] == header["标题"], syn.name
        bodies = " ".join(s["body"] for s in parsed.sections)
        for chrome in ("当前位置", "微信 微博", "附件下载", "相关链接"):
            assert chrome not in bodies, (syn.name, chrome)
        assert [s["marker"] for s in parsed.sections if s["level"] == 1][:2] == ["一、", "二、"]
