"""The read-only SQL console behind `vigia sql` and the dashboard's SQL tab.

Two locks, either of which alone would stop the known bypasses: the query is parsed by
DuckDB and refused unless it is one plain read (``check_query``), and it then runs on a
read-only connection with file system access off and the configuration locked
(``run_query``), so even a read the guard missed cannot reach a file, a URL or a setting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from warehouse.database import WarehouseError, connect

# What the console connection is opened with: no files but the warehouse, no network,
# no extension installs, and no `SET` can turn any of that back on.
LOCKED_DOWN = {"enable_external_access": False, "lock_configuration": True}

# Functions that reach outside the warehouse (files, URLs, other databases, the
# environment) or run SQL handed to them as a string, which the guard could not inspect.
_REFUSED_FUNCTIONS = frozenset({
    "glob", "query", "query_table", "getenv", "csv_scan", "parquet_scan", "sniff_csv",
    "json_execute_serialized_sql", "duckdb_secrets", "which_secret", "load_extension",
})
_REFUSED_PREFIXES = (
    "read_", "st_read", "parquet_", "iceberg_", "delta_", "postgres_", "sqlite_", "mysql_", "ducklake_", "http",
)
# A table, view or SHOW target named as an identifier (SHOW TABLES gives '"tables"').
_TABLE_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"[A-Za-z_][A-Za-z0-9_$]*"')
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)


class QueryRefused(ValueError):
    """The console refuses this query; the message is the one-line reason."""


def _one_statement(sql: str) -> duckdb.Statement:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).splitlines()[0]) from None
    if not statements:
        raise QueryRefused("empty query")
    if len(statements) > 1:
        raise QueryRefused(f"refused: the read-only console runs one statement at a time, got {len(statements)}")
    return statements[0]


def _syntax_tree(sql: str) -> dict[str, Any]:
    with duckdb.connect(":memory:", config=LOCKED_DOWN) as con:
        text = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(text)
    if tree.get("error"):
        raise QueryRefused(f"cannot read the query: {tree.get('error_message', 'unknown parser error')}")
    return tree


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _check_tree(tree: dict[str, Any]) -> None:
    for node in _nodes(tree):
        name = node.get("function_name")
        if isinstance(name, str):
            lowered = name.lower()
            if lowered in _REFUSED_FUNCTIONS or lowered.startswith(_REFUSED_PREFIXES):
                raise QueryRefused(f"refused: {name}() reaches outside the warehouse")
        if node.get("type") in ("BASE_TABLE", "SHOW_REF"):
            table = str(node.get("table_name", ""))
            if table and not _TABLE_NAME.fullmatch(table):
                raise QueryRefused(f"refused: {table!r} is a file or URL, not a warehouse table")
        literal = node.get("literal")
        if isinstance(literal, dict) and isinstance(literal.get("text"), str) and _URL.match(literal["text"]):
            raise QueryRefused(f"refused: the URL {literal['text']!r}; the console reads only the warehouse")


def check_query(sql: str) -> None:
    """Refuse (raise :class:`QueryRefused`) anything but one plain read of the warehouse.

    Allowed: SELECT, WITH, VALUES, FROM-first queries, SHOW, DESCRIBE, SUMMARIZE, and EXPLAIN
    of such a query. Refused: any write, COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL,
    EXPLAIN of anything but a query, several statements, file-reading functions
    (``read_*``, ``glob``, ...), a file path or URL used as a table, and URL literals.
    """
    statement = _one_statement(sql)
    kind = statement.type
    body = sql
    if kind == duckdb.StatementType.EXPLAIN:
        body = _EXPLAIN.sub("", sql, count=1)
        inner = _one_statement(body)
        if inner.type != duckdb.StatementType.SELECT:
            raise QueryRefused(f"refused: EXPLAIN of a {inner.type.name} statement; only queries may be explained")
    elif kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"refused: the console is read-only and this is a {kind.name} statement")
    _check_tree(_syntax_tree(body))


def run_query(path: str | Path, sql: str, *, limit: int | None = None) -> tuple[list[str], list[tuple]]:
    """Check ``sql``, run it on the published warehouse snapshot and return (columns, rows).

    The connection is read-only, with external access off and the configuration locked;
    at most ``limit`` rows come back when a limit is given. DuckDB errors are re-raised as
    :class:`QueryRefused` only when they come from the lockdown; others as ``duckdb.Error``.
    """
    check_query(sql)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    with connect(path, read_only=True, config=LOCKED_DOWN) as con:
        try:
            cur = con.execute(sql)
        except duckdb.PermissionException as exc:
            raise QueryRefused(f"refused: {str(exc).splitlines()[0]}") from None
        columns = [d[0] for d in cur.description or []]
        if not columns:
            return [], []
        rows = cur.fetchmany(limit) if limit is not None else cur.fetchall()
    return columns, rows


__all__ = ["LOCKED_DOWN", "QueryRefused", "WarehouseError", "check_query", "run_query"]
