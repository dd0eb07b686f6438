"""The monitoring resources one environment should have, as REST JSON (the shapes of Google's
discovery documents): log-based metrics, the notification channel, one alert policy per rule of
`[thresholds.alerts]` plus the daily-check absence policy, the dashboard and the scheduler jobs.

Pure: built from the config, the function's URL, the golden PDFs and the channel's target; nothing
here talks to an API. The rules come from `rules.rules_from` (the one definition of each rule, also
what `monitor` and localcloud's evaluator judge); `CONDITIONS` says which metric each rule reads and
how its limit is scaled into that metric's unit.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from invoice_processing.events import FAILED, PROCESSED

from ..config import DeployConfig, Environment, MonitoringSettings
from .rules import Rule, rules_from

MANAGED_BY = "invoice-pipeline"
DAILY_CHECK = "daily_check"  # invoice_processing/service/daily_check.py's event
DAILY_CHECK_HEADER = "X-Invoice-Daily-Check"
DRY_RUN_HEADER = "X-Invoice-Dry-Run"
ABSENCE_RULE = "daily_check_absent"
USER_METRIC = "logging.googleapis.com/user/"
#: what `--dry-run` prints instead of a secret's value
SECRET_SHOWN = "<secret {}>"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    description: str
    messages: tuple[str, ...]
    value_field: str | None = None  # None: a counter of matching entries
    unit: str = "1"
    extra: str = ""
    real_only: bool = True
    buckets: dict | None = None
    outcome_label: bool = False


_EXPONENTIAL_MS = {"exponentialBuckets": {"numFiniteBuckets": 40, "growthFactor": 1.4, "scale": 10}}
_EXPONENTIAL_MB = {"exponentialBuckets": {"numFiniteBuckets": 30, "growthFactor": 1.3, "scale": 16}}
_SHARES = {"linearBuckets": {"numFiniteBuckets": 20, "width": 0.05, "offset": 0}}

METRICS = (
    MetricSpec("invoice_events", "Real invoices handled (label outcome: processed or failed)",
               (PROCESSED, FAILED), outcome_label=True),
    MetricSpec("invoice_failures", "Real invoices that failed", (FAILED,)),
    MetricSpec("invoice_processing_ms", "Processing time of real invoices (ms)", (PROCESSED, FAILED),
               "duration_ms", "ms", buckets=_EXPONENTIAL_MS),
    MetricSpec("invoice_peak_memory_mb", "Peak memory while processing a real invoice (MiB)",
               (PROCESSED, FAILED), "peak_memory_mb", "MiBy", buckets=_EXPONENTIAL_MB),
    MetricSpec("invoice_quality_score", "Accuracy proxy of real invoices: share of quality checks passed",
               (PROCESSED,), "quality_score", buckets=_SHARES),
    MetricSpec("invoice_number_found", "Real invoices whose invoice number was extracted", (PROCESSED,),
               extra="jsonPayload.quality.invoice_number_found=true"),
    MetricSpec("invoice_placeholder_detections", "Real invoices with placeholder data", (PROCESSED,),
               extra="jsonPayload.quality.no_placeholder_pattern=false"),
    MetricSpec("invoice_daily_check_accuracy", "Scheduled golden checks: accuracy against ground truth",
               (DAILY_CHECK,), "accuracy", real_only=False, buckets=_SHARES),
)  # fmt: skip


@dataclass(frozen=True)
class Condition:
    """One condition of a rule's policy: a metric aligned over the window, maybe as a ratio."""

    title: str
    metric: str
    aligner: str
    scale: float = 1.0  # rule limit x scale = the metric's threshold (seconds -> ms)
    denominator: str | None = None
    denominator_extra: str = ""


CONDITIONS: dict[str, tuple[Condition, ...]] = {
    "accuracy": (
        Condition("accuracy proxy of real invoices", "invoice_quality_score", "ALIGN_MEAN"),
        Condition("daily golden check accuracy", "invoice_daily_check_accuracy", "ALIGN_MEAN"),
    ),
    "average_time": (Condition("average processing time", "invoice_processing_ms", "ALIGN_MEAN", 1000.0),),
    "error_rate": (Condition("error rate", "invoice_failures", "ALIGN_SUM", denominator="invoice_events"),),
    "invoice_number_rate": (
        Condition(
            "invoice-number extraction rate",
            "invoice_number_found",
            "ALIGN_SUM",
            denominator="invoice_events",
            denominator_extra=f'metric.label.outcome="{PROCESSED}"',
        ),
    ),  # fmt: skip
    "placeholder": (Condition("placeholder detections", "invoice_placeholder_detections", "ALIGN_SUM"),),
}

