"""`extract PATH`: run the extractor on one document and print the invoice."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .errors import InvoiceError
from .extract import extract_invoice
from .models import Invoice
from .sheet_rows import SHEET_COLUMNS, sheet_rows


def _items_table(invoice: Invoice) -> Table:
    title = f"{invoice.vendor} {invoice.invoice_number or '(no invoice number)'} {invoice.order_date or ''}"
    table = Table(title=title.strip())
    columns = (
        "code",
        "UPC",
        "description",
        "ord",
        "alloc",
        "ship",
        "bkord",
        "U/M",
        "list",
        "price",
        "extended",
    )
    for column in columns:
        table.add_column(
            column, justify="left" if column in ("code", "UPC", "description", "U/M") else "right"
        )
    for i in invoice.line_items:
        values = (
            i.product_code,
            i.upc,
            i.description,
            i.qty_ordered,
            i.qty_allocated,
            i.qty_shipped,
            i.qty_backordered,
            i.unit,
            i.list_price,
            i.unit_price,
            i.extended_price,
        )
        table.add_row(*("" if v is None else str(v) for v in values))
    return table


def _quality_table(invoice: Invoice) -> Table:
    table = Table(title=f"Quality checks ({len(invoice.line_items)} items, from {invoice.origin})")
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for check in invoice.quality.checks:
        result = (
            "[dim]skipped[/dim]"
            if check.skipped
            else ("[green]pass[/green]" if check.passed else "[red]FAIL[/red]")
        )
        table.add_row(check.name, result, check.detail)
    return table


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "table", "rows"]),
    default="json",
    show_default=True,
    help="json: the Invoice; table: items and quality checks; rows: the sheet rows (B:G).",
)
def main(path: Path, output_format: str) -> None:
    """Extract line items from one invoice (a PDF or a Document AI JSON document)."""
    try:
        invoice = extract_invoice(path)
    except InvoiceError as exc:
        click.echo(f"extract: {path}: {exc}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(invoice.model_dump_json(indent=2))
    elif output_format == "rows":
        click.echo("\t".join(SHEET_COLUMNS))
        for row in sheet_rows(invoice):
            click.echo("\t".join(str(v) for v in row))
    else:
        console = Console()
        console.print(_items_table(invoice))
        console.print(_quality_table(invoice))
