"""Crawl runs: one row per spider run, with what it kept, dropped and failed on."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Mapping
from typing import Any

import duckdb

from warehouse.database import all_rows, first_row

log = logging.getLogger("vigia.warehouse")


def process_gone(pid: int) -> bool:
    """Whether no process ``pid`` runs on this host (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def mark_stale_runs(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Mark 'interrupted' the runs left 'running' by a process of this host that is gone.

    Runs from other hosts are left alone (their processes cannot be checked from here);
    runs from before processes were recorded (no pid) are stale by definition.
    """
    host = socket.gethostname()
    rows = con.execute(
        "SELECT run_id, host, pid FROM crawl_runs WHERE status = 'running' AND (host IS NULL OR host = ?)", [host]
    ).fetchall()
    stale = [run_id for run_id, run_host, pid in rows if pid is None or run_host is None or process_gone(pid)]
    if stale:
        con.execute(
            "UPDATE crawl_runs SET status = 'interrupted', finished_at = now(), "
            "finish_reason = coalesce(finish_reason, 'stale: its process ended without closing the run') "
            "WHERE list_contains(?, run_id)",
            [stale],
        )
        log.warning("crawl runs %s were left running by processes that are gone: marked interrupted", stale)
    return stale


def start_run(con: duckdb.DuckDBPyConnection, campaign: str, spider: str) -> int:
    """Record a new 'running' crawl run owned by this process (stale runs are closed first)."""
    mark_stale_runs(con)
    row = first_row(con.execute(
        "INSERT INTO crawl_runs (campaign, spider, started_at, status, host, pid) "
        "VALUES (?, ?, now(), 'running', ?, ?) RETURNING run_id",
        [campaign, spider, socket.gethostname(), os.getpid()],
    ))
    assert row is not None
    return int(row[0])


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    *,
    status: str,
    finish_reason: str | None,
    items_seen: int,
    items_kept: int,
    new_documents: int,
    dropped: Mapping[str, int],
    errors: Mapping[str, int],
    skipped: Mapping[str, str] | None = None,
) -> None:
    con.execute(
        "UPDATE crawl_runs SET finished_at = now(), status = ?, finish_reason = ?, items_seen = ?, "
        "items_kept = ?, new_documents = ?, dropped = ?, errors = ?, skipped = ? WHERE run_id = ?",
        [
            status, finish_reason, items_seen, items_kept, new_documents,
            json.dumps(dict(dropped), sort_keys=True), json.dumps(dict(errors), sort_keys=True),
            json.dumps(dict(skipped or {}), sort_keys=True), run_id,
        ],
    )


# What `vigia status` shows of each run, in order.
RUN_COLUMNS = ("run_id", "spider", "started_at", "status", "items_seen", "items_kept", "new_documents",
               "dropped", "errors")


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    """The newest ``limit`` crawl runs (the ``crawl_log`` view), newest first."""
    return all_rows(con.execute("SELECT * FROM crawl_log LIMIT ?", [limit]))
