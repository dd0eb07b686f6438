"""config/deploy.toml -> validated pydantic models. Every error names the file, the key and the problem."""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .project import Project, find_project
from .secret_scan import secret_name, secret_value_reason

#: The checkout this package was imported from: for the test suite and dev tools only. Commands
#: find their project from the working directory (deploy_scripts/project.py).
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "deploy.toml"
STATE_URL = re.compile(r"gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[^\s]*)?")
SECRET_REF = re.compile(r"[A-Za-z0-9_-]{1,255}:(latest|[0-9]+)")
#: Google Cloud project ids: 6-30 lowercase letters, digits, hyphens; a letter first.
PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")
REGION = re.compile(r"[a-z]+-[a-z]+[0-9]+")
RUNTIME = re.compile(r"[a-z]+[0-9]+")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: gcloud's --memory: a number and a unit (k, M, G, Ki, Mi, Gi, optionally ending in B)
MEMORY = re.compile(r"[0-9]+(\.[0-9]+)?(k|M|G|T|Ki|Mi|Gi|Ti)?B?")
#: gcloud's durations (`gcloud topic datetimes`): 540s, 9m, 1h30m, or plain seconds
DURATION = re.compile(r"(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?|(?P<plain>[0-9]+)")
#: Fields checked by their shape alone: the pattern, and what a value must be (for the message).
FORMATS = {
    "function": (FUNCTION_NAME, "a function name (a letter, then up to 62 letters, digits, - or _)"),
    "project": (PROJECT_ID, "a Google Cloud project id (6-30 lowercase letters, digits, hyphens)"),
    "region": (REGION, "a region name such as us-central1"),
    "runtime": (RUNTIME, "a runtime id such as python312"),
    "entry_point": (IDENTIFIER, "a Python function name"),
    "memory": (MEMORY, "a size with a unit, such as 512MiB or 1GiB"),
}
#: a 2nd gen HTTP function runs at most 60 minutes
MAX_TIMEOUT_SECONDS = 3600
#: set by Cloud Run / the functions runtime; a deploy that sets them is refused or breaks the function
#: (cloud.google.com/run/docs/configuring/services/overview-environment-variables)
RESERVED_ENV_KEYS = frozenset(
    {"PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE"}
)
#: what a template value that nobody filled in looks like
PLACEHOLDER = re.compile(r"REPLACE_WITH_[A-Z0-9_]*|<[A-Z][A-Z_ ]*>")

#: environment variable -> (dotted config key, type); they override the file, flags override both.
ENV_OVERRIDES: dict[str, tuple[str, type]] = {
    "DEPLOY_ENV": ("default_env", str),
    "DEPLOY_STATE_DIR": ("state_dir", str),
    "DEPLOY_STATE_URL": ("state_url", str),
    "DEPLOY_LOCK_LEASE_SECONDS": ("deploy.lock_lease_seconds", float),
    "DEPLOY_BACKUPS_KEEP": ("backups.keep", int),
    "DEPLOY_TIMEOUT_SECONDS": ("deploy.deploy_timeout_seconds", float),
    "DEPLOY_LOAD_SAMPLE_REQUESTS": ("deploy.load_sample_requests", int),
    "DEPLOY_ROLLOUT_STRATEGY": ("rollout.strategy", str),
    "DEPLOY_REPLAY_INVOICES": ("deploy.replay_invoices", int),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadinessThresholds(_Strict):
    min_readiness_score: float = Field(0.95, ge=0, le=1)
    min_reference_accuracy: float = Field(0.90, ge=0, le=1)
    min_price_accuracy: float = Field(0.95, ge=0, le=1)
    #: Golden invoices are exact: one price that disagrees with ground truth is a regression.
    max_price_mismatches: int = Field(0, ge=0)
    min_quantity_accuracy: float = Field(0.95, ge=0, le=1)
    min_description_accuracy: float = Field(0.95, ge=0, le=1)
    #: product code, UPC, unit of measure (and any item field no other check covers)
    min_item_field_accuracy: float = Field(0.95, ge=0, le=1)
    #: vendor, invoice number, dates, customer and PO numbers, document kind, order number
    min_header_accuracy: float = Field(1.0, ge=0, le=1)
    min_totals_accuracy: float = Field(1.0, ge=0, le=1)
    min_invoice_number_rate: float = Field(1.0, ge=0, le=1)
    min_other_vendor_accuracy: float = Field(0.80, ge=0, le=1)
    max_seconds_per_invoice: float = Field(5.0, gt=0)
    max_peak_memory_mb: float = Field(500, gt=0)
    #: The real documents the gate must always be judged on; each needs `<number lowercased>.expected.json`
    #: (and its PDF and/or Document AI JSON) in the orchestrator's test_invoices/.
    reference_invoices: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")]
    ] = Field(default_factory=lambda: ["CS003837319"], min_length=1)
    #: reference invoice -> the fewest line items its extraction may have; one entry per reference.
    min_reference_items: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: {"CS003837319": 130}
    )
    critical: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _renamed_reference_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and "reference_invoice" in data:
            raise ValueError(
                "reference_invoice was replaced by reference_invoices (a list of invoice numbers) "
                "with min_reference_items as a table {NUMBER = count}"
            )
        return data

    @model_validator(mode="after")
    def _one_item_minimum_per_reference(self) -> ReadinessThresholds:
        refs = self.reference_invoices
        if len(set(refs)) != len(refs):
            raise ValueError(f"reference_invoices lists an invoice twice: {refs}")
        missing = [r for r in refs if r not in self.min_reference_items]
        unknown = sorted(set(self.min_reference_items) - set(refs))
        if missing or unknown:
            raise ValueError(
                "min_reference_items needs exactly one entry per reference invoice"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not a reference invoice: {', '.join(unknown)}" if unknown else "")
            )
        return self

    @property
    def reference_invoice(self) -> str:
        """The primary reference: the one post-deploy verification sends to the live function."""
        return self.reference_invoices[0]


