"""Scores: one row per (document, model set); older model sets stay queryable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from warehouse.database import (
    check_fields,
    record_deletions,
    stage,
    table_columns,
    transaction,
    unstage,
)
from warehouse.engines import upsert

# What a scorer's row carries that `scores` does not hold: the actors go to `actor_scores`; the
# window read and the probabilities toward the target are for evaluation and the review queue.
NOT_STORED = ("actors", "target_text", "target_probs")
# Likewise for one actor's score: its id is the row's key; its probabilities and window are not kept.
ACTOR_NOT_STORED = ("actor", "probs", "text")


def score_columns(con: Any) -> tuple[str, ...]:
    """What a stored score holds: the ``scores`` table's own columns (see the migrations)."""
    return table_columns(con, "scores")


def write_scores(con: Any, rows: Sequence[dict[str, Any]]) -> int:
    """Store score rows in one statement; a (doc_id, model_set) already scored is replaced.

    A row's field that `scores` has no column for (and that is not in ``NOT_STORED``) raises
    UnknownColumns rather than being dropped."""
    if not rows:
        return 0
    columns = score_columns(con)
    check_fields("scores", columns, rows, not_stored=NOT_STORED)
    records = []
    for row in rows:
        record = {col: row.get(col) for col in columns}
        for col in ("topic_probs", "stance_probs"):
            if record[col] is not None and not isinstance(record[col], str):
                record[col] = json.dumps(record[col], sort_keys=True)
        record["topics"] = list(record["topics"] or [])
        records.append(record)
    frame = pd.DataFrame(records, columns=list(columns))
    frame["scored_at"] = pd.to_datetime(frame["scored_at"], utc=True)
    frame["target_passages"] = frame["target_passages"].fillna(0).astype("int32")
    with transaction(con):  # a document's scores and its actors' are replaced together
        written = write_score_frame(con, frame)
        write_actor_scores(con, rows)
    return written


def write_score_frame(con: Any, frame: pd.DataFrame) -> int:
    """:func:`write_scores` for a DataFrame whose columns are ``scores`` columns (JSON columns as
    text; one the table lacks raises UnknownColumns): the bulk path. A (doc_id, model_set) is
    stored once: scored again, its row is replaced."""
    columns = [c for c in score_columns(con) if c in frame.columns]
    check_fields("scores", columns, [dict.fromkeys(frame.columns)])
    frame = frame.drop_duplicates(["doc_id", "model_set"], keep="last")
    stage(con, "incoming_scores", frame, like="scores")
    try:
        con.execute(upsert(
            "scores", columns, ("doc_id", "model_set"),
            f"SELECT {', '.join(c if c != 'topics' else 'CAST(topics AS VARCHAR[])' for c in columns)} FROM incoming_scores",
        ))
    finally:
        unstage(con, "incoming_scores")
    return len(frame)


def write_actor_scores(con: Any, rows: Sequence[dict[str, Any]]) -> int:
    """Store each score row's ``actors`` (actor id -> an object or dict with sentiment, score,
    confidence, match) in ``actor_scores``; a (doc_id, model_set) scored again loses its old rows."""
    columns = table_columns(con, "actor_scores")
    found = [({"doc_id": row["doc_id"], "model_set": row["model_set"], "actor": actor},
              score if isinstance(score, dict) else vars(score))
             for row in rows for actor, score in (row.get("actors") or {}).items()]
    check_fields("actor_scores", columns, [fields for _, fields in found], not_stored=ACTOR_NOT_STORED)
    records = [tuple(keys[c] if c in keys else fields.get(c) for c in columns) for keys, fields in found]
    if con.execute("SELECT count(*) FROM actor_scores").fetchall()[0][0]:
        pairs = pd.DataFrame(sorted({(row["doc_id"], row["model_set"]) for row in rows}), columns=["doc_id", "model_set"])
        stage(con, "rescored_pairs", pairs)
        try:
            gone = con.execute(
                "DELETE FROM actor_scores AS a WHERE EXISTS "
                "(SELECT 1 FROM rescored_pairs AS p WHERE p.doc_id = a.doc_id AND p.model_set = a.model_set) "
                "RETURNING a.doc_id, a.model_set"
            ).fetchall()
            record_deletions(con, "actor_scores", [{"doc_id": d, "model_set": m} for d, m in sorted(set(gone))])
        finally:
            unstage(con, "rescored_pairs")
    if records:
        con.executemany(
            f"INSERT INTO actor_scores ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            records,
        )
    return len(records)
