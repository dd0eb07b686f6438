"""Faults of the orchestrator and its config: the catalogue and a runner for each kind.

- BAD_CONFIGS: config files a careless edit produces; each must be refused by the real `deploy`
  command with exit 2 and the exact message (file, key, problem) before any stage runs.
- STATE_FAULTS: damaged state (a backup id that is a path, a flipped byte, a missing checksum, a
  partial backup, a dead run's staging) against the real BackupStore on a local state directory.
- KILL_FAULTS: kill/interrupt faults (issue 14 items 5-7, 10), each the e2e test that sends it to a
  real `deploy` process against a localcloud of its own; `kill_faults` runs them through pytest.

Used by `test_scripts/faults/test_orchestrator_faults.py` (CI) and
`bench/faults/run_orchestrator_faults.py` (everything, with figures). Expected messages are the
contract (docs/deploy.md), written by hand: never produced by running the code under test.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.cli.rollback_cmd import main as rollback
from deploy_scripts.config import DEFAULT_CONFIG, load_config
from deploy_scripts.errors import BackupInvalid
from deploy_scripts.localcloud.client import stop as stop_localcloud
from deploy_scripts.localcloud.processes import free_port
from deploy_scripts.pipeline.backup import BackupStore
from deploy_scripts.pipeline.records import KnownGoodStore, RecordStore, RunRecord
from test_scripts.deploy.conftest import write_config

RESERVED = "FUNCTION_SIGNATURE_TYPE, FUNCTION_TARGET, K_CONFIGURATION, K_REVISION, K_SERVICE, PORT"
#: a real-looking Google API key and a random token (made up here: they open nothing)
API_KEY = "AIzaSyD3xQ7pLr2Kf9Vb0Nw4Ts8Ym1Hc6Ej5Ua"
RANDOM_TOKEN = "q8Zr2LmX9vT4bN7kWc3YhP0aJd6Fs1Ge"
LOCAL_VARS = {"INVOICE_PARSER": "local", "INVOICE_SINK": "sqlite"}
SECRET_ADVICE = (
    "secrets never go under env_vars: store it in Secret Manager and reference it under secrets as "
    '{key} = "secret-name:version"'
)


@dataclass
class BadConfig:
    name: str
    #: write_config overrides (dotted with "__"), or a function of the config file's text
    overrides: dict = field(default_factory=dict)
    edit_text: Callable[[str], str] | None = None
    #: the whole message after "Error: ", with {path} for the file
    expected: str = ""
    #: extra arguments for `deploy` (e.g. --env production)
    args: tuple[str, ...] = ()
    #: the state directory comes from the file (DEPLOY_STATE_DIR unset)
    state_dir_from_file: bool = False


def _env_error(key: str, problem: str, env: str = "local", field_name: str = "env_vars") -> str:
    return f"{{path}}: environments.{env}.{field_name}: Value error, {key}: {problem}"


def _setting_error(setting: str, problem: str) -> str:
    return f"{{path}}: environments.local.{setting}: Value error, {problem}"


NOT_A_DIRECTORY = str(DEFAULT_CONFIG)  # a file: nothing can be created under it

BAD_CONFIGS: list[BadConfig] = [
    BadConfig(
        "negative post_deploy error rate",
        {"thresholds__post_deploy__max_error_rate": -0.1},
        expected="{path}: thresholds.post_deploy.max_error_rate: Input should be greater than or equal to 0",
    ),
    BadConfig(
        "post_deploy accuracy above 1",
        {"thresholds__post_deploy__min_reference_accuracy": 90},
        expected="{path}: thresholds.post_deploy.min_reference_accuracy: Input should be less than or equal to 1",
    ),
    BadConfig(
        "rollback error rate above 1",
        {"thresholds__rollback__max_error_rate": 2},
        expected="{path}: thresholds.rollback.max_error_rate: Input should be less than or equal to 1",
    ),
    BadConfig(
        "negative alert accuracy",
        {"thresholds__alerts__min_accuracy": -0.85},
        expected="{path}: thresholds.alerts.min_accuracy: Input should be greater than or equal to 0",
    ),
    BadConfig(
        "zero rollback processing time",
        {"thresholds__rollback__max_processing_seconds": 0},
        expected="{path}: thresholds.rollback.max_processing_seconds: Input should be greater than 0",
    ),
    BadConfig(
        "reserved PORT env key",
        {"environments__local__env_vars": {**LOCAL_VARS, "PORT": "8080"}},
        expected=_env_error("PORT", f"reserved; Cloud Run sets it itself ({RESERVED})"),
    ),
    BadConfig(
        "invalid 1BAD-KEY env key",
        {"environments__local__env_vars": {**LOCAL_VARS, "1BAD-KEY": "x"}},
        expected=_env_error(
            "'1BAD-KEY'", "not a valid variable name (letters, digits, underscores; not a digit first)"
        ),
    ),
    BadConfig(
        "X_GOOGLE_ env key",
        {"environments__local__env_vars": {**LOCAL_VARS, "X_GOOGLE_DEBUG": "1"}},
        expected=_env_error("X_GOOGLE_DEBUG", "the X_GOOGLE_ prefix is reserved by Google"),
    ),
    BadConfig(
        "newline in an env value",
        edit_text=lambda text: text.replace(
            'INVOICE_SINK = "sqlite"', 'INVOICE_SINK = "sqlite\\nINJECTED=1"', 1
        ),
        expected=_env_error(
            "INVOICE_SINK", "the value holds a line break or NUL; environment values are one line"
        ),
    ),
    BadConfig(
        "memory lots",
        {"environments__local__memory": "lots"},
        expected=_setting_error("memory", "'lots' is not a size with a unit, such as 512MiB or 1GiB"),
    ),
    BadConfig(
        "timeout forever",
        {"environments__local__timeout": "forever"},
        expected=_setting_error(
            "timeout", "'forever' is not a duration; use seconds such as 540s (at most 3600s)"
        ),
    ),
    BadConfig(
        "timeout over an hour",
        {"environments__local__timeout": "7200s"},
        expected=_setting_error("timeout", "'7200s' is 7200s; a 2nd gen HTTP function takes 1 to 3600s"),
    ),
    BadConfig(
        "region ../../etc",
        {"environments__local__region": "../../etc"},
        expected=_setting_error("region", "'../../etc' is not a region name such as us-central1"),
    ),
    BadConfig(
        "project id with spaces",
        {"environments__local__project": "My Project!"},
        expected=_setting_error(
            "project",
            "'My Project!' is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens)",
        ),
    ),
    BadConfig(
        "runtime with a space",
        {"environments__local__runtime": "python 3.12"},
        expected=_setting_error("runtime", "'python 3.12' is not a runtime id such as python312"),
    ),
    BadConfig(
        "entry point a file name",
        {"environments__local__entry_point": "main.py"},
        expected=_setting_error("entry_point", "'main.py' is not a Python function name"),
    ),
    BadConfig(
        "unwritable state_dir",
        {"state_dir": f"{NOT_A_DIRECTORY}/state"},
        state_dir_from_file=True,
        expected=(
            f"{{path}}: state_dir: {NOT_A_DIRECTORY}/state: {NOT_A_DIRECTORY} is not a directory; choose a "
            "writable directory (state_dir, --state-dir or DEPLOY_STATE_DIR)"
        ),
    ),
    BadConfig(
        "misspelt deploy key",
        {"deploy__deploy_timeout_secs": 5},
        expected="{path}: deploy.deploy_timeout_secs: unknown key; did you mean 'deploy_timeout_seconds'?",
    ),
    BadConfig(
        "misspelt environment key",
        {"environments__local__memroy": "1GiB"},
        expected="{path}: environments.local.memroy: unknown key; did you mean 'memory'?",
    ),
    BadConfig(
        "misspelt threshold table",
        {"thresholds__rollbak": {"min_accuracy": 0.85}},
        expected="{path}: thresholds.rollbak: unknown key; did you mean 'rollback'?",
    ),
    BadConfig(
        "literal API key under env_vars",
        {"environments__local__env_vars": {**LOCAL_VARS, "GEMINI_API_KEY": API_KEY}},
        expected=_env_error(
            "GEMINI_API_KEY",
            "looks like a secret (its name says so); " + SECRET_ADVICE.format(key="GEMINI_API_KEY"),
        ),
    ),
    BadConfig(
        "password-named env var",
        {"environments__local__env_vars": {**LOCAL_VARS, "SHEETS_PASSWORD": "hunter2"}},
        expected=_env_error(
            "SHEETS_PASSWORD",
            "looks like a secret (its name says so); " + SECRET_ADVICE.format(key="SHEETS_PASSWORD"),
        ),
    ),
    BadConfig(
        "API key value under an innocent name",
        {"environments__local__env_vars": {**LOCAL_VARS, "GEMINI_CONFIG": API_KEY}},
        expected=_env_error(
            "GEMINI_CONFIG",
            "looks like a secret (it has the prefix of a known credential format); "
            + SECRET_ADVICE.format(key="GEMINI_CONFIG"),
        ),
    ),
    BadConfig(
        "Slack token value",
        {"environments__local__env_vars": {**LOCAL_VARS, "NOTIFY_WITH": "xoxb-1234-5678-abcdef"}},
        expected=_env_error(
            "NOTIFY_WITH",
            "looks like a secret (it has the prefix of a known credential format); "
            + SECRET_ADVICE.format(key="NOTIFY_WITH"),
        ),
    ),
    BadConfig(
        "high-entropy value",
        {"environments__local__env_vars": {**LOCAL_VARS, "SIGNING_SALT": RANDOM_TOKEN}},
        expected=_env_error(
            "SIGNING_SALT",
            "looks like a secret (it holds a random-looking run of 32 characters (high entropy)); "
            + SECRET_ADVICE.format(key="SIGNING_SALT"),
        ),
    ),
    BadConfig(
        "secret value instead of a reference",
        {"environments__production__secrets": {"GEMINI_API_KEY": API_KEY}},
        expected=_env_error(
            "GEMINI_API_KEY",
            "must be a Secret Manager reference 'secret-name:version'",
            "production",
            "secrets",
        ),
    ),
    BadConfig(
        "reserved key under secrets",
        {"environments__production__secrets": {"K_SERVICE": "svc:latest"}},
        expected=_env_error(
            "K_SERVICE", f"reserved; Cloud Run sets it itself ({RESERVED})", "production", "secrets"
        ),
    ),
    BadConfig(
        "one variable from env_vars and secrets",
        {"environments__local__secrets": {"INVOICE_SINK": "sink:latest"}},
        expected="{path}: environments.local: Value error, INVOICE_SINK: set under both env_vars and secrets; keep one",
    ),
    BadConfig(
        "zero backups kept",
        {"backups__keep": 0},
        expected="{path}: backups.keep: Input should be greater than or equal to 1",
    ),
    BadConfig(
        "function name a path",
        {"environments__local__function": "../x"},
        expected=_setting_error(
            "function", "'../x' is not a function name (a letter, then up to 62 letters, digits, - or _)"
        ),
    ),
    BadConfig(
        "unknown default environment",
        {"default_env": "prod"},
        expected="{path}: default_env: unknown environment 'prod'; config defines: local, production",
    ),
    BadConfig(
        "production placeholder",
        args=("--env", "production"),
        expected=(
            "{path}: environments.production: env_vars.GOOGLE_SHEETS_SPREADSHEET_ID: still a placeholder "
            "(REPLACE_WITH_...); set the real value before deploying production"
        ),
    ),
]


@dataclass
class ConfigOutcome:
    case: BadConfig
    exit_code: int
    message: str
    state_written: bool

    @property
    def refused(self) -> bool:
        """Refused the right way: exit 2, the exact message, before any stage (no state written)."""
        return self.exit_code == 2 and self.message == self.expected and not self.state_written

    @property
    def expected(self) -> str:
        return self.case.expected


def _own_localcloud(directory: Path) -> dict[str, str]:
    """A localcloud of the fault's own (a free port, a state directory under `directory`), should
    a command get far enough to start one: never the machine's default port or state."""
    return {"LOCALCLOUD_PORT": str(free_port()), "LOCALCLOUD_STATE_DIR": str(directory / "localcloud")}


