"""The world's converters, run on generated office documents: LibreOffice headless (``.docx``
→ PDF, ``.docx`` → HTML), poppler's ``pdftotext`` (plain and ``-layout``), ``markitdown``
(on the PDF and on the HTML), and the page a crawler saves (the HTML's text on one line under
a metadata header and the site's chrome).

LibreOffice starts in seconds, so it converts many files per call, with a private profile
(``-env:UserInstallation``) that never touches the user's.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOFFICE = "soffice"
BATCH = 200  # files per LibreOffice call


def require(tool: str, package: str) -> str:
    """The tool's path, or a clear error naming the Debian package that provides it."""
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} is missing: install Debian's {package} (make zoo-deps)")
    return path


def soffice(files: list[Path], fmt: str, outdir: Path, profile: Path) -> None:
    """Convert ``files`` to ``fmt`` (``pdf`` or ``html``) into ``outdir``, in batches."""
    exe = require(SOFFICE, "libreoffice-writer-nogui")
    outdir.mkdir(parents=True, exist_ok=True)
    target = {"pdf": "pdf:writer_pdf_Export", "html": "html:HTML (StarWriter)"}[fmt]
    for start in range(0, len(files), BATCH):
        batch = files[start : start + BATCH]
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={profile.resolve().as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, batch),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60 + 10 * len(batch),
        )
        missing = [f for f in batch if not (outdir / f"{f.stem}.{fmt}").exists()]
        if missing:
            raise RuntimeError(f"LibreOffice did not convert {len(missing)} files ({missing[0]})")


def pdftotext(pdf: Path, layout: bool) -> bytes:
    """poppler's text of a PDF (UTF-8), plain or ``-layout``."""
    exe = require("pdftotext", "poppler-utils")
    args = [exe, "-enc", "UTF-8", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, timeout=120).stdout


def markitdown(path: Path) -> bytes:
    """markitdown's markdown of a PDF or an HTML page (UTF-8)."""
    from markitdown import MarkItDown

    return MarkItDown(enable_plugins=False).convert(str(path)).text_content.encode("utf-8")


def page_text(html: bytes) -> str:
    """The text of a page's body as a crawler keeps it: every text node stripped and joined
    without separators (table cells run together), line breaks dropped."""
    from lxml import html as lhtml

    root = lhtml.fromstring(html)
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    return "".join(" ".join(t.split()) for t in root.itertext())


def crawler_page(html: bytes, meta: dict[str, str]) -> bytes:
    """The page a crawler saves: a metadata header, the end-of-header line, the site's chrome
    and the report's text, the body on one line."""
    header = [
        f"标题: {meta['title']}",
        f"发布时间: {meta['published']}",
        "文号: ",
        f"发布机构: {meta['issuer']}",
        "栏目: 政府信息公开年报",
        f"原文链接: {meta['url']}",
        "页面链接与图片详见 links.tsv(同目录)",
        "==================== 正文 ====================",
    ]
    chrome = (
        "当前位置： 首页政务公开政府信息公开政府信息公开年报 "
        f"{meta['title']} 来源：{meta['issuer']} 时间：{meta['published']} "
        "微信 微博 QQ空间 文字版 文件下载 "
    )
    body = chrome + page_text(html) + " 附件下载"
    return ("\n".join(header) + "\n" + body + "\n").encode("utf-8")
