"""The ``repeats`` resource: how much of each report's text repeats the same body's previous
report (copied from last year's), and how much repeats other bodies' reports of the same year
(template text).

Each worker reduces a report to the hashes of its normalised sentences
(:func:`sentence_hashes`: cut at 。！？； and line ends, numbers masked, everything but Han
characters, letters and the mask left out, sentences of fewer than :data:`MIN_HAN` Han
characters skipped — headings and table rows), kept with the build's manifest as one short
record per report (:func:`text_record`). The build then makes the resource from the records
alone (:func:`repeat_rows`): sets of hashes compared, no text diffed, and an incremental build
remakes it without parsing the reports it keeps.

>>> a = sentence_hashes(["本机关2019年主动公开政府信息1200条，全部在门户网站发布。"])
>>> a == sentence_hashes(["本机关2020年主动公开政府信息 35 条,全部在门户网站发布."])
True
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Any

SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二三四五六七八九十百千万亿两]+")
KEEP = re.compile(r"[^\w#]|_", re.UNICODE)
HAN = re.compile(r"[\u3400-\u9fff]")
MIN_HAN = 10  # fewer Han characters: a heading, a table row or a fragment, not a sentence
HASH_BYTES = 6  # 48 bits: no two of a few million sentences collide in practice
SHARE_DIGITS = 4


def normalise(sentence: str) -> str:
    """A sentence as compared: its numbers masked (Arabic and Chinese: ``#``), then only its
    Han characters, letters, digits left and masks (no spaces, no punctuation)."""
    return KEEP.sub("", NUMBER.sub("#", sentence))


def sentences(texts: Iterable[str]) -> set[str]:
    """The distinct normalised sentences of ``texts`` that have at least :data:`MIN_HAN` Han
    characters."""
    out = set()
    for text in texts:
        for piece in SENTENCE_END.split(text):
            norm = normalise(piece)
            if len(HAN.findall(norm)) >= MIN_HAN:
                out.add(norm)
    return out


def sentence_hashes(texts: Iterable[str]) -> str:
    """The report's distinct normalised sentences as hashes, sorted, in one base64 string."""
    digests = sorted(
        hashlib.blake2b(s.encode("utf-8"), digest_size=HASH_BYTES).digest()
        for s in sentences(texts)
    )
    return base64.b64encode(b"".join(digests)).decode("ascii")


def _hashes(encoded: str) -> set[bytes]:
    raw = base64.b64decode(encoded)
    return {raw[i : i + HASH_BYTES] for i in range(0, len(raw), HASH_BYTES)}


def text_record(report: dict[str, Any], section_bodies: Iterable[str]) -> dict[str, Any]:
    """What :func:`repeat_rows` needs of one report: kept with the build's manifest."""
    return {
        "report_id": report["report_id"],
        "body": report.get("issuer_id") or report.get("issuer") or None,
        "year": report.get("year"),
        "hashes": sentence_hashes(section_bodies),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, SHARE_DIGITS) if whole else None


MANY = ""  # a sentence found in the reports of more than one body (no body is named "")


def repeat_rows(records: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The repeats resource, one row per report (in the order given): its sentences; the
    same body's latest earlier report and the share of the sentences repeated from it
    (empty without one); the other bodies' reports of the same year and the share of the
    sentences found in at least one of them (empty without any). A report whose body is not
    known is compared with nobody; a report without a sentence has no shares.

    Held while it runs: the records (their hashes as the strings they came in) and, for one
    year at a time, each sentence's body (or :data:`MANY`); a report's set of hashes is
    decoded when it is compared."""
    recs = [r for r in records if r is not None]
    by_body: dict[str, list[dict[str, Any]]] = {}
    by_year: dict[int, list[int]] = {}  # year → the positions of its reports with a body
    for n, r in enumerate(recs):
        if r["body"] is not None and r["year"] is not None:
            by_body.setdefault(r["body"], []).append(r)
            by_year.setdefault(r["year"], []).append(n)
    rows: list[dict[str, Any]] = [
        {
            "report_id": r["report_id"],
            "sentences": len(_hashes(r["hashes"])),
            "previous_report_id": None,
            "previous_year": None,
            "repeated_previous": None,
            "same_year_bodies": None,
            "repeated_same_year": None,
        }
        for r in recs
    ]
    for year in sorted(by_year):
        at = by_year[year]
        whose: dict[bytes, str] = {}  # sentence → the body whose reports have it, or MANY
        for n in at:
            body = recs[n]["body"]
            for h in _hashes(recs[n]["hashes"]):
                if whose.setdefault(h, body) != body:
                    whose[h] = MANY
        bodies = {recs[n]["body"] for n in at}
        for n in at:
            r, row = recs[n], rows[n]
            body, mine = r["body"], _hashes(r["hashes"])
            earlier = [p for p in by_body[body] if p["year"] < year]
            if earlier:
                prev = max(earlier, key=lambda p: (p["year"], p["report_id"]))
                row["previous_report_id"], row["previous_year"] = prev["report_id"], prev["year"]
                shared = len(mine & _hashes(prev["hashes"]))
                row["repeated_previous"] = _share(shared, len(mine))
            others = len(bodies) - 1
            if others:
                row["same_year_bodies"] = others
                shared = sum(1 for h in mine if whose[h] != body)
                row["repeated_same_year"] = _share(shared, len(mine))
        del whose
    return rows