def write_bad_config(case: BadConfig, directory: Path) -> Path:
    path = write_config(directory / "deploy.toml", **case.overrides)
    if case.edit_text is not None:
        path.write_text(case.edit_text(path.read_text()))
    return path


def run_bad_config(case: BadConfig, directory: Path) -> ConfigOutcome:
    """`deploy --config FILE` for real (CliRunner), with a state directory and gcloud config of its
    own; a config that were accepted would go on to deploy, and is reported as not refused."""
    directory.mkdir(parents=True, exist_ok=True)
    path = write_bad_config(case, directory)
    state = directory / "state"
    env = {
        "DEPLOY_STATE_DIR": None if case.state_dir_from_file else str(state),
        "CLOUDSDK_CONFIG": str(directory / "gcloud"),
        **_own_localcloud(directory),
        **{var: None for var in ("DEPLOY_CONFIG", "DEPLOY_ENV", "DEPLOY_STATE_URL", "DEPLOY_PROJECT_DIR")},
    }
    try:
        result = CliRunner().invoke(deploy, ["--config", str(path), "--skip-validation", *case.args], env=env)
    finally:  # an accepted config went on to start a localcloud: stop it
        if (directory / "localcloud").exists():
            stop_localcloud(directory / "localcloud")
    message = result.stderr.strip().removeprefix("Error: ") if result.stderr else result.output.strip()
    return ConfigOutcome(
        case,
        result.exit_code,
        message.replace(str(path), "{path}"),
        state.exists() or (directory / "localcloud").exists(),
    )


