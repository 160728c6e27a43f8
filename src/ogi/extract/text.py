"""Bytes → text: decode (UTF-8, GBK/GB18030 and others), reject what is not a text report,
and separate a crawler's header lines (标题:, 发布时间:, 原文链接: …) from the report.

>>> doc = extract(Source("a.txt", "a.txt", "一、概述\\n政府信息公开 主动公开".encode("gbk"), "0" * 64))
>>> doc.encoding, doc.text[:4]
('gb18030', '一、概述')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from .. import formats
from ..acquire import Source
from ..errors import InputError

# Encodings charset-normalizer may name for Chinese text: all are subsets of GB18030, which
# is used to decode so that no character of the superset is lost.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936", "euc_cn"}
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Document:
    """A decoded report: its text, how it was decoded, and what the crawler header said."""

    source: Source
    text: str
    encoding: str
    form: str = "text"
    header: dict[str, str] = field(default_factory=dict)
    body_start: int = 0


def decode(source: Source) -> tuple[str, str]:
    """Decode a source's bytes; return (text, encoding name).

    UTF-8 (with or without BOM) first; otherwise charset-normalizer's best guess, with the
    GB family decoded as GB18030. Raises InputError for empty, binary or undecodable input.
    """
    data = source.data
    if not data.strip():
        raise InputError(source.path, "is empty", "give a report file with text in it")
    head = data[:8192]
    if head.startswith(b"%PDF"):
        raise InputError(source.path, "is a PDF, which this version cannot read",
                         "save the report as text (UTF-8 or GBK) and build again")
    if b"\x00" in head:
        raise InputError(source.path, "is a binary file, not a text report",
                         "give the report as text (UTF-8 or GBK)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(source.path, "is not text in any encoding recognised",
                         "convert it to UTF-8 text")
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in _GB_FAMILY or _looks_gb(data):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    return str(best), encoding


def _looks_gb(data: bytes) -> bool:
    """True when the bytes decode cleanly as GB18030 into mostly Han text."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = len(_HAN.findall(text))
    return han > 0 and han >= 0.2 * len(text.strip())


_HTML = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<\?xml[^>]*>\s*<html)", re.IGNORECASE)


def extract(source: Source) -> Document:
    """Decode a source, check it is an OGI report, and read its crawler header."""
    text, encoding = decode(source)
    if _HTML.match(source.data[:1024]):
        raise InputError(source.path, "is an HTML page, which this version cannot read",
                         "save the page as text and build again")
    if sum(1 for ch in text[:4096] if ch < " " and ch not in "\t\n\r\f") > 8:
        raise InputError(source.path, "is a binary file, not a text report",
                         "give the report as text (UTF-8 or GBK)")
    cues = formats.layout()["report_cues"]
    folded = formats.fold(text)
    hits = sum(1 for cue in cues["cues"] if cue in folded)
    if hits < cues["min_hits"]:
        raise InputError(source.path, "is not an OGI annual report (no 政府信息公开 report wording found)",
                         "remove it from the inputs")
    header, body_start = read_header(text)
    return Document(source, text, encoding, "text", header, body_start)


def read_header(text: str) -> tuple[dict[str, str], int]:
    """Crawler header lines (``key: value``) at the top, up to a ``=== 正文 ===`` line.

    Returns the recognised keys (title, published, url, issuer, doc_number) and the offset
    where the report text starts (0 when there is no header).
    """
    spec = formats.layout()
    keys = {alias: key for key, aliases in spec["header_keys"].items() for alias in aliases}
    end_re = re.compile(spec["header_end"])
    header: dict[str, str] = {}
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = formats.fold(line).strip()
        offset += len(line)
        if end_re.match(stripped) and "=" in stripped:
            return header, offset
        name, sep, value = stripped.partition(":")
        if not sep or len(name) > 12:
            break
        if name.strip() in keys and value.strip():
            header[keys[name.strip()]] = value.strip()
    if header:  # header lines without an end marker: the report starts after them
        offset = 0
        for line in text.splitlines(keepends=True):
            name, sep, _ = formats.fold(line).strip().partition(":")
            if not sep or len(name) > 12:
                break
            offset += len(line)
        return header, offset
    return {}, 0
