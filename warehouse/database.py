"""Opening the warehouse: the engine a target names, migrations, stamps, views.

A target is a DuckDB file (the embedded warehouse) or a ``postgresql://`` URL (the shared one;
``warehouse.engines``). Readers and writers never share a file:

- ``data/vigia.duckdb`` (the path analysts know) is a link to this host's current *read copy*
  (``warehouse.readcopy``). Readers (the dashboard, ``vigia sql``, a notebook) open it read-only;
  nothing of Vigia ever opens it for writing, so a reader never waits on a writer and never
  makes one fail.
- Embedded, writers write ``data/vigia.duckdb.d/writer.duckdb``, one process at a time
  (``warehouse.writer``); shared, PostgreSQL. What they commit reaches the read copies as the
  rows changed since each copy's last sync: every mirrored table carries change stamps
  (:func:`stamp_tables`), and a deleted row leaves its key in ``deletions`` (:func:`forget`).

A warehouse made before this layout (one file, no ``.d`` folder) becomes the writer file's
seed on the first write, transparently.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb

from warehouse.engines import DUCKDB, POSTGRESQL, Dialect, dialect_of, is_url, local_path, redacted

log = logging.getLogger("vigia.warehouse")

DEFAULT_DB = Path("data") / "vigia.duckdb"
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*$")
WRITER_TIMEOUT = 60.0
Publish = Literal["always", "due", "never"]


class WarehouseError(RuntimeError):
    """The warehouse could not be opened or used; the message says why."""


class WriterBusy(WarehouseError):
    """The writer file could not be had in time (another process holds it); nothing was written."""


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


class UnknownColumns(ValueError):
    """A row carries a field its table has no column for (add the column in a migration)."""


# Columns every mirrored table carries that no writer fills (their defaults are the change stamp).
MAINTAINED = ("changed", "created")

# The tables a read copy does not mirror; every other table the migrations create is mirrored,
# stamped by :func:`stamp_tables` (so a new table needs no list of its own).
UNMIRRORED = frozenset({
    "schema_migrations",  # each database's own migration record
    "vigia_meta",  # each database's own bookkeeping (views checksum, a read copy's sync point)
    "score_claims",  # scoring leases: the writers' coordination, never read by analysts
    "deletions",  # read by the sync itself
    "mention_rows",  # built in each read copy from the mirrored tables (warehouse.mention_rows)
    "mention_terms",  # its term index, built with it
    "daily_rows",
})


def table_columns(con: Any, table: str) -> tuple[str, ...]:
    """The columns of ``table`` in their order: the migrations are the one declaration of what a
    row holds, so a column added there is written by every insert without another list to edit.
    The change stamp (``changed``), which the engine fills, is not among them."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = ? "
        "AND table_catalog = current_database() ORDER BY ordinal_position", [table, dialect_of(con).schema],
    ).fetchall()
    if not rows:
        raise WarehouseError(f"no table {table!r} in the warehouse")
    return tuple(row[0] for row in rows if row[0] not in MAINTAINED)


def check_fields(table: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
                 not_stored: Collection[str] = ()) -> None:
    """Raise UnknownColumns naming any field of ``rows`` that ``table`` has no column for (and
    that is not declared as ``not_stored``): a field is never dropped silently."""
    known = set(columns) | set(not_stored)
    unknown = sorted({key for row in rows for key in row if key not in known})
    if unknown:
        raise UnknownColumns(f"{table} has no column for {', '.join(unknown)}: add it in a migration "
                             "(warehouse/migrations/) or leave the field out")


def default_target() -> str | Path:
    """The warehouse this process works on: ``$VIGIA_WAREHOUSE``, else ``$VIGIA_DB``, else
    ``data/vigia.duckdb`` under the working directory. A ``postgresql://`` URL picks the shared
    deployment; a path, the embedded one (``warehouse.engines``)."""
    value = os.environ.get("VIGIA_WAREHOUSE") or os.environ.get("VIGIA_DB")
    if value and is_url(value):
        return value
    return Path(value or DEFAULT_DB)


def default_db_path() -> Path:
    """The local DuckDB file readers open: the embedded warehouse, or this host's read copy of
    the shared one (see :func:`warehouse.engines.local_path`)."""
    return local_path(default_target())


