"""The read copy: the local DuckDB file analysts read, kept current by copying only what changed.

Readers (the dashboard, ``vigia sql``, a notebook) open ``data/vigia.duckdb`` read-only. That
path is a symbolic link to one of two (sometimes three) files in ``data/vigia.duckdb.d/``,
``read-<n>.duckdb``. DuckDB lets no process write a file that another holds open, so a sync
never writes the file readers were sent to: it brings the *other* copy (the standby, behind by
a sync or two) up to date with the rows changed since its own last sync, rebuilds the
`mentions` rows of the documents those rows touch, checkpoints it, and switches the link to it
(an atomic rename). A reader that has the old copy open keeps its consistent view.

Where the changes come from is the only difference between the two deployments:

- embedded: the writer file (``writer.duckdb``), attached read-only under the writer lock; rows
  carry a stamp from one sequence, so "changed since" is exact;
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
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger("vigia.warehouse")

# The tables a read copy mirrors from the store, with their keys. `append_only` tables are
# never updated once written, so rows read again are found by their stamp, not their key.
MIRRORED: dict[str, tuple[str, ...]] = {
    "campaigns": ("campaign",),
    "documents": ("doc_id",),
    "crawl_runs": ("run_id",),
    "scores": ("doc_id", "model_set"),
    "actor_scores": ("doc_id", "model_set", "actor"),
    "corrections": ("correction_id",),
    "model_trust": ("campaign", "task", "model_set"),
    "analyst_events": ("event_id",),
    "source_state": ("campaign", "source", "key"),
}
APPEND_ONLY = frozenset({"documents", "corrections", "analyst_events"})
# Columns whose PostgreSQL type the read copy holds as text (JSON) when fetched.
_JSON = {"extra", "dropped", "errors", "skipped", "topic_probs", "stance_probs", "old_value", "new_value"}


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


def _standby(path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """Open the copy to bring up to date: the newest one readers are not sent to and no reader
    holds; else a new one, copied from the current one (or empty when there is none)."""
    current = current_copy(path)
    copies = _copies(path)
    for file in reversed(copies):
        if current is not None and file.resolve() == current:
            continue
        con = _open_rw(file)
        if con is not None:
            return con, file
    number = int(copies[-1].stem.split("-")[1]) + 1 if copies else 1
    file = copies_folder(path) / f"read-{number}.duckdb"
    file.parent.mkdir(parents=True, exist_ok=True)
    if current is not None and current.suffix == ".duckdb" and current != path and current.exists():
        # Every other copy is held open by a reader: start from the current one (a whole copy, once).
        temp = file.with_suffix(".copying")
        shutil.copyfile(current, temp)
        os.replace(temp, file)
        log.info("read copies held by readers: made %s from %s", file.name, current.name)
    con = _open_rw(file)
    if con is None:
        raise RuntimeError(f"cannot open the new read copy {file}")
    return con, file


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
        old.unlink(missing_ok=True)  # a reader holding it keeps reading its open file
        Path(str(old) + ".wal").unlink(missing_ok=True)


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM vigia_meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO vigia_meta VALUES (?, ?)", [key, value])


class Source:
    """Where the changes come from; see :class:`EmbeddedSource` and :class:`SharedSource`."""

    identity: str

    def stage(self, rc: duckdb.DuckDBPyConnection, since: int) -> int:
        """Make temp tables ``incoming_<table>`` on ``rc`` with the rows changed since ``since``;
        return where the next sync starts."""
        raise NotImplementedError

    def close(self, rc: duckdb.DuckDBPyConnection) -> None:
        pass


class EmbeddedSource(Source):
    """The writer file, attached read-only (call under the writer lock)."""

    def __init__(self, writer: Path):
        self.writer = writer
        self.identity = f"file:{writer.resolve()}"

    def stage(self, rc: duckdb.DuckDBPyConnection, since: int) -> int:
        rc.execute(f"ATTACH '{_quote(self.writer)}' AS store (READ_ONLY)")
        for table in MIRRORED:
            columns = _shared_columns(rc, table, "store")
            rc.execute(
                f"CREATE OR REPLACE TEMP TABLE incoming_{table} AS "
                f"SELECT {', '.join(columns)} FROM store.{table} WHERE changed >= ?", [since],
            )
        row = rc.execute(
            "SELECT last_value FROM duckdb_sequences() WHERE database_name = 'store' AND sequence_name = 'change_seq'"
        ).fetchall()
        last = row[0][0] if row and row[0][0] is not None else since - 1
        return max(since, int(last) + 1)

    def close(self, rc: duckdb.DuckDBPyConnection) -> None:
        rc.execute("DETACH store")


class SharedSource(Source):
    """PostgreSQL, read in one snapshot."""

    def __init__(self, url: str):
        from warehouse.engines import redacted

        self.url = url
        self.identity = redacted(url)

    def stage(self, rc: duckdb.DuckDBPyConnection, since: int) -> int:
        import pandas as pd

        from warehouse.postgres import open_raw

        raw = open_raw(self.url, timeout=10)
        try:
            with raw.transaction():
                with raw.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cur.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                    horizon = int(cur.fetchone()[0])
                    for table in MIRRORED:
                        cur.execute(
                            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                            "AND table_name = %s ORDER BY ordinal_position", [table])
                        theirs = {r[0] for r in cur.fetchall()}
                        columns = [c for c in _rc_columns(rc, table) if c in theirs]
                        select = ", ".join(f"{c}::text AS {c}" if c in _JSON else c for c in columns)
                        _stage_frame(rc, table, pd.DataFrame(columns=columns), columns)
                        # a server-side cursor, read in slices: a first sync of millions of rows
                        # never holds them all in memory at once
                        with raw.cursor(name=f"sync_{table}") as rows:
                            rows.itersize = 50_000
                            rows.execute(f"SELECT {select} FROM {table} WHERE changed >= %s", [since])
                            while batch := rows.fetchmany(50_000):
                                _append_frame(rc, table, pd.DataFrame(batch, columns=columns))
        finally:
            raw.close()
        return horizon


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _rc_columns(rc: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in rc.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


def _shared_columns(rc: duckdb.DuckDBPyConnection, table: str, other: str) -> list[str]:
    theirs = {r[0] for r in rc.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_name = ?",
        [other, table]).fetchall()}
    return [c for c in _rc_columns(rc, table) if c in theirs]


def _stage_frame(rc: duckdb.DuckDBPyConnection, table: str, frame: Any, columns: list[str]) -> None:
    """Fetched rows as ``incoming_<table>``, typed as the read copy's own table."""
    rc.execute(f"CREATE OR REPLACE TEMP TABLE incoming_{table} AS SELECT {', '.join(columns)} FROM {table} LIMIT 0")
    _append_frame(rc, table, frame)


