"""What the dashboard reads for share of voice per actor, the trust panel and the label-next queue."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import synthetic_scores
from warehouse import connect
from warehouse.corrections import add_correction
from warehouse.scores import write_scores
from warehouse.trust import latest_trust, write_trust


def _ids(path: Path) -> list[str]:
    with connect(path, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]


def test_actor_scores_reach_actor_mentions_from_the_newest_model_set(filled_db: Path) -> None:
    a, b = _ids(filled_db)[:2]
    old = synthetic_scores([a, b], model_set="test:model-a")
    old[0]["actors"] = {"rival": {"sentiment": "negative", "score": -0.7, "confidence": 0.8, "match": "name"}}
    new = synthetic_scores([a], model_set="test:model-b")
    new[0]["actors"] = {
        "rival": {"sentiment": "positive", "score": 0.6, "confidence": 0.7, "match": "name"},
        "promoters": {"sentiment": "negative", "score": -0.5, "confidence": 0.6, "match": "name"},
    }
    with connect(filled_db) as con:
        write_scores(con, old)
        write_scores(con, new)
    with connect(filled_db, read_only=True) as con:
        rows = con.execute("SELECT actor, sentiment, model FROM actor_mentions WHERE doc_id = ? ORDER BY actor", [a]).fetchall()
        assert rows == [("promoters", "negative", "test:model-b"), ("rival", "positive", "test:model-b")]
        cols = [d[0] for d in con.execute("SELECT * FROM actor_mentions LIMIT 0").description]
        assert cols[:9] == ["doc_id", "campaign", "actor", "sentiment", "score", "platform", "source_type", "published_at", "model"]
    # Scoring the same document again with the same model set replaces its actors.
    again = synthetic_scores([a], model_set="test:model-b")
    again[0]["actors"] = {"rival": {"sentiment": "neutral", "score": 0.0, "confidence": 0.5, "match": "name"}}
    with connect(filled_db) as con:
        write_scores(con, again)
    with connect(filled_db, read_only=True) as con:
        assert con.execute("SELECT actor, sentiment FROM actor_mentions WHERE doc_id = ?", [a]).fetchall() == [("rival", "neutral")]


def test_trust_rows_are_stored_per_task_and_replaced(filled_db: Path) -> None:
    with connect(filled_db) as con:
        write_trust(con, "miraflores-canales", "m1", [
            {"task": "stance", "n_labels": 12, "agreement": 0.75, "macro_f1": 0.6, "method": "5-fold"},
            {"task": "target_sentiment", "n_labels": 3, "agreement": 0.33, "macro_f1": 0.2, "method": "scorer"},
        ])
        write_trust(con, "miraflores-canales", "m1", [
            {"task": "stance", "n_labels": 13, "agreement": 0.8, "macro_f1": 0.7, "method": "5-fold"}
        ])
        rows = latest_trust(con, "miraflores-canales")
    assert [(r["task"], r["n_labels"], r["agreement"]) for r in rows] == [("stance", 13, 0.8), ("target_sentiment", 3, 0.33)]


def test_review_queue_puts_the_least_sure_first_and_leaves_corrected_out(filled_db: Path) -> None:
    ids = _ids(filled_db)[:3]
    scores = synthetic_scores(ids, model_set="test:model-z")
    for s, conf in zip(scores, (0.9, 0.4, 0.6), strict=True):
        s["target_confidence"] = conf
    with connect(filled_db) as con:
        write_scores(con, scores)
        add_correction(con, ids[1], "target_sentiment", "negative", "ana")
    with connect(filled_db, read_only=True) as con:
        queue = con.execute(
            "SELECT doc_id, confidence FROM review_queue WHERE task = 'target_sentiment' AND doc_id IN (?, ?, ?)", ids
        ).fetchall()
        cols = [d[0] for d in con.execute("SELECT * FROM review_queue LIMIT 0").description]
    assert cols == ["doc_id", "campaign", "task", "label", "confidence", "published_at", "platform", "title"]
    assert [d for d, _ in queue] == [ids[2], ids[0]]  # 0.6 before 0.9; the corrected one is gone
    with connect(filled_db, read_only=True) as con:
        tasks = {r[0] for r in con.execute("SELECT DISTINCT task FROM review_queue").fetchall()}
    assert tasks == {"target_sentiment", "stance", "topics"}
