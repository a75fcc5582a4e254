"""Documents: batched, idempotent writes keyed by a stable doc_id, and the reads scoring needs."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from warehouse import mention_rows
from warehouse.crawl_runs import process_gone
from warehouse.database import all_rows, check_fields, first_row, table_columns

log = logging.getLogger("vigia.warehouse")

_TIMESTAMPS = ("published_at", "fetched_at")


def document_columns(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """What a stored document holds: the ``documents`` table's own columns (see the migrations)."""
    return table_columns(con, "documents")


def _frame(columns: Sequence[str], docs: Sequence[dict[str, Any]]) -> pd.DataFrame:
    check_fields("documents", columns, docs)
    rows = []
    for doc in docs:
        row = {col: doc.get(col) for col in columns}
        if row["extra"] is not None and not isinstance(row["extra"], str):
            row["extra"] = json.dumps(row["extra"], ensure_ascii=False, default=str)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(columns))
    for col in _TIMESTAMPS:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("crawl_run_id",):
        frame[col] = frame[col].astype("Int64")
    return frame


def insert_documents(con: duckdb.DuckDBPyConnection, docs: Sequence[dict[str, Any]]) -> list[str]:
    """Insert the documents whose doc_id is new, in one statement; return the new ids.

    A doc_id already stored is left exactly as it is: re-crawling never changes or
    duplicates a stored document.
    """
    if not docs:
        return []
    return insert_document_frame(con, _frame(document_columns(con), docs))


def insert_document_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[str]:
    """:func:`insert_documents` for a DataFrame (or Arrow table) whose columns are ``documents``
    columns (those it lacks are stored as NULL; one the table lacks raises UnknownColumns): the
    bulk path, with the same rules; `mentions` and `daily_trends` are brought up to date."""
    columns = [c for c in document_columns(con) if c in frame.columns]
    check_fields("documents", columns, [dict.fromkeys(frame.columns)])
    if isinstance(frame, pd.DataFrame):
        frame = frame.drop_duplicates("doc_id")
    con.register("incoming_documents", frame)
    try:
        rows = con.execute(
            f"INSERT INTO documents ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM incoming_documents "
            "ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id"
        ).fetchall()
    finally:
        con.unregister("incoming_documents")
    new_ids = [row[0] for row in rows]
    mention_rows.refresh(con, new_ids)
    return new_ids



def fingerprints(con: duckdb.DuckDBPyConnection, campaign: str) -> list[dict[str, Any]]:
    """What duplicate detection needs about every stored document of a campaign, oldest first."""
    cur = con.execute(
        "SELECT doc_id, platform, url, content_hash, title, text, duplicate_of, published_at "
        "FROM documents WHERE campaign = ? ORDER BY fetched_at, doc_id",
        [campaign],
    )
    return all_rows(cur)


def _to_score_filter(
    model_set: str, campaign: str | None, only_rescore: bool
) -> tuple[str, list[Any]]:
    """FROM/WHERE of the documents that ``model_set`` has not scored, with its parameters."""
    sql = (
        "FROM documents AS d "
        "WHERE NOT EXISTS (SELECT 1 FROM scores AS s WHERE s.doc_id = d.doc_id AND s.model_set = ?) "
    )
    params: list[Any] = [model_set]
    if only_rescore:
        sql += "AND EXISTS (SELECT 1 FROM scores AS s WHERE s.doc_id = d.doc_id) "
    if campaign:
        sql += "AND d.campaign = ? "
        params.append(campaign)
    return sql, params


def documents_to_score(
    con: duckdb.DuckDBPyConnection,
    model_set: str,
    *,
    campaign: str | None = None,
    only_rescore: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Documents with no score from ``model_set`` yet (oldest first).

    With ``only_rescore`` just those that already carry scores from another model set.
    """
    where, params = _to_score_filter(model_set, campaign, only_rescore)
    sql = f"SELECT d.doc_id, d.title, d.text, d.lang {where}ORDER BY d.fetched_at, d.doc_id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return all_rows(con.execute(sql, params))


def claim_documents_to_score(
    con: duckdb.DuckDBPyConnection,
    model_set: str,
    *,
    claimer: str,
    limit: int,
    lease_seconds: float = 600.0,
    campaign: str | None = None,
    only_rescore: bool = False,
) -> list[dict[str, Any]]:
    """Like :func:`documents_to_score`, but skip documents another scorer holds a live claim
    on, and claim those returned for ``lease_seconds``. Call it on a write connection (the
    writer lock makes the claim atomic across processes); expired claims, and those of a
    scorer of this host whose process is gone, are cleared first.
    """
    con.execute("DELETE FROM score_claims WHERE claimed_until < now()")
    release_orphaned_claims(con)
    where, params = _to_score_filter(model_set, campaign, only_rescore)
    sql = (
        f"SELECT d.doc_id, d.title, d.text, d.lang {where}"
        "AND NOT EXISTS (SELECT 1 FROM score_claims AS c WHERE c.doc_id = d.doc_id AND c.model_set = ?) "
        "ORDER BY d.fetched_at, d.doc_id LIMIT ?"
    )
    rows = all_rows(con.execute(sql, [*params, model_set, limit]))
    if rows:
        con.execute(
            "INSERT OR REPLACE INTO score_claims (doc_id, model_set, claimed_by, claimed_until) "
            "SELECT unnest(?), ?, ?, now() + to_microseconds(?)",
            [[row["doc_id"] for row in rows], model_set, claimer, int(lease_seconds * 1_000_000)],
        )
    return rows


def release_orphaned_claims(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Give back at once the claims of scorers of this host whose process is gone (killed,
    crashed), as :func:`warehouse.crawl_runs.mark_stale_runs` closes their crawl runs; claims of
    other hosts wait for their lease. Returns the ``host:pid`` claimers released."""
    host = socket.gethostname()
    claimers = [row[0] for row in con.execute(
        "SELECT DISTINCT claimed_by FROM score_claims WHERE starts_with(claimed_by, ?)", [f"{host}:"]
    ).fetchall()]
    gone = [c for c in claimers if (pid := c.rpartition(":")[2]).isdigit()
            and int(pid) != os.getpid() and process_gone(int(pid))]
    if gone:
        con.execute("DELETE FROM score_claims WHERE list_contains(?, claimed_by)", [gone])
        log.warning("released the scoring claims of %s: their processes are gone", ", ".join(gone))
    return gone


def release_claims(con: duckdb.DuckDBPyConnection, model_set: str, doc_ids: Sequence[str]) -> None:
    """Give back claims (the documents are scored, or the scorer stops)."""
    if doc_ids:
        con.execute(
            "DELETE FROM score_claims WHERE model_set = ? AND list_contains(?, doc_id)", [model_set, list(doc_ids)]
        )


def count_to_score(
    con: duckdb.DuckDBPyConnection, model_set: str, *, campaign: str | None = None, only_rescore: bool = False
) -> int:
    """How many documents :func:`documents_to_score` would return, without reading their text."""
    where, params = _to_score_filter(model_set, campaign, only_rescore)
    row = first_row(con.execute(f"SELECT count(*) {where}", params))
    return int(row[0]) if row else 0