def _append_frame(rc: duckdb.DuckDBPyConnection, table: str, frame: Any) -> None:
    if len(frame):
        rc.register("fetched_rows", frame)
        try:
            rc.execute(f"INSERT INTO incoming_{table} BY NAME SELECT * FROM fetched_rows")
        finally:
            rc.unregister("fetched_rows")


def _apply(rc: duckdb.DuckDBPyConnection, since: int) -> tuple[list[str] | None, bool]:
    """Replace the read copy's rows by the incoming ones; return the documents whose `mentions`
    rows must be rebuilt (None: all of them) and whether campaigns changed."""
    touched: set[str] = set()
    zones_moved: list[str] = []
    counts = {t: rc.execute(f"SELECT count(*) FROM incoming_{t}").fetchall()[0][0] for t in MIRRORED}
    if counts["campaigns"]:
        zones_moved = [r[0] for r in rc.execute(
            "SELECT i.campaign FROM incoming_campaigns AS i JOIN campaigns AS c USING (campaign) "
            "WHERE c.timezone IS DISTINCT FROM i.timezone").fetchall()]
    if counts["scores"] or counts["actor_scores"]:
        # a (document, model set) scored again loses its old actor rows in the store too
        rc.execute(
            "DELETE FROM actor_scores AS a USING (SELECT doc_id, model_set FROM incoming_scores UNION "
            "SELECT doc_id, model_set FROM incoming_actor_scores) AS p "
            "WHERE a.doc_id = p.doc_id AND a.model_set = p.model_set")
    for table, keys in MIRRORED.items():
        if not counts[table]:
            continue
        if table in APPEND_ONLY:
            rc.execute(f"DELETE FROM {table} WHERE changed >= ?", [since])
        elif table != "actor_scores":
            match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
            rc.execute(f"DELETE FROM {table} AS t USING incoming_{table} AS i WHERE {match}")
        rc.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_{table}")
        if "doc_id" in keys:
            touched.update(r[0] for r in rc.execute(f"SELECT DISTINCT doc_id FROM incoming_{table}").fetchall())
    if counts["corrections"]:
        touched.update(r[0] for r in rc.execute("SELECT DISTINCT doc_id FROM incoming_corrections").fetchall())
    if zones_moved:
        touched.update(r[0] for r in rc.execute(
            "SELECT doc_id FROM documents WHERE list_contains(?, campaign)", [zones_moved]).fetchall())
    for table in MIRRORED:
        rc.execute(f"DROP TABLE IF EXISTS incoming_{table}")
    return (None if since <= 0 else sorted(touched)), bool(counts["campaigns"])


def sync(path: Path, source: Source) -> dict[str, Any]:
    """Bring the standby copy of ``path`` up to date from ``source`` and send readers to it.

    Returns what it did (``rows`` changed, ``docs`` whose `mentions` rows were rebuilt, seconds).
    """
    from warehouse import mention_rows
    from warehouse.database import create_views, migrate

    started = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        phases[name] = round(time.perf_counter() - started - sum(phases.values()), 4)

    rc, file = _standby(path)
    lap("open")
    try:
        rc.execute("SET TimeZone = 'UTC'")
        migrated = migrate(rc)
        since = int(_meta(rc, "synced_from") or 0) if _meta(rc, "synced_source") == source.identity else 0
        rc.execute("BEGIN TRANSACTION")
        try:
            horizon = source.stage(rc, since)
            rows = sum(rc.execute(f"SELECT count(*) FROM incoming_{t}").fetchall()[0][0] for t in MIRRORED)
            lap("stage")
            touched, campaigns_changed = _apply(rc, since)
            if campaigns_changed:
                create_views(rc, only_if_changed=True)
            if migrated:  # a migration may change what a `mentions` row holds
                touched = None
            lap("apply")
            refreshed = mention_rows.refresh(rc, touched)
            lap("mentions")
            _set_meta(rc, "synced_from", str(horizon))
            _set_meta(rc, "synced_source", source.identity)
            rc.execute("COMMIT")
        except BaseException:
            rc.execute("ROLLBACK")
            raise
        finally:
            source.close(rc)
        lap("commit")
        rc.execute("CHECKPOINT")
    finally:
        rc.close()
    lap("checkpoint")
    _switch(path, file, keep_standby=rows < REAPPLY_LIMIT)
    return {"rows": rows, "docs": refreshed, "seconds": round(time.perf_counter() - started, 4), "copy": file.name,
            "phases": phases}


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
