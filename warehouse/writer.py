"""The embedded warehouse's writer: one process at a time writes the DuckDB file, and keeps it open
between its writes until another writer asks for it.

DuckDB lets one process at a time open a file for writing, and while it does, no other process
can open that file at all. So readers never open the writer file (``data/vigia.duckdb.d/
writer.duckdb``): they read a read copy (:mod:`warehouse.readcopy`). Writers queue on an OS lock
(``flock``) on ``writer.lock``, and the process that gets it keeps its connection open after its
write, because opening costs what the warehouse's size costs: the first insert of a connection
reads the documents' primary-key index back (about 0.5 s at 5 million documents) and closing
writes it out again (0.2-0.3 s). A crawler or scorer writing batch after batch keeps one
connection, so a batch costs what the batch holds.

Holding never makes anyone wait long:

- a writer that waits says so with a shared lock on ``writer.wait``; the holder's watcher thread
  tries that lock every 50 ms and, as soon as its process is not inside a write, hands the
  writer over (publishes what is pending, closes, unlocks);
- an idle holder lets go after ``$VIGIA_WRITER_HOLD_SECONDS`` (5 s; 0: never hold), at exit, and
  before its process forks;
- readers never wait on it: they read the read copies.

What a write commits is published (the read copies synced) as its ``connect`` call asks
(``publish_when``: at its end, when due, or not now), and in any case within
``$VIGIA_PUBLISH_SECONDS`` of it and when the writer is handed over.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import logging
import os
import random
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import duckdb

from warehouse.database import (
    WarehouseError,
    WriterBusy,
    first_row,
    in_transaction,
    migrate,
    publish_seconds,
    spool_folder,
    writer_folder,
    writer_path,
)

log = logging.getLogger("vigia.warehouse")

Publish = Literal["always", "due", "never"]
WATCH_SECONDS = 0.05
last_publish: dict[str, Any] | None = None  # what the last publish of this process did (benchmarks read it)
publishes = 0  # how many this process made


def hold_seconds() -> float:
    """How long an idle writer keeps the writer file open (``$VIGIA_WRITER_HOLD_SECONDS``, 5)."""
    value = os.environ.get("VIGIA_WRITER_HOLD_SECONDS")
    return float(value) if value not in (None, "") else 5.0


class Held:
    """The writer file as this process holds it: the lock, the connection, what is published."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, handle: Any):
        self.path = path
        self.con = con
        self.handle = handle
        self.lock = threading.RLock()  # one write block at a time; the watcher takes it to let go
        self.inside = 0  # write blocks running (a fork in the middle of one cannot let go)
        self.idle_since = time.monotonic()
        self.closed = False
        self.pending = True  # committed rows not yet in the read copies (checked after each block)
        self.published: int | None = None  # the next stamp a sync would carry


_held: dict[Path, Held] = {}
_opening = threading.Lock()  # one thread of this process takes the writer at a time
_abandoned: list[Any] = []  # a forked child's copies: never used, never closed (the parent owns them)


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _take_lock(path: Path, timeout: float) -> Any:
    """The writer lock (an exclusive ``flock`` on ``writer.lock``), saying we wait while we do."""
    folder = writer_folder(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "writer.lock", "a+")  # noqa: SIM115 - held until the writer is let go
    except OSError as exc:
        raise WarehouseError(f"cannot write the warehouse at {path}: {exc.strerror or exc}") from exc
    if _try_lock(handle, fcntl.LOCK_EX):
        return handle
    started = time.monotonic()
    waiting = open(folder / "writer.wait", "a+")  # noqa: SIM115 - closed below
    try:
        fcntl.flock(waiting, fcntl.LOCK_SH)  # the holder's watcher sees this and lets go
        delay = 0.01
        while not _try_lock(handle, fcntl.LOCK_EX):
            if time.monotonic() - started > timeout:
                handle.close()
                raise WriterBusy(f"the writer lock of {path} was not free within {timeout:.0f}s")
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 1.5, 0.1)
        return handle
    finally:
        fcntl.flock(waiting, fcntl.LOCK_UN)
        waiting.close()