# ------------------------------------------------------------------------------ state faults


def make_backup(store: BackupStore, source: Path, created: datetime, run_id: str) -> str:
    """A backup written by the real BackupStore, dated `created` (as a run at that time makes it)."""
    env = load_config().environment("local")
    manifest, _ = store.create(run_id, "local", env, source, None, None, None)
    wanted = f"backup_{created:%Y%m%dT%H%M%SZ}_{run_id[-6:]}"
    root = store.backend.local_path("backups")
    (root / manifest.id).rename(root / wanted)
    store.save(manifest.model_copy(update={"id": wanted}))
    return wanted


def flip_one_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@dataclass
class StateOutcome:
    name: str
    survived: bool
    detail: str


def fault_backup_id_is_a_path(state: Path, outside: Path) -> StateOutcome:
    """`rollback --to backup_X/../../outside`: exit 2 and nothing outside the state read."""
    outside.mkdir(parents=True, exist_ok=True)
    bait = outside / "manifest.json"
    bait.write_text("{}")
    before = os.stat(bait).st_atime_ns
    relative = os.path.relpath(outside, state / "backups")
    to = f"backup_X/{relative}"
    env = {"DEPLOY_CONFIG": None, "DEPLOY_STATE_URL": None, **_own_localcloud(outside.parent)}
    try:
        result = CliRunner().invoke(rollback, ["--to", to, "--state-dir", str(state)], env=env)
    finally:
        if (outside.parent / "localcloud").exists():
            stop_localcloud(outside.parent / "localcloud")
    expected = (
        f"Error: {to!r} is not a backup id: ids are names such as backup_20261201T120000Z_ab12cd, never paths; "
        "`rollback --action history` lists them\n"
    )
    untouched = os.stat(bait).st_atime_ns == before and not (state / "records").exists()
    survived = result.exit_code == 2 and result.output == expected and untouched
    return StateOutcome(
        "backup id that is a path", survived, f"exit {result.exit_code}: {result.output.strip()}"
    )


