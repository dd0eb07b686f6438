"""Verification of the live function over HTTP, scored against ground truth.

Every request carries `X-Invoice-Dry-Run: 1`: the function does all its work but writes no rows,
and its events are marked synthetic (left out of the business figures). The reference invoices
(config `reference_invoices`: CS003837319 and CI004848705) are judged against their golden truth,
the other vendors' goldens on accuracy, then a load sample and the shadow replay of recent real
invoices (replay.py).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from ..config import DeployConfig
from ..gate.placeholder import placeholder_pattern
from ..localcloud.client import identity_headers
from ..metrics import Figures, compute_figures
from .checks import at_least, at_most, truth
from .records import Check
from .replay import shadow_replay

DRY_RUN_HEADER = {"X-Invoice-Dry-Run": "1"}
EventReader = Callable[[str, datetime], list[dict]]


class _NotHealthy(Exception):
    pass


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


@dataclass
class Posted:
    status: int | None
    seconds: float
    body: dict | None
    error: str | None = None


def post_invoice(url: str, source: Path, timeout: float) -> Posted:
    mime = "application/pdf" if source.suffix == ".pdf" else "application/json"
    return post_bytes(url, source.name, source.read_bytes(), mime, timeout)


def post_bytes(url: str, name: str, data: bytes, mime: str, timeout: float) -> Posted:
    """One dry-run upload, as Zapier posts a file; a transport error is an answer with `error` set."""
    started = time.perf_counter()
    try:
        response = requests.post(
            url,
            files={"invoice_file": (name, data, mime)},
            headers={**DRY_RUN_HEADER, **identity_headers(url)},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        return Posted(None, time.perf_counter() - started, None, f"{exc.__class__.__name__}: {exc}")
    seconds = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = None
    error = None if response.ok else f"HTTP {response.status_code}: {response.text[:200]}"
    return Posted(response.status_code, seconds, body if isinstance(body, dict) else None, error)


def check_health(url: str, revision: str | None, max_seconds: float, attempts: int) -> tuple[Check, dict]:
    """GET the function until it answers 200 within `max_seconds` (a cold start gets retries)."""
    seen: dict[str, Any] = {"attempts": 0}

    def probe() -> None:
        seen["attempts"] += 1
        started = time.perf_counter()
        try:
            response = requests.get(url, headers=identity_headers(url), timeout=max_seconds)
        except requests.RequestException as exc:
            seen["last_error"] = f"{exc.__class__.__name__}"
            raise _NotHealthy from None
        seen["seconds"] = round(time.perf_counter() - started, 3)
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        seen["status"], seen["revision"] = response.status_code, body.get("revision")
        if response.status_code != 200 or seen["seconds"] > max_seconds:
            seen["last_error"] = f"HTTP {response.status_code} in {seen['seconds']}s"
            raise _NotHealthy

    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(_NotHealthy),
            stop=stop_after_attempt(attempts),
            wait=wait_fixed(1.0),
        ):
            with attempt:
                probe()
    except RetryError:
        return truth(
            "health",
            False,
            seen.get("last_error"),
            f"no healthy answer in {attempts} attempts: {seen.get('last_error')}",
        ), seen
    if revision and seen.get("revision") and seen["revision"] != revision:
        return truth(
            "health", False, seen["revision"], f"answered from {seen['revision']}, expected {revision}"
        ), seen
    return truth("health", True, seen.get("seconds"), f"{seen['attempts']} attempt(s)"), seen


def _numbers_on_rows(body: dict) -> list[str | None]:
    rows = body.get("rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], list):
        return [row[2] if len(row) > 2 else None for row in rows]  # columns B:G, INV is the third
    items = body.get("line_items") or []
    return [i.get("invoice_number", body.get("invoice_number")) for i in items if i.get("qty_ordered", 1)]


def score_reference(
    case: Any,
    posted: Posted,
    config: DeployConfig,
    min_accuracy: float,
    revision: str | None = None,
    *,
    min_items: int | None = None,
    suffix: str = "",
) -> tuple[list[Check], dict]:
    """The checks of one reference invoice; `suffix` (`[CI004848705]`) names those of the others than
    the primary, `min_items` their own item minimum (the primary's is post_deploy.min_reference_items)."""
    from ..gate.scoring import score_invoice

    post = config.thresholds.post_deploy
    min_items = post.min_reference_items if min_items is None else min_items
    body = posted.body if posted.error is None else None
    score = score_invoice(case.expected, body, name=case.name)
    items = (body or {}).get("line_items") or []
    expected_number = case.expected.invoice_number
    numbers = _numbers_on_rows(body or {})
    placeholder = placeholder_pattern(items) if items else "no items"
    metrics = {
        "reference": case.name,
        "status": posted.status,
        "seconds": round(posted.seconds, 3),
        "accuracy": round(score.accuracy, 4),
        "items": len(items),
        "items_matched": score.items_matched,
        "error": posted.error,
        "problems": [m.describe() for m in score.problems[:10]],
    }
    checks = [
        at_least(f"reference_accuracy{suffix}", score.accuracy, min_accuracy, posted.error or ""),
        at_least(f"reference_items{suffix}", len(items), min_items),
        at_most(f"reference_seconds{suffix}", posted.seconds, post.max_reference_seconds, strict=True),
        truth(
            f"invoice_number_on_every_row{suffix}",
            bool(numbers) and all(n == expected_number for n in numbers),
            f"{sum(n == expected_number for n in numbers)}/{len(numbers)}",
        ),
        truth(f"no_placeholder{suffix}", placeholder is None, placeholder or "none"),
    ]
    served_by = (body or {}).get("revision")
    if revision:  # an answer that names no revision cannot show it came from the new one: a failure
        checks.append(
            truth(
                f"reference_served_by_new_revision{suffix}",
                served_by == revision,
                served_by,
                f"expected {revision}"
                if served_by
                else f"the answer names no revision (expected {revision})",
            )
        )
    return checks, metrics


def score_others(cases: list[Any], url: str, config: DeployConfig) -> tuple[list[Check], dict]:
    from ..gate.scoring import score_invoice

    threshold = config.thresholds.post_deploy.min_other_vendor_accuracy
    checks, metrics = [], {}
    for case in cases:
        posted = post_invoice(url, case.source, config.thresholds.post_deploy.max_reference_seconds)
        score = score_invoice(case.expected, posted.body if posted.error is None else None, name=case.name)
        metrics[case.name] = {
            "accuracy": round(score.accuracy, 4),
            "seconds": round(posted.seconds, 3),
            "error": posted.error,
        }
        checks.append(at_least(f"accuracy[{case.name}]", score.accuracy, threshold, posted.error or ""))
    return checks, metrics


def load_sample(
    url: str,
    cases: list[Any],
    requests_count: int,
    revision: str,
    read_events: EventReader | None,
    config: DeployConfig,
) -> tuple[list[Check], dict]:
    """A short sample of dry-run requests: client-side times and errors, memory from the function's events."""
    post = config.thresholds.post_deploy
    since = datetime.now(UTC)
    results = [
        post_invoice(url, cases[i % len(cases)].source, post.max_reference_seconds)
        for i in range(requests_count)
    ]
    errors = sum(1 for r in results if r.error)
    average = statistics.fmean(r.seconds for r in results)
    figures = (
        sample_figures(
            read_events, revision, since, requests_count - errors, config.deploy.events_wait_seconds
        )
        if read_events
        else None
    )
    memory = figures.peak_memory_mb if figures else None
    metrics = {
        "requests": requests_count,
        "errors": errors,
        "average_seconds": round(average, 3),
        "function_events": figures.events if figures else None,
        "function_average_seconds": figures.average_seconds if figures else None,
        "peak_memory_mb": memory,
    }
    checks = [
        at_most("load_average_seconds", average, post.max_average_seconds, strict=True),
        at_most("load_error_rate", errors / requests_count, post.max_error_rate, strict=True),
        at_most("memory_mb", memory, post.max_memory_mb, strict=True,
                detail="peak_memory_mb of the function's own events" if memory is not None else "no events with memory"),
    ]  # fmt: skip
    return checks, metrics


def sample_figures(
    read_events: EventReader, revision: str, since: datetime, expected: int, wait_seconds: float
) -> Figures:
    """Figures over the sample's events, waiting (bounded) until each answered request has logged one."""
    waiting = Retrying(
        stop=stop_after_delay(wait_seconds),
        wait=wait_fixed(0.25),
        retry=retry_if_result(lambda figures: figures.events < expected),
        retry_error_callback=lambda state: state.outcome.result(),  # out of time: judge what arrived
    )
    # the sample is dry runs: its own (synthetic) events are what it judges
    return waiting(lambda: compute_figures(read_events(revision, since), traffic="synthetic"))


def pick_cases(config: DeployConfig, invoices_dir: Path | None) -> tuple[dict[str, Any | None], list[Any]]:
    """Each reference invoice's case (PDF preferred; None when missing), then one PDF case per other
    golden invoice."""
    from ..gate.golden import golden_set
    from ..gate.readiness import DEFAULT_INVOICES_DIR

    # As in the gate: the orchestrator's own set, which `invoices_dir` can add to, never replace.
    cases = golden_set(
        DEFAULT_INVOICES_DIR or config.project.invoices_dir, [invoices_dir] if invoices_dir else []
    ).cases
    by_invoice: dict[str, Any] = {}
    for case in cases:
        key = str(case.expected_path)
        if key not in by_invoice or case.source.suffix == ".pdf":
            by_invoice[key] = case
    chosen = list(by_invoice.values())
    references: dict[str, Any | None] = {}
    for number in config.thresholds.readiness.reference_invoices:
        # The reference document itself (cs003837319.*), not another order that shares its number.
        named = [
            c
            for c in chosen
            if not c.added and c.expected_path.name.lower() == f"{number.lower()}.expected.json"
        ]
        references[number] = (named or [None])[0]
    picked = [c for c in references.values() if c is not None]
    # Zapier posts PDFs; a Document AI JSON is what the function makes of one, so only PDFs are posted.
    return references, [c for c in chosen if c not in picked and c.source.suffix == ".pdf"]


def verify_live(
    url: str,
    revision: str | None,
    config: DeployConfig,
    *,
    invoices_dir: Path | None = None,
    read_events: EventReader | None = None,
    min_accuracy: float | None = None,
    full: bool = True,
    env_name: str | None = None,
    accept_diff: Path | None = None,
) -> Verification:
    """Health, then the reference invoices (always); with `full`, the other vendors, a load sample
    and the shadow replay of the newest archived real invoices (`accept_diff`: a reviewed diff)."""
    post = config.thresholds.post_deploy
    result = Verification()
    health, seen = check_health(url, revision, post.max_health_seconds, config.deploy.health_attempts)
    result.checks.append(health)
    result.metrics["health"] = seen
    if not health.passed:
        return result  # nothing else can be measured on a function that does not answer
    references, others = pick_cases(config, invoices_dir)
    primary = config.thresholds.readiness.reference_invoice
    if references.get(primary) is None:
        result.checks.append(
            truth("reference_present", False, None, f"{primary} not among the golden invoices")
        )
        return result
    result.metrics["references"] = {}
    for number, case in references.items():
        if case is None:
            result.checks.append(
                truth(f"reference_present[{number}]", False, None, f"{number} not among the golden invoices")
            )
            continue
        posted = post_invoice(url, case.source, post.max_reference_seconds + 10)
        is_primary = number == primary
        checks, metrics = score_reference(
            case, posted, config, min_accuracy or post.min_reference_accuracy, revision,
            min_items=None if is_primary else config.thresholds.readiness.min_reference_items[number],
            suffix="" if is_primary else f"[{number}]",
        )  # fmt: skip
        result.checks += checks
        result.metrics["references"][number] = metrics
        if is_primary:
            result.metrics["reference"] = metrics
    if full:
        other_checks, other_metrics = score_others(others, url, config)
        result.checks += other_checks
        result.metrics["other_vendors"] = other_metrics
        if config.deploy.load_sample_requests:
            sample = others or [references[primary]]
            load_checks, load_metrics = load_sample(
                url, sample, config.deploy.load_sample_requests, revision or "", read_events, config
            )
            result.checks += load_checks
            result.metrics["load_sample"] = load_metrics
        replay, replay_metrics = shadow_replay(
            url, revision, config, env_name, accept_diff, config.resolved_state_dir() / "replay"
        )
        result.checks.append(replay)
        result.metrics["shadow_replay"] = replay_metrics
    return result