def target_of(value: str | Path | None) -> str | Path:
    """A ``--db``/``--warehouse`` value as a target: a URL stays a string, anything else a path."""
    if value is None:
        return default_target()
    return str(value) if is_url(value) else Path(value)


def publish_seconds() -> float:
    """How stale the snapshot may get during a long write job (``$VIGIA_PUBLISH_SECONDS``, 30)."""
    return float(os.environ.get("VIGIA_PUBLISH_SECONDS") or 30.0)


def writer_folder(path: str | Path) -> Path:
    """The folder beside the local file that holds the writer file, the read copies, the lock and
    the spool (for a shared warehouse: this host's read copies and spool)."""
    path = local_path(path)
    return path.with_name(path.name + ".d")


def writer_path(path: str | Path) -> Path:
    """The private file writers write (never opened by readers)."""
    return writer_folder(path) / "writer.duckdb"


def spool_folder(path: str | Path) -> Path:
    """Where batches wait when the warehouse cannot be had (see :mod:`warehouse.spool`)."""
    return writer_folder(path) / "spool"


def exists(path: str | Path) -> bool:
    """Whether a warehouse is at ``path`` (a read copy or a writer file); a URL is taken to name
    one (whether it answers is for :func:`connect` to say)."""
    if is_url(path):
        return True
    return Path(path).exists() or writer_path(path).exists()


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


def _open(path: Path, *, read_only: bool, timeout: float, settings: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=settings)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
            if time.monotonic() > deadline:
                kind = WarehouseError if read_only else WriterBusy
                raise kind(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 1.5, 0.5)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc


@contextmanager
def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    timeout: float | None = None,
    config: dict[str, Any] | None = None,
    publish_when: Publish = "always",
) -> Iterator[Any]:
    """Open the warehouse for one short piece of work.

    ``path``: a DuckDB file (embedded) or a ``postgresql://`` URL (shared); None: the default
    (:func:`default_target`).

    ``read_only``: always a DuckDB connection on the local read copy, never waiting on a
    writer (``timeout``, 2 s by default, only covers someone else's own write connection to
    that file); for a shared warehouse the copy is first brought up to date when older than
    ``$VIGIA_SYNC_SECONDS`` (and read as it is, with a warning, when PostgreSQL does not answer).

    Otherwise a write connection: embedded, the writer file, migrated, taken from the writer
    lock (waiting up to ``timeout``, 60 s by default, then :class:`WriterBusy`) or from this
    process's hold on it (``warehouse.writer``); what was committed is published as
    ``publish_when`` says on the way out, even when the block raised (``always``: the read
    copies synced now; ``due``: when the last sync is older than ``$VIGIA_PUBLISH_SECONDS``;
    ``never``: not now; in any case within ``$VIGIA_PUBLISH_SECONDS`` and when the writer is
    handed over). Shared, a PostgreSQL connection (``timeout`` bounds reaching it), migrated;
    readers see its commits at their next sync. Spooled batches are stored first in both.
    """
    target = target_of(path)
    settings = dict(config or {})
    # Locked only after the session's time zone is set (the lock forbids that SET too).
    lock = bool(settings.pop("lock_configuration", False))
    if is_url(target):
        if read_only:
            with _read_shared(str(target), timeout, settings, lock) as con:
                yield con
        else:
            with _write_shared(str(target), timeout) as con:
                yield con
        return
    path = Path(target)
    if read_only:
        if not path.exists():
            raise WarehouseError(f"no warehouse at {path}: run `vigia crawl` or `vigia demo` first")
        with _read_local(path, timeout, settings, lock) as con:
            yield con
        return
    if settings or lock:
        raise WarehouseError("settings are for read connections; a write connection takes none")
    from warehouse.writer import writing

    with writing(path, WRITER_TIMEOUT if timeout is None else timeout, publish_when) as con:
        yield con


@contextmanager
def _read_local(path: Path, timeout: float | None, settings: dict[str, Any], lock: bool) -> Iterator[Any]:
    con = _open(path, read_only=True, timeout=2.0 if timeout is None else timeout, settings=settings)
    try:
        con.execute("SET TimeZone = 'UTC'")
        if lock:
            con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