def fault_damaged_backup_falls_back(state: Path, source: Path) -> StateOutcome:
    """The newest verified backup has one byte flipped: refused, the next intact one chosen."""
    store = BackupStore(state)
    now = datetime.now(UTC)
    older = make_backup(store, source, now - timedelta(hours=3), "20260101T000000Z_0lder0")
    newer = make_backup(store, source, now - timedelta(hours=2), "20260101T000000Z_newer0")
    flip_one_byte(state / "backups" / newer / "source.zip")
    manifest, refused = store.newest_intact([newer, older])
    survived = (
        manifest is not None
        and manifest.id == older
        and len(refused) == 1
        and refused[0].startswith(f"backup {newer}: source.zip checksum ")
        and refused[0].endswith("the backup is damaged and will not be used")
    )
    return StateOutcome(
        "damaged backup, fall back", survived, f"chose {manifest and manifest.id}; refused {refused}"
    )


def fault_missing_checksum(state: Path, source: Path) -> StateOutcome:
    store = BackupStore(state)
    backup = make_backup(store, source, datetime.now(UTC) - timedelta(hours=1), "20260101T000000Z_nosha0")
    (state / "backups" / backup / "source.zip.sha256").unlink()
    try:
        store.verified_zip(store.load(backup))
    except BackupInvalid as exc:
        expected = f"backup {backup}: source.zip.sha256 is missing or empty, so the archive cannot be verified; not used"
        return StateOutcome("backup missing its .sha256", str(exc) == expected, str(exc))
    except Exception as exc:  # the fault: anything but a clear refusal
        return StateOutcome("backup missing its .sha256", False, f"{exc.__class__.__name__}: {exc}")
    return StateOutcome("backup missing its .sha256", False, "an unverifiable backup was accepted")


