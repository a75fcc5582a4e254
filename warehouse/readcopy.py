"""The read copy: the local DuckDB file analysts read, kept current by copying only what changed.

Readers (the dashboard, ``vigia sql``, a notebook) open ``data/vigia.duckdb`` read-only. That
path is a symbolic link to one of two (sometimes three) files in ``data/vigia.duckdb.d/``,
``read-<n>.duckdb``. DuckDB lets no process write a file that another holds open, so a sync
never writes the file readers were sent to: it brings the *other* copy (the standby, behind by
a sync or two) up to date with the rows changed since its own last sync, rebuilds the
`mentions` rows of the documents those rows touch, checkpoints it, and switches the link to it
(an atomic rename). A reader that has the old copy open keeps its consistent view.

What a copy holds is derived from the migrations, never listed here (:func:`layout`): every
table the warehouse stamps (``warehouse.database.mirrored_tables``), with its columns but none
of its keys or indexes (a copy is only scanned: an index would be read back and written out
again at every sync, the cost growing with the warehouse), plus `mention_rows`/`daily_rows`,
built in the copy, and the views. A copy made by other code (a migration since) is rebuilt.

Each mirrored row carries stamps: ``changed`` (the write that last changed it) and ``created``
(the write that first stored it). A sync applies, per table: the deletions recorded since
(``warehouse.database.forget``), the removal of the old version of each updated row (found by
key, only for rows created before the copy's last sync), then the changed rows themselves.
Where the changes come from is the only difference between the two deployments:

- embedded: the writer's own connection (``warehouse.writer``); rows carry a stamp from one
  sequence, in commit order, so "changed since" is exact, and each sync checks its row counts
  against the store's (a table written around these rules is copied whole again, with a warning);
- shared: PostgreSQL, read in one snapshot; rows carry the id of the transaction that wrote
  them, and the next sync reads again from the oldest transaction still running then
  (``pg_snapshot_xmin``), so a transaction that committed late is never skipped (rows read
  twice are replaced, not duplicated).

The cost of a sync follows what changed since the standby's last sync, not the warehouse's size
(``benchmarks/growth.py``). When the standby is held by a reader (a notebook left open since
two syncs ago), a new copy is made from the current one, which costs a whole-file copy once.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

log = logging.getLogger("vigia.warehouse")

# Built in each copy from the mirrored tables (warehouse.mention_rows), never copied.
LOCAL_TABLES = ("mention_rows", "mention_terms", "daily_rows")
# Columns whose PostgreSQL type the read copy holds as text (JSON) when fetched.
SLICE = 50_000


@dataclass(frozen=True)
class Layout:
    """What a read copy holds: each mirrored table's columns (name, type) and key, the DDL."""

    columns: dict[str, tuple[tuple[str, str], ...]]
    keys: dict[str, tuple[str, ...]]
    ddl: tuple[str, ...]
    checksum: str

    @property
    def tables(self) -> list[str]:
        return list(self.columns)


