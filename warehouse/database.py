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


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """The columns of ``table`` in their order: the migrations are the one declaration of what a
    row holds, so a column added there is written by every insert without another list to edit."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
        "ORDER BY ordinal_position", [table],
    ).fetchall()
    if not rows:
        raise WarehouseError(f"no table {table!r} in the warehouse")
    return tuple(row[0] for row in rows)


def check_fields(table: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
                 not_stored: Collection[str] = ()) -> None:
    """Raise UnknownColumns naming any field of ``rows`` that ``table`` has no column for (and
    that is not declared as ``not_stored``): a field is never dropped silently."""
    known = set(columns) | set(not_stored)
    unknown = sorted({key for row in rows for key in row if key not in known})
    if unknown:
        raise UnknownColumns(f"{table} has no column for {', '.join(unknown)}: add it in a migration "
                             "(warehouse/migrations/) or leave the field out")


def default_db_path() -> Path:
    """``$VIGIA_DB`` or ``data/vigia.duckdb`` under the working directory."""
    return Path(os.environ.get("VIGIA_DB") or DEFAULT_DB)


def publish_seconds() -> float:
    """How stale the snapshot may get during a long write job (``$VIGIA_PUBLISH_SECONDS``, 30)."""
    return float(os.environ.get("VIGIA_PUBLISH_SECONDS") or 30.0)


def writer_folder(path: str | Path) -> Path:
    """The folder beside the snapshot that holds the writer file, its lock and the spool."""
    path = Path(path)
    return path.with_name(path.name + ".d")


def writer_path(path: str | Path) -> Path:
    """The private file writers write (never opened by readers)."""
    return writer_folder(path) / "writer.duckdb"


def spool_folder(path: str | Path) -> Path:
    """Where batches wait when the writer file cannot be had (see :mod:`warehouse.spool`)."""
    return writer_folder(path) / "spool"


def exists(path: str | Path) -> bool:
    """Whether a warehouse is at ``path`` (a published snapshot or a writer file)."""
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
    if working.exists() or not path.exists():
        return
    log.info("moving %s to the snapshot layout (writer file %s)", path, working)
    for suffix in ("", ".wal"):
        source = Path(str(path) + suffix)
        if source.exists():
            temp = Path(str(working) + suffix + ".seed")
            shutil.copyfile(source, temp)
            os.replace(temp, Path(str(working) + suffix))


def publish(path: str | Path, *, when: Publish = "always") -> bool:
    """Copy the writer file over the published snapshot, atomically; True if it did.

    Call it holding the writer lock, with the writer file closed (checkpointed). ``when``:
    ``always`` publishes whenever the writer file changed since the last publish, ``due``
    only if the snapshot is also older than :func:`publish_seconds`, ``never`` does nothing.
    """
    path = Path(path)
    working = writer_path(path)
    if when == "never" or not working.exists():
        return False
    if path.exists():
        published = path.stat().st_mtime
        if working.stat().st_mtime <= published:
            return False
        if when == "due" and time.time() - published < publish_seconds():
            return False
    temp = path.with_name(f".{path.name}.publish-{os.getpid()}")
    try:
        with open(working, "rb") as src, open(temp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise WarehouseError(f"cannot publish the warehouse snapshot {path}: {exc.strerror or exc}") from exc
    stale_wal = Path(str(path) + ".wal")
    if stale_wal.exists():  # left by a pre-snapshot writer; the new snapshot is checkpointed
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
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for one short piece of work.

    ``read_only``: the published snapshot, never waiting on a writer (``timeout``, 2 s by
    default, only covers someone else's own write connection to that file). Otherwise the
    writer file, migrated, under the writer lock (waiting up to ``timeout``, 60 s by
    default, then :class:`WriterBusy`); spooled batches are stored first, and on the way
    out the file is checkpointed, closed and published as ``publish_when`` says, even when
    the block raised (what was committed is published).
    """
    path = Path(path) if path is not None else default_db_path()
    settings = dict(config or {})
    # Locked only after the session's time zone is set (the lock forbids that SET too).
    lock = bool(settings.pop("lock_configuration", False))
    if read_only:
        if not path.exists():
            raise WarehouseError(f"no warehouse at {path}: run `vigia crawl` or `vigia demo` first")
        con = _open(path, read_only=True, timeout=2.0 if timeout is None else timeout, settings=settings)
        try:
            con.execute("SET TimeZone = 'UTC'")
            if lock:
                con.execute("SET lock_configuration = true")
            yield con
        finally:
            con.close()
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
