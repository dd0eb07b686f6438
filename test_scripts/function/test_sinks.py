"""The sinks' idempotency: SQLite in one transaction; Sheets through its client against the stand-in."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from invoice_processing.service.errors import InProgress
from invoice_processing.service.ledger import ledger_key
from invoice_processing.service.settings import Settings
from invoice_processing.service.sheets_sink import PENDING, SheetsSink
from invoice_processing.service.sqlite_sink import SqliteSink, read_rows

ROWS = [
    ["1/17/2025", "Creative Co-op", "CS003837319", "XS9826A - UPC: 191009727774 - 6\"H Metal Ballerina Ornament, Sage", "$1.60", 24],
    ["1/17/2025", "Creative Co-op", "CS003837319", "DF5599 - UPC: 191009165598 - S/3 Stoneware Sugar Pot w/ Lid", "$1,440.00", 1],
]  # fmt: skip


def test_ledger_key_depends_on_number_and_rows():
    assert ledger_key("CS1", ROWS) == ledger_key("CS1", [list(r) for r in ROWS])
    assert ledger_key("CS1", ROWS) != ledger_key("CS2", ROWS)
    assert ledger_key("CS1", ROWS) != ledger_key("CS1", ROWS[:1])


def test_sqlite_sink_writes_once(tmp_path):
    sink = SqliteSink(tmp_path / "rows.sqlite3", revision="r1")
    key = ledger_key("CS003837319", ROWS)
    first, second = sink.write(key, ROWS), sink.write(key, ROWS)
    assert (first.rows_added, first.rows_already_present) == (2, 0)
    assert (second.rows_added, second.rows_already_present) == (0, 2)
    assert read_rows(tmp_path / "rows.sqlite3") == ROWS


def test_sqlite_sink_concurrent_deliveries_write_once(tmp_path):
    path = tmp_path / "rows.sqlite3"
    key, results = ledger_key("CS003837319", ROWS), []

    def deliver():
        results.append(SqliteSink(path).write(key, ROWS).rows_added)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 0, 0, 2]
    assert len(read_rows(path)) == 2


@pytest.fixture
def sheet(standins, request):
    server, store = standins
    spreadsheet = f"sheet-{request.node.name}"[:80]
    settings = Settings(
        sink="sheets",
        spreadsheet_id=spreadsheet,
        sheet_name="Update 20230525",
        localcloud_url=server.url,
    )
    store.add_tab(spreadsheet, "Update 20230525")  # the business's tab exists; the ledger tab does not yet
    return SheetsSink(settings), store, spreadsheet


def test_sheets_sink_appends_b_to_g_and_is_idempotent(sheet):
    sink, store, spreadsheet = sheet
    key = ledger_key("CS003837319", ROWS)
    first = sink.write(key, ROWS)
    second = sink.write(key, ROWS)
    assert (first.rows_added, second.rows_added, second.rows_already_present) == (2, 0, 2)
    assert store.rows(spreadsheet, "Update 20230525", "A:G") == [["", *map(str, r)] for r in ROWS]
    ledger = store.rows(spreadsheet, "_invoice_ledger", "A:F")
    assert [r[2] for r in ledger] == ["pending", "written"]
    assert ledger[0][:2] == ["CS003837319", key.rows_sha256]


def test_sheets_sink_recovers_after_crash_between_rows_and_ledger(sheet):
    sink, store, spreadsheet = sheet
    key = ledger_key("CS003837319", ROWS)
    # The state a crash after step 2 leaves: a claim and the rows, no `written` entry.
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat(timespec="seconds")
    store.append(
        spreadsheet, "_invoice_ledger", 1, [[key.invoice_number, key.rows_sha256, PENDING, "2", old, "dead"]]
    )
    store.append(spreadsheet, "Update 20230525", 2, ROWS)
    result = sink.write(key, ROWS)
    assert (result.rows_added, result.rows_already_present) == (0, 2)
    assert len(store.rows(spreadsheet, "Update 20230525", "B:G")) == 2
    assert store.rows(spreadsheet, "_invoice_ledger", "C:C")[-1] == ["written"]


def test_sheets_sink_takes_over_a_stale_claim_without_rows(sheet):
    sink, store, spreadsheet = sheet
    key = ledger_key("CS003837319", ROWS)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat(timespec="seconds")
    store.append(
        spreadsheet, "_invoice_ledger", 1, [[key.invoice_number, key.rows_sha256, PENDING, "2", old, "dead"]]
    )
    assert sink.write(key, ROWS).rows_added == 2
    assert len(store.rows(spreadsheet, "Update 20230525", "B:G")) == 2


def test_sheets_sink_refuses_while_another_claim_is_fresh(sheet):
    sink, store, spreadsheet = sheet
    key = ledger_key("CS003837319", ROWS)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.append(
        spreadsheet, "_invoice_ledger", 1, [[key.invoice_number, key.rows_sha256, PENDING, "2", now, "busy"]]
    )
    with pytest.raises(InProgress) as caught:
        sink.write(key, ROWS)
    assert caught.value.status == 503 and caught.value.headers["Retry-After"] == "180"
    assert store.rows(spreadsheet, "Update 20230525", "B:G") == []


def test_sheets_sink_racing_deliveries_write_once(sheet):
    sink, store, spreadsheet = sheet
    key, outcomes = ledger_key("CS003837319", ROWS), []

    def deliver():
        try:
            outcomes.append(sink.write(key, ROWS).rows_added)
        except InProgress:
            outcomes.append("in-progress")

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(2) == 1
    assert len(store.rows(spreadsheet, "Update 20230525", "B:G")) == 2


def test_formula_looking_text_is_not_run(sheet):
    sink, store, spreadsheet = sheet
    rows = [["1/17/2025", "Creative Co-op", "CS1", '=IMPORTXML("http://x")', "$1.00", 1]]
    sink.write(ledger_key("CS1", rows), rows)
    assert store.rows(spreadsheet, "Update 20230525", "E:E") == [['\'=IMPORTXML("http://x")']]


def test_sheets_unreachable_is_503(tmp_path):
    from invoice_processing.service.errors import UpstreamUnavailable

    from .servers import free_port

    settings = Settings(sink="sheets", spreadsheet_id="x", localcloud_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(UpstreamUnavailable, match="could not be reached"):
        SheetsSink(settings).write(ledger_key("CS1", ROWS), ROWS)
