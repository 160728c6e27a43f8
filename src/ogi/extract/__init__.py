"""Extract: source bytes → decoded text, ready for parsing.

Text (scraped web pages saved as text, in any Chinese encoding), web pages (html.py), PDFs
with a text layer (pdf*.py) and scans — PDF pages without text and PNG, JPEG or TIFF files —
read by OCR (ocr.py, scan_tables.py, image.py).
"""

from .text import Document, extract

__all__ = ["Document", "extract"]