@functools.cache
def layout() -> Layout:
    """The read copies' schema, as the migrations of this code make it: run in memory, then read
    back (each mirrored table's key from its primary key, or its one UNIQUE constraint)."""
    from warehouse.database import WarehouseError, migrate, mirrored_tables

    mem = duckdb.connect(":memory:")
    try:
        mem.execute("SET TimeZone = 'UTC'")
        migrate(mem)
        columns: dict[str, tuple[tuple[str, str], ...]] = {}
        keys: dict[str, tuple[str, ...]] = {}
        ddl = []
        for table in mirrored_tables(mem):
            columns[table] = tuple((r[0], r[1]) for r in mem.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND table_name = ? ORDER BY column_index", [table]).fetchall())
            found = mem.execute(
                "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
                "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY constraint_type = 'UNIQUE'",
                [table]).fetchall()
            if not found:
                raise WarehouseError(f"table {table} has no primary key: a read copy finds its rows by key")
            keys[table] = tuple(found[0][1])
            ddl.append(f"CREATE TABLE {table} ({', '.join(f'{name} {kind}' for name, kind in columns[table])})")
        ddl += [r[0] for r in mem.execute(
            "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() AND table_name IN "
            f"({', '.join('?' * len(LOCAL_TABLES))}) ORDER BY table_name", list(LOCAL_TABLES)).fetchall()]
    finally:
        mem.close()
    # The local tables' contents are this code's too: a copy whose term index was built another
    # way (migration 054 added word pairs, no column) is made again, never read with it.
    from warehouse.mention_rows import BUILT

    checksum = hashlib.sha256("\n".join([*ddl, BUILT]).encode("utf-8")).hexdigest()[:16]
    return Layout(columns, keys, tuple(ddl), checksum)


def copies_folder(path: Path) -> Path:
    return path.with_name(path.name + ".d")


def current_copy(path: Path) -> Path | None:
    """The file readers are sent to (the link's target), or the path itself for an old
    warehouse whose snapshot is a plain file."""
    if path.is_symlink():
        return (path.parent / os.readlink(path)).resolve()
    return path if path.exists() else None


def _copies(path: Path) -> list[Path]:
    folder = copies_folder(path)
    return sorted(folder.glob("read-*.duckdb"), key=lambda p: int(p.stem.split("-")[1]))


def _open_rw(file: Path) -> duckdb.DuckDBPyConnection | None:
    """The copy opened for writing, or None when a reader holds it."""
    try:
        return duckdb.connect(str(file))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return None
        raise


def _remove(file: Path) -> None:
    file.unlink(missing_ok=True)  # a reader holding it keeps reading its open file
    Path(str(file) + ".wal").unlink(missing_ok=True)


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        rows = con.execute("SELECT value FROM vigia_meta WHERE key = ?", [key]).fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO vigia_meta VALUES (?, ?)", [key, value])


def _create(file: Path) -> duckdb.DuckDBPyConnection:
    """A new, empty copy in this code's layout."""
    from warehouse.database import create_views

    _remove(file)
    con = duckdb.connect(str(file))
    con.execute("SET TimeZone = 'UTC'")
    for statement in layout().ddl:
        con.execute(statement)
    con.execute("CREATE TABLE vigia_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    create_views(con)
    _set_meta(con, "layout", layout().checksum)
    return con


def _in_layout(file: Path) -> bool:
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error:
        return False
    try:
        return _meta(con, "layout") == layout().checksum
    finally:
        con.close()


def _standby(path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """Open the copy to bring up to date: the newest one readers are not sent to, no reader holds
    and this code's layout has made; else a new one, copied from the current one when that one
    is in this layout (a whole-file copy, once), else empty (the sync then carries everything)."""
    current = current_copy(path)
    copies = _copies(path)
    for file in reversed(copies):
        if current is not None and file.resolve() == current:
            continue
        con = _open_rw(file)
        if con is None:
            continue
        if _meta(con, "layout") == layout().checksum:
            return con, file
        con.close()  # made by other code (before a migration): rebuilt
        _remove(file)
    number = int(copies[-1].stem.split("-")[1]) + 1 if copies else 1
    file = copies_folder(path) / f"read-{number}.duckdb"
    file.parent.mkdir(parents=True, exist_ok=True)
    if current is not None and current != path and current.exists() and _in_layout(current):
        temp = file.with_suffix(".copying")
        shutil.copyfile(current, temp)
        os.replace(temp, file)
        log.info("read copies held by readers: made %s from %s", file.name, current.name)
        con = _open_rw(file)
        if con is None:
            raise RuntimeError(f"cannot open the new read copy {file}")
        return con, file
    return _create(file), file


# A standby this many changed rows behind is dropped after a switch: the next sync starts from a
# copy of the current file instead of applying a bulk load a second time.
REAPPLY_LIMIT = 50_000


def _switch(path: Path, file: Path, *, keep_standby: bool = True) -> None:
    """Send new readers to ``file`` (atomic), and remove copies older than the one they leave
    (that one too without ``keep_standby``)."""
    link = path.with_name(f".{path.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(file, path.parent), link)
    os.replace(link, path)
    keep = {file.resolve()}
    copies = [c for c in _copies(path) if c.resolve() not in keep]
    for old in copies[:-1] if keep_standby else copies:  # the newest other one stays as the next standby
        _remove(old)


def synced_from(path: Path) -> int | None:
    """Where the next sync of the copy readers are sent to would start (None: no copy yet, or
    one made by other code: the next writer makes it again even when it writes nothing, so an
    upgrade that changes only how the term index is built reaches readers)."""
    current = current_copy(path)
    if current is None or current == path:
        return None
    try:
        con = duckdb.connect(str(current), read_only=True)
    except duckdb.Error:
        return None
    try:
        value = _meta(con, "synced_from") if _meta(con, "layout") == layout().checksum else None
    finally:
        con.close()
    return int(value) if value is not None else None


class Source:
    """Where the changes come from; see :class:`EmbeddedSource` and :class:`SharedSource`."""

    identity: str
    exact: bool  # stamps in commit order: "changed since" is exact, counts comparable

    def open(self) -> int:
        """Start reading one consistent state; return where the next sync starts."""
        raise NotImplementedError

    def columns(self, table: str) -> set[str]:
        """The columns ``table`` has in the store (none: the store lacks it)."""
        raise NotImplementedError

    def rows(self, table: str, columns: list[str], since: int) -> Iterator[Any]:
        """The rows of ``table`` stamped ``since`` or later, in slices (DataFrames or Arrow)."""
        raise NotImplementedError

    def deletions(self, since: int) -> pd.DataFrame:
        """The deletions recorded since (``table_name``, ``key``)."""
        raise NotImplementedError

    def documents(self, doc_ids: list[str]) -> pd.DataFrame:
        """``doc_id``, ``changed``, ``duplicate_of`` of these documents, by key (not a scan)."""
        raise NotImplementedError

    def counts(self, tables: Iterable[str]) -> dict[str, int] | None:
        """Rows per table, when cheap to know (None otherwise)."""
        return None

    def close(self) -> None:
        pass


class EmbeddedSource(Source):
    """The writer file, through the writer's own connection (call while holding the writer)."""

    exact = True

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
        self.identity = f"file:{Path(row[0][0]).resolve()}"

    def open(self) -> int:
        row = self.con.execute(
            "SELECT last_value FROM duckdb_sequences() WHERE sequence_name = 'change_seq' "
            "AND database_name = current_database()").fetchall()
        return int(row[0][0]) + 1 if row and row[0][0] is not None else 1

    def columns(self, table: str) -> set[str]:
        from warehouse.database import all_columns

        return set(all_columns(self.con, table))

    def rows(self, table: str, columns: list[str], since: int) -> Iterator[Any]:
        reader = self.con.sql(
            f"SELECT {', '.join(columns)} FROM {table} WHERE changed >= ?", params=[since]).to_arrow_reader(SLICE)
        yield from reader

    def deletions(self, since: int) -> pd.DataFrame:
        return self.con.execute(
            "SELECT table_name, CAST(key AS VARCHAR) AS key FROM deletions WHERE changed >= ? ORDER BY changed",
            [since]).df()

    def documents(self, doc_ids: list[str]) -> pd.DataFrame:
        # Looked up through the primary-key index (the writer holds it in memory): an IN list
        # of parameters becomes an index scan up to the writer's index_scan_max_count.
        frames = []
        for start in range(0, len(doc_ids), 5_000):
            part = doc_ids[start:start + 5_000]
            frames.append(self.con.execute(
                f"SELECT doc_id, changed, duplicate_of FROM documents WHERE doc_id IN ({', '.join('?' * len(part))})",
                part).df())
        return pd.concat(frames, ignore_index=True) if frames else _no_documents()

    def counts(self, tables: Iterable[str]) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


class SharedSource(Source):
    """PostgreSQL, read in one snapshot."""

    exact = False
    _JSON_TYPES = ("json", "jsonb")

    def __init__(self, url: str):
        from warehouse.engines import redacted

        self.url = url
        self.identity = redacted(url)
        self.raw: Any = None
        self._types: dict[str, dict[str, str]] = {}

    def open(self) -> int:
        from warehouse.postgres import open_raw

        self.raw = open_raw(self.url, timeout=10)
        self.raw.autocommit = False
        with self.raw.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # every row of each cursor is read: plan for all of them (the default plans for a
            # tenth, which makes a scan of the whole table look cheaper than the index on `changed`)
            cur.execute("SET LOCAL cursor_tuple_fraction = 1.0")
            cur.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            horizon = int(cur.fetchone()[0])
            cur.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public'")
            for table, column, kind in cur.fetchall():
                self._types.setdefault(table, {})[column] = kind
        return horizon

    def columns(self, table: str) -> set[str]:
        return set(self._types.get(table, {}))

    def rows(self, table: str, columns: list[str], since: int) -> Iterator[Any]:
        types = self._types.get(table, {})
        select = ", ".join(f"{c}::text AS {c}" if types.get(c) in self._JSON_TYPES else c for c in columns)
        # a server-side cursor, read in slices: a first sync of millions of rows never holds them all
        with self.raw.cursor(name=f"sync_{table}") as rows:
            rows.itersize = SLICE
            rows.execute(f"SELECT {select} FROM {table} WHERE changed >= %s", [since])
            while batch := rows.fetchmany(SLICE):
                yield pd.DataFrame(batch, columns=columns)

    def deletions(self, since: int) -> pd.DataFrame:
        if "deletions" not in self._types:
            return pd.DataFrame(columns=["table_name", "key"])
        with self.raw.cursor() as cur:
            cur.execute("SELECT table_name, key::text FROM deletions WHERE changed >= %s ORDER BY changed", [since])
            return pd.DataFrame(cur.fetchall(), columns=["table_name", "key"])

    def documents(self, doc_ids: list[str]) -> pd.DataFrame:
        with self.raw.cursor() as cur:
            cur.execute("SELECT doc_id, changed, duplicate_of FROM documents WHERE doc_id = ANY(%s)", [doc_ids])
            rows = cur.fetchall()
        return pd.DataFrame(rows, columns=["doc_id", "changed", "duplicate_of"]) if rows else _no_documents()

    def close(self) -> None:
        if self.raw is not None:
            try:
                self.raw.rollback()  # read only: nothing to keep
            finally:
                self.raw.close()
                self.raw = None


def _no_documents() -> pd.DataFrame:
    return pd.DataFrame({"doc_id": pd.Series(dtype=object), "changed": pd.Series(dtype="int64"),
                         "duplicate_of": pd.Series(dtype=object)})


def _stage(rc: duckdb.DuckDBPyConnection, source: Source, table: str, since: int) -> int:
    """The store's rows of ``table`` changed since ``since`` as ``incoming_<table>``, typed as the
    copy's own table; returns how many."""
    theirs = source.columns(table)
    columns = [name for name, _ in layout().columns[table] if name in theirs]
    rc.execute(f"CREATE OR REPLACE TEMP TABLE incoming_{table} AS SELECT * FROM {table} LIMIT 0")
    if not theirs:  # a store older than this code: the table comes with its migration
        return 0
    for part in source.rows(table, columns, since):
        if len(part):
            rc.register("fetched_rows", part)
            try:
                rc.execute(f"INSERT INTO incoming_{table} BY NAME SELECT * FROM fetched_rows")
            finally:
                rc.unregister("fetched_rows")
    return rc.execute(f"SELECT count(*) FROM incoming_{table}").fetchall()[0][0]


def _forget(rc: duckdb.DuckDBPyConnection, deletions: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """Apply the deletions recorded in the store; returns the keys deleted per table."""
    done: dict[str, list[dict[str, str]]] = {}
    tables = set(layout().tables)
    for table, group in deletions.groupby("table_name", sort=False):
        if table not in tables:
            continue
        keys = [json.loads(k) for k in group["key"]]
        done[table] = keys
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for key in keys:
            by_columns.setdefault(tuple(sorted(key)), []).append(key)
        for columns, matching in by_columns.items():
            frame = pd.DataFrame([{c: None if k[c] is None else str(k[c]) for c in columns} for k in matching],
                                 columns=list(columns), dtype=object)
            rc.register("forgotten_keys", frame)
            try:
                match = " AND ".join(f"CAST(t.{c} AS VARCHAR) = f.{c}" for c in columns)
                rc.execute(f"DELETE FROM {table} AS t USING forgotten_keys AS f WHERE {match}")
            finally:
                rc.unregister("forgotten_keys")
    return done


def _apply(rc: duckdb.DuckDBPyConnection, since: int, counts: dict[str, int], forgotten: dict, exact: bool) -> None:
    """Replace the copy's rows by the incoming ones, table by table (deletions already applied)."""
    shape = layout()
    for table in shape.tables:
        if not counts[table]:
            continue
        if not exact:  # rows read again from the oldest transaction still running: replaced
            rc.execute(f"DELETE FROM {table} WHERE changed >= ?", [since])
        keys = shape.keys[table]
        # An updated row's old version is in the copy under its key. In commit order (embedded) it
        # is a row created before the last sync, stamped no earlier than its creation (zone maps
        # skip the older row groups); by transaction id (shared), a row changed after the
        # transaction that created it.
        revised = "i.created < ?" if exact else "i.created <> i.changed"
        params = [since] if exact else []
        row = rc.execute(f"SELECT count(*), min(i.created) FROM incoming_{table} AS i WHERE {revised}", params).fetchall()[0]
        if row[0]:
            match = " AND ".join(f"t.{k} = r.{k}" for k in keys)
            bound = " AND t.changed >= ?" if exact else ""
            # DuckDB fills the two stamp defaults of an inserted row with two numbers of the one
            # sequence, `changed` first: a row never updated since has changed = created - 1.
            rc.execute(
                f"DELETE FROM {table} AS t USING (SELECT {', '.join(keys)} FROM incoming_{table} AS i WHERE {revised}) AS r "
                f"WHERE {match}{bound}", params + ([row[1] - 1] if exact else []))
        rc.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_{table}")


def _touched(rc: duckdb.DuckDBPyConnection, counts: dict[str, int], forgotten: dict) -> list[str] | None:
    """The documents whose `mentions` rows the incoming rows change (None: all of them)."""
    from warehouse import mention_rows

    touched: set[str] = set()
    if counts.get("campaigns"):
        moved = rc.execute(
            "SELECT count(*) FROM incoming_campaigns AS i JOIN campaigns_before AS c USING (campaign) "
            "WHERE c.timezone IS DISTINCT FROM i.timezone").fetchall()[0][0]
        if moved:  # the days of a whole campaign move: every row again
            return None
    for table in mention_rows.SOURCES:
        if counts.get(table):
            touched.update(r[0] for r in rc.execute(f"SELECT DISTINCT doc_id FROM incoming_{table}").fetchall())
        touched.update(str(k["doc_id"]) for k in forgotten.get(table, []) if k.get("doc_id") is not None)
    return sorted(touched)


def _repair(rc: duckdb.DuckDBPyConnection, source: Source, table: str) -> None:
    """Copy ``table`` whole again (its row count disagreed with the store's)."""
    _stage(rc, source, table, 0)
    rc.execute(f"DELETE FROM {table}")
    rc.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_{table}")
    rc.execute(f"DROP TABLE incoming_{table}")


def sync(path: Path, source: Source) -> dict[str, Any]:
    """Bring the standby copy of ``path`` up to date from ``source`` and send readers to it.

    Returns what it did: ``rows`` changed, ``docs`` whose `mentions` rows were rebuilt, ``next``
    (where the next sync starts), ``repaired`` (tables copied whole again), seconds per phase.
    """
    from warehouse import mention_rows
    from warehouse.database import create_views

    started = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        phases[name] = round(time.perf_counter() - started - sum(phases.values()), 4)

    shape = layout()
    rc, file = _standby(path)
    repaired: list[str] = []
    lap("open")
    try:
        rc.execute("SET TimeZone = 'UTC'")
        same = _meta(rc, "synced_source") == source.identity
        since = int(_meta(rc, "synced_from") or 0) if same else 0
        rc.execute("BEGIN TRANSACTION")
        try:
            horizon = source.open()
            if since == 0:  # everything comes again (a first sync, or a copy of another warehouse)
                for table in (*shape.tables, *LOCAL_TABLES):
                    rc.execute(f"DELETE FROM {table}")
            counts = {table: _stage(rc, source, table, since) for table in shape.tables}
            deletions = source.deletions(since)
            rows = sum(counts.values()) + len(deletions)
            lap("stage")
            rc.execute("CREATE OR REPLACE TEMP TABLE campaigns_before AS SELECT campaign, timezone FROM campaigns")
            forgotten = _forget(rc, deletions)
            _apply(rc, since, counts, forgotten, source.exact)
            touched = None if since <= 0 else _touched(rc, counts, forgotten)
            if source.exact:
                theirs = source.counts(shape.tables) or {}
                for table, n in theirs.items():
                    if rc.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] != n:
                        log.warning("read copy %s: %s disagreed with the store (a write around "
                                    "warehouse.database.forget?): copied whole again", file.name, table)
                        _repair(rc, source, table)
                        repaired.append(table)
                        touched = None
            if counts.get("campaigns"):
                create_views(rc, only_if_changed=True)
            lap("apply")
            refreshed = mention_rows.refresh(rc, touched, lookup=_lookup(rc, source))
            lap("mentions")
            for table in (*shape.tables, "campaigns_before"):
                rc.execute(f"DROP TABLE IF EXISTS incoming_{table}" if table != "campaigns_before"
                           else "DROP TABLE IF EXISTS campaigns_before")
            _set_meta(rc, "synced_from", str(horizon))
            _set_meta(rc, "synced_source", source.identity)
            rc.execute("COMMIT")
        except BaseException:
            rc.execute("ROLLBACK")
            raise
        finally:
            source.close()
        lap("commit")
        rc.execute("CHECKPOINT")
    finally:
        rc.close()
    lap("checkpoint")
    _switch(path, file, keep_standby=rows < REAPPLY_LIMIT)
    return {"rows": rows, "docs": refreshed, "next": horizon, "repaired": repaired,
            "seconds": round(time.perf_counter() - started, 4), "copy": file.name, "phases": phases}


def _lookup(rc: duckdb.DuckDBPyConnection, source: Source):
    """How the `mentions` refresh finds touched documents' stamps and stories: the incoming
    documents first, then the store, by key."""

    def lookup(doc_ids: list[str]) -> pd.DataFrame:
        if not doc_ids:
            return _no_documents()
        found = rc.execute(
            "SELECT doc_id, changed, duplicate_of FROM incoming_documents "
            "WHERE doc_id IN (SELECT unnest(CAST(? AS VARCHAR[])))", [doc_ids]).df()
        rest = sorted(set(doc_ids) - set(found["doc_id"]))
        if rest:
            found = pd.concat([found, source.documents(rest)], ignore_index=True)
        return found

    return lookup


@contextmanager
def sync_lock(path: Path) -> Iterator[bool]:
    """This host's sync lock for a shared warehouse's read copy: True when held (never waits)."""
    folder = copies_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "sync.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_seconds() -> float:
    """How old a shared warehouse's read copy may be before a read syncs it (``$VIGIA_SYNC_SECONDS``, 2)."""
    return float(os.environ.get("VIGIA_SYNC_SECONDS") or 2.0)


def refresh_shared(url: str, path: Path, *, force: bool = False) -> dict[str, Any] | None:
    """Sync this host's read copy of the shared warehouse at ``url`` when it is older than
    :func:`sync_seconds` (or ``force``); None when another process here is syncing or it is fresh."""
    current = current_copy(path)
    if not force and current is not None and path.is_symlink():
        if time.time() - os.lstat(path).st_mtime < sync_seconds():
            return None
    with sync_lock(path) as held:
        if not held:
            return None
        return sync(path, SharedSource(url))
