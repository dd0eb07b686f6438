from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from deploy_scripts.config import load_config
from deploy_scripts.errors import GcloudFailed
from deploy_scripts.pipeline.gcloud import (
    Gcloud,
    deploy_command,
    env_vars_file,
    mask_command,
    mask_text,
    revision_names,
    serving_revision,
    traffic_split,
)
from test_scripts.offline import REFUSAL


@pytest.fixture
def production(isolated_env):
    return load_config().environment("production")


def test_production_command_is_an_argument_list_with_references(production):
    command = deploy_command(production, Path("/stage/dir"), "/tmp/env.yaml")
    assert command[:5] == ["gcloud", "functions", "deploy", "process_invoice", "--gen2"]
    pairs = dict(zip(command[5::], command[6::], strict=False))
    assert pairs["--project"] == "freckled-hen-analytics" and pairs["--region"] == "us-central1"
    assert pairs["--runtime"] == "python312" and pairs["--entry-point"] == "process_invoice"
    assert pairs["--memory"] == "1GiB" and pairs["--timeout"] == "540s" and pairs["--source"] == "/stage/dir"
    # both replace everything live: the function ends up with exactly the config's variables and secrets
    assert pairs["--set-secrets"] == "GEMINI_API_KEY=gemini-api-key:latest"
    assert pairs["--env-vars-file"] == "/tmp/env.yaml"
    joined = " ".join(command)
    assert (
        "--set-env-vars" not in command
        and "be53c6e3a199a473" not in joined
        and "Update 20230525" not in joined
    )
    assert "--trigger-http" in command and "--allow-unauthenticated" in command


def test_no_secrets_or_variables_in_config_clears_them_live(production):
    bare = production.model_copy(update={"env_vars": {}, "secrets": {}})
    command = deploy_command(bare, Path("/s"))
    assert "--clear-secrets" in command and "--clear-env-vars" in command
    assert "--set-secrets" not in command and "--env-vars-file" not in command


def test_env_vars_file_is_owner_only_and_deleted_after(production):
    env = production.model_copy(update={"env_vars": {"A": 'x,y "quoted" @|~', "B": "Update 20230525"}})
    with env_vars_file(env) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # JSON is YAML (1.2): gcloud reads the file as YAML; every value is a string, commas and all
        assert json.loads(path.read_text()) == {"A": 'x,y "quoted" @|~', "B": "Update 20230525"}
    assert not path.exists()
    with env_vars_file(production.model_copy(update={"env_vars": {}})) as nothing:
        assert nothing is None


def test_masked_command_hides_every_environment_value(production):
    shown = mask_command(deploy_command(production, Path("/s"), "/tmp/env-vars-x.yaml"), production)
    joined = " ".join(shown)
    shown_vars = shown[shown.index("--env-vars-file") + 1]
    for value in production.env_vars.values():
        assert value not in shown_vars
    assert "be53c6e3a199a473" not in joined and "Update 20230525" not in joined
    assert shown_vars.startswith("<0600 temp file>: ")
    assert "GOOGLE_SHEETS_SHEET_NAME=***" in joined and "DOCUMENT_AI_PROCESSOR_ID=***" in joined
    assert "GEMINI_API_KEY=gemini-api-key:latest" in joined  # a reference, not a secret


def test_mask_text_scrubs_values(production):
    assert mask_text("bad value be53c6e3a199a473 given", production) == "bad value *** given"


def test_gclouds_own_error_is_reported(production, tmp_path):
    gcloud = Gcloud(production, dict(os.environ), timeout=60)
    with pytest.raises(GcloudFailed) as error:
        gcloud.deploy(tmp_path)
    message = str(error.value)
    assert message.startswith(
        "`gcloud functions deploy process_invoice` failed (exit 1): ERROR: (gcloud.functions.deploy)"
    )
    # gcloud's words quote the answer of the session's stand-in for Google (test_scripts/offline.py)
    assert REFUSAL in message
    assert error.value.returncode == 1
    assert gcloud.history[-1]["returncode"] == 1 and "***" in " ".join(gcloud.history[-1]["command"])


def test_timeout_is_reported_as_such(production, tmp_path):
    gcloud = Gcloud(production, dict(os.environ), timeout=0.05)
    with pytest.raises(GcloudFailed, match=r"did not finish within 0s and was stopped") as error:
        gcloud.run(["sleep", "5"])
    assert error.value.timed_out


def test_serving_revision_reads_run_v2_traffic():
    latest, pinned = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"
    service = {"trafficStatuses": [{"type": pinned, "revision": "r-2", "percent": 100}]}
    assert serving_revision(service) == "r-2"
    split = {
        "trafficStatuses": [
            {"type": pinned, "revision": "r-1", "percent": 50},
            {"type": pinned, "revision": "r-2", "percent": 50},
        ]
    }
    assert serving_revision(split) is None
    assert traffic_split(split)[0] == {"revision": "r-1", "percent": 50, "latest": False}
    follows_latest = {
        "latestReadyRevision": "projects/p/locations/us-central1/services/s/revisions/r-3",
        "trafficStatuses": [{"type": latest, "percent": 100}],
    }
    assert serving_revision(follows_latest) == "r-3"
    assert traffic_split(follows_latest) == [{"revision": None, "percent": 100, "latest": True}]
    assert revision_names([{"name": "projects/p/locations/l/services/s/revisions/r-1"}, {}]) == ["r-1"]


CONFLICT_ONCE = """
import pathlib, sys
marker = pathlib.Path(sys.argv[1])
if not marker.exists():
    marker.write_text("1")
    sys.stderr.write("ERROR: (gcloud.functions.deploy) ABORTED: unable to queue the operation\\n")
    sys.exit(1)
print("deployed")
"""


def test_409_unable_to_queue_is_retried(production, tmp_path):
    import sys

    gcloud = Gcloud(production, dict(os.environ), conflict_retries=2)
    command = [sys.executable, "-c", CONFLICT_ONCE, str(tmp_path / "seen")]
    assert gcloud.run_retrying_conflicts(command, timeout=30, wait_seconds=0.01).strip() == "deployed"
    assert [h["returncode"] for h in gcloud.history] == [1, 0]


def test_409_reported_in_gclouds_words_when_retries_run_out(production, tmp_path):
    import sys

    gcloud = Gcloud(production, dict(os.environ), conflict_retries=0)
    command = [sys.executable, "-c", CONFLICT_ONCE, str(tmp_path / "seen")]
    with pytest.raises(GcloudFailed) as error:
        gcloud.run_retrying_conflicts(command, timeout=30, wait_seconds=0.01)
    assert str(error.value).endswith(
        "failed (exit 1): ERROR: (gcloud.functions.deploy) ABORTED: unable to queue the operation"
    )


def test_other_failures_are_not_retried(production, tmp_path):
    import sys

    gcloud = Gcloud(production, dict(os.environ), conflict_retries=3)
    with pytest.raises(GcloudFailed):
        gcloud.run_retrying_conflicts(
            [sys.executable, "-c", "import sys; sys.exit(2)"], timeout=30, wait_seconds=0.01
        )
    assert len(gcloud.history) == 1
