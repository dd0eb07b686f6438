"""Shadow replay: the candidate must answer recent real invoices exactly as the stable revision did.

The function archives every real invoice it processes with its result (invoice_processing/service/
archive.py, the one reader of the archive). During verification the newest N entries are posted to
the candidate's URL (its tag URL) as dry runs; its header, line items and the sheet rows it would
write are compared field by field with what was archived. Any difference fails verification with a
readable diff (invoice, item, field, stable -> candidate), written to a file the operator can review
and accept with `deploy --accept-diff FILE` when the change is intended.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from invoice_processing.service.archive import (
    Archive,
    ArchivedResult,
    ArchiveEntry,
    ArchiveError,
    open_archive,
)

from ..config import DeployConfig
from ..errors import ConfigError
from .checks import truth
from .records import Check

ARCHIVE_ENV = "INVOICE_ARCHIVE_URL"
RETENTION_ENV = "INVOICE_ARCHIVE_RETENTION_DAYS"
#: the sheet's columns B:G, as the rows carry them
ROW_COLUMNS = ("order_date", "vendor", "invoice", "item", "wholesale", "qty")
HEADER = "(header)"
ANSWER = "(answer)"


class Difference(BaseModel):
    """One field the candidate answers differently from what stable archived."""

    entry: str = Field(description="the archive entry (time and correlation id of the real request)")
    invoice: str
    item: str
    field: str
    stable: Any = None
    candidate: Any = None

    def key(self) -> tuple[str, str, str, str, str]:
        return (self.entry, self.item, self.field, _show(self.stable), _show(self.candidate))

    def describe(self) -> str:
        return f"{self.invoice} {self.item} {self.field}: {_show(self.stable)} -> {_show(self.candidate)}"


class ReplayDiff(BaseModel):
    """What a failed replay writes (and what `--accept-diff` reads back)."""

    candidate_revision: str | None = None
    archive: str
    compared: int
    created_at: str
    differences: list[Difference]


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


# ------------------------------------------------------------------------------ comparison


def _keyed(items: Iterable[dict], name: str) -> dict[str, dict]:
    """Items by product code; a code seen twice gets `#2`, `#3` (order kept, as the document had it)."""
    keyed: dict[str, dict] = {}
    for index, item in enumerate(items):
        code = str(item.get(name) or f"line {index + 1}")
        key, seen = code, 1
        while key in keyed:
            seen += 1
            key = f"{code} #{seen}"
        keyed[key] = item
    return keyed


def compare(entry: str, stable: ArchivedResult, answer: dict) -> list[Difference]:
    """Every header field, line-item field and sheet-row cell where `answer` differs from `stable`."""
    invoice = stable.invoice_number or stable.header.get("invoice_number") or "(no invoice number)"

    def diff(item: str, field: str, old: Any, new: Any) -> Difference:
        return Difference(entry=entry, invoice=invoice, item=item, field=field, stable=old, candidate=new)

    found = [
        diff(HEADER, name, value, answer.get(name))
        for name, value in stable.header.items()
        if answer.get(name) != value
    ]
    old_items = _keyed(stable.line_items, "product_code")
    new_items = _keyed(answer.get("line_items") or [], "product_code")
    for key in [*old_items, *(k for k in new_items if k not in old_items)]:
        old, new = old_items.get(key), new_items.get(key)
        if old is None or new is None:
            found.append(diff(key, "(line item)", "present" if old else None, "present" if new else None))
            continue
        for name in [*old, *(n for n in new if n not in old)]:
            if old.get(name) != new.get(name):
                found.append(diff(key, name, old.get(name), new.get(name)))
    old_rows, new_rows = stable.rows, answer.get("rows") or []
    for index in range(max(len(old_rows), len(new_rows))):
        old_row = old_rows[index] if index < len(old_rows) else None
        new_row = new_rows[index] if index < len(new_rows) else None
        if old_row is None or new_row is None:
            found.append(diff(f"sheet row {index + 1}", "(row)", old_row, new_row))
            continue
        for column, (a, b) in enumerate(zip(old_row, new_row, strict=False)):
            if a != b:
                name = ROW_COLUMNS[column] if column < len(ROW_COLUMNS) else f"column {column + 1}"
                found.append(diff(f"sheet row {index + 1}", name, a, b))
        if len(old_row) != len(new_row):
            found.append(diff(f"sheet row {index + 1}", "(cells)", len(old_row), len(new_row)))
    return found


def render_diff(differences: list[Difference], limit: int = 40) -> str:
    """One line per difference, grouped by invoice: `INVOICE  item  field: stable -> candidate`."""
    lines, last = [], None
    for d in differences[:limit]:
        if d.entry != last:
            lines.append(f"{d.invoice} (archived request {d.entry}):")
            last = d.entry
        lines.append(f"  {d.item}  {d.field}: {_show(d.stable)} -> {_show(d.candidate)}")
    if len(differences) > limit:
        lines.append(f"  ... and {len(differences) - limit} more (see the diff file)")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ accepted diffs


def load_accepted(path: Path) -> tuple[ReplayDiff, str]:
    """A diff file a failed replay wrote, reviewed by a person; its sha256 goes into the run record."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"--accept-diff {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return ReplayDiff.model_validate_json(data), hashlib.sha256(data).hexdigest()
    except ValidationError:
        raise ConfigError(
            f"--accept-diff {path}: not a replay diff; pass the file a failed shadow replay wrote"
        ) from None


# ------------------------------------------------------------------------------ the check


def archive_for(config: DeployConfig, env_name: str | None) -> Archive | None:
    """The archive the environment's function writes (its INVOICE_ARCHIVE_URL), or None."""
    environment = config.environment(env_name)
    location = environment.env_vars.get(ARCHIVE_ENV)
    if not location:
        return None
    retention = int(environment.env_vars.get(RETENTION_ENV) or 30)
    client = None
    if location.startswith("gs://") and environment.target == "localcloud":
        from ..localcloud.storage import local_storage_client

        bucket = location[len("gs://") :].partition("/")[0]
        client = local_storage_client(environment.localcloud_dir, environment.project, bucket)
    elif not location.startswith("gs://"):
        location = str(config.project.resolve(Path(location)))
    try:
        return open_archive(location, retention, client)
    except ArchiveError as exc:
        raise ConfigError(f"{ARCHIVE_ENV}: {exc}") from None


def _post(url: str, document: bytes, content_type: str, timeout: float):
    from .verify import post_bytes

    name = "archived.pdf" if content_type == "application/pdf" else "archived.json"
    return post_bytes(url, name, document, content_type, timeout)


def shadow_replay(
    url: str,
    revision: str | None,
    config: DeployConfig,
    env_name: str | None = None,
    accept_diff: Path | None = None,
    diff_dir: Path | None = None,
) -> tuple[Check, dict]:
    """Post the newest archived real invoices to `url` as dry runs and compare; one check."""
    settings = config.deploy
    metrics: dict[str, Any] = {"limit": settings.replay_invoices}
    if not settings.replay_invoices:
        return _skipped("deploy.replay_invoices is 0", metrics, settings.replay_required)
    archive = archive_for(config, env_name)
    if archive is None:
        return _skipped(f"no archive configured ({ARCHIVE_ENV} is not among the environment's env_vars)",
                        metrics, settings.replay_required)  # fmt: skip
    metrics["archive"] = archive.url
    try:
        entries = archive.recent(settings.replay_invoices)
        differences = _replay(archive, entries, url, config.thresholds.post_deploy.max_reference_seconds)
    except _read_errors() as exc:  # the archive, not the candidate: say so, never pass
        detail = f"cannot read the archive {archive.url} ({type(exc).__name__}: {exc}); check it exists and you may read it"
        return truth("shadow_replay", False, None, detail[:600]), metrics
    if not entries:
        return _skipped(f"no archived real invoice in {archive.url} yet (nothing processed for real "
                        "within the retention)", metrics, settings.replay_required)  # fmt: skip
    metrics.update(compared=len(entries), differences=len(differences))
    accepted_keys: set[tuple] = set()
    if accept_diff is not None:
        accepted, sha256 = load_accepted(accept_diff)
        accepted_keys = {d.key() for d in accepted.differences}
        metrics["accepted_diff"] = {"file": str(accept_diff), "sha256": sha256,
                                    "differences": len(accepted.differences)}  # fmt: skip
    open_ones = [d for d in differences if d.key() not in accepted_keys]
    metrics["accepted"] = len(differences) - len(open_ones)
    if not open_ones:
        detail = f"{len(entries)} archived real invoice(s) answered as stable did"
        if differences:
            detail += f" but for {len(differences)} accepted difference(s) from {accept_diff}"
        return truth("shadow_replay", True, len(entries), detail), metrics
    diff = ReplayDiff(
        candidate_revision=revision,
        archive=archive.url,
        compared=len(entries),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        differences=open_ones,
    )
    path = _write_diff(diff, diff_dir)
    metrics.update(diff_file=str(path), diff=[d.model_dump(mode="json") for d in open_ones[:200]])
    invoices = len({d.entry for d in open_ones})
    detail = (
        f"{len(open_ones)} difference(s) in {invoices} of {len(entries)} archived real invoice(s); "
        f"diff written to {path} (review it; `deploy --accept-diff {path}` accepts an intended change):\n"
        + render_diff(open_ones)
    )
    return truth("shadow_replay", False, len(open_ones), detail), metrics


def _replay(archive: Archive, entries: list[ArchiveEntry], url: str, timeout: float) -> list[Difference]:
    differences: list[Difference] = []
    for entry in entries:
        stable = archive.result(entry)
        posted = _post(url, archive.document(entry), stable.content_type, timeout)
        if posted.body is None or posted.error:
            invoice = stable.invoice_number or "(no invoice number)"
            differences.append(Difference(entry=entry.key, invoice=invoice, item=ANSWER, field="status",
                                          stable=200, candidate=posted.error or "no JSON answer"))  # fmt: skip
            continue
        differences += compare(entry.key, stable, posted.body)
    return differences


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading an archive can raise: files, bad JSON, Cloud Storage's and google-auth's errors."""
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return (OSError, ValueError, GoogleAPIError, GoogleAuthError)


def _skipped(reason: str, metrics: dict, required: bool) -> tuple[Check, dict]:
    """Nothing to replay is recorded as skipped, never as a pass; with replay_required it fails."""
    metrics["skipped"] = reason
    detail = f"skipped: {reason}" + ("; deploy.replay_required is set, so this fails" if required else "")
    return Check(name="shadow_replay", passed=not required, measured=None, threshold="skipped",
                 skipped=True, detail=detail), metrics  # fmt: skip


def _write_diff(diff: ReplayDiff, directory: Path | None) -> Path:
    directory = directory or Path(tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"replay-diff-{diff.candidate_revision or 'candidate'}-{stamp}.json"
    path.write_text(diff.model_dump_json(indent=2))
    path.chmod(0o600)  # the diff quotes invoice lines
    return path
