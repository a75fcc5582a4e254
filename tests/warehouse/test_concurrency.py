"""Readers, writers and scorers in separate processes on one warehouse (real processes)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import synthetic_documents
from tests.warehouse.holders import hold, release
from warehouse import WriterBusy, connect
from warehouse.database import spool_folder, writer_path
from warehouse.documents import claim_documents_to_score, insert_documents
from warehouse.spool import spool_documents, waiting_batches

REPO = Path(__file__).resolve().parents[2]


def count(path: Path) -> int:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT count(*) FROM documents").fetchall()[0][0]


def test_a_reader_holding_the_snapshot_blocks_no_writer_and_keeps_its_view(filled_db: Path) -> None:
    reader, seen = hold(filled_db, "read", "SELECT count(*) FROM documents")
    try:
        started = time.monotonic()
        with connect(filled_db, timeout=2) as con:
            insert_documents(con, synthetic_documents(120, seed=7)[90:])
        wrote = time.monotonic() - started
        assert count(filled_db) == 120  # a new reader sees the published write at once
    finally:
        release(reader)
    assert seen == "90" and wrote < 2


def test_the_sql_console_answers_while_a_writer_holds_the_writer_lock(filled_db: Path) -> None:
    code = (
        "import sys, time\nfrom warehouse import connect\n"
        "with connect(sys.argv[1]) as con:\n    print('writing', flush=True); time.sleep(4)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(filled_db)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "cli", "sql", "--db", str(filled_db), "--format", "csv",
                           "SELECT count(*) FROM mentions"], cwd=REPO, capture_output=True, text=True, timeout=60)
    waited = time.monotonic() - started
    assert writer.poll() is None, "the writer should still be holding the lock"
    writer.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "90"
    assert waited < 4


def test_a_writer_file_held_directly_makes_writers_busy_and_the_spool_stores_their_batch(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        insert_documents(con, synthetic_documents(10))
    holder, _ = hold(writer_path(path), "write")
    try:
        with pytest.raises(WriterBusy):
            with connect(path, timeout=0.5):
                pass
        spool_documents(path, synthetic_documents(25))  # what the crawl does with a batch then
        assert len(waiting_batches(spool_folder(path))) == 1
        assert count(path) == 10  # readers are not blocked by the holder either
    finally:
        release(holder)
    with connect(path):  # the next writer stores the spooled batch first
        pass
    assert count(path) == 25 and waiting_batches(spool_folder(path)) == []
    spool_documents(path, synthetic_documents(25))  # the same batch again: stored once
    with connect(path):
        pass
    assert count(path) == 25


def test_a_single_file_warehouse_from_before_moves_to_the_snapshot_layout(tmp_path: Path) -> None:
    import duckdb

    from warehouse.database import migrate

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    migrate(con)
    insert_documents(con, synthetic_documents(12))
    con.close()
    assert not writer_path(path).exists()
    with connect(path) as con:
        insert_documents(con, synthetic_documents(15))
    assert writer_path(path).exists() and count(path) == 15


# One scorer, as its own process: waits for the go file, claims batches until none are left,
# prints the doc_ids it claimed as JSON. A plain subprocess, not multiprocessing's spawn: spawn
# re-imports whatever ``__main__`` is, and after the dashboard tests that is app.py.
_CLAIMER = """
import json, sys, time
from pathlib import Path
from warehouse import connect
from warehouse.documents import claim_documents_to_score
path, claimer, go = sys.argv[1:4]
print("ready", flush=True)
deadline = time.monotonic() + 300
while not Path(go).exists() and time.monotonic() < deadline:
    time.sleep(0.01)
claimed = []
while True:
    with connect(path, publish_when="due") as con:
        batch = claim_documents_to_score(con, "test:model", claimer=claimer, limit=7)
    if not batch:
        break
    claimed += [d["doc_id"] for d in batch]
    time.sleep(0.2)  # "scoring" (long enough for the other scorer to get the writer lock on a loaded machine)
print(json.dumps(claimed), flush=True)
"""


def test_concurrent_scorers_share_the_backlog_instead_of_repeating_it(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        insert_documents(con, synthetic_documents(90))
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", _CLAIMER, str(path), f"scorer{i}", str(go)],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    for worker in workers:  # both scorers are up before either claims (start-up time varies)
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    go.touch()
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    a, b = (json.loads(out.strip().splitlines()[-1]) for out, _ in outputs)
    assert not set(a) & set(b), "a document was claimed by both scorers"
    assert len(a) + len(b) == 90 and a and b


def test_an_expired_claim_goes_back_to_the_backlog(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        insert_documents(con, synthetic_documents(5))
        first = claim_documents_to_score(con, "m", claimer="dead", limit=5, lease_seconds=0.2)
        assert len(first) == 5 and claim_documents_to_score(con, "m", claimer="other", limit=5) == []
    time.sleep(0.4)
    with connect(path) as con:
        assert len(claim_documents_to_score(con, "m", claimer="other", limit=5)) == 5


def test_a_run_left_running_by_a_process_that_is_gone_is_marked_interrupted_by_the_next(tmp_path: Path) -> None:
    from warehouse.crawl_runs import start_run

    path = tmp_path / "w.duckdb"
    code = (
        "import sys\nfrom warehouse import connect\nfrom warehouse.crawl_runs import start_run\n"
        "with connect(sys.argv[1]) as con:\n    print(start_run(con, 'c', 'news_feeds'))\n"
    )
    gone = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, capture_output=True, text=True, check=True)
    dead_run = int(gone.stdout.strip())
    with connect(path) as con:
        mine = start_run(con, "c", "mastodon")  # this process is alive: its run stays running
        again = start_run(con, "c", "bluesky")
        statuses = dict(con.execute("SELECT run_id, status FROM crawl_runs").fetchall())
    assert statuses == {dead_run: "interrupted", mine: "running", again: "running"}


def test_a_writer_kept_open_between_writes_hands_over_as_soon_as_another_process_asks(tmp_path: Path, monkeypatch) -> None:
    from warehouse import writer

    monkeypatch.setenv("VIGIA_WRITER_HOLD_SECONDS", "120")  # it would keep the writer two minutes idle
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        insert_documents(con, synthetic_documents(10))
    assert writer._key(path) in writer._held  # kept open after the write
    code = ("import sys, time\nfrom warehouse import connect\nfrom warehouse.documents import insert_documents\n"
            "from tests.conftest import synthetic_documents\nstarted = time.monotonic()\n"
            "with connect(sys.argv[1], timeout=20) as con:\n    insert_documents(con, synthetic_documents(25))\n"
            "print(round(time.monotonic() - started, 2))\n")
    other = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    assert float(other.stdout.split()[-1]) < 5  # asked, not waited out
    assert count(path) == 25
    with connect(path) as con:  # and this process takes it back
        insert_documents(con, synthetic_documents(30))
    assert count(path) == 30


def test_a_write_left_for_later_is_published_within_the_publish_interval_without_another_write(tmp_path: Path,
                                                                                               monkeypatch) -> None:
    monkeypatch.setenv("VIGIA_WRITER_HOLD_SECONDS", "120")
    monkeypatch.setenv("VIGIA_PUBLISH_SECONDS", "1")
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        insert_documents(con, synthetic_documents(10))
    with connect(path, publish_when="due") as con:  # just published: not due yet
        insert_documents(con, synthetic_documents(20))
    assert count(path) == 10
    deadline = time.monotonic() + 10
    while count(path) != 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count(path) == 20
