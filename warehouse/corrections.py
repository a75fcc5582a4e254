"""Analyst corrections: who changed which score, when, from what to what. Never overwritten by models."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from warehouse import mention_rows
from warehouse.database import first_row

FIELDS = ("target_sentiment", "topics", "stance")
_VALUES = {
    "target_sentiment": {"negative", "neutral", "positive"},
    "stance": {"pro_recall", "anti_recall", "none"},
}


class CorrectionError(ValueError):
    pass


def add_correction(
    con: duckdb.DuckDBPyConnection,
    doc_id: str,
    field: str,
    new_value: str | list[str],
    analyst: str,
    allowed_topics: list[str] | None = None,
    *,
    identified_by: str = "typed",
) -> int:
    """Record a correction; the old value is what `mentions` showed before it. ``identified_by``
    says how ``analyst`` was known (``typed``, ``oidc``, ``proxy``, ``command``)."""
    if field not in FIELDS:
        raise CorrectionError(f"field must be one of {', '.join(FIELDS)}, not {field!r}")
    if field == "topics":
        if not isinstance(new_value, list):
            raise CorrectionError("topics must be a list of topic names")
        unknown = sorted(set(new_value) - set(allowed_topics or new_value))
        if unknown:
            raise CorrectionError(f"unknown topics {unknown}")
        new_value = sorted(set(new_value))
    elif new_value not in _VALUES[field]:
        raise CorrectionError(f"{field} must be one of {sorted(_VALUES[field])}, not {new_value!r}")
    if not analyst.strip():
        raise CorrectionError("say who corrects (analyst name)")
    row = first_row(con.execute(f"SELECT {field} FROM mentions WHERE doc_id = ?", [doc_id]))
    if row is None:
        raise CorrectionError(f"no document {doc_id!r}")
    new_id = first_row(con.execute(
        "INSERT INTO corrections (doc_id, field, old_value, new_value, analyst, corrected_at, identified_by) "
        "VALUES (?, ?, ?, ?, ?, now(), ?) RETURNING correction_id",
        [doc_id, field, json.dumps(row[0]), json.dumps(new_value), analyst.strip(), identified_by],
    ))
    assert new_id is not None
    mention_rows.refresh(con, [doc_id])
    return int(new_id[0])


def corrections_for_training(con: duckdb.DuckDBPyConnection, campaign: str | None = None) -> list[dict[str, Any]]:
    """The newest correction per (document, field), with the document's text."""
    sql = (
        "SELECT c.doc_id, c.field, c.new_value, d.title, d.text FROM latest_corrections AS c "
        "JOIN documents AS d USING (doc_id)"
    )
    params: list[Any] = []
    if campaign:
        sql += " WHERE d.campaign = ?"
        params.append(campaign)
    rows = con.execute(sql + " ORDER BY c.doc_id, c.field", params).fetchall()
    return [
        {"doc_id": doc_id, "field": field, "value": json.loads(value), "title": title, "text": text}
        for doc_id, field, value, title, text in rows
    ]