ON_CALL = {
    "accuracy": "Extraction accuracy fell below the limit: either the real invoices' quality checks "
    "or the scheduled golden check (CS003837319 / CI004848705) scored too low.\n\n"
    "1. `monitor --env {env} --action checks` shows the daily checks per revision.\n"
    "2. `validate` on the deployed commit reproduces the score against golden truth.\n"
    "3. If the newest revision caused it: `rollback --env {env}` (traffic back to the last verified "
    "revision in seconds), then fix the extractor and redeploy.",
    "average_time": "Invoices take too long on average (Zapier gives up at 160 s).\n\n"
    "1. `monitor --env {env}` shows p50/p95/max per revision.\n"
    "2. A new revision slower than the last: `rollback --env {env}`.\n"
    "3. Otherwise check Document AI latency and the function's CPU/memory in the Cloud Run console.",
    "error_rate": "Too many invoices fail.\n\n"
    "1. `monitor --env {env}` for the failing revision; `gcloud logging read "
    "'jsonPayload.message=\"invoice_failed\"' --limit 20` for error classes and statuses.\n"
    "2. 5xx after a deploy: `rollback --env {env}`. 4xx: the sender's documents (ask Zapier's run history).",
    "invoice_number_rate": "Invoice numbers are missing from extracted rows: the sheet cannot be "
    "reconciled.\n\n1. `monitor --env {env}` per revision.\n2. Post the failing invoice to "
    "`extract` locally; if a deploy caused it, `rollback --env {env}`.",
    "placeholder": "Placeholder data (test values) was extracted from a real invoice: rows in the "
    "sheet may be fake.\n\n1. Find the invoice: `gcloud logging read "
    "'jsonPayload.quality.no_placeholder_pattern=false' --limit 5`.\n2. Remove its rows from the "
    "sheet, `rollback --env {env}` if a deploy caused it.",
    ABSENCE_RULE: "No scheduled golden check has reported for {hours:g} hours: nothing is verifying "
    "production.\n\n1. `gcloud scheduler jobs describe invoice-daily-check-cs003837319 --location "
    "{region}`: paused? last attempt's status?\n2. `gcloud scheduler jobs resume …` or "
    "`gcloud scheduler jobs run …` and watch `monitor --env {env} --action checks`.\n3. A failing "
    "call (401/403): the job's OIDC service account lost run.invoker; re-run `monitor --action provision`.",
}


@dataclass(frozen=True)
class Resource:
    kind: str  # metric, channel, policy, dashboard, job
    key: str  # what identifies it across runs: the name, or the display name for server-named kinds
    body: dict
    secret_paths: tuple[tuple[str, ...], ...] = ()  # fields never printed


def service_filter(environment: Environment) -> str:
    return f'resource.type="cloud_run_revision" AND resource.labels.service_name="{environment.service}"'


def metric_filter(spec: MetricSpec, environment: Environment) -> str:
    messages = " OR ".join(f'"{m}"' for m in spec.messages)
    clauses = [service_filter(environment), f"jsonPayload.message=({messages})"]
    if spec.real_only:  # dry runs (verification, checks) and marked synthetic traffic are not the business's
        clauses += ["NOT jsonPayload.dry_run=true", "NOT jsonPayload.synthetic=true"]
    if spec.extra:
        clauses.append(spec.extra)
    return " AND ".join(clauses)


def log_metric(spec: MetricSpec, environment: Environment) -> dict:
    body: dict = {
        "name": spec.name,
        "description": spec.description,
        "filter": metric_filter(spec, environment),
    }
    descriptor: dict = {"metricKind": "DELTA", "unit": spec.unit}
    if spec.value_field:
        descriptor["valueType"] = "DISTRIBUTION"
        body["valueExtractor"] = f"EXTRACT(jsonPayload.{spec.value_field})"
        body["bucketOptions"] = spec.buckets
    else:
        descriptor["valueType"] = "INT64"
    if spec.outcome_label:
        descriptor["labels"] = [{"key": "outcome", "valueType": "STRING", "description": "event message"}]
        body["labelExtractors"] = {"outcome": "EXTRACT(jsonPayload.message)"}
    body["metricDescriptor"] = descriptor
    return body


def _series(metric: str, environment: Environment, extra: str = "") -> str:
    text = (
        f'metric.type="{USER_METRIC}{metric}" AND resource.type="cloud_run_revision" '
        f'AND resource.label.service_name="{environment.service}"'
    )
    return f"{text} AND {extra}" if extra else text


