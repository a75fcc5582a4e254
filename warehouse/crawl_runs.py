"""Crawl runs: one row per spider run, with what it kept, dropped and failed on."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

from warehouse.database import all_rows, first_row


def start_run(con: duckdb.DuckDBPyConnection, campaign: str, spider: str) -> int:
    row = first_row(con.execute(
        "INSERT INTO crawl_runs (campaign, spider, started_at, status) VALUES (?, ?, now(), 'running') "
        "RETURNING run_id",
        [campaign, spider],
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


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT run_id, campaign, spider, started_at, finished_at, status, items_seen, items_kept, "
        "new_documents, dropped, errors, skipped FROM crawl_runs ORDER BY run_id DESC LIMIT ?",
        [limit],
    )
    return all_rows(cur)
