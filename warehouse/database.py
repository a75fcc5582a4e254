"""Opening the warehouse: a published read snapshot, one private writer file, migrations, views.

DuckDB lets one process at a time hold a file for writing, and while it does, no other
process can open that file at all, not even read-only. So readers and writers never share
a file here:

- ``data/vigia.duckdb`` (the path analysts know) is the *published snapshot*. Readers (the
  dashboard, ``vigia sql``, a notebook) open it read-only; nothing of Vigia ever opens it
  for writing, so a reader never waits on a writer and never makes one fail.
- Writers take an OS lock (``flock``) on ``data/vigia.duckdb.d/writer.lock`` and then write
  ``data/vigia.duckdb.d/writer.duckdb``, a file no reader is sent to. Writers queue on the
  lock, each holding it for one short batch.
- Publishing copies the checkpointed writer file to a temporary file beside the snapshot
  and renames it over the snapshot (``os.replace``, atomic): a reader that has the old
  snapshot open keeps reading it; the next one opens the new one.

A warehouse made before this layout (one file, no ``.d`` folder) becomes the writer file's
seed on the first write, transparently.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import random
import re
import shutil
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
last_publish: dict[str, Any] | None = None  # what the last publish of this process did (benchmarks read it)


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


# Columns every table may carry that no writer fills (the change stamp is the column's default).
MAINTAINED = ("changed",)


def table_columns(con: Any, table: str) -> tuple[str, ...]:
    """The columns of ``table`` in their order: the migrations are the one declaration of what a
    row holds, so a column added there is written by every insert without another list to edit.
    The change stamp (``changed``), which the engine fills, is not among them."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = ? "
        "ORDER BY ordinal_position", [table, dialect_of(con).schema],
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


@contextmanager
def writer_lock(path: str | Path, timeout: float = WRITER_TIMEOUT) -> Iterator[float]:
    """Hold the warehouse's writer lock (an exclusive ``flock``); yields the seconds waited.

    Raises :class:`WriterBusy` when it is not free within ``timeout`` seconds. The lock
    dies with its process, so a killed writer never leaves a stale lock behind.
    """
    folder = writer_folder(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "writer.lock", "a+")  # noqa: SIM115 - held across the yield
    except OSError as exc:
        raise WarehouseError(f"cannot write the warehouse at {path}: {exc.strerror or exc}") from exc
    started = time.monotonic()
    try:
        delay = 0.01
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() - started > timeout:
                    raise WriterBusy(
                        f"the writer lock of {path} was not free within {timeout:.0f}s"
                    ) from None
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 1.5, 0.25)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _seed_writer_file(path: Path, working: Path) -> None:
    """A warehouse from before the snapshot layout: its file (and WAL) become the writer's."""
    if working.exists() or not path.exists() or path.is_symlink():
        return
    log.info("moving %s to the snapshot layout (writer file %s)", path, working)
    for suffix in ("", ".wal"):
        source = Path(str(path) + suffix)
        if source.exists():
            temp = Path(str(working) + suffix + ".seed")
            shutil.copyfile(source, temp)
            os.replace(temp, Path(str(working) + suffix))


def publish(path: str | Path, *, when: Publish = "always") -> bool:
    """Make what the writer file holds visible to readers; True if it did.

    Call it holding the writer lock, with the writer file closed. The read copy readers are not
    sent to is brought up to date with the rows changed since its last sync, then readers are
    sent to it (:mod:`warehouse.readcopy`): the cost follows what changed, not the warehouse's
    size. ``when``: ``always`` publishes whenever the writer file changed since the last publish,
    ``due`` only if the published copy is also older than :func:`publish_seconds`, ``never`` does
    nothing.
    """
    from warehouse import readcopy

    path = Path(path)
    working = writer_path(path)
    if when == "never" or not working.exists():
        return False
    if path.is_symlink():
        published = os.lstat(path).st_mtime
        if working.stat().st_mtime <= published:
            return False
        if when == "due" and time.time() - published < publish_seconds():
            return False
    global last_publish
    try:
        done = last_publish = readcopy.sync(path, readcopy.EmbeddedSource(working))
    except (OSError, duckdb.Error) as exc:
        raise WarehouseError(f"cannot publish the warehouse snapshot {path}: {str(exc).splitlines()[0]}") from exc
    log.debug("published %s: %s", path, done)
    stale_wal = Path(str(path) + ".wal")
    if stale_wal.exists():  # left by a pre-snapshot writer; read copies are checkpointed
        stale_wal.unlink(missing_ok=True)
    return True


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

    Otherwise a write connection: embedded, the writer file, migrated, under the writer lock
    (waiting up to ``timeout``, 60 s by default, then :class:`WriterBusy`), checkpointed,
    closed and published as ``publish_when`` says on the way out, even when the block raised
    (what was committed is published); shared, a PostgreSQL connection (``timeout`` bounds
    reaching it), migrated. Spooled batches are stored first in both.
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
    wait = WRITER_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    with writer_lock(path, wait):
        working = writer_path(path)
        try:
            _seed_writer_file(path, working)
        except OSError as exc:
            raise WarehouseError(f"cannot write the warehouse at {path}: {exc.strerror or exc}") from exc
        con = _open(working, read_only=False, timeout=max(0.0, wait - (time.monotonic() - started)), settings=settings)
        try:
            try:
                con.execute("SET TimeZone = 'UTC'")
                if lock:
                    con.execute("SET lock_configuration = true")
                migrate(con)
                from warehouse.spool import (
                    ingest_spool,  # the spool stores documents: imported late
                )

                ingest_spool(con, spool_folder(path))
            except duckdb.Error as exc:
                raise WarehouseError(f"cannot write the warehouse at {path}: {str(exc).splitlines()[0]}") from exc
            yield con
        finally:
            try:
                con.execute("CHECKPOINT")
            except duckdb.Error as exc:  # e.g. an aborted transaction: closing still keeps what was committed
                log.debug("checkpoint before close failed: %s", exc)
            con.close()
            publish(path, when=publish_when)


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


@contextmanager
def _read_shared(url: str, timeout: float | None, settings: dict[str, Any], lock: bool) -> Iterator[Any]:
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
    finally:
        if dialect is POSTGRESQL:
            con.execute("SELECT pg_advisory_unlock(2021121)")
    if dialect is POSTGRESQL:
        return applied
    create_views(con, only_if_changed=True)
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
