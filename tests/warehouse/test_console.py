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
