"""Extract: source bytes → decoded text, ready for parsing.

Only text inputs (scraped web pages saved as text) are read in this version; HTML and PDF
are recognised and rejected with a clear message.
"""

from .text import Document, extract

__all__ = ["Document", "extract"]
