"""Read copies: a sync carries the rows changed since the copy's last one, not the warehouse; a
reader holding a copy never blocks a sync; a late PostgreSQL commit is never skipped."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import synthetic_documents
from tests.warehouse.holders import hold, release
from warehouse import connect, database, readcopy
from warehouse.documents import insert_documents


def docs(n: int, start: int) -> list[dict]:
    rows = synthetic_documents(n + start)[start:]
    return [dict(d, doc_id=f"r{start + i}") for i, d in enumerate(rows)]


def mentions(target) -> int:
    with connect(target, read_only=True) as con:
        return con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]


def test_a_publish_carries_only_the_rows_written_since_and_readers_see_them(tmp_path: Path) -> None:
    path = tmp_path / "vigia.duckdb"
    with connect(path) as con:
        insert_documents(con, docs(300, 0))
    for k in range(3):  # after the first two, each standby is one sync behind: two batches travel
        with connect(path) as con:
            insert_documents(con, docs(5, 300 + 5 * k))
        assert database.last_publish["rows"] <= 10, database.last_publish
        assert mentions(path) == 305 + 5 * k
    assert path.is_symlink() and len(list(readcopy.copies_folder(path).glob("read-*.duckdb"))) == 2


def test_a_reader_holding_every_copy_does_not_stop_a_publish_and_keeps_its_view(tmp_path: Path) -> None:
    path = tmp_path / "vigia.duckdb"
    with connect(path) as con:
        insert_documents(con, docs(10, 0))
    with connect(path) as con:
        insert_documents(con, docs(10, 10))
    first, seen_first = hold(path, "read", "SELECT count(*) FROM mentions")  # a notebook left open
    with connect(path) as con:
        insert_documents(con, docs(10, 20))
    second, seen_second = hold(path, "read", "SELECT count(*) FROM mentions")  # another, on the new copy
    try:
        with connect(path) as con:  # both copies are held: a third is made from the current one
            insert_documents(con, docs(10, 30))
        assert mentions(path) == 40
        assert (seen_first, seen_second) == ("20", "30")
    finally:
        release(first)
        release(second)


def test_a_transaction_that_commits_after_a_sync_is_not_skipped(postgres, tmp_path: Path, monkeypatch) -> None:
    url = postgres.create_database("late_commit")
    monkeypatch.setenv("VIGIA_READ_COPY", str(tmp_path / "rc.duckdb"))
    monkeypatch.setenv("VIGIA_SYNC_SECONDS", "0")
    with connect(url) as con:
        insert_documents(con, docs(3, 0))
    with connect(url) as slow, connect(url) as quick:
        slow.execute("BEGIN TRANSACTION")
        insert_documents(slow, docs(1, 100))  # started first, committed last
        insert_documents(quick, docs(1, 200))
        assert mentions(url) == 4  # the quick one is visible; the slow one is not committed yet
        slow.execute("COMMIT")
    assert mentions(url) == 5  # read again from the oldest transaction that was running
