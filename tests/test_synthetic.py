"""A generated corpus with ground truth: every table cell exact, every injected fault caught
by its check, and no clean report failing any check."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from ogi.acquire import Source
from ogi.check import run_checks
from ogi.extract import extract
from ogi.parse import parse
from ogi.summarise import summarise
from ogi.synth import FAULTS, FORMS, corpus

N = 300


def _parse(text: str, name: str):
    data = text.encode("utf-8")
    return parse(extract(Source(name, name, data, hashlib.sha256(data).hexdigest())))


@pytest.fixture(scope="module")
def results():
    out = []
    for i, syn in enumerate(corpus(N, seed=2026)):
        parsed = _parse(syn.text, f"synthetic_{i:04d}.txt")
        out.append((syn, parsed, run_checks(parsed)))
    return out


def test_every_cell_is_exact(results) -> None:
    table: Counter[tuple[str, str]] = Counter()
    for syn, parsed, _ in results:
        got = {(c["indicator"], c["column"]): c["value"] for c in parsed.statistics}
        assert got == syn.truth, syn.text
        table[(syn.form, "cells")] += len(got)
        table[(syn.form, "reports")] += 1
    print("\nform        reports  cells  wrong")
    for form in FORMS:
        print(f"{form:<11} {table[(form, 'reports')]:>7} {table[(form, 'cells')]:>6}      0")
    assert sum(table[(f, "reports")] for f in FORMS) == N


def test_every_fault_is_caught_and_clean_reports_pass(results) -> None:
    seen: Counter[str] = Counter()
    for syn, _, checks in results:
        failed = {(c["check"], c["subject"]) for c in checks if c["status"] == "fail"}
        assert failed == syn.must_fail, (syn.fault, syn.text)
        assert not any(c["status"] == "not_assessable" for c in checks)
        seen[syn.fault or "clean"] += 1
    assert set(seen) == {"clean", *FAULTS} and seen["clean"] >= N // 2


def test_metadata_and_summary_follow_the_text(results) -> None:
    for syn, parsed, _ in results:
        rep = parsed.report
        assert (rep["issuer"], rep["year"], rep["generation"], rep["table_family"]) == (
            syn.issuer,
            syn.year,
            1,
            "g1_provincial",
        )
        assert rep["province"] and rep["city"] and rep["county"]
        row = summarise(parsed)
        assert row["requests_received"] == syn.truth[("g1.requests_received", "year")]
        assert row["granted"] == syn.truth[("g1.answers_granted", "year")]
        assert row["lawsuits"] == syn.truth[("g1.lawsuits", "year")]
        assert row["requests_carried_in"] is None
