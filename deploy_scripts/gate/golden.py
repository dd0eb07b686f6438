"""Golden invoices: `<name>.pdf` and/or `<name>.docai.json` beside `<name>.expected.json`.

The expected file is ground truth written from the document's source data. PDF and JSON of the
same name are scored as separate cases against the same truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from invoice_processing.truth import ExpectedInvoice

from ..errors import ConfigError

EXPECTED_SUFFIX = ".expected.json"
SOURCE_SUFFIXES = (".pdf", ".docai.json")


@dataclass(frozen=True)
class GoldenCase:
    name: str  # the source file's name, e.g. "cs003837319.pdf"
    source: Path
    expected_path: Path
    expected: ExpectedInvoice
    #: False for the orchestrator's own golden set; True for an invoice a directory added to it.
    added: bool = False


def load_expected(path: Path) -> ExpectedInvoice:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix or regenerate it"
        ) from None
    try:
        return ExpectedInvoice.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigError(f"{path}: malformed expected file: {problems}") from None


def _stem(expected_path: Path) -> str:
    return expected_path.name[: -len(EXPECTED_SUFFIX)]


def _cases(directory: Path, expected_paths: list[Path], added: bool) -> list[GoldenCase]:
    cases = []
    for expected_path in expected_paths:
        stem = _stem(expected_path)
        present = [s for s in (directory / f"{stem}{suffix}" for suffix in SOURCE_SUFFIXES) if s.is_file()]
        if not present:
            raise ConfigError(
                f"{expected_path}: no invoice beside it (looked for {stem}.pdf and {stem}.docai.json); "
                "add the document or remove the expected file"
            )
        expected = load_expected(expected_path)
        cases.extend(GoldenCase(s.name, s, expected_path, expected, added) for s in present)
    return cases


def _expected_files(directory: Path) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory of golden invoices")
    return sorted(directory.glob(f"*{EXPECTED_SUFFIX}"))


def discover_goldens(directory: Path) -> list[GoldenCase]:
    """Every (source, expected) pair in `directory`, sorted by name. Raises ConfigError when the
    directory is missing or empty, or an expected file is malformed or has no document beside it."""
    directory = Path(directory)
    cases = _cases(directory, _expected_files(directory), added=False)
    if not cases:
        raise ConfigError(
            f"{directory}: no golden invoices (<name>.pdf or <name>.docai.json with <name>{EXPECTED_SUFFIX})"
        )
    return cases


@dataclass
class GoldenSet:
    """The orchestrator's golden invoices plus those other directories add to them."""

    base: Path
    cases: list[GoldenCase]
    added_from: list[Path]
    #: files another directory holds under a name the orchestrator's set already has: never used
    ignored: list[str]


def golden_set(base: Path, extra: Iterable[Path] = (), *, quiet_if_empty: Iterable[Path] = ()) -> GoldenSet:
    """The orchestrator's set (`base`, required and complete) plus every invoice in `extra` whose name
    it does not have. A directory can add invoices to the gate, never replace or weaken one: a file
    named like one of the orchestrator's is ignored (and listed), whatever it holds. Directories in
    `quiet_if_empty` may hold no goldens at all (a candidate checkout's test_invoices/)."""
    base = Path(base)
    cases = discover_goldens(base)
    owned = {_stem(c.expected_path).lower() for c in cases}
    quiet = {Path(d).resolve() for d in quiet_if_empty}
    added_from, ignored = [], []
    for directory in extra:
        directory = Path(directory)
        if directory.resolve() == base.resolve():
            continue
        if directory.resolve() in quiet and not directory.is_dir():
            continue
        paths = _expected_files(directory)
        mine = [p for p in paths if _stem(p).lower() in owned]
        ignored += [
            f"{p}: {base / p.name} is the orchestrator's truth for this invoice; this copy is not used"
            for p in mine
        ]
        new = _cases(directory, [p for p in paths if p not in mine], added=True)
        if not new and not mine and directory.resolve() not in quiet:
            raise ConfigError(
                f"{directory}: no golden invoices "
                f"(<name>.pdf or <name>.docai.json with <name>{EXPECTED_SUFFIX})"
            )
        if new:
            added_from.append(directory)
            owned |= {_stem(c.expected_path).lower() for c in new}
            cases += new
    return GoldenSet(base, cases, added_from, ignored)
