"""Write the golden invoice set: `python -m test_scripts.factory.build_goldens [--out test_invoices]`.

Every `test_scripts/factory/<vendor>_goldens.py` module contributes through its
`golden_files() -> dict[str, bytes]` (file name -> contents); each golden is written as `<name>.pdf` and/or `<name>.docai.json` plus `<name>.expected.json`. Output
is byte-identical on every run. Files are written only when their bytes change.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import click

from . import __name__ as PACKAGE
from . import __path__ as PACKAGE_PATH

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "test_invoices"


def golden_modules() -> list[str]:
    return sorted(
        f"{PACKAGE}.{info.name}"
        for info in pkgutil.iter_modules(PACKAGE_PATH)
        if info.name.endswith("_goldens") and not info.name.startswith("build")
    )


def all_golden_files() -> dict[str, bytes]:
    """File name -> bytes for every golden every generator module defines."""
    files: dict[str, bytes] = {}
    for module_name in golden_modules():
        module = importlib.import_module(module_name)
        if not hasattr(module, "golden_files"):
            raise click.ClickException(
                f"{module_name} defines no golden_files(); add it or rename the module"
            )
        for file_name, data in module.golden_files().items():
            if file_name in files:
                raise click.ClickException(
                    f"{module_name} writes {file_name}, which another module already writes"
                )
            files[file_name] = data
    return files


def write_goldens(out: Path) -> tuple[list[str], list[str]]:
    """Write every golden into `out`; return (written, unchanged) file names."""
    out.mkdir(parents=True, exist_ok=True)
    written, unchanged = [], []
    for file_name, data in sorted(all_golden_files().items()):
        target = out / file_name
        if target.is_file() and target.read_bytes() == data:
            unchanged.append(file_name)
            continue
        target.write_bytes(data)
        written.append(file_name)
    return written, unchanged


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Directory to write the golden invoices into.",
)
def main(out: Path) -> None:
    """Regenerate the golden invoices from their seeded source data."""
    written, unchanged = write_goldens(out)
    for file_name in written:
        click.echo(f"wrote {out / file_name}")
    click.echo(f"{len(written)} written, {len(unchanged)} unchanged in {out}")


if __name__ == "__main__":
    main()
