"""Opening the warehouse file: locking-aware connections, migrations, views.

DuckDB lets one process at a time hold a file open for writing, and while it does no
other process can open the file at all, not even read-only. Every connection here is
therefore short-lived (a context manager) and retries on a lock conflict, so a crawler,
a scorer, the dashboard and `vigia sql` can share one file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger("vigia.warehouse")

DEFAULT_DB = Path("data") / "vigia.duckdb"
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*$")


class WarehouseError(RuntimeError):
    """The warehouse could not be opened or used; the message says why."""


def first_row(cursor: duckdb.DuckDBPyConnection) -> tuple | None:
    """The first row of a result, which is read to its end.

    DuckDB 2 refuses new work on a connection whose last result was not read to the end,
    so a one-row lookup must not leave it open the way ``fetchone()`` does.
    """
    rows = cursor.fetchall()
    return rows[0] if rows else None


def all_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every row of a result as a dict keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def default_db_path() -> Path:
    """``$VIGIA_DB`` or ``data/vigia.duckdb`` under the working directory."""
    return Path(os.environ.get("VIGIA_DB") or DEFAULT_DB)


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


@contextmanager
def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    timeout: float = 60.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting up to ``timeout`` seconds for another process's lock.

    Writers get a migrated schema; readers of a file that does not exist get a clear error.
    The connection is closed when the block ends, so locks are held only that long.
    """
    path = Path(path) if path is not None else default_db_path()
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `vigia crawl` or `vigia demo` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc) or time.monotonic() > deadline:
                raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 1.5, 1.0)
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d+)_(.+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the numbered migrations not yet applied, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in _migration_files():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
        log.info("applied migration %03d_%s", version, name)
    create_views(con, only_if_changed=True)
    if applied:
        from warehouse import mention_rows  # imports this module

        if mention_rows.is_stale(con):
            mention_rows.refresh(con)
    return applied


def known_topics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every topic of every campaign stored, in first-seen order."""
    rows = con.execute("SELECT topics FROM campaigns ORDER BY updated_at").fetchall()
    topics: dict[str, None] = {}
    for (names,) in rows:
        for name in names or []:
            topics.setdefault(name, None)
    return list(topics) or ["security", "politics", "recall"]


def create_views(
    con: duckdb.DuckDBPyConnection, topics: Sequence[str] | None = None, *, only_if_changed: bool = False
) -> None:
    """(Re)create the analyst views, with one ``n_<topic>`` column per known topic.

    With ``only_if_changed`` nothing is done when the view definitions and topics are those
    already in place (a checksum is kept in ``vigia_meta``).
    """
    topics = list(topics) if topics is not None else known_topics(con)
    for topic in topics:
        if not _TOPIC.match(topic):
            raise WarehouseError(f"topic name {topic!r} is not a plain lower-case identifier")
    columns = "".join(
        f"coalesce(topic_counts['{t}'], 0) AS n_{t},\n    "
        for t in topics
    )
    sql = (resources.files("warehouse") / "views.sql").read_text(encoding="utf-8")
    sql = sql.replace("{topic_columns}", columns)
    checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()
    con.execute("CREATE TABLE IF NOT EXISTS vigia_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    if only_if_changed:
        row = first_row(con.execute("SELECT value FROM vigia_meta WHERE key = 'views_checksum'"))
        if row and row[0] == checksum:
            return
    con.execute(sql)
    con.execute("INSERT OR REPLACE INTO vigia_meta VALUES ('views_checksum', ?)", [checksum])