def _try_lock(handle: Any, kind: int) -> bool:
    try:
        fcntl.flock(handle, kind | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False


def someone_waits(path: Path) -> bool:
    """Whether another writer is waiting for this warehouse's writer lock."""
    try:
        with open(writer_folder(path) / "writer.wait", "a+") as probe:
            if _try_lock(probe, fcntl.LOCK_EX):
                fcntl.flock(probe, fcntl.LOCK_UN)
                return False
            return True
    except OSError:
        return False


def _seed_writer_file(path: Path, working: Path) -> None:
    """A warehouse from before the read-copy layout: its file (and WAL) become the writer's."""
    if working.exists() or not path.exists() or path.is_symlink():
        return
    log.info("moving %s to the read-copy layout (writer file %s)", path, working)
    for suffix in ("", ".wal"):
        source = Path(str(path) + suffix)
        if source.exists():
            temp = Path(str(working) + suffix + ".seed")
            shutil.copyfile(source, temp)
            os.replace(temp, Path(str(working) + suffix))


def _open_writer(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    """The writer file, opened for writing (a writer outside Vigia may hold the file itself)."""
    from warehouse.database import _is_lock_conflict

    working = writer_path(path)
    try:
        _seed_writer_file(path, working)
    except OSError as exc:
        raise WarehouseError(f"cannot write the warehouse at {path}: {exc.strerror or exc}") from exc
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(working))
            break
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise WarehouseError(f"cannot open {working}: {str(exc).splitlines()[0]}") from exc
            if time.monotonic() > deadline:
                raise WriterBusy(f"cannot open {working}: {str(exc).splitlines()[0]}") from exc
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 1.5, 0.5)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open {working}: {str(exc).splitlines()[0]}") from exc
    try:
        con.execute("SET TimeZone = 'UTC'")
        # A batch's keys are looked up through the primary-key index (kept in memory while the
        # writer is held) instead of a scan of every stored key (DuckDB's default cut-off is 2,048).
        con.execute("SET index_scan_max_count = 10000")
        migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot write the warehouse at {path}: {str(exc).splitlines()[0]}") from exc
    return con


def _acquire(path: Path, timeout: float) -> Held:
    """This process's hold on the writer, its lock taken by the calling thread."""
    key = _key(path)
    deadline = time.monotonic() + timeout
    while True:
        held = _held.get(key)
        if held is not None:
            if not held.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise WriterBusy(f"another thread of this process kept the writer of {path} past {timeout:.0f}s")
            if not held.closed:
                return held
            held.lock.release()
            continue
        if not _opening.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise WriterBusy(f"another thread of this process kept the writer of {path} past {timeout:.0f}s")
        try:
            if key in _held:
                continue
            handle = _take_lock(path, max(0.0, deadline - time.monotonic()))
            try:
                con = _open_writer(path, max(0.0, deadline - time.monotonic()))
            except BaseException:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
                raise
            held = Held(path, con, handle)
            held.lock.acquire()
            _held[key] = held
            threading.Thread(target=_watch, args=(held,), name="vigia-writer-watch", daemon=True).start()
            return held
        finally:
            _opening.release()


