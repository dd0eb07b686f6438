"""The `localcloud` command: exact messages and exit codes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from deploy_scripts.localcloud import iam
from deploy_scripts.localcloud.cli import main
from deploy_scripts.localcloud.settings import StatePaths

pytestmark = pytest.mark.timeout(60)


def test_status_when_not_running(tmp_path):
    result = CliRunner().invoke(main, ["status", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == "localcloud is not running; start it with `localcloud start`\n"


def test_gcloud_env_when_not_running(tmp_path):
    result = CliRunner().invoke(main, ["gcloud-env", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == "Error: localcloud is not running; start it with `localcloud start`\n"


def test_stop_when_not_running(tmp_path):
    result = CliRunner().invoke(main, ["stop", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output == "localcloud was not running\n"


def test_bad_port_environment_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        main, ["start", "--state-dir", str(tmp_path)], env={"LOCALCLOUD_PORT": "eighty"}
    )
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: LOCALCLOUD_PORT='eighty' is not a port number; set it to an integer such as 8790\n"
    )


def test_start_is_idempotent_and_gcloud_env_uses_its_own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALCLOUD_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LOCALCLOUD_PORT", "0")
    runner = CliRunner()
    try:
        first = runner.invoke(main, ["start"])
        assert first.exit_code == 0, first.output
        assert first.output.startswith("localcloud started at http://127.0.0.1:")
        url = first.output.split()[3]
        second = runner.invoke(main, ["start"])
        assert second.exit_code == 0
        assert second.output.startswith(f"localcloud already running at {url} ")
        env = runner.invoke(main, ["gcloud-env", "--project", "p1"])
        lines = env.output.splitlines()
        assert f"export CLOUDSDK_CONFIG={tmp_path}/gcloud-config" in lines
        assert "export CLOUDSDK_CORE_PROJECT=p1" in lines
        assert "export CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true" in lines
        assert f"export CLOUDSDK_PROXY_PORT={url.rsplit(':', 1)[1]}" in lines
        assert "export CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN=http://run.localcloud/" in lines
        status = runner.invoke(main, ["status"])
        assert status.exit_code == 0 and status.output.startswith(f"localcloud running at {url}")
    finally:
        stopped = runner.invoke(main, ["stop"])
    assert stopped.output == "localcloud stopped\n"


def test_token_is_signed_for_the_audience_with_a_private_key(tmp_path):
    url = "http://127.0.0.1:8790/functions/p/us-central1/private_fn"
    result = CliRunner().invoke(main, ["token", "--state-dir", str(tmp_path), "--audience", url])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    paths = StatePaths(tmp_path)
    assert iam.verify_token(paths, token, {url}) == iam.OWNER_EMAIL
    with pytest.raises(iam.TokenRejected, match="audience"):
        iam.verify_token(paths, token, {url + "_other"})
    assert (tmp_path / "token-key").stat().st_mode & 0o777 == 0o600
    other = CliRunner().invoke(main, ["token", "--state-dir", str(tmp_path / "elsewhere"), "--audience", url])
    with pytest.raises(iam.TokenRejected, match="signature"):
        iam.verify_token(paths, other.output.strip(), {url})


def test_token_needs_an_audience(tmp_path):
    result = CliRunner().invoke(main, ["token", "--state-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Error: Missing option '--audience'." in result.stderr