def fault_pruning(state: Path, source: Path, key: str = "process_invoice@local") -> StateOutcome:
    """Verified backups outlive newer ones of failed runs; partial backups and dead runs' staging go;
    no known-good entry names a deleted backup."""
    store = BackupStore(state)
    now = datetime.now(UTC)
    verified = [
        make_backup(store, source, now - timedelta(days=10 - i), f"20260101T000000Z_good0{i}")
        for i in range(3)
    ]
    failed = [
        make_backup(store, source, now - timedelta(days=5 - i), f"20260101T000000Z_fail0{i}")
        for i in range(4)
    ]
    known = KnownGoodStore(state)
    for i, backup in enumerate(verified):
        known.remember(key, f"process-invoice-0000{i}-abc", backup, f"run{i}")
    partial = f"backup_{now - timedelta(hours=3):%Y%m%dT%H%M%SZ}_partl0"
    (state / "backups" / partial).mkdir(mode=0o700)
    (state / "backups" / partial / "source.zip").write_bytes(b"PK\x03\x04 truncated")
    dead_run = RunRecord(
        id="20260101T000000Z_dead00", kind="deploy", env="local", function="process_invoice", actor="a@b",
        pid=0, started_at="2026-01-01T00:00:00+00:00", status="interrupted",
    )  # fmt: skip
    RecordStore(state).save(dead_run)
    live_run = dead_run.model_copy(update={"id": "20260101T000000Z_a11ce0", "status": "running", "pid": os.getpid(),
                                           "actor": f"a@{socket.gethostname()}"})  # fmt: skip
    RecordStore(state).save(live_run)
    staging, live_staging = state / "staging" / dead_run.id, state / "staging" / live_run.id
    for directory in (staging, live_staging):
        directory.mkdir(parents=True)
        (directory / "main.py").write_text("")
    removed = store.prune(keep=3, protected={verified[-1]})
    left = store.ids()
    pointed = {k.backup_id for k in known.entries(key) if k.backup_id}
    survived = (
        sorted(left) == sorted(verified)
        and partial in removed
        and not staging.exists()
        and live_staging.exists()
        and pointed <= set(left)
        and all(b not in left for b in failed)
    )
    return StateOutcome("pruning keeps verified backups", survived, f"left {left}; removed {removed}")


def state_faults(root: Path) -> list[StateOutcome]:
    from test_scripts.deploy.test_source_and_backup import make_source

    outcomes = []
    for index, fault in enumerate(
        (fault_damaged_backup_falls_back, fault_missing_checksum, fault_pruning, fault_backup_id_is_a_path)
    ):
        work = root / f"state-{index}"
        second = work / "outside" if fault is fault_backup_id_is_a_path else make_source(work / "source")
        try:
            outcomes.append(fault(work / "state", second))
        except Exception as exc:  # a fault that crashes the code under test was not survived
            name = (fault.__doc__ or fault.__name__).strip().splitlines()[0]
            outcomes.append(StateOutcome(name, False, f"{exc.__class__.__name__}: {exc}"))
    return outcomes


@dataclass
class KillFault:
    """A kill or interrupt fault (issue 14 items 5-7, 10), driven by the e2e test that sends it to a
    real `deploy`/`rollback` process against a localcloud of the test's own: the fault survived when
    that test passed (its assertions are the contract: what serves, exit code, record, message)."""

    name: str
    item: str
    #: pytest node id, relative to the repository
    test: str


_INTERRUPTS = "test_scripts/deploy/test_interrupts_e2e.py"
_OPERATOR = "test_scripts/deploy/test_operator_e2e.py"
_STATUS = "test_scripts/deploy/test_operator_status.py"

