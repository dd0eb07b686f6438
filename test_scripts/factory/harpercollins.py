"""HarperCollins purchase orders distributed by Anne McGilvray & Company.

Source data: the order number, date, a header discount (`Discount: 50.00% OFF`), and books (ISBN-13,
title, quantity, list price, optionally their own discount printed under the row). Wholesale =
list x (1 - discount) rounded half-up to cents; extended = qty x wholesale (the PO prints none).
Rendered as a PDF (fixed columns, long titles wrapped, header repeated on every page) and as
Document AI JSON (one row per line, or one cell per line).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .generic import (
    BOLD,
    FONT,
    PAGE_HEIGHT,
    DocAIText,
    fmt_money,
    money,
    new_canvas,
    paginate,
    with_check_digit,
    wrap,
    write_golden,
)

VENDOR = "HarperCollins"
TITLE_WIDTH, TITLE_SIZE = 250.0, 8.0
ROWS_PER_PAGE = 34

#: Column layouts seen on these POs: the numeric columns' order differs.
LAYOUTS = {
    "qty-list": ("ISBN", "Title", "Qty", "List Price"),
    "list-qty": ("ISBN", "Title", "List Price", "Qty"),
}


@dataclass(frozen=True)
class Book:
    isbn: str
    title: str
    qty: int
    list_price: Decimal
    #: A discount printed under this row, overriding the header's.
    discount: Decimal | None = None


@dataclass
class PurchaseOrder:
    number: str
    date: dt.date
    discount: Decimal
    books: list[Book]
    layout: str = "qty-list"
    #: False: the discount is printed only under each row, not in the header.
    header_discount: bool = True

    def discount_of(self, book: Book) -> Decimal:
        return book.discount if book.discount is not None else self.discount

    def wholesale(self, book: Book) -> Decimal:
        return money(book.list_price * (1 - self.discount_of(book)))


# Real-world style titles: commas, articles moved to the end, digits, colons, apostrophes.
REFERENCE_BOOKS = [
    ("978000183923", "Summer Story", 3, "9.99"),
    ("978000854711", "Brambly Hedge Pop-Up Book, The", 3, "29.99"),
    ("978006264542", "Pleasant Fieldmouse", 3, "24.99"),
    ("978006288312", "Frog and Toad Storybook Favorites", 3, "16.99"),
    ("978006291657", "Wild and Free Nature", 3, "22.99"),
    ("978006309000", "Plant the Tiny Seed Board Book", 3, "9.99"),
    ("978006342450", "Kiss for Little Bear, A", 3, "17.99"),
    ("978006443526", "Little Prairie House, A", 3, "9.99"),
    ("978054406665", "Jack and the Beanstalk", 2, "12.99"),
    ("978054488037", "Rain! Board Book", 3, "7.99"),
    ("978054737018", "Little Red Hen, The", 2, "12.99"),
    ("978054737019", "Three Bears, The", 2, "12.99"),
    ("978054737020", "Three Little Pigs, The", 2, "12.99"),
    ("978054744927", "Tons of Trucks", 3, "13.99"),
    ("978054766855", "Little Red Riding Hood", 2, "12.99"),
    ("978069400361", "Goodnight Moon Board Book", 3, "10.99"),
    ("978069400638", "My Book of Little House Paper Dolls: The Big Woods Collection", 3, "14.99"),
    ("978069400651", "Jamberry Board Book", 3, "9.99"),
    ("978069401320", "Grouchy Ladybug Board Book, The", 3, "9.99"),
    ("978180507418", "Drawing, Doodling and Coloring Activity Book Usborne", 3, "6.99"),
    ("978180507891", "Little Sticker Dolly Dressing Puppies Usborne", 3, "8.99"),
    ("978183605027", "Little Sticker Dolly Dressing Fairy Usborne", 3, "8.99"),
    ("978191164110", "Place Called Home, A", 2, "45.00"),
]


def reference_po() -> PurchaseOrder:
    """Order NS4435067 of 04/29/2025: 23 books at 50% off."""
    books = [Book(with_check_digit(p), t, q, Decimal(price)) for p, t, q, price in REFERENCE_BOOKS]
    return PurchaseOrder("NS4435067", dt.date(2025, 4, 29), Decimal("0.50"), books)


WORDS = (
    "Little",
    "Bear",
    "Moon",
    "Garden",
    "Secret",
    "Night",
    "Winter",
    "Fox",
    "House",
    "River",
    "Star",
    "Storm",
    "Paper",
    "Dolls",
    "Tiny",
    "Giant",
    "Wild",
    "Tea",
    "Party",
    "Journey",
    "Lighthouse",
    "Owl",
)
FORMS = ("Board Book", "Pop-Up Book", "Sticker Book", "Picture Book", "Activity Book", "Paperback", "")
NUMBERED = (
    "1984",
    "101 Dalmatians",
    "Catch-22",
    "Fahrenheit 451",
    "Ten Little Fingers",
    "2001: A Space Odyssey",
)


def random_title(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(NUMBERED)
    words = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
    title = f"{words} {rng.choice(FORMS)}".strip()
    if rng.random() < 0.2:
        title = f"{title}, {rng.choice(('The', 'A'))}"
    if rng.random() < 0.15:
        title = f"{title}: {rng.choice(('A Story of Seasons and Friendship Told in Verse', 'Collected Stories', 'Deluxe Gift Edition with Ribbon Bookmark'))}"
    return title


def random_po(rng: random.Random, items: int | None = None) -> PurchaseOrder:
    count = items if items is not None else rng.randint(1, 60)
    header_discount = rng.random() < 0.7
    discount = Decimal(rng.choice(("40.00", "42.00", "46.00", "50.00", "55.00"))) / 100
    isbns: set[str] = set()
    books = []
    while len(books) < count:
        isbn = with_check_digit(rng.choice(("978", "979")) + f"{rng.randint(0, 10**9 - 1):09d}")
        if isbn in isbns:
            continue
        isbns.add(isbn)
        own = None
        if not header_discount or rng.random() < 0.1:
            own = Decimal(rng.choice(("40.00", "46.00", "48.00", "50.00"))) / 100
        price = Decimal(rng.randint(4, 60)) + Decimal(rng.choice(("0.99", "0.95", "0.00", "0.50")))
        books.append(Book(isbn, random_title(rng), rng.randint(1, 24), price, own))
    return PurchaseOrder(
        number=f"NS{rng.randint(10**6, 10**7 - 1)}",
        date=dt.date(rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28)),
        discount=discount,
        books=books,
        layout=rng.choice(tuple(LAYOUTS)),
        header_discount=header_discount,
    )


# --- rendering ----------------------------------------------------------------------------------


def _header_lines(po: PurchaseOrder) -> list[tuple[str, str]]:
    """(label, value) pairs of the header block, in print order."""
    pairs = [("PO #:", po.number), ("Order Date:", po.date.strftime("%m/%d/%Y")), ("MFR:", VENDOR)]
    if po.header_discount:
        pairs.append(("Discount:", f"{po.discount * 100:.2f}% OFF"))
    return pairs


def _numbers(po: PurchaseOrder, book: Book) -> list[str]:
    values = {"Qty": str(book.qty), "List Price": fmt_money(book.list_price)}
    return [values[c] for c in LAYOUTS[po.layout][2:]]


def _discount_line(book: Book) -> str | None:
    return f"Discount: {book.discount * 100:.2f}% OFF" if book.discount is not None else None


def _book_rows(book: Book) -> int:
    return len(wrap(book.title, TITLE_WIDTH, TITLE_SIZE)) + (1 if book.discount is not None else 0)


def _pages(po: PurchaseOrder) -> list[list[Book]]:
    return paginate(po.books, _book_rows, ROWS_PER_PAGE)


def render_pdf(po: PurchaseOrder) -> bytes:
    buffer, pdf = new_canvas()
    pages = _pages(po)
    columns = LAYOUTS[po.layout]
    for number, books in enumerate(pages, 1):
        top = PAGE_HEIGHT - 50
        pdf.setFont(BOLD, 13)
        pdf.drawString(40, top, "Anne McGilvray & Company")
        pdf.setFont(FONT, 8)
        pdf.drawString(40, top - 12, "Publishers' Representatives - Dallas Market Center")
        pdf.setFont(BOLD, 14)
        pdf.drawRightString(572, top, "PURCHASE ORDER")
        pdf.setFont(FONT, 9)
        for n, (label, value) in enumerate(_header_lines(po)):
            pdf.drawString(380, top - 20 - 12 * n, label)
            pdf.drawString(450, top - 20 - 12 * n, value)
        pdf.drawString(40, top - 44, "Ship To: The Freckled Hen")
        pdf.drawString(40, top - 56, "Buyer: Store Owner")
        y = top - 92
        pdf.setFont(BOLD, 8)
        pdf.drawString(40, y, columns[0])
        pdf.drawString(120, y, columns[1])
        pdf.drawRightString(450, y, columns[2])
        pdf.drawRightString(530, y, columns[3])
        pdf.setFont(FONT, TITLE_SIZE)
        for book in books:
            y -= 13
            title_lines = wrap(book.title, TITLE_WIDTH, TITLE_SIZE)
            first, second = _numbers(po, book)
            pdf.drawString(40, y, book.isbn)
            pdf.drawString(120, y, title_lines[0])
            pdf.drawRightString(450, y, first)
            pdf.drawRightString(530, y, second)
            for more in title_lines[1:]:
                y -= 11
                pdf.drawString(120, y, more)
            if (discount := _discount_line(book)) is not None:
                y -= 11
                pdf.drawString(120, y, discount)
        if number == len(pages):
            y -= 26
            pdf.drawString(380, y, f"Total Units: {sum(b.qty for b in po.books)}")
            pdf.drawString(380, y - 12, f"Total Titles: {len(po.books)}")
        pdf.drawString(40, 40, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_docai(po: PurchaseOrder, order: str = "rows") -> dict[str, Any]:
    """Document AI text: `rows` (one row per line, title continuations below) or `cells` (one
    cell per line). Header labels come before their values, as Document AI reads the block."""
    doc = DocAIText()
    pages = _pages(po)
    for number, books in enumerate(pages, 1):
        pairs = _header_lines(po)
        lines = [
            "Anne McGilvray & Company",
            "Publishers' Representatives - Dallas Market Center",
            "PURCHASE ORDER",
        ]
        lines += [label for label, _ in pairs] + [value for _, value in pairs]
        lines += ["Ship To: The Freckled Hen", "Buyer: Store Owner", " ".join(LAYOUTS[po.layout])]
        for book in books:
            title_lines = wrap(book.title, TITLE_WIDTH, TITLE_SIZE)
            numbers = _numbers(po, book)
            if order == "rows":
                lines.append(" ".join([book.isbn, title_lines[0], *numbers]))
                lines += title_lines[1:]
            else:
                lines += [book.isbn, *title_lines, *numbers]
            if (discount := _discount_line(book)) is not None:
                lines.append(discount)
        if number == len(pages):
            lines += [f"Total Units: {sum(b.qty for b in po.books)}", f"Total Titles: {len(po.books)}"]
        lines.append(f"Page {number} of {len(pages)}")
        doc.add_page(lines)
    doc.add_entity("purchase_order", po.number)
    return doc.to_json()


def expected_json(po: PurchaseOrder) -> dict[str, Any]:
    page_of = {book.isbn: n for n, books in enumerate(_pages(po), 1) for book in books}
    items = []
    for book in po.books:
        wholesale = po.wholesale(book)
        items.append(
            {
                "product_code": book.isbn,
                "upc": book.isbn,
                "description": book.title,
                "qty_ordered": book.qty,
                "list_price": str(book.list_price),
                "unit_price": str(wholesale),
                "extended_price": str(money(book.qty * wholesale)),
                "page": page_of[book.isbn],
            }
        )
    return {
        "vendor": VENDOR,
        "invoice_number": po.number,
        "order_date": po.date.isoformat(),
        "line_items": items,
    }


def build_goldens(out: Path) -> list[Path]:
    po = reference_po()
    return write_golden(
        out, f"harpercollins-{po.number.lower()}", render_pdf(po), render_docai(po, "rows"), expected_json(po)
    )