#: a share of something: 0..1 (90% is 0.90)
Rate = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]


class PostDeployThresholds(_Strict):
    max_health_seconds: Positive = 5.0
    max_reference_seconds: Positive = 120.0
    min_reference_accuracy: Rate = 0.90
    min_reference_items: Count = 130
    max_average_seconds: Positive = 60.0
    max_memory_mb: Positive = 1000
    max_error_rate: Rate = 0.05
    min_other_vendor_accuracy: Rate = 0.80


class RollbackThresholds(_Strict):
    min_accuracy: Rate = 0.85
    max_processing_seconds: Positive = 120.0
    max_error_rate: Rate = 0.10
    max_memory_mb: Positive = 1536


class AlertThresholds(_Strict):
    min_accuracy: Rate = 0.85
    max_average_seconds: Positive = 90.0
    max_error_rate: Rate = 0.05
    min_invoice_number_rate: Rate = 0.95
    max_placeholder_detections: Count = 0


class Thresholds(_Strict):
    readiness: ReadinessThresholds = Field(default_factory=ReadinessThresholds)
    post_deploy: PostDeployThresholds = Field(default_factory=PostDeployThresholds)
    rollback: RollbackThresholds = Field(default_factory=RollbackThresholds)
    alerts: AlertThresholds = Field(default_factory=AlertThresholds)


