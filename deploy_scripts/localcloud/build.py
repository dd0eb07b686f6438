"""The BUILD stage, like Cloud Functions' Python buildpack: an environment of the revision's own.

Google installs `requirements.txt` into a fresh environment (adding functions-framework when it is
not named) and compiles every `.py` file of the source; either failing fails the build, so no
revision is created. Here the environment is a virtualenv made with `uv`, cached by the hash of
(interpreter, requirements) in a per-user directory, so a rebuild with unchanged requirements
reuses it in milliseconds. Revisions then run from it, never from localcloud's own packages.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "LOCALCLOUD_BUILD_CACHE"
INSTALL_TIMEOUT_SECONDS = 600
COMPILE_TIMEOUT_SECONDS = 120
FRAMEWORK = "functions-framework"
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class BuildFailed(Exception):
    """The build did not produce a runnable environment; the message is what the user must fix."""


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # "3.12.1"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


@dataclass(frozen=True)
class BuildResult:
    python: str  # the environment's interpreter: revisions run `python -m functions_framework` with it
    environment: Path
    runtime_python: str  # "3.12.1"
    cached: bool


def cache_root() -> Path:
    """Per user: LOCALCLOUD_BUILD_CACHE, else $XDG_CACHE_HOME/localcloud/builds, else ~/.cache/…"""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "localcloud" / "builds"


def runtime_version(runtime: str) -> str:
    """`python312` -> `3.12`."""
    digits = runtime.removeprefix("python")
    return f"{digits[0]}.{digits[1:]}"


def _probe(path: str) -> Interpreter | None:
    try:
        out = subprocess.run(
            [path, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = out.stdout.strip()
    return Interpreter(path, version) if out.returncode == 0 and version else None


_found: dict[str, Interpreter | None] = {}


def find_interpreter(version: str) -> Interpreter | None:
    """A working `pythonX.Y` on this machine: PATH, pyenv's versions, the system's (pyenv shims that
    do not run are skipped)."""
    if version in _found:
        return _found[version]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = [
        shutil.which(f"python{version}"),
        *sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True),
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
    ]
    found = None
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            interpreter = _probe(candidate)
            if interpreter is not None and interpreter.minor == version:
                found = interpreter
                break
    _found[version] = found
    return found


def choose_interpreter(runtime: str) -> tuple[Interpreter, str | None]:
    """The requested runtime's Python if the machine has it, else localcloud's own with a note."""
    wanted = runtime_version(runtime)
    interpreter = find_interpreter(wanted)
    if interpreter is not None:
        return interpreter, None
    own = Interpreter(sys.executable, ".".join(str(part) for part in sys.version_info[:3]))
    note = (
        f"WARNING: runtime {runtime} requested but no Python {wanted} was found on this machine; "
        f"the revision runs on Python {own.version} ({own.path})."
    )
    return own, note


def requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def effective_requirements(source_dir: Path) -> tuple[str, list[str]]:
    """requirements.txt as the buildpack sees it, plus log lines about what was added."""
    path = source_dir / "requirements.txt"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    notes = [] if path.is_file() else ["No requirements.txt: installing functions-framework only."]
    if FRAMEWORK not in requirement_names(text):
        notes.append(f"{FRAMEWORK} is not in requirements.txt: adding it, as the Python buildpack does.")
        text = text.rstrip("\n") + ("\n" if text.strip() else "") + FRAMEWORK + "\n"
    return text, notes


def environment_key(interpreter: Interpreter, requirements: str) -> str:
    normalized = "\n".join(line.strip() for line in requirements.splitlines() if line.strip())
    digest = hashlib.sha256(f"{interpreter.path}\n{interpreter.version}\n{normalized}".encode())
    return f"py{interpreter.version}-{digest.hexdigest()[:24]}"


class BuildLog:
    """The build's log file: what Cloud Build would show; its tail becomes a failure's message."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def write(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")


def _uv() -> str:
    """The uv binary installed next to this interpreter (a dependency of localcloud), else PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise BuildFailed("localcloud needs `uv` to build revisions: pip install uv")
    return found


def _run(
    command: list[str], log: BuildLog, timeout: float, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["UV_NO_PROGRESS"] = "1"
    log.write("$ " + " ".join(command))
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, env=env, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildFailed(f"`{command[0]}` did not finish within {timeout:.0f} s") from exc
    for stream in (result.stdout, result.stderr):
        if stream.strip():
            log.write(stream)
    return result


def _failure_text(result: subprocess.CompletedProcess, lines: int = 12) -> str:
    text = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part.strip())
    kept = [line for line in text.splitlines() if not line.startswith("Using Python")]  # uv's preamble
    return "\n".join(kept[-lines:])


def _environment(interpreter: Interpreter, requirements: str, log: BuildLog) -> tuple[Path, bool]:
    """The cached environment for these requirements, built under a lock if it is not there yet."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = environment_key(interpreter, requirements)
    final = root / key
    if (final / ".complete").is_file():
        log.write(f"Reusing the environment for these requirements ({key}).")
        return final, True
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another localcloud (or test run) may build the same key
        if (final / ".complete").is_file():
            log.write(f"Reusing the environment for these requirements ({key}).")
            return final, True
        staging = root / f"{key}.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        uv = _uv()
        try:
            made = _run(
                [uv, "venv", "-q", "--relocatable", "--python", interpreter.path, str(staging)], log, 120
            )
            if made.returncode != 0:
                raise BuildFailed(f"creating the environment failed:\n{_failure_text(made)}")
            (staging / "requirements.txt").write_text(requirements)
            python = staging / "bin" / "python"
            installed = _run(
                [
                    uv,
                    "pip",
                    "install",
                    "--compile-bytecode",
                    "--python",
                    str(python),
                    "-r",
                    str(staging / "requirements.txt"),
                ],
                log,
                INSTALL_TIMEOUT_SECONDS,
            )
            if installed.returncode != 0:
                raise BuildFailed(
                    f"pip_install: installing requirements.txt failed:\n{_failure_text(installed)}"
                )
            (staging / ".complete").write_text(key + "\n")
            staging.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return final, False


def build(source_dir: Path, runtime: str, log: BuildLog) -> BuildResult:
    """Install the requirements and compile every file; raises BuildFailed with the log's message."""
    interpreter, note = choose_interpreter(runtime)
    log.write(f"Runtime {runtime}: Python {interpreter.version} ({interpreter.path})")
    if note:
        log.write(note)
    requirements, notes = effective_requirements(source_dir)
    for line in notes:
        log.write(line)
    environment, cached = _environment(interpreter, requirements, log)
    python = environment / "bin" / "python"
    # Every file, imported or not, as the buildpack does; -q prints only the failures.
    # Relative paths, as in Google's message ("*** Error compiling './lib/x.py'...").
    compiled = _run(
        [str(python), "-m", "compileall", "-q", "."], log, COMPILE_TIMEOUT_SECONDS, cwd=source_dir
    )
    if compiled.returncode != 0:
        raise BuildFailed(f"compileall: {_failure_text(compiled)}")
    log.write("Build succeeded.")
    return BuildResult(str(python), environment, interpreter.version, cached)
