"""Documents for the generic path's tests and bench: small ones by hand, and a megabyte of rows."""

from invoice_processing.document import Document, Entity, Page

ROWS_PER_PAGE = 50


def text_doc(*pages: list[str], entities: list[Entity] | None = None) -> Document:
    page_objs = [Page(n, list(lines)) for n, lines in enumerate(pages, 1)]
    text = "\n".join("\n".join(lines) for lines in pages)
    return Document(text=text, pages=page_objs, origin="docai", entities=entities or [])


def line_item(text: str, **props: str) -> Entity:
    return Entity("line_item", text, properties=[Entity(f"line_item/{k}", v) for k, v in props.items()])


def megabyte_document(rows: int = 18_500) -> Document:
    """`rows` product rows (about 55 characters each; 18,500 make just over 1 MB), and the one
    `line_item` entity Document AI made of all of them (the merged-rows case at its worst)."""
    lines = [
        f"C{n:06d}X Item number {n} of a long order {n % 9 + 1} 2.00 {2 * (n % 9 + 1)}.00"
        for n in range(rows)
    ]
    pages = [lines[i : i + ROWS_PER_PAGE] for i in range(0, rows, ROWS_PER_PAGE)]
    merged = line_item(" ".join(lines))
    return text_doc(*pages, entities=[merged, Entity("supplier_name", "Megastore Inc")])