class Environment(_Strict):
    target: Literal["localcloud", "gcloud"]
    function: str
    entry_point: str = "process_invoice"
    project: str
    region: str = "us-central1"
    runtime: str = "python312"
    memory: str = "1GiB"
    timeout: str = "540s"
    env_vars: dict[str, str] = Field(default_factory=dict)
    #: NAME -> "secret-name:version" (Secret Manager references; never values).
    secrets: dict[str, str] = Field(default_factory=dict)
    allow_unauthenticated: bool = True
    #: localcloud only: its state directory (None: localcloud's own default).
    localcloud_dir: Path | None = None
    #: where deploy state is shared (backups, records, history, lock): `gs://BUCKET/PREFIX`
    #: (for a localcloud target: the bucket localcloud's storage serves); None: the local state_dir
    state_url: str | None = None

    @field_validator("state_url")
    @classmethod
    def _gs_url(cls, value: str | None) -> str | None:
        if value is not None and not STATE_URL.fullmatch(value):
            raise ValueError("must be gs://BUCKET/PREFIX (or leave it out for the local state_dir)")
        return value

    @field_validator("secrets")
    @classmethod
    def _secret_references_only(cls, value: dict[str, str]) -> dict[str, str]:
        # A value that is not "name:version" is most likely a pasted secret; refuse it.
        for key, ref in value.items():
            _check_env_key(key)
            if not SECRET_REF.fullmatch(ref):
                raise ValueError(f"{key}: must be a Secret Manager reference 'secret-name:version'")
        return value

    @field_validator("env_vars")
    @classmethod
    def _plain_settings_only(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            _check_env_key(key)
            if any(c in text for c in "\r\n\0"):
                raise ValueError(
                    f"{key}: the value holds a line break or NUL; environment values are one line"
                )
            why = (
                "its name says so"
                if secret_name(key)
                else secret_value_reason(text, identifier=key.endswith("_ID"))
            )
            if why:
                raise ValueError(
                    f"{key}: looks like a secret ({why}); secrets never go under env_vars: store it in "
                    f'Secret Manager and reference it under secrets as {key} = "secret-name:version"'
                )
        return value

    @model_validator(mode="after")
    def _one_source_per_variable(self) -> Environment:
        both = sorted(set(self.env_vars) & set(self.secrets))
        if both:
            raise ValueError(f"{', '.join(both)}: set under both env_vars and secrets; keep one")
        return self

    @field_validator(*FORMATS)
    @classmethod
    def _well_formed(cls, value: str, info: ValidationInfo) -> str:
        pattern, what = FORMATS[info.field_name]
        return _matching(pattern, value, what)

    @field_validator("timeout")
    @classmethod
    def _timeout_duration(cls, value: str) -> str:
        match = DURATION.fullmatch(value)
        if not value or not match:
            raise ValueError(
                f"{value!r} is not a duration; use seconds such as 540s (at most {MAX_TIMEOUT_SECONDS}s)"
            )
        parts = {k: int(v) for k, v in match.groupdict().items() if v}
        seconds = (
            parts.get("plain", 0) + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)
        )
        if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
            raise ValueError(
                f"{value!r} is {seconds}s; a 2nd gen HTTP function takes 1 to {MAX_TIMEOUT_SECONDS}s"
            )
        return value

    def placeholders(self) -> list[str]:
        """Settings whose values are still template placeholders (REPLACE_WITH_...)."""
        return sorted(f"env_vars.{key}" for key, text in self.env_vars.items() if PLACEHOLDER.search(text))

    @property
    def service(self) -> str:
        """The Cloud Run service that backs a 2nd gen function (underscores become hyphens)."""
        return self.function.lower().replace("_", "-")


def _matching(pattern: re.Pattern, value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"{value!r} is not {what}")
    return value


def _check_env_key(key: str) -> None:
    """Cloud Run refuses empty keys, '=' and the X_GOOGLE_ prefix, and sets the reserved ones itself;
    a key that is no identifier cannot be read by the function's code (os.environ) either."""
    if key in RESERVED_ENV_KEYS:
        raise ValueError(
            f"{key}: reserved; Cloud Run sets it itself ({', '.join(sorted(RESERVED_ENV_KEYS))})"
        )
    if key.upper().startswith("X_GOOGLE_"):
        raise ValueError(f"{key}: the X_GOOGLE_ prefix is reserved by Google")
    if not IDENTIFIER.fullmatch(key):
        raise ValueError(
            f"{key!r}: not a valid variable name (letters, digits, underscores; not a digit first)"
        )


class DeploySettings(_Strict):
    """How the pipeline itself behaves (not the function)."""

    deploy_timeout_seconds: float = Field(600, gt=0)
    gcloud_timeout_seconds: float = Field(120, gt=0)
    health_attempts: int = Field(5, ge=1)
    load_sample_requests: int = Field(4, ge=0)
    #: the function's log lines arrive after its answers (a pipe locally, ingestion in Cloud Logging)
    events_wait_seconds: float = Field(30, ge=0)
    #: `gcloud functions deploy` answers 409 "unable to queue the operation" while another one runs.
    conflict_retries: int = Field(3, ge=0)
    #: the deploy lock's lease: the holder renews it while it runs; a lock not renewed for this
    #: long (its holder was killed, its machine died) is taken over by the next run, which says so
    lock_lease_seconds: float = Field(60, gt=0)
    #: shadow replay: the newest archived real invoices the candidate must answer as stable did
    replay_invoices: int = Field(20, ge=0)
    #: no archived invoice to replay fails verification instead of being recorded as skipped
    replay_required: bool = False


class WatchSettings(_Strict):
    interval_seconds: float = Field(15, gt=0)
    #: consecutive breaching evaluations before a rollback (one bad window is not enough)
    failure_limit: int = Field(2, ge=1)
    #: fewer events than this in a window is "inconclusive", never a rollback
    min_events: int = Field(3, ge=1)