KILL_FAULTS: list[KillFault] = [
    KillFault(
        "SIGKILL in the deploy stage, gcloud runs on: the next deploy waits for the operation",
        "14.5",
        f"{_INTERRUPTS}::test_sigkill_mid_deploy_the_next_deploy_waits_for_the_operation",
    ),
    KillFault(
        "SIGKILL mid canary step: status flags it, the next command restores stable",
        "14.5",
        f"{_OPERATOR}::test_a_rollout_killed_mid_step_is_restored_to_stable_by_the_next_command",
    ),
    KillFault(
        "localcloud killed during verify: run interrupted, status flags, rollback restores",
        "14.6",
        f"{_INTERRUPTS}::test_localcloud_killed_during_verify_leaves_a_mark_the_next_command_acts_on",
    ),
    KillFault(
        "SIGTERM with the operation in flight: exit 143, stable serves",
        "14.7",
        f"{_INTERRUPTS}::test_sigterm_while_the_operation_is_in_flight_leaves_stable_serving",
    ),
    KillFault(
        "SIGINT during verify: exit 130, candidate untagged",
        "14.7",
        f"{_INTERRUPTS}::test_sigint_during_verify_untags_the_candidate",
    ),
    KillFault(
        "status of a killed run, localcloud down: interrupted, exit 1, starts nothing",
        "14.10",
        f"{_STATUS}::test_status_without_localcloud_says_so_exits_1_and_starts_nothing",
    ),
    KillFault(
        "history shows a killed run as interrupted",
        "14.10",
        f"{_STATUS}::test_history_shows_a_killed_run_as_interrupted",
    ),
]


def kill_faults(root: Path, faults: list[KillFault] = KILL_FAULTS) -> list[StateOutcome]:
    """Run the kill faults' tests in one pytest process (each e2e module starts one localcloud of its
    own on a free loopback port) and read each one's result from pytest's JUnit XML report."""
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    root.mkdir(parents=True, exist_ok=True)
    report = root / "kill-faults.xml"
    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DEPLOY_CONFIG", "DEPLOY_STATE_DIR")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
         f"--basetemp={root / 'pytest'}", *(f.test for f in faults)],
        cwd=repo, env=env, capture_output=True, text=True,
    )  # fmt: skip
    results: dict[str, str] = {}  # "module.path::function" -> "passed" or what went wrong
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            problem = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
            node = f"{case.get('classname')}::{case.get('name')}"
            results[node] = "passed" if problem is None else f"{problem.tag}: {problem.get('message', '')}"
    outcomes = []
    for fault in faults:
        path, function = fault.test.split("::")
        node = f"{path.removesuffix('.py').replace('/', '.')}::{function}"
        verdict = results.get(
            node, f"not run (pytest exit {completed.returncode}): {completed.stdout[-300:]}"
        )
        outcomes.append(
            StateOutcome(f"{fault.name} ({fault.item})", verdict == "passed", f"{fault.test}: {verdict}")
        )
    return outcomes


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="orchestrator-faults-"))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def as_json(outcomes: list) -> str:
    return json.dumps([o.__dict__ for o in outcomes], default=str, indent=2)


# ------------------------------------------------------------------------------ against localcloud

#: the legitimate secret, kept only in localcloud's Secret Manager stand-in (secrets.toml)
LEGIT_SECRET = "gm-7Hq2Zr9XkL4vB8nT1wP6yC3dF0sJ5aE"
SECRET_REF = {"GEMINI_API_KEY": "gemini-api-key:latest"}