@contextmanager
def writing(path: Path, timeout: float, publish_when: Publish = "always") -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer file's connection for one piece of work (see the module's docstring)."""
    from warehouse.spool import (  # the spool stores documents: imported late
        ingest_spool,
        waiting_batches,
    )

    held = _acquire(path, timeout)
    held.inside += 1
    try:
        con = held.con
        try:
            if waiting_batches(spool_folder(path)):
                ingest_spool(con, spool_folder(path))
            yield con
        finally:
            _end_block(held)
            publish(held, when=publish_when)
    finally:
        held.inside -= 1
        held.idle_since = time.monotonic()
        held.lock.release()
    if hold_seconds() <= 0 or someone_waits(path):
        release(path)


def _end_block(held: Held) -> None:
    """Leave the connection as the next block expects it: no transaction left open (a block that
    raised inside one), and note whether anything is waiting to be published."""
    try:
        if in_transaction(held.con):
            log.warning("a write block ended inside a transaction: rolled back")
            held.con.execute("ROLLBACK")
        held.pending = _is_pending(held)
    except duckdb.Error as exc:  # the connection is unusable (DuckDB invalidates it after a fatal error)
        log.warning("the writer connection failed (%s): reopened at the next write", str(exc).splitlines()[0])
        _close(held, publish_pending=False)


def _last_stamp(con: duckdb.DuckDBPyConnection) -> int | None:
    row = first_row(con.execute(
        "SELECT last_value FROM duckdb_sequences() WHERE sequence_name = 'change_seq' "
        "AND database_name = current_database()"))
    return int(row[0]) if row and row[0] is not None else None


def _is_pending(held: Held) -> bool:
    last = _last_stamp(held.con)
    if last is None:
        return not held.path.is_symlink()  # nothing written yet: a first copy gives readers the schema
    if held.published is None:
        from warehouse import readcopy

        held.published = readcopy.synced_from(held.path)
    return held.published is None or last >= held.published


def publish(held: Held, *, when: Publish = "always") -> bool:
    """Sync the read copies with what the writer committed; True if it did. ``when``: ``always``
    when anything is pending, ``due`` only if the published copy is also older than
    ``$VIGIA_PUBLISH_SECONDS``, ``never`` not now (the watcher publishes it when due)."""
    from warehouse import readcopy

    global last_publish, publishes
    if when == "never" or held.closed or not held.pending:
        return False
    path = held.path
    if when == "due" and path.is_symlink() and time.time() - os.lstat(path).st_mtime < publish_seconds():
        return False
    try:
        done = last_publish = readcopy.sync(path, readcopy.EmbeddedSource(held.con))
    except (OSError, duckdb.Error) as exc:
        raise WarehouseError(f"cannot publish the warehouse's read copy {path}: {str(exc).splitlines()[0]}") from exc
    held.published = done["next"]
    held.pending = False
    publishes += 1
    log.debug("published %s: %s", path, done)
    stale_wal = Path(str(path) + ".wal")
    if stale_wal.exists():  # left by a writer from before the read copies; read copies are checkpointed
        stale_wal.unlink(missing_ok=True)
    return True


def _close(held: Held, *, publish_pending: bool = True) -> None:
    """Publish what is pending, close the writer file (DuckDB checkpoints it) and unlock."""
    if held.closed:
        return
    try:
        if publish_pending:
            try:
                publish(held)
            except Exception as exc:  # the rows stay committed: the next writer publishes them
                log.warning("publish on handing the writer over failed: %s", exc)
        try:
            held.con.close()
        except duckdb.Error as exc:
            log.warning("closing the writer file failed: %s", str(exc).splitlines()[0])
    finally:
        held.closed = True
        _held.pop(_key(held.path), None)
        try:
            fcntl.flock(held.handle, fcntl.LOCK_UN)
        finally:
            held.handle.close()


def release(path: str | os.PathLike | None = None) -> None:
    """Let go of the writer of ``path`` (every warehouse when None) now, once no write block of
    this process is running on it: publish, close, unlock."""
    targets = list(_held.values()) if path is None else [h for h in [_held.get(_key(Path(path)))] if h]
    for held in targets:
        with held.lock:
            _close(held)


def _watch(held: Held) -> None:
    """Let go of the writer when another writer waits or it has been idle too long; publish what
    is pending once it is due."""
    while not held.closed:
        time.sleep(WATCH_SECONDS)
        if not held.lock.acquire(blocking=False):
            continue  # a write block is running
        try:
            if held.closed:
                break
            idle = time.monotonic() - held.idle_since
            if someone_waits(held.path) or idle >= hold_seconds():
                _close(held)
            elif held.pending:
                publish(held, when="due")
        except Exception as exc:  # a watcher never dies silently with the writer held
            log.warning("writer watcher: %s", exc)
            _close(held, publish_pending=False)
        finally:
            held.lock.release()


def _before_fork() -> None:
    # A forked child must not inherit an open writer: let go of every one not inside a write block.
    for held in list(_held.values()):
        if held.lock.acquire(blocking=False):
            try:
                if held.inside == 0:
                    _close(held)
            finally:
                held.lock.release()


def _in_child() -> None:
    # What the parent still holds is the parent's: forget it here without closing the connection
    # (closing would checkpoint the parent's file from this process).
    for held in list(_held.values()):
        _abandoned.append(held.con)
        held.closed = True
        try:
            held.handle.close()  # this copy of the descriptor only: the parent keeps its lock
        except OSError:
            pass
    _held.clear()


os.register_at_fork(before=_before_fork, after_in_child=_in_child)
atexit.register(release)
