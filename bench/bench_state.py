"""The shared state's cost per operation: a local directory vs localcloud's Cloud Storage (fake-gcs-server
through google-cloud-storage). A deploy does one lock acquire + release and about ten record saves.

    python bench/bench_state.py [--records 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy_scripts.localcloud.storage import local_storage_client, start_storage, stop_storage  # noqa: E402
from deploy_scripts.pipeline.records import RecordStore, RunRecord, new_run_id  # noqa: E402
from deploy_scripts.state import GcsBackend, LocalBackend  # noqa: E402
from deploy_scripts.state.lock import StateLock  # noqa: E402


def timed(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def measure(name: str, backend, records: int) -> None:
    store = RecordStore(backend)
    record = RunRecord(id=new_run_id(), kind="deploy", env="local", function="fn", actor="a@b", pid=1,
                       started_at="2026-01-01T00:00:00+00:00")  # fmt: skip

    def lock_cycle() -> None:
        StateLock(backend, "bench.p.r.fn", "run", "deploy").acquire().release()

    lock_ms = timed(lock_cycle, 20)
    save_ms = timed(lambda: store.save(record), 20)
    for i in range(records):
        store.save(record.model_copy(update={"id": f"{record.id}{i:04d}"}))
    history_ms = timed(lambda: store.all("fn", "local"), 3)
    print(f"{name:10s} lock acquire+release {lock_ms:7.1f} ms   record save {save_ms:6.1f} ms   "
          f"history of {records + 1} runs {history_ms:7.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("directory", LocalBackend(Path(tmp) / "state"), args.records)
        localcloud = Path(tmp) / "localcloud"
        start_storage(localcloud)
        try:
            client = local_storage_client(localcloud, "bench", "bench-state")
            measure("bucket", GcsBackend("bench-state", "bench", client), args.records)
        finally:
            stop_storage(localcloud)


if __name__ == "__main__":
    main()
