"""Shadow replay (pipeline/replay.py): the diff, its rendering, skipping, and `--accept-diff`.

The candidate is a real functions-framework process; its archive a directory it writes itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from deploy_scripts.cli.deploy_cmd import main as deploy
from deploy_scripts.config import load_config
from deploy_scripts.pipeline.replay import ReplayDiff, compare, render_diff, shadow_replay
from invoice_processing.service.archive import ArchivedResult, open_archive
from test_scripts.function.invoices import small_invoice
from test_scripts.function.servers import FunctionProcess
from test_scripts.function.test_archive import archiving


def archived(**changes) -> ArchivedResult:
    base = dict(
        archived_at=datetime(2026, 12, 1, 10, tzinfo=UTC), correlation_id="exec-1", revision="process-invoice-00001-abc",
        content_type="application/pdf", invoice_number="CI004848705",
        header={"invoice_number": "CI004848705", "vendor": "Creative Co-op"},
        line_items=[{"product_code": "DF6360", "unit_price": "4.00", "qty_shipped": 12},
                    {"product_code": "DF7838A", "unit_price": "4.80", "qty_shipped": 24}],
        rows=[["1/17/2025", "Creative Co-op", "CI004848705", "DF6360 - UPC: 191009487548 - Sugar Pot", "$4.00", 12]],
    )  # fmt: skip
    return ArchivedResult(**{**base, **changes})


def answer_of(result: ArchivedResult) -> dict:
    return {
        **result.header,
        "line_items": [dict(i) for i in result.line_items],
        "rows": [list(r) for r in result.rows],
    }


def test_an_identical_answer_has_no_difference():
    stable = archived()
    assert compare("k1", stable, answer_of(stable)) == []


def test_every_kind_of_difference_is_named_by_invoice_item_and_field():
    stable = archived()
    answer = answer_of(stable)
    answer["line_items"][0]["unit_price"] = "4.80"  # a changed field
    del answer["line_items"][1]  # a lost row
    answer["line_items"].append(
        {"product_code": "TRF-CCOI", "unit_price": "0.72", "qty_shipped": 1}
    )  # a new one
    answer["rows"][0][4] = "$4.80"
    answer["vendor"] = "Creative Coop"
    diff = compare("20261201T100000000000Z-exec-1", stable, answer)
    assert [(d.invoice, d.item, d.field, d.stable, d.candidate) for d in diff] == [
        ("CI004848705", "(header)", "vendor", "Creative Co-op", "Creative Coop"),
        ("CI004848705", "DF6360", "unit_price", "4.00", "4.80"),
        ("CI004848705", "DF7838A", "(line item)", "present", None),
        ("CI004848705", "TRF-CCOI", "(line item)", None, "present"),
        ("CI004848705", "sheet row 1", "wholesale", "$4.00", "$4.80"),
    ]
    assert render_diff(diff) == (
        "CI004848705 (archived request 20261201T100000000000Z-exec-1):\n"
        "  (header)  vendor: Creative Co-op -> Creative Coop\n"
        "  DF6360  unit_price: 4.00 -> 4.80\n"
        "  DF7838A  (line item): present -> (none)\n"
        "  TRF-CCOI  (line item): (none) -> present\n"
        "  sheet row 1  wholesale: $4.00 -> $4.80"
    )


def test_a_long_diff_is_cut_with_a_pointer_to_the_file():
    stable = archived(line_items=[{"product_code": f"XS{i:04d}", "qty": i} for i in range(50)])
    answer = answer_of(stable)
    for item in answer["line_items"]:
        item["qty"] += 1
    text = render_diff(compare("k", stable, answer), limit=3)
    assert text.splitlines()[-1] == "  ... and 47 more (see the diff file)"


# ------------------------------------------------------------------- against a real function


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    """One function that archives its real invoices in a directory (it is stable and candidate alike)."""
    with archiving(tmp_path_factory.mktemp("replay_function"), "process-invoice-00002-can") as function:
        files = {"invoice_file": ("invoice.pdf", small_invoice().pdf, "application/pdf")}
        response = requests.post(
            function.url, files=files, headers={"Function-Execution-Id": "real-1"}, timeout=60
        )
        assert response.status_code == 200, response.text
        yield function


@pytest.fixture
def replay_config(isolated_env, candidate, monkeypatch, tmp_path):
    monkeypatch.setenv("DEPLOY_REPLAY_INVOICES", "20")
    config = load_config()
    config.environments["local"].env_vars["INVOICE_ARCHIVE_URL"] = candidate.env["INVOICE_ARCHIVE_URL"]
    return config


def _tamper(candidate: FunctionProcess, code: str, price: str) -> str:
    """Make the archive say stable answered `price` for `code` (as if the candidate changed it)."""
    archive = open_archive(candidate.env["INVOICE_ARCHIVE_URL"])
    (entry,) = archive.recent(20)
    path = Path(candidate.env["INVOICE_ARCHIVE_URL"]) / entry.key / "result.json"
    data = json.loads(path.read_text())
    item = next(i for i in data["line_items"] if i["product_code"] == code)
    original, item["unit_price"] = item["unit_price"], price
    path.write_text(json.dumps(data))
    return original


def test_replay_passes_when_the_candidate_answers_as_stable_did(replay_config, candidate, tmp_path):
    check, metrics = shadow_replay(
        candidate.url, "process-invoice-00002-can", replay_config, diff_dir=tmp_path
    )
    assert (check.passed, check.skipped, check.measured) == (True, False, 1)
    assert metrics["compared"] == 1 and metrics["differences"] == 0
    events = [e for e in candidate.events() if e.get("message") == "invoice_processed"]
    assert [e["synthetic"] for e in events] == [False, True]  # the replay is synthetic traffic


def test_a_difference_fails_with_the_diff_and_accept_diff_accepts_exactly_it(
    replay_config, candidate, tmp_path
):
    sample = small_invoice()
    code = sample.product_codes[0]
    actual = _tamper(candidate, code, "999.99")
    check, metrics = shadow_replay(
        candidate.url, "process-invoice-00002-can", replay_config, diff_dir=tmp_path
    )
    diff_file = Path(metrics["diff_file"])
    assert not check.passed and check.measured == 1
    assert f"  {code}  unit_price: 999.99 -> {actual}" in check.detail.splitlines()
    assert f"`deploy --accept-diff {diff_file}` accepts an intended change" in check.detail
    written = ReplayDiff.model_validate_json(diff_file.read_text())
    assert [(d.invoice, d.item, d.field) for d in written.differences] == [
        (sample.order_no, code, "unit_price")
    ]
    assert diff_file.stat().st_mode & 0o077 == 0

    accepted, metrics = shadow_replay(candidate.url, "process-invoice-00002-can", replay_config, accept_diff=diff_file,
                                      diff_dir=tmp_path)  # fmt: skip
    assert accepted.passed and "1 accepted difference(s)" in accepted.detail
    assert (
        metrics["accepted_diff"]["file"] == str(diff_file) and len(metrics["accepted_diff"]["sha256"]) == 64
    )

    _tamper(candidate, code, "111.11")  # another change than the one reviewed: not accepted
    refused, _ = shadow_replay(candidate.url, "process-invoice-00002-can", replay_config, accept_diff=diff_file,
                               diff_dir=tmp_path)  # fmt: skip
    assert not refused.passed and f"unit_price: 111.11 -> {actual}" in refused.detail
    _tamper(candidate, code, actual)


def test_an_empty_archive_is_skipped_with_the_reason_never_passed_silently(replay_config, tmp_path):
    replay_config.environments["local"].env_vars["INVOICE_ARCHIVE_URL"] = str(tmp_path / "empty")
    check, metrics = shadow_replay("http://127.0.0.1:9/", "r", replay_config)
    assert (check.passed, check.skipped, check.threshold) == (True, True, "skipped")
    assert check.detail == (
        f"skipped: no archived real invoice in {tmp_path / 'empty'} yet (nothing processed for real within the retention)"
    )
    replay_config.deploy.replay_required = True
    check, _ = shadow_replay("http://127.0.0.1:9/", "r", replay_config)
    assert (check.passed, check.skipped) == (False, True)
    assert check.detail.endswith("; deploy.replay_required is set, so this fails")


def test_accept_diff_that_is_not_a_replay_diff_exits_2_before_anything_moves(isolated_env, tmp_path):
    bogus = tmp_path / "diff.json"
    bogus.write_text('{"hello": 1}')
    result = CliRunner().invoke(deploy, ["--accept-diff", str(bogus)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: --accept-diff {bogus}: not a replay diff; pass the file a failed shadow replay wrote\n"
    )


def test_an_archive_that_cannot_be_read_fails_the_check_naming_the_archive(replay_config, tmp_path):
    broken = tmp_path / "broken"
    (broken / "20261201T100000000000Z-exec-1").mkdir(parents=True)
    (broken / "20261201T100000000000Z-exec-1" / "document").write_bytes(b"%PDF")
    (broken / "20261201T100000000000Z-exec-1" / "result.json").write_text("{not json")
    replay_config.environments["local"].env_vars.update(
        INVOICE_ARCHIVE_URL=str(broken), INVOICE_ARCHIVE_RETENTION_DAYS="36500"
    )
    check, _ = shadow_replay("http://127.0.0.1:9/", "r", replay_config)
    assert (check.passed, check.skipped) == (False, False)
    assert check.detail.startswith(f"cannot read the archive {broken} (ValidationError: ")
