"""PDF -> Document, reading words and their positions with pdfium (pypdfium2, Apache/BSD).

Rows and columns are rebuilt from positions, not from the PDF's internal text order: words are
characters joined until a space or a horizontal gap, lines are words sharing a baseline band.
"""

from __future__ import annotations

import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import UnreadableDocument
from ..layout.rows import group_rows
from .model import Document, Page, Word

#: pdfium is not thread-safe and the function serves several requests per process (gunicorn
#: threads), so every use of it, here or elsewhere, holds this lock.
PDFIUM_LOCK = threading.RLock()

# A gap wider than this fraction of the character height starts a new word (table cells are
# separated by far more; letters within a word by far less).
_WORD_GAP_RATIO = 0.3
# Characters whose vertical centres are closer than this fraction of their height share a line.
_LINE_BAND_RATIO = 0.5


def _page_chars(textpage: pdfium.PdfTextPage, height: float) -> list[tuple[str, float, float, float, float]]:
    raw = textpage.raw
    box = pdfium_c.FS_RECTF()
    chars = []
    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        if code in (0, 0xFFFE, 0xFFFF) or pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            chars.append((" ", 0.0, 0.0, 0.0, 0.0))
            continue
        # The loose box spans the font's ascent to descent and the advance width, so letters of
        # one word touch and a comma sits on the same band as the digits around it.
        pdfium_c.FPDFText_GetLooseCharBox(raw, index, box)
        chars.append((chr(code), box.left, height - box.top, box.right, height - box.bottom))
    return chars


def _words(chars: list[tuple[str, float, float, float, float]]) -> list[Word]:
    words: list[Word] = []
    current: list[tuple[str, float, float, float, float]] = []

    def flush() -> None:
        if current:
            words.append(
                Word(
                    "".join(c[0] for c in current),
                    min(c[1] for c in current),
                    min(c[2] for c in current),
                    max(c[3] for c in current),
                    max(c[4] for c in current),
                )
            )
            current.clear()

    for char in chars:
        if char[0].isspace():
            flush()
            continue
        if current:
            previous = current[-1]
            char_height = max(previous[4] - previous[2], char[4] - char[2], 1.0)
            same_band = (
                abs((char[2] + char[4]) - (previous[2] + previous[4])) / 2 < char_height * _LINE_BAND_RATIO
            )
            if (
                not same_band
                or char[1] - previous[3] > char_height * _WORD_GAP_RATIO
                or char[1] < previous[1]
            ):
                flush()
        current.append(char)
    flush()
    return words


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF or raise UnreadableDocument saying why. Call with PDFIUM_LOCK held."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = "it is encrypted" if "password" in str(exc).lower() else "it is damaged or not really a PDF"
        raise UnreadableDocument(f"cannot open the PDF: {reason}") from None


def _read_pages(pdf: pdfium.PdfDocument) -> list[Page]:
    pages = []
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        words = _words(_page_chars(textpage, height))
        lines = [" ".join(w.text for w in row) for row in group_rows(words)]
        pages.append(Page(index + 1, lines, words, width, height))
        textpage.close()
        page.close()
    return pages


def parse_pdf(data: bytes) -> Document:
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
        try:
            if len(pdf) == 0:
                raise UnreadableDocument("the PDF has no pages")
            pages = _read_pages(pdf)
        finally:
            pdf.close()
    if not any(page.words for page in pages):
        raise UnreadableDocument("the PDF has no text layer (a scanned image?); send it through Document AI")
    text = "\n".join("\n".join(page.lines) for page in pages)
    return Document(text=text, pages=pages, origin="pdf")