def snapshot_version(path: str | Path) -> tuple[int, int]:
    """The identity (inode, modification time) of the snapshot a read of ``path`` sees now: a
    cache keyed on it is new after every publish. A shared warehouse's read copy is first synced
    when due, as a read would; (0, 0) when there is no snapshot yet."""
    target = target_of(path)
    if is_url(target):
        file = _refreshed(str(target))
    else:
        file = Path(target)
    try:
        found = os.stat(file)
    except FileNotFoundError:
        return 0, 0
    return found.st_ino, found.st_mtime_ns


def _refreshed(url: str) -> Path:
    """This host's read copy of ``url``, synced first when older than ``$VIGIA_SYNC_SECONDS``;
    when PostgreSQL does not answer, the last copy as it is (with a warning)."""
    from warehouse import readcopy
    from warehouse.postgres import is_disconnect

    path = local_path(url)
    try:
        readcopy.refresh_shared(url, path)
    except Exception as exc:
        # PostgreSQL away (down, restarting, unreachable): analysts keep reading the last copy
        if not (isinstance(exc, WarehouseError) or is_disconnect(exc)) or not path.exists():
            if is_disconnect(exc):
                raise WarehouseError(f"lost the shared warehouse {redacted(url)}: {str(exc).splitlines()[0]}") from None
            raise
        log.warning("showing the read copy as of its last sync: %s", str(exc).splitlines()[0])
    return path


@contextmanager
def _read_shared(url: str, timeout: float | None, settings: dict[str, Any], lock: bool) -> Iterator[Any]:
    path = _refreshed(url)
    if not path.exists():
        raise WarehouseError(f"no read copy at {path} yet")
    with _read_local(path, timeout, settings, lock) as con:
        yield con


@contextmanager
def _write_shared(url: str, timeout: float | None) -> Iterator[Any]:
    from warehouse.engines import PgConnection
    from warehouse.postgres import is_disconnect, open_raw

    con = PgConnection(open_raw(url, timeout=10.0 if timeout is None else timeout), url)
    try:
        try:
            migrate(con)
            from warehouse.spool import ingest_spool

            ingest_spool(con, spool_folder(url))
        except Exception as exc:
            if is_disconnect(exc):
                raise WarehouseError(f"lost the shared warehouse {redacted(url)}: {str(exc).splitlines()[0]}") from None
            raise
        try:
            yield con
        except Exception as exc:
            if is_disconnect(exc):
                raise WarehouseError(f"lost the shared warehouse {redacted(url)}: {str(exc).splitlines()[0]}") from None
            raise
    finally:
        con.close()


