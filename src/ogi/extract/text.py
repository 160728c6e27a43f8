"""Bytes → text: decode (UTF-8, GBK/GB18030 and others), hand web pages and PDFs to their
readers, reject what is not a report, and separate a crawler's header lines (标题:,
发布时间:, 原文链接: …) from the report.

>>> doc = extract(Source("a.txt", "a.txt", "一、概述\\n政府信息公开 主动公开 依申请公开".encode("gbk"), "0" * 64))
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
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8
# the magic bytes of image files OCR does not read: GIF, BMP, WebP (PNG, JPEG and TIFF are read)
_IMAGES = (b"GIF8", b"BM", b"RIFF")
READ = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # as image.READ
_CONTROL = re.compile("[\x01-\x08\x0b\x0e-\x1f]")  # control characters no text report holds


@dataclass(frozen=True)
class Document:
    """A decoded report: its text, how it was decoded, and what the crawler header said."""

    source: Source
    text: str
    encoding: str
    form: str = "text"
    header: dict[str, str] = field(default_factory=dict)
    body_start: int = 0
    notes: list[dict[str, object]] = field(default_factory=list)  # check rows of the reading
    ocr_engine: str | None = None  # the OCR engine, its version and models, when any page was OCR'd
    ocr_pages: int | None = None  # how many pages were read by OCR
    # the table cells read by OCR: (start, end) in ``text`` and the engine's confidence
    ocr_cells: tuple[tuple[int, int, float], ...] = ()


def decode(source: Source) -> tuple[str, str]:
    """Decode a source's bytes; return (text, encoding name).

    UTF-8 (with or without BOM) first, then UTF-16 with a BOM; otherwise charset-normalizer's
    best guess, with the GB family decoded as GB18030. Raises InputError for empty, binary,
    truncated or damaged UTF-8, or undecodable input.
    """
    data = source.data
    if not data.strip():
        raise InputError(source.path, "is empty", "give a report file with text in it")
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM (Windows "Unicode")
        try:
            return _not_empty(source, data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            pass
    if head.startswith(_IMAGES):
        raise InputError(
            source.path,
            "is an image (GIF, BMP or WebP) that ogi does not read",
            "convert it to PNG, JPEG or TIFF (OCR reads those) or give the report as text",
        )
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return _not_empty(source, utf16[0]), utf16[1]
        text = _text_with_nuls(data)
        if text is None:
            raise InputError(
                source.path,
                "is a binary file, not a text report",
                "give the report as text (UTF-8 or GBK)",
            )
        return _not_empty(source, text[0]), text[1]
    try:
        return _not_empty(source, data.decode("utf-8-sig")), "utf-8"
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data":  # valid UTF-8 up to a character cut short
            raise InputError(
                source.path,
                "is UTF-8 text that ends in the middle of a character, so the file looks cut off",
                "get the complete file and build again",
            ) from None
    damage = _utf8_damage(data)
    if damage:
        raise InputError(
            source.path,
            f"is UTF-8 text with {damage[0]} invalid byte(s), the first at offset "
            f"{damage[1]}, so the file is damaged",
            "get an intact copy of the file and build again",
        )
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        if _gb_cut_off(data):
            raise InputError(
                source.path,
                "is GBK/GB18030 text that ends in the middle of a character, "
                "so the file looks cut off",
                "get the complete file and build again",
            )
        raise InputError(
            source.path, "is not text in any encoding recognised", "convert it to UTF-8 text"
        )
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in _GB_FAMILY or _looks_gb(data):
        try:
            return _not_empty(source, data.decode("gb18030")), "gb18030"
        except UnicodeDecodeError:
            pass
    return _not_empty(source, str(best)), encoding


# What a text report is made of: printable ASCII and white space, Han characters, CJK and
# general punctuation, full-width forms. Bytes that are not UTF-16 text decode, as UTF-16,
# into characters of every block, a third of them in these.
_TEXT_CHARS = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when ``data`` is UTF-16 text without a byte-order mark (little- or
    big-endian): it decodes cleanly, and nearly every character is one a text report holds."""
    if len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:20000]
        if sample and len(_TEXT_CHARS.findall(sample)) >= 0.99 * len(sample):
            return text, encoding.replace("-", "_")
    return None


# NUL bytes a text may hold (a stray byte, a padded end) and still be read as text
_MAX_NULS = 16