def _aggregation(window_seconds: int, aligner: str, group_by: tuple[str, ...] = ()) -> dict:
    reducer = "REDUCE_MEAN" if aligner == "ALIGN_MEAN" else "REDUCE_SUM"
    aggregation = {
        "alignmentPeriod": f"{window_seconds}s",
        "perSeriesAligner": aligner,
        "crossSeriesReducer": reducer,
    }
    if group_by:
        aggregation["groupByFields"] = list(group_by)
    return aggregation


def _threshold_condition(rule: Rule, condition: Condition, environment: Environment, window: int) -> dict:
    threshold: dict = {
        "filter": _series(condition.metric, environment),
        "aggregations": [_aggregation(window, condition.aligner)],
        "comparison": "COMPARISON_LT" if rule.breaches_when == "below" else "COMPARISON_GT",
        "thresholdValue": rule.threshold * condition.scale,
        "duration": "0s",
        "trigger": {"count": 1},
    }
    if condition.denominator:
        threshold["denominatorFilter"] = _series(
            condition.denominator, environment, condition.denominator_extra
        )
        threshold["denominatorAggregations"] = [_aggregation(window, "ALIGN_SUM")]
    sign = "<" if rule.breaches_when == "below" else ">"
    return {"displayName": f"{condition.title} {sign} {rule.threshold:g}", "conditionThreshold": threshold}


def _labels(environment: Environment, rule: str) -> dict:
    return {"managed_by": MANAGED_BY, "service": environment.service, "rule": rule}


def _display(env_name: str, environment: Environment, title: str) -> str:
    return f"{environment.service} ({env_name}): {title}"


def _docs(rule: str, env_name: str, environment: Environment, settings: MonitoringSettings) -> dict:
    text = ON_CALL[rule].format(env=env_name, hours=settings.absence_hours, region=environment.region)
    return {"content": text, "mimeType": "text/markdown"}


def alert_policies(config: DeployConfig, env_name: str, channel_names: list[str]) -> list[Resource]:
    environment = config.environment(env_name)
    settings = config.monitoring
    window = settings.alert_window_minutes * 60
    found = []
    for rule in rules_from(config.thresholds.alerts):
        body = {
            "displayName": _display(env_name, environment, rule.title),
            "documentation": _docs(rule.name, env_name, environment, settings),
            "userLabels": _labels(environment, rule.name),
            "conditions": [_threshold_condition(rule, c, environment, window) for c in CONDITIONS[rule.name]],
            "combiner": "OR",
            "enabled": True,
            "notificationChannels": channel_names,
        }
        found.append(Resource("policy", body["displayName"], body))
    absent_seconds = int(settings.absence_hours * 3600)
    body = {
        "displayName": _display(env_name, environment, "no daily golden check"),
        "documentation": _docs(ABSENCE_RULE, env_name, environment, settings),
        "userLabels": _labels(environment, ABSENCE_RULE),
        "conditions": [
            {
                "displayName": f"no daily_check event for {settings.absence_hours:g} h",
                "conditionAbsent": {
                    "filter": _series("invoice_daily_check_accuracy", environment),
                    "aggregations": [_aggregation(3600, "ALIGN_DELTA")],
                    "duration": f"{absent_seconds}s",
                    "trigger": {"count": 1},
                },
            }
        ],
        "combiner": "OR",
        "enabled": True,
        "notificationChannels": channel_names,
    }
    found.append(Resource("policy", body["displayName"], body))
    return found


def notification_channel(env_name: str, environment: Environment, settings: MonitoringSettings,
                         target: str) -> Resource:  # fmt: skip
    """`target`: the webhook URL (read from Secret Manager) or the email address."""
    if settings.notification == "email":
        body = {"type": "email", "labels": {"email_address": target}}
        secret: tuple = ()
    else:
        body = {"type": "webhook_tokenauth", "labels": {"url": target}}
        secret = (("labels", "url"),)
    body.update(
        displayName=_display(env_name, environment, "on-call"),
        description="Alert notifications of the invoice pipeline (managed by `monitor --action provision`)",
        userLabels={"managed_by": MANAGED_BY, "service": environment.service},
        enabled=True,
    )
    return Resource("channel", body["displayName"], body, secret)


_CHARTS = (
    ("Invoices (processed / failed)", "invoice_events", "ALIGN_SUM", ("metric.label.outcome",)),
    ("Processing time (ms, mean)", "invoice_processing_ms", "ALIGN_MEAN", ("resource.label.revision_name",)),
    ("Accuracy proxy (quality score)", "invoice_quality_score", "ALIGN_MEAN", ("resource.label.revision_name",)),
    ("Daily golden check accuracy", "invoice_daily_check_accuracy", "ALIGN_MEAN", ("resource.label.revision_name",)),
    ("Invoice numbers found", "invoice_number_found", "ALIGN_SUM", ("resource.label.revision_name",)),
    ("Peak memory (MiB)", "invoice_peak_memory_mb", "ALIGN_MEAN", ("resource.label.revision_name",)),
    ("Failures", "invoice_failures", "ALIGN_SUM", ("resource.label.revision_name",)),
    ("Placeholder detections", "invoice_placeholder_detections", "ALIGN_SUM", ("resource.label.revision_name",)),
)  # fmt: skip