def _migration_files(dialect: Dialect = DUCKDB) -> list[tuple[int, str, str]]:
    """The numbered migrations for ``dialect``: a file whose first line is ``-- engines: NAME``
    applies to that engine only (the read copies' own tables, PostgreSQL's indexes)."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d+)_(.+)\.sql$", entry.name)
        if not match:
            continue
        sql = entry.read_text(encoding="utf-8")
        engines = re.match(r"^--\s*engines:\s*([a-z, ]+)", sql)
        if engines and dialect.name not in re.split(r"[ ,]+", engines.group(1).strip()):
            continue
        found.append((int(match.group(1)), match.group(2), dialect.migration_sql(sql)))
    return sorted(found)


def migrate(con: Any) -> list[int]:
    """Apply the numbered migrations not yet applied, each in its own transaction.

    On DuckDB the analyst views are (re)created too (they are read in the read copies, which
    rebuild `mention_rows` after a migration: ``warehouse.readcopy.sync``).
    """
    dialect = dialect_of(con)
    if dialect is POSTGRESQL:
        # hosts starting at once: one migrates, the others wait and find it done
        con.execute("SELECT pg_advisory_lock(2021121)")
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, name, sql in _migration_files(dialect):
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
        if applied:
            with transaction(con):
                stamp_tables(con)
    finally:
        if dialect is POSTGRESQL:
            con.execute("SELECT pg_advisory_unlock(2021121)")
    if dialect is POSTGRESQL:
        return applied
    create_views(con, only_if_changed=True)
    return applied


def stamp_tables(con: Any) -> list[str]:
    """Give every mirrored table (each table but :data:`UNMIRRORED`) that lacks them its change
    stamps, ``changed`` and ``created``, defaulting to the engine's stamp (PostgreSQL also gets
    an index on ``changed``, what each sync looks rows up by); returns the tables stamped."""
    dialect = dialect_of(con)
    stamped = []
    if dialect is DUCKDB:
        con.execute("CREATE SEQUENCE IF NOT EXISTS change_seq START 1")
    for table in mirrored_tables(con, stamped_only=False):
        have = set(all_columns(con, table))
        for column in MAINTAINED:
            if column not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} BIGINT DEFAULT {dialect.change_stamp}")
                stamped.append(table)
        if dialect is POSTGRESQL:
            con.execute(f"CREATE INDEX IF NOT EXISTS {table}_changed ON {table} (changed)")
    return sorted(set(stamped))


def all_columns(con: Any, table: str) -> list[str]:
    """Every column of ``table``, stamps included, in their order."""
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = ? "
        "AND table_catalog = current_database() ORDER BY ordinal_position", [table, dialect_of(con).schema],
    ).fetchall()]


def mirrored_tables(con: Any, *, stamped_only: bool = True) -> list[str]:
    """The tables read copies mirror: every base table but :data:`UNMIRRORED` (with
    ``stamped_only``, those carrying a ``changed`` stamp), sorted by name."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
        "AND table_catalog = current_database() ORDER BY table_name", [dialect_of(con).schema]).fetchall()]
    tables = [t for t in tables if t not in UNMIRRORED and not t.startswith("pg_")]
    if stamped_only:
        tables = [t for t in tables if "changed" in all_columns(con, t)]
    return tables


def forget(con: Any, table: str, key: Mapping[str, Any]) -> int:
    """Delete the rows of ``table`` whose columns equal ``key``'s values, and leave ``key`` in
    ``deletions`` so read copies delete them too (a plain DELETE on a mirrored table would stay
    in them). Returns the rows deleted. Rows replaced (deleted, then written again) go in one
    transaction with their new ones, so a sync never sees the table with neither."""
    if not key:
        raise ValueError("forget() needs at least one column to match")
    where = " AND ".join(f"{column} = ?" for column in key)
    with transaction(con):
        record_deletions(con, table, [key])
        rows = con.execute(f"DELETE FROM {table} WHERE {where} RETURNING 1", list(key.values())).fetchall()
    return len(rows)


def record_deletions(con: Any, table: str, keys: Sequence[Mapping[str, Any]]) -> None:
    """Say that the rows of ``table`` equal to each of ``keys`` were deleted (for a DELETE the
    caller ran itself, e.g. with RETURNING): read copies delete them at their next sync."""
    import json

    if keys:
        con.executemany("INSERT INTO deletions (table_name, key) VALUES (?, ?)",
                        [[table, json.dumps(dict(key), sort_keys=True, default=str)] for key in keys])


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


def stage(con: Any, name: str, frame: Any, like: str | None = None) -> None:
    """Make ``frame`` readable as the table ``name`` in the statements that follow: DuckDB scans
    the DataFrame itself; PostgreSQL gets a temporary table (shaped like the table ``like``)."""
    if dialect_of(con) is POSTGRESQL:
        con.register(name, frame, like=like)
    else:
        con.register(name, frame)


def unstage(con: Any, name: str) -> None:
    con.unregister(name)


def in_transaction(con: Any) -> bool:
    """Whether the caller already holds a transaction open on ``con``."""
    if dialect_of(con) is POSTGRESQL:
        from psycopg import pq

        return con.raw.info.transaction_status != pq.TransactionStatus.IDLE
    # outside a transaction every statement gets a new transaction id, inside one they share it
    ids = [first_row(con.execute("SELECT current_transaction_id()")) for _ in range(2)]
    return ids[0] == ids[1]


@contextmanager
def transaction(con: Any) -> Iterator[Any]:
    """All the statements of the block or none: a transaction of its own, unless the caller
    already holds one (then the caller's commit or rollback decides)."""
    if in_transaction(con):
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
