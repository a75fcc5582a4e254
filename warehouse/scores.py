"""Scores: one row per (document, model set); older model sets stay queryable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from warehouse import mention_rows

SCORE_COLUMNS = (
    "doc_id", "model_set", "scored_at", "sentiment", "p_negative", "p_neutral", "p_positive",
    "sentiment_score", "target_sentiment", "target_score", "target_confidence", "target_passages",
    "target_match", "topics", "topic_probs", "stance", "stance_probs",
)


def write_scores(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Store score rows in one statement; a (doc_id, model_set) already scored is replaced."""
    if not rows:
        return 0
    records = []
    for row in rows:
        record = {col: row.get(col) for col in SCORE_COLUMNS}
        for col in ("topic_probs", "stance_probs"):
            if record[col] is not None and not isinstance(record[col], str):
                record[col] = json.dumps(record[col], sort_keys=True)
        record["topics"] = list(record["topics"] or [])
        records.append(record)
    frame = pd.DataFrame(records, columns=list(SCORE_COLUMNS))
    frame["scored_at"] = pd.to_datetime(frame["scored_at"], utc=True)
    frame["target_passages"] = frame["target_passages"].fillna(0).astype("int32")
    written = write_score_frame(con, frame)
    write_actor_scores(con, rows)
    return written


def write_score_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """:func:`write_scores` for a DataFrame holding ``SCORE_COLUMNS`` (JSON columns as text):
    the bulk path; `mentions` and `daily_trends` are brought up to date."""
    con.register("incoming_scores", frame)
    try:
        con.execute(
            f"INSERT OR REPLACE INTO scores ({', '.join(SCORE_COLUMNS)}) "
            f"SELECT {', '.join(c if c != 'topics' else 'CAST(topics AS VARCHAR[])' for c in SCORE_COLUMNS)} "
            "FROM incoming_scores"
        )
    finally:
        con.unregister("incoming_scores")
    mention_rows.refresh(con, frame["doc_id"].tolist())
    return len(frame)


ACTOR_COLUMNS = ("doc_id", "model_set", "actor", "sentiment", "score", "confidence", "match")


def write_actor_scores(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Store each score row's ``actors`` (actor id -> an object or dict with sentiment, score,
    confidence, match) in ``actor_scores``; a (doc_id, model_set) scored again loses its old rows."""
    records = []
    for row in rows:
        for actor, found in (row.get("actors") or {}).items():
            get = found.get if isinstance(found, dict) else lambda k, f=found: getattr(f, k, None)
            records.append((row["doc_id"], row["model_set"], actor, get("sentiment"), get("score"),
                            get("confidence"), get("match")))
    if con.execute("SELECT count(*) FROM actor_scores").fetchall()[0][0]:
        pairs = pd.DataFrame(sorted({(row["doc_id"], row["model_set"]) for row in rows}), columns=["doc_id", "model_set"])
        con.register("rescored_pairs", pairs)
        try:
            con.execute(
                "DELETE FROM actor_scores AS a WHERE EXISTS "
                "(SELECT 1 FROM rescored_pairs AS p WHERE p.doc_id = a.doc_id AND p.model_set = a.model_set)"
            )
        finally:
            con.unregister("rescored_pairs")
    if records:
        con.executemany(
            f"INSERT INTO actor_scores ({', '.join(ACTOR_COLUMNS)}) VALUES ({', '.join('?' * len(ACTOR_COLUMNS))})",
            records,
        )
    return len(records)


def model_sets(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, Any]]:
    """(model_set, documents scored, newest scored_at), newest first."""
    return con.execute(
        "SELECT model_set, count(*), max(scored_at) FROM scores GROUP BY model_set ORDER BY 3 DESC"
    ).fetchall()