def dashboard(env_name: str, environment: Environment) -> Resource:
    """The figures `monitor` shows, per revision, as Cloud Monitoring charts (two per row)."""
    tiles = []
    for index, (title, metric, aligner, group_by) in enumerate(_CHARTS):
        query = {"timeSeriesFilter": {"filter": _series(metric, environment),
                                      "aggregation": _aggregation(300, aligner, group_by)}}  # fmt: skip
        tiles.append(
            {
                "xPos": (index % 2) * 6,
                "yPos": (index // 2) * 4,
                "width": 6,
                "height": 4,
                "widget": {
                    "title": title,
                    "xyChart": {"dataSets": [{"timeSeriesQuery": query, "plotType": "LINE"}]},
                },
            }
        )
    body = {
        "displayName": _display(env_name, environment, "invoices"),
        "mosaicLayout": {"columns": 12, "tiles": tiles},
        "labels": {MANAGED_BY: ""},
    }
    return Resource("dashboard", body["displayName"], body)


def production_function_url(environment: Environment) -> str:
    """A 2nd gen function's cloudfunctions.net URL (stable; it routes to the Cloud Run service)."""
    return f"https://{environment.region}-{environment.project}.cloudfunctions.net/{environment.function}"


def _job(name: str, environment: Environment, settings: MonitoringSettings, url: str, golden: str,
         pdf: bytes, schedule: str, what: str) -> Resource:  # fmt: skip
    target: dict = {
        "uri": url,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/pdf", DRY_RUN_HEADER: "1", DAILY_CHECK_HEADER: golden},
        "body": base64.b64encode(pdf).decode(),
    }
    if settings.scheduler_service_account:
        target["oidcToken"] = {"serviceAccountEmail": settings.scheduler_service_account, "audience": url}
    full = f"projects/{environment.project}/locations/{environment.region}/jobs/{name}"
    body = {
        "name": full,
        "description": f"{what}: post {golden}.pdf as a dry run; the function logs a daily_check event",
        "schedule": schedule,
        "timeZone": settings.time_zone,
        "httpTarget": target,
        "attemptDeadline": "540s",
        "retryConfig": {"retryCount": 1},
    }
    return Resource("job", full, body)


def golden_pdfs(invoices_dir: Path) -> dict[str, Path]:
    """Golden PDFs that have ground truth (the truths the function ships with), by name."""
    return {
        pdf.stem: pdf
        for pdf in sorted(Path(invoices_dir).glob("*.pdf"))
        if (pdf.parent / f"{pdf.stem}.expected.json").is_file()
    }


def scheduler_jobs(env_name: str, environment: Environment, settings: MonitoringSettings, url: str,
                   invoices_dir: Path) -> list[Resource]:  # fmt: skip
    goldens = golden_pdfs(invoices_dir)
    missing = [name for name in settings.daily_invoices if name not in goldens]
    if missing:
        from ..errors import ConfigError

        raise ConfigError(
            f"[monitoring] daily_invoices names {', '.join(missing)}, which have no PDF with ground truth in "
            f"{invoices_dir}; use names of test_invoices/<name>.pdf"
        )
    jobs = [
        _job(f"invoice-daily-check-{name}", environment, settings, url, name, goldens[name].read_bytes(),
             settings.daily_schedule, "Daily golden check")
        for name in settings.daily_invoices
    ]  # fmt: skip
    jobs += [
        _job(f"invoice-weekly-check-{name}", environment, settings, url, name, pdf.read_bytes(),
             settings.weekly_schedule, "Weekly regression")
        for name, pdf in goldens.items()
    ]  # fmt: skip
    return jobs


def desired(config: DeployConfig, env_name: str, function_url: str, channel_target: str,
            channel_name: str) -> list[Resource]:  # fmt: skip
    """Everything, in creation order (the channel before the policies that name it)."""
    environment = config.environment(env_name)
    settings = config.monitoring
    return [
        *(Resource("metric", spec.name, log_metric(spec, environment)) for spec in METRICS),
        notification_channel(env_name, environment, settings, channel_target),
        *alert_policies(config, env_name, [channel_name]),
        dashboard(env_name, environment),
        *scheduler_jobs(env_name, environment, settings, function_url, config.project.invoices_dir),
    ]