def _cli(command, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(command, [*args, "--json"], catch_exceptions=False)
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        return result.exit_code, {"error": result.output[-2000:]}


def group_or_other_readable(paths: list[Path]) -> list[str]:
    """`path mode` of every existing path whose mode gives group or others any access."""
    loose = []
    for path in paths:
        if path.exists() and path.stat().st_mode & 0o077:
            loose.append(f"{path} {oct(path.stat().st_mode & 0o777)}")
    return loose


@dataclass
class CloudFigures:
    outcomes: list[StateOutcome] = field(default_factory=list)
    secrets_found: list[str] = field(default_factory=list)
    #: the same scan with nothing skipped: must find secrets.toml (the scan reads what it claims to)
    control: list[str] = field(default_factory=list)
    loose_modes: list[str] = field(default_factory=list)


def localcloud_faults(root: Path, rollback_drill: bool = True) -> CloudFigures:
    """Real deploys through gcloud into a localcloud of its own: a secret-looking env value refused,
    a legitimate secret deployed as a Secret Manager reference, then removed from config (the live
    function must lose it); with `rollback_drill`, the newest verified backup damaged and the
    function deleted (the rollback must use the older intact backup). Then every file of the deploy
    state, localcloud's state and gcloud's config/logs is scanned for both secret values."""
    from deploy_scripts.localcloud.settings import StatePaths
    from deploy_scripts.secret_scan import files_containing
    from test_scripts.deploy.conftest import localcloud_environment

    figures = CloudFigures()
    note = figures.outcomes.append
    root.mkdir(parents=True, exist_ok=True)
    with localcloud_environment(root) as target:
        lc = StatePaths(root / "localcloud").create()
        lc.secrets_toml.write_text(f'gemini-api-key = "{LEGIT_SECRET}"\n')  # as a person would: 0644
        base = {"environments__local__localcloud_dir": str(lc.root)}
        leaked = write_config(
            root / "leaked.toml",
            **base,
            environments__local__env_vars={**LOCAL_VARS, "GEMINI_CONFIG": API_KEY},
        )
        code, out = _cli(deploy, "--config", str(leaked), "--skip-validation")
        note(
            StateOutcome(
                "secret-looking env value refused",
                code == 2 and "looks like a secret" in out["error"],
                str(out.get("error"))[:200],
            )
        )

        referenced = write_config(root / "secret.toml", **base, environments__local__secrets=SECRET_REF)
        code, out = _cli(deploy, "--config", str(referenced), "--skip-validation")
        live = target.gcloud.describe() or {}
        refs = live.get("serviceConfig", {}).get("secretEnvironmentVariables") or []
        note(
            StateOutcome(
                "secret deployed as a reference",
                code == 0 and [r.get("key") for r in refs] == ["GEMINI_API_KEY"],
                f"exit {code}; refs {refs}; {str(out.get('error'))[:300]}",
            )
        )
        first_backup = (out.get("record") or {}).get("backup_id")

        plain = write_config(root / "plain.toml", **base)
        code, plan = _cli(deploy, "--config", str(plain), "--dry-run", "--skip-validation")
        wanted = {
            "setting": "secrets.GEMINI_API_KEY",
            "change": "removed",
            "config": "(unset)",
            "live": "gemini-api-key:latest",
        }
        note(
            StateOutcome(
                "dry run shows the secret to be removed",
                code == 0 and wanted in plan.get("differences", []),
                str(plan.get("differences")),
            )
        )
        code, out = _cli(deploy, "--config", str(plain), "--skip-validation")
        live = target.gcloud.describe() or {}
        refs = live.get("serviceConfig", {}).get("secretEnvironmentVariables") or []
        note(
            StateOutcome(
                "secret removed from config leaves the function",
                code == 0 and refs == [],
                f"exit {code}; refs {refs}",
            )
        )
        second_backup = (out.get("record") or {}).get("backup_id")

        if rollback_drill and first_backup and second_backup:
            flip_one_byte(root / "state" / "backups" / second_backup / "source.zip")
            target.gcloud.delete_function()
            code, out = _cli(rollback, "--config", str(plain), "--reason", "fault: damaged backup")
            record = out.get("record") or {}
            slow = next((s for s in record.get("stages", []) if s["name"] == "slow_path"), {})
            refused = slow.get("detail", {}).get("refused", [])
            survived = (
                code == 0
                and slow.get("detail", {}).get("backup") == first_backup
                and len(refused) == 1
                and refused[0].startswith(f"backup {second_backup}: source.zip checksum ")
            )
            note(
                StateOutcome(
                    "damaged backup on the slow path, older intact one used",
                    survived,
                    f"exit {code}; slow {slow.get('detail')}; {out.get('error')}",
                )
            )

        gcloud_config = Path(target.gcloud.process_env.get("CLOUDSDK_CONFIG", lc.gcloud_config))
        scanned = [root / "state", lc.root, gcloud_config]
        figures.secrets_found = files_containing(scanned, [LEGIT_SECRET, API_KEY], skip=[lc.secrets_toml])
        figures.control = files_containing(scanned, [LEGIT_SECRET])
        database = lc.database
        figures.loose_modes = group_or_other_readable(
            [lc.root, database, Path(f"{database}-wal"), Path(f"{database}-shm"), lc.secrets_toml,
             lc.server_log, lc.logs, *sorted(lc.logs.glob("*")), *sorted(lc.sources.glob("*"))]
        )  # fmt: skip
    return figures