def _text_with_nuls(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of UTF-8 or GB18030 text holding a few NUL bytes, the NULs left out
    (:func:`extract` notes them); None when the bytes are not such a text."""
    rest = data.replace(b"\x00", b"")
    if len(data) - len(rest) > max(_MAX_NULS, len(data) // 1000):
        return None
    try:
        return rest.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_gb(rest):
        return rest.decode("gb18030"), "gb18030"
    return None


def nul_note(data: bytes) -> dict[str, object]:
    """The check row saying that NUL bytes were left out of a text."""
    n, first = data.count(b"\x00"), data.find(b"\x00")
    return {
        "check": "nul_bytes",
        "subject": "text",
        "status": "fail",
        "severity": "warning",
        "expected": 0,
        "observed": n,
        "message": (
            f"The file holds {n} NUL byte(s), which no text holds (the first at byte offset "
            f"{first}); they were left out and the rest read as text."
        ),
        "start": None,
    }


def _not_empty(source: Source, text: str) -> str:
    """The text, unless it is nothing but a byte-order mark and white space."""
    if not text.lstrip("\ufeff").strip():
        raise InputError(source.path, "is empty", "give a report file with text in it")
    return text


def _utf8_damage(data: bytes) -> tuple[int, int] | None:
    """(invalid bytes, offset of the first) when ``data`` is UTF-8 with a few bad bytes in it.

    Text in another encoding (GBK, say) has most of its non-ASCII bytes invalid as UTF-8; a
    UTF-8 file damaged in transfer has a handful.
    """
    non_ascii = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    text = data.decode("utf-8", errors="surrogateescape")
    bad = _ESCAPED.findall(text)
    if not bad or non_ascii < 64 or len(bad) > max(2, non_ascii // 100):
        return None
    first = _ESCAPED.search(text)
    assert first is not None
    return len(bad), len(text[: first.start()].encode("utf-8", errors="surrogateescape"))


def _gb_cut_off(data: bytes) -> bool:
    """True when the bytes are GB18030 Han text but for a character cut short at the end."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as e:
        return e.reason == "incomplete multibyte sequence" and _looks_gb(data[: e.start])
    return False


def _looks_gb(data: bytes) -> bool:
    """True when the bytes decode cleanly as GB18030 into mostly Han text."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = len(_HAN.findall(text))
    return han > 0 and han >= 0.2 * len(text.strip())


# A web page: after white space, a byte-order mark, an XML declaration or comments (a browser's
# "saved from url" mark), the document opens with a doctype or one of the page-level tags.
_HTML = re.compile(
    r"\A(?:\s|\ufeff|<\?xml[^>]*>|<!--.*?-->)*"
    r"(?:<!doctype\s+html|<(?:html|head|body|meta|title)[\s>/])",
    re.IGNORECASE | re.DOTALL,
)


def extract(source: Source) -> Document:
    """Read a source as text (a PDF's text layer or its pages read by OCR, an image read by
    OCR, a web page's text, or the text itself), check it is an OGI report, and read its
    crawler header."""
    ocr_engine, ocr_pages = None, None
    ocr_cells: tuple[tuple[int, int, float], ...] = ()
    if source.data[:1024].lstrip().startswith(b"%PDF") or source.data.startswith(READ):
        from .image import read_image
        from .ocr import engine_id
        from .pdf import read_pdf

        if source.data.startswith(READ):
            read, encoding, form = read_image(source.data, source.path), "image", "image"
        else:
            read, encoding, form = read_pdf(source.data, source.path), "pdf", "pdf"
            form = "pdf-ocr" if read.ocr_pages else "pdf"
        text = read.text
        if read.ocr_pages:
            ocr_engine, ocr_pages, ocr_cells = engine_id(), read.ocr_pages, read.cells
    else:
        text, encoding = decode(source)
        form = "text"
        if _HTML.match(text[:4096]):
            from .html import TooDeep, html_to_text

            try:
                text, form = html_to_text(text), "html"
            except TooDeep as e:
                raise InputError(
                    source.path,
                    f"is a web page that {e}, more than can be read whole",
                    "save the report's page again, or give it as text",
                ) from None
    if len(_CONTROL.findall(text)) > 8:
        raise InputError(
            source.path,
            "is a binary file, not a text report",
            "give the report as text, HTML or PDF",
        )
    cues = formats.layout()["report_cues"]
    folded = formats.fold(text)
    hits = sum(1 for cue in cues["cues"] if cue in folded)
    if hits < cues["min_hits"]:
        raise InputError(
            source.path,
            "is not an OGI annual report (no 政府信息公开 report wording found)",
            "remove it from the inputs",
        )
    header, body_start = read_header(text)
    binary = form in ("pdf", "pdf-ocr", "image")  # NUL bytes belong to such files
    notes = [nul_note(source.data)] if not binary and _nuls_left_out(source, encoding) else []
    return Document(
        source, text, encoding, form, header, body_start, notes, ocr_engine, ocr_pages, ocr_cells
    )


def _nuls_left_out(source: Source, encoding: str) -> bool:
    return not encoding.startswith("utf_16") and encoding != "utf-16" and b"\x00" in source.data


def read_header(text: str) -> tuple[dict[str, str], int]:
    """Crawler header lines (``key: value``) at the top, up to a ``=== 正文 ===`` line.

    Returns the recognised keys (title, published, url, issuer, doc_number) and the offset
    where the report text starts (0 when there is no header). Lines of the header that are
    not ``key: value`` (页面链接与图片详见 …) are skipped when an end line follows them.
    """
    spec = formats.layout()
    keys = {alias: key for key, aliases in spec["header_keys"].items() for alias in aliases}
    end_re = re.compile(spec["header_end"])
    lines = text.splitlines(keepends=True)[:20]
    ends = [
        i
        for i, line in enumerate(lines)
        if "=" in line and end_re.match(formats.fold(line).strip())
    ]
    header: dict[str, str] = {}
    offset = 0
    for i, line in enumerate(lines):
        stripped = formats.fold(line).strip()
        name, sep, value = stripped.partition(":")
        is_pair = bool(sep) and 0 < len(name.strip()) <= 12
        if ends and i == ends[0]:
            return header, offset + len(line)
        if not is_pair and not ends:
            break
        if is_pair and name.strip() in keys and value.strip():
            header[keys[name.strip()]] = value.strip()
        offset += len(line)
    if not header:
        return {}, 0
    return header, offset