class WorseThanStable(_Strict):
    """How much worse than stable (over the same window) the candidate may be; beyond it the step fails."""

    error_rate: float = Field(0.02, ge=0, le=1)
    quality_score: float = Field(0.05, ge=0, le=1)
    #: candidate p95 / stable p95
    p95_seconds_ratio: float = Field(1.5, ge=1)
    memory_mb: float = Field(256, ge=0)


class RolloutSettings(_Strict):
    """Blue-green verification through the tag URL, then canary steps judged against stable."""

    strategy: Literal["blue-green", "all-at-once"] = "blue-green"
    #: the candidate's share of live traffic per canary step; 100 (promotion) follows the last
    weights: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=lambda: [10, 50])
    step_seconds: float = Field(300, gt=0)
    #: fewer real candidate events than this at a step's end: the step waits, up to max_wait_seconds
    min_events: int = Field(5, ge=1)
    max_wait_seconds: float = Field(900, ge=0)
    #: what a step that stayed under min_events does (recorded and reported, never silent)
    inconclusive: Literal["abort", "promote", "pause"] = "abort"
    #: failing analyses before the rollout aborts
    failure_limit: int = Field(1, ge=1)
    max_error_rate: float = Field(0.05, ge=0, le=1)
    min_quality_score: float = Field(0.85, ge=0, le=1)
    max_p95_seconds: float = Field(60, gt=0)
    max_memory_mb: float = Field(1536, gt=0)
    max_worse_than_stable: WorseThanStable = Field(default_factory=WorseThanStable)

    @field_validator("weights")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise ValueError(f"weights must increase step by step, got {value}")
        return value


class RolloutConfig(RolloutSettings):
    """`[rollout]` for every environment; `[rollout.environments.NAME]` overrides keys for one."""

    environments: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _overrides_valid(self) -> RolloutConfig:
        for name in self.environments:
            self.for_env(name)  # raises on an unknown key or a bad value, naming the environment
        return self

    def for_env(self, env_name: str) -> RolloutSettings:
        base = self.model_dump(exclude={"environments"})
        override = self.environments.get(env_name) or {}
        worse = {**base["max_worse_than_stable"], **override.get("max_worse_than_stable", {})}
        try:
            return RolloutSettings.model_validate({**base, **override, "max_worse_than_stable": worse})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"environments.{env_name}: {problems}") from None


class MonitoringSettings(_Strict):
    """`[monitoring]`: what `monitor --action provision` creates in Cloud Monitoring, Logging and
    Scheduler besides the alert limits of `[thresholds.alerts]` (docs/monitoring.md)."""

    #: where alert policies notify: a webhook whose URL is a Secret Manager secret, or an email address
    notification: Literal["webhook", "email"] = "webhook"
    #: "name:version" of the secret holding the webhook URL (the URL itself is never in config or output)
    webhook_secret: str = Field("monitoring-webhook-url:latest", pattern=r"^[A-Za-z0-9_-]+:(latest|\d+)$")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$")
    #: golden invoices the daily job posts (test_invoices/<name>.pdf); the weekly job posts every golden PDF
    daily_invoices: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]] = Field(
        default_factory=lambda: ["cs003837319", "ci004848705"], min_length=1
    )
    daily_schedule: str = "0 6 * * *"  # unix cron, in time_zone
    weekly_schedule: str = "0 7 * * 1"
    time_zone: str = "Etc/UTC"
    #: no daily_check result for this long fires the absence policy
    absence_hours: float = Field(26, ge=1)
    #: the alert policies' window (alignment period), as `monitor --window`
    alert_window_minutes: int = Field(60, ge=1)
    #: the service account the scheduler's OIDC token names; None: the function allows unauthenticated calls
    scheduler_service_account: str | None = None


class Backups(_Strict):
    keep: int = Field(10, ge=1)


