"""Read copies: a sync carries the rows changed since the copy's last one, not the warehouse; a
reader holding a copy never blocks a sync; a late PostgreSQL commit is never skipped."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import synthetic_documents
from tests.warehouse.holders import hold, release
from warehouse import connect, readcopy, writer
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
        assert writer.last_publish["rows"] <= 10, writer.last_publish
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


def test_read_copies_mirror_every_table_the_migrations_make_without_a_list(tmp_path: Path, monkeypatch) -> None:
    """A table a later migration adds (issue 20's shares, issue 23's alert rules, the next one) is
    stamped and reaches readers with nothing else to edit; the copies carry no keys to maintain."""
    from warehouse import database

    files = database._migration_files
    extra = (900, "notes", "CREATE TABLE notes (note_id BIGINT PRIMARY KEY, campaign VARCHAR, body VARCHAR)")
    monkeypatch.setattr(database, "_migration_files", lambda dialect=database.DUCKDB: [*files(dialect), extra])
    readcopy.layout.cache_clear()
    try:
        path = tmp_path / "vigia.duckdb"
        with connect(path) as con:
            insert_documents(con, docs(3, 0))
            con.execute("INSERT INTO notes (note_id, campaign, body) VALUES (1, 'c', 'first'), (2, 'c', 'second')")
        with connect(path, read_only=True) as con:
            assert con.execute("SELECT body FROM notes ORDER BY note_id").fetchall() == [("first",), ("second",)]
            stored = {r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
            keyed = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                                "AND table_name NOT IN ('daily_rows', 'vigia_meta')").fetchall()[0][0]
        with connect(path) as con:
            con.execute("UPDATE notes SET body = 'edited', changed = nextval('change_seq') WHERE note_id = 2")
        assert mentions(path) == 3
        with connect(path, read_only=True) as con:
            assert con.execute("SELECT body FROM notes ORDER BY note_id").fetchall() == [("first",), ("edited",)]
        assert {"notes", "share_estimates", "share_trust", "share_calibration", "correction_use", "alert_rules",
                "analyst_events", "share_groups"} <= stored
        assert set(readcopy.layout().tables) == stored - database.UNMIRRORED - {"vigia_meta"}
        assert keyed == 0
    finally:
        readcopy.layout.cache_clear()


def test_a_copy_whose_term_index_was_built_another_way_is_made_again(tmp_path: Path, monkeypatch) -> None:
    """Migration 054 added word pairs to the term index and no column: a copy made by the code
    before it (words only) must not answer a phrase from its index, which holds no pair."""
    from warehouse import mention_rows
    from warehouse.explorer import Selection, count
    from warehouse.query import where
    from warehouse.writer import release

    words_only = mention_rows._TERMS.replace(
        "list_concat(words, list_transform(words[2:], lambda w, i: words[i] || ' ' || w))", "words")
    assert words_only != mention_rows._TERMS
    path = tmp_path / "vigia.duckdb"
    first = [d | {"title": None, "text": f"Cámaras en Larco, nota {i}."} for i, d in enumerate(docs(3, 0))]
    monkeypatch.setattr(mention_rows, "_TERMS", words_only)
    monkeypatch.setattr(mention_rows, "BUILT", words_only)
    readcopy.layout.cache_clear()
    try:
        with connect(path) as con:
            insert_documents(con, first)
        with connect(path, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM mention_terms WHERE contains(term, ' ')").fetchall() == [(0,)]
        release(path)  # the old code's process ends
        monkeypatch.undo()
        readcopy.layout.cache_clear()
        with connect(path):  # the upgraded code's first writer, writing nothing, makes it again
            pass
        with connect(path, read_only=True) as con:
            campaign = first[0]["campaign"]
            assert count(con, Selection(campaign=campaign, query='"en larco"')) == 3
            predicate, params = where('"cámaras en"', "search_text", key="row_key")
            assert "search_text" not in predicate
            assert con.execute(f"SELECT count(*) FROM mentions WHERE {predicate}", params).fetchall() == [(3,)]
    finally:
        readcopy.layout.cache_clear()


def test_a_delete_that_bypasses_forget_is_caught_and_the_copy_repaired(tmp_path: Path, caplog) -> None:
    path = tmp_path / "vigia.duckdb"
    with connect(path) as con:
        insert_documents(con, docs(10, 0))
        con.execute("INSERT INTO analyst_events (campaign, day, label, analyst, added_at) "
                    "VALUES ('c', DATE '2026-10-01', 'Debate', 'ana', now())")
    with connect(path) as con:
        con.execute("DELETE FROM analyst_events")  # not through warehouse.database.forget
        insert_documents(con, docs(1, 10))  # the next sync compares its counts with the store's
    assert writer.last_publish["repaired"] == ["analyst_events"]
    assert "disagreed with the store" in caplog.text
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM analyst_events").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM mentions").fetchall() == [(11,)]


def test_an_embedded_warehouse_made_before_the_read_copies_keeps_what_readers_saw(tmp_path: Path, monkeypatch) -> None:
    """The old main's layout: migrations up to 040 in `writer.duckdb`, its published snapshot a
    plain file at `vigia.duckdb`. The first write migrates it; readers see the same rows."""
    import shutil

    import duckdb
    import pandas as pd

    from tests.conftest import synthetic_scores
    from warehouse import database

    path = tmp_path / "vigia.duckdb"
    writer_file = database.writer_path(path)
    writer_file.parent.mkdir(parents=True)
    old = duckdb.connect(str(writer_file))
    old.execute("SET TimeZone = 'UTC'")
    files = database._migration_files
    monkeypatch.setattr(database, "_migration_files", lambda dialect=database.DUCKDB: [
        m for m in files(dialect) if m[0] <= 40])
    monkeypatch.setattr(database, "stamp_tables", lambda con: [])  # old main had no stamps
    monkeypatch.setattr(database, "create_views", lambda con, only_if_changed=False: None)  # nor these views
    database.migrate(old)
    monkeypatch.undo()
    rows = docs(20, 0)
    insert_documents(old, rows)  # as old main wrote them (no stamps to fill)
    scored = pd.DataFrame(synthetic_scores([d["doc_id"] for d in rows[:12]]))
    columns = [r[0] for r in old.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'scores'").fetchall()]
    scored = scored[[c for c in scored.columns if c in columns]]
    old.execute("INSERT INTO scores BY NAME SELECT * FROM scored")
    old.execute("INSERT INTO share_estimates VALUES ('c', 'sentiment', 'all', DATE '2026-10-01', DATE '2026-10-30', "
                "'all', 'negative', 0.4, 0.3, 0.5, 0.9, 12, 0, 10, 'bundled', 'm', now())")
    old.close()
    shutil.copyfile(writer_file, path)  # what old main published
    with connect(path) as con:
        insert_documents(con, docs(1, 20))
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*), count(sentiment) FROM mentions").fetchall() == [(21, 12)]
        assert con.execute("SELECT label, n FROM campaign_shares").fetchall() == [("negative", 12)]
    assert path.is_symlink()


def test_an_updated_row_replaces_its_old_version_in_both_copies_without_a_repair(tmp_path: Path, caplog) -> None:
    """A crawl run opened, published, then finished: each read copy holds the run once, as the
    store does, with no whole-table repair (the old version's `changed` is one below its
    `created`: the delete by key missed it, and every sync after an update copied the table whole)."""
    from warehouse.crawl_runs import finish_run, start_run

    path = tmp_path / "vigia.duckdb"
    with connect(path) as con:
        first = start_run(con, "c", "news_feeds")
    with connect(path) as con:
        second = start_run(con, "c", "x")
    for run_id in (first, second):
        with connect(path) as con:
            finish_run(con, run_id, status="finished", finish_reason="done", items_seen=1, items_kept=1,
                       new_documents=1, dropped={}, errors={})
    with connect(path, read_only=True) as con:
        runs = con.execute("SELECT run_id, status FROM crawl_runs ORDER BY run_id").fetchall()
    assert runs == [(first, "finished"), (second, "finished")]
    assert "disagreed with the store" not in caplog.text


def test_a_read_copy_of_postgresql_finds_query_words_through_its_term_index(postgres, tmp_path: Path,
                                                                          monkeypatch) -> None:
    from tests.conftest import synthetic_scores
    from warehouse.explorer import Selection, count
    from warehouse.query import where
    from warehouse.scores import write_scores

    url = postgres.create_database("term_index")
    monkeypatch.setenv("VIGIA_READ_COPY", str(tmp_path / "rc.duckdb"))
    monkeypatch.setenv("VIGIA_SYNC_SECONDS", "0")
    first = [d | {"title": None, "text": f"Cámaras en Larco, nota {i}."} for i, d in enumerate(docs(3, 0))]
    with connect(url) as con:
        insert_documents(con, first)
    with connect(url) as con:  # scores and new texts arrive in later syncs
        write_scores(con, synthetic_scores([d["doc_id"] for d in first]))
        insert_documents(con, [d | {"title": None, "text": "Drones y serenazgo."} for d in docs(2, 10)])
    with connect(url, read_only=True) as con:
        campaign = first[0]["campaign"]
        assert count(con, Selection(campaign=campaign, query="cámaras")) == 3
        assert count(con, Selection(campaign=campaign, query="drones OR camar*")) == 5
        assert count(con, Selection(campaign=campaign, query="larco -nota")) == 0
        assert count(con, Selection(campaign=campaign, query='"en larco"')) == 3
        for query in ("cámaras", "drones OR camar*", "larco -nota", "serenazgo", '"en larco"', '"cámaras en larco"',
                      '"larco cámaras"'):
            predicate, params = where(query, "search_text", key="row_key")
            scanned, scan_params = where(query, "search_text")
            assert (con.execute(f"SELECT count(*) FROM mentions WHERE {predicate}", params).fetchall()
                    == con.execute(f"SELECT count(*) FROM mentions WHERE {scanned}", scan_params).fetchall())
        # one posting per (word, row): the scores rebuilt the rows without writing theirs again
        assert con.execute("SELECT count(*) = count(DISTINCT (term, row_key)) FROM mention_terms").fetchall() == [(True,)]
        assert con.execute("SELECT count(*) FROM mention_terms WHERE row_key NOT IN "
                           "(SELECT row_key FROM mention_rows)").fetchall() == [(0,)]
