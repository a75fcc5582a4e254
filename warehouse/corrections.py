"""Analyst corrections: who changed which score, when, from what to what. Never overwritten by models."""

from __future__ import annotations

import json
from typing import Any

from warehouse.database import first_row

FIELDS = ("target_sentiment", "topics", "stance")
_VALUES = {
    "target_sentiment": {"negative", "neutral", "positive"},
    "stance": {"pro_recall", "anti_recall", "none"},
}


class CorrectionError(ValueError):
    pass


def add_correction(
    con: Any,
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
    if first_row(con.execute("SELECT count(*) FROM documents WHERE doc_id = ?", [doc_id]))[0] == 0:
        raise CorrectionError(f"no document {doc_id!r}")
    new_id = first_row(con.execute(
        "INSERT INTO corrections (doc_id, field, old_value, new_value, analyst, corrected_at, identified_by) "
        "VALUES (?, ?, ?, ?, ?, now(), ?) RETURNING correction_id",
        [doc_id, field, json.dumps(shown_value(con, doc_id, field)), json.dumps(new_value), analyst.strip(),
         identified_by],
    ))
    assert new_id is not None
    return int(new_id[0])


def shown_value(con: Any, doc_id: str, field: str) -> Any:
    """What `mentions` shows for ``field`` of a document: the newest correction, else the newest
    score's value (topics sorted), else None. Read from the stored tables, as both engines hold them."""
    row = first_row(con.execute(
        "SELECT new_value FROM corrections WHERE doc_id = ? AND field = ? "
        "ORDER BY corrected_at DESC, correction_id DESC LIMIT 1", [doc_id, field]))
    if row is not None:
        return json.loads(row[0])
    row = first_row(con.execute(
        f"SELECT {field} FROM scores WHERE doc_id = ? ORDER BY scored_at DESC, model_set LIMIT 1", [doc_id]))
    if row is None:
        return None
    return sorted(row[0] or []) if field == "topics" else row[0]


def corrections_for_training(con: Any, campaign: str | None = None) -> list[dict[str, Any]]:
    """The newest correction per (document, field), with the document's text."""
    sql = (
        "SELECT c.doc_id, c.field, c.new_value, d.title, d.text FROM ("
        " SELECT doc_id, field, new_value, row_number() OVER ("
        "  PARTITION BY doc_id, field ORDER BY corrected_at DESC, correction_id DESC) AS rank_newest"
        " FROM corrections) AS c JOIN documents AS d ON d.doc_id = c.doc_id WHERE c.rank_newest = 1"
    )
    params: list[Any] = []
    if campaign:
        sql += " AND d.campaign = ?"
        params.append(campaign)
    rows = con.execute(sql + " ORDER BY c.doc_id, c.field", params).fetchall()
    return [
        {"doc_id": doc_id, "field": field, "value": json.loads(value), "title": title, "text": text}
        for doc_id, field, value, title, text in rows
    ]
