"""Write the HarperCollins, OneHundred80 and generic (Rifle Paper) golden invoices.

    python -m test_scripts.factory.build_other_goldens [--out test_invoices]

Deterministic: a rerun writes byte-identical files (reportlab `invariant=1`, fixed source data).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import generic, harpercollins, onehundred80

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "test_invoices"


def build_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [*harpercollins.build_goldens(out), *onehundred80.build_goldens(out), *generic.build_goldens(out)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the golden files")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