class DeployConfig(_Strict):
    default_env: str = "local"
    state_dir: Path = Path(".deploy")
    #: overrides every environment's state_url: a `gs://` URL, or a local directory
    state_url: str | None = None
    backups: Backups = Field(default_factory=Backups)
    deploy: DeploySettings = Field(default_factory=DeploySettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    environments: dict[str, Environment]
    thresholds: Thresholds = Field(default_factory=Thresholds)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    #: the project this config was loaded for (paths in the config are relative to its root)
    _project: Project | None = PrivateAttr(default=None)

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = find_project()
        return self._project

    def for_project(self, project: Project) -> DeployConfig:
        self._project = project
        return self

    def environment(self, name: str | None = None) -> Environment:
        name = name or self.default_env
        if name not in self.environments:
            known = ", ".join(sorted(self.environments))
            raise ConfigError(f"unknown environment {name!r}; config defines: {known}")
        return self.environments[name]

    def rollout_for(self, env_name: str | None = None) -> RolloutSettings:
        return self.rollout.for_env(env_name or self.default_env)

    def resolved_state_dir(self) -> Path:
        """The local state directory: staging, scratch, and the state itself without a state URL."""
        return self.project.resolve(self.state_dir)

    def state_location(self, env_name: str | None = None) -> str:
        """Where the shared state of `env_name` lives: a gs:// URL or a local directory."""
        return self.state_url or self.environment(env_name).state_url or str(self.resolved_state_dir())


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model that holds the last key of `loc` (for "did you mean"), walking tables and dicts."""
    model: Any = DeployConfig
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            model = field.annotation if field else None
        elif get_origin(model) is dict:
            model = get_args(model)[1]  # part is a key of the table (an environment name)
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _problem(error: dict) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        model = _model_at(error["loc"])
        close = difflib.get_close_matches(
            str(error["loc"][-1]), list(model.model_fields) if model else [], n=1
        )
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{key}: unknown key{hint}"
    return f"{key}: {error['msg']}"


def _describe(error: ValidationError, path: Path) -> str:
    return f"{path}: " + "; ".join(_problem(e) for e in error.errors())


def check_state_dir(config: DeployConfig, path: Path | str) -> None:
    """The local state directory must be one this user can create and write (staging, the lock,
    downloads): refuse it now rather than with a traceback mid-deploy."""
    where = config.resolved_state_dir()
    existing = where
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if not existing.is_dir():
        problem = f"{existing} is not a directory"
    else:
        try:
            with tempfile.TemporaryFile(dir=existing):
                pass
        except OSError as exc:
            problem = f"{existing} is not writable ({exc.strerror or exc})"
    if problem:
        raise ConfigError(
            f"{path}: state_dir: {where}: {problem}; choose a writable directory (state_dir, "
            "--state-dir or DEPLOY_STATE_DIR)"
        )


def _apply_env_overrides(raw: dict, path: Path) -> None:
    for var, (key, kind) in ENV_OVERRIDES.items():
        value = os.environ.get(var)
        if not value:
            continue
        try:
            converted = kind(value)
        except ValueError:
            raise ConfigError(
                f"{path}: {key}: environment variable {var}={value!r} is not a {kind.__name__}"
            ) from None
        *parents, leaf = key.split(".")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = converted


def load_config(path: Path | str | None = None, project: Project | None = None) -> DeployConfig:
    """Load and validate the project's config; DEPLOY_CONFIG names another file, ENV_OVERRIDES
    override its values (DEPLOY_STATE_DIR alone means: the state is that local directory)."""
    project = project or find_project()
    path = Path(path or os.environ.get("DEPLOY_CONFIG") or project.config_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    _apply_env_overrides(raw, path)
    if os.environ.get("DEPLOY_STATE_DIR") and not os.environ.get("DEPLOY_STATE_URL"):
        raw["state_url"] = str(project.resolve(Path(raw["state_dir"])))
    try:
        config = DeployConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    try:
        config.environment()  # the default must exist
    except ConfigError as exc:
        raise ConfigError(f"{path}: default_env: {exc}") from None
    config.for_project(project)
    check_state_dir(config, path)
    return config


def refuse_placeholders(config: DeployConfig, env_name: str | None, path: Path | str | None = None) -> None:
    """Deploying an environment whose values are still template placeholders is refused (exit 2);
    a dry run shows the same words as a warning (placeholder_problem)."""
    found = placeholder_problem(config, env_name, path)
    if found:
        raise ConfigError(found)


def placeholder_problem(
    config: DeployConfig, env_name: str | None, path: Path | str | None = None
) -> str | None:
    name = env_name or config.default_env
    keys = config.environment(name).placeholders()
    if not keys:
        return None
    where = path or os.environ.get("DEPLOY_CONFIG") or config.project.config_file
    return (
        f"{where}: environments.{name}: {', '.join(keys)}: still a placeholder (REPLACE_WITH_...); "
        f"set the real value before deploying {name}"
    )
