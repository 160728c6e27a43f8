"""A generated report before it is printed, and the text flattenings it is printed in.

A :class:`Doc` is headings, paragraphs and tables; :func:`render_text` prints it the ways
scraped reports come: one cell per line ending in `` |`` (``cell_lines``), markdown pipes,
cells separated by spaces or tabs, or no separator at all (the whole page on one line, the
digits of a row run together); and as a PDF→markdown converter renders it (``converted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT_FORMS = ("cell_lines", "markdown", "spaces", "tabs", "none")


@dataclass
class Head:
    """A header cell (HTML keeps its spans; text forms print its text once)."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Row:
    """A table row: its label, its unit (a unit column) and its printed values (None = a
    blank cell). A group row (三、本年度办理结果) has no values."""

    label: str
    values: list[str | None] = field(default_factory=list)
    unit: str | None = None


@dataclass
class Table:
    header: list[list[Head]]
    rows: list[Row]
    caption_rows: dict[int, list[list[Head]]] = field(
        default_factory=dict
    )  # row index → header rows before it


@dataclass
class Doc:
    title: str | None
    blocks: list[tuple[str, object]]  # ("h", text) | ("p", text) | ("table", Table)


def within(parts: list[int], cap: int) -> list[int]:
    """``parts`` scaled down (each rounded down) so that they add up to at most ``cap``: the
    generated reports stay plausible (formats/plausibility.yml) without drawing again.

    >>> within([300, 100], 40), within([3, 1], 40)
    ([30, 10], [3, 1])
    """
    total = sum(parts)
    if total <= cap:
        return parts
    return [p * max(cap, 0) // total for p in parts]


def _cells(row: Row) -> list[str | None]:
    label = [row.label] if row.label else []  # the value row of section 四 has no label
    return [*label, *([row.unit] if row.unit is not None else []), *row.values]


def _table_lines(table: Table, form: str) -> list[str]:
    """A table printed in a text form, one string per printed line."""
    out: list[str] = []

    def header(rows: list[list[Head]]) -> None:
        for hrow in rows:
            texts = [h.text for h in hrow]
            if form == "cell_lines":
                out.extend(f"{t} |" for t in texts)
            elif form == "markdown":
                out.append("| " + " | ".join(texts) + " |")
            elif form == "tabs":
                out.append("\t".join(texts))
            elif form == "none":
                out.append("".join(texts))
            else:
                out.append(" ".join(texts))

    header(table.header)
    if form == "markdown":
        width = max(len(_cells(r)) for r in table.rows)
        out.insert(1, "|" + "---|" * width)
    for i, row in enumerate(table.rows):
        if i in table.caption_rows:
            header(table.caption_rows[i])
        cells = _cells(row)
        if form == "cell_lines":
            out.extend(f"{c} |" if c else " |" for c in cells)
        elif form == "markdown":
            out.append("| " + " | ".join(c or "" for c in cells) + " |")
        elif form == "tabs":
            out.append("\t".join(c or "" for c in cells))
        elif form == "spaces":
            out.append(" ".join(c if c is not None else "—" for c in cells))
        else:
            out.append("".join(c or "" for c in cells))
    return out


def _converted_lines(table: Table) -> list[str]:
    """A table as a PDF→markdown converter renders it: a generic header row (项目 | 数据1 …)
    before the printed one, a rule line after each; a long label floating on a line of its
    own above a bare row of its values; a page footer (— 4 —) every eight rows."""
    width = max(len(r.values) for r in table.rows)
    out = [
        "| 项目 | " + " | ".join(f"数据{i + 1}" for i in range(width)) + " |",
        "|---" * (width + 1) + "|",
    ]
    for hrow in table.header:
        out.append("| " + " | ".join(h.text for h in hrow) + " |")
    for i, row in enumerate(table.rows):
        if i in table.caption_rows:
            for hrow in table.caption_rows[i]:
                out.append("| " + " | ".join(h.text for h in hrow) + " |")
        values = [*([row.unit] if row.unit is not None else []), *row.values]
        if len(row.label) > 12 and row.values:
            out.append(row.label)
            out.append("| " + " | ".join(c or "" for c in values) + " |")
            out.append("|---" * len(values) + "|")
        else:
            out.append("| " + " | ".join(c or "" for c in [row.label, *values]) + " |")
        if i % 8 == 7:
            out.append(f"— {i // 8 + 2} —")
    return out


def render_crawled(doc: Doc, title: str, issuer: str, published: str, url: str) -> str:
    """The document as a crawler saved its page: header lines (标题, 发布时间, 发布机构,
    原文链接), the separator, then the whole page on one line — the site's breadcrumb, date
    stamp and share buttons, the report flattened as in the ``none`` form, the source line
    and 附件下载.

    >>> page = render_crawled(Doc("T", [("p", "正文。")]), "T", "某区", "2020-01-02 10:00", "u")
    >>> page.splitlines()[-1]
    '当前位置： 首页政务公开政府信息公开年报 T 来源：某区 时间：2020-01-02 10:00 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： --> T正文。 来源：某区 附件下载'
    """
    header = [
        f"标题: {title}",
        f"发布时间: {published}",
        "文号: ",
        f"发布机构: {issuer}",
        "栏目: 政府信息公开年报",
        f"原文链接: {url}",
        "=" * 20 + " 正文 " + "=" * 20,
    ]
    body = render_text(doc, "none").rstrip("\n")
    page = (
        f"当前位置： 首页政务公开政府信息公开年报 {title} 来源：{issuer} 时间：{published} "
        f"微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： --> {body} 来源：{issuer} 附件下载"
    )
    return "\n".join([*header, page]) + "\n"


def render_text(doc: Doc, form: str, chrome: bool = True) -> str:
    """The document as a scraped page in one of :data:`TEXT_FORMS`."""
    lines: list[str] = []
    if doc.title:
        lines.append(doc.title)
    for kind, payload in doc.blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            lines.extend(
                _converted_lines(payload) if form == "converted" else _table_lines(payload, form)
            )
        else:
            lines.append(str(payload))
    if form == "none":
        return "".join(lines) + "\n"
    if chrome:
        lines.append("扫一扫在手机上查看当前页面")
    return "\n".join(lines) + "\n"
