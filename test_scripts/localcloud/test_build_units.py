"""The build's pure parts: requirements as the buildpack sees them, the cache key, the runtime note."""

from __future__ import annotations

import sys

from deploy_scripts.localcloud import build
from deploy_scripts.localcloud.build import BuildLog, Interpreter


def test_functions_framework_is_added_when_requirements_do_not_name_it(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "requests>=2  # http\n-r other.txt\nFunctions_Framework==3.5 ; python_version>'3'\n"
    )
    text, notes = build.effective_requirements(tmp_path)
    assert build.requirement_names(text) == {"requests", "functions-framework"}
    assert notes == []
    (tmp_path / "requirements.txt").write_text("requests\n")
    text, notes = build.effective_requirements(tmp_path)
    assert text == "requests\nfunctions-framework\n"
    assert notes == [
        "functions-framework is not in requirements.txt: adding it, as the Python buildpack does."
    ]


def test_no_requirements_file_installs_the_framework_only(tmp_path):
    text, notes = build.effective_requirements(tmp_path)
    assert text == "functions-framework\n" and notes[0].startswith("No requirements.txt")


def test_cache_key_follows_requirements_and_interpreter_not_layout():
    py = Interpreter("/usr/bin/python3.12", "3.12.1")
    assert build.environment_key(py, "a\nb\n") == build.environment_key(py, "  a\n\nb")
    assert build.environment_key(py, "a\n") != build.environment_key(py, "a==2\n")
    assert build.environment_key(py, "a\n") != build.environment_key(Interpreter("/opt/py", "3.12.2"), "a\n")


def test_a_missing_runtime_python_is_said_in_the_build_log(monkeypatch, tmp_path):
    monkeypatch.setattr(build, "find_interpreter", lambda version: None)
    interpreter, note = build.choose_interpreter("python313")
    own = ".".join(str(part) for part in sys.version_info[:3])
    assert interpreter == Interpreter(sys.executable, own)
    assert note == (
        f"WARNING: runtime python313 requested but no Python 3.13 was found on this machine; "
        f"the revision runs on Python {own} ({sys.executable})."
    )
    log = BuildLog(tmp_path / "b.log")
    log.write(note)
    assert log.path.read_text() == note + "\n"


def test_runtime_names_map_to_versions():
    assert [build.runtime_version(r) for r in ("python310", "python312", "python313")] == [
        "3.10",
        "3.12",
        "3.13",
    ]
