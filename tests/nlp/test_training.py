"""Retraining: reproducible, honours analyst corrections, survives without the tweet data."""

import json
import logging

from nlp import DocText, load_scorer
from nlp.heads import load_heads
from nlp.training import train_heads

DOC = DocText(
    "d1",
    "Vecinos se reúnen en el parque Kennedy",
    "Carlos Canales asistió a la reunión vecinal del sábado y escuchó propuestas sobre el parque.",
)

OTHER = DocText("d2", None, "Canales de Miraflores ganó el torneo de natación del club.")


def test_a_correction_changes_that_documents_output(use_tiny_encoder, tiny_heads, tiny_shared, few_seeds, campaign, tmp_path):
    before = load_scorer("offline", campaign, heads_dir=tiny_heads).score([DOC])[0]
    new_target = "negative" if before.target_sentiment != "negative" else "positive"
    new_stance = "pro_recall" if before.stance != "pro_recall" else "anti_recall"
    corrections = [
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "target_sentiment", "value": new_target},
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "stance", "value": new_stance},
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "topics", "value": ["politics"]},
        # An analyst can also say a document is not about the target at all.
        {"doc_id": "d2", "title": None, "text": OTHER.text, "field": "target_sentiment", "value": "none"},
    ]
    out = tmp_path / "heads"
    summary = train_heads(campaign, out, corrections=corrections, shared_data=tiny_shared, seeds_dir=few_seeds)
    assert summary["corrections"] == 4
    # Target sentiment is a passage head plus a document head learnt on out-of-fold passage scores.
    assert {"target", "doc"} <= set(load_heads(out / "target.npz"))  # plus "window" when the seeds give one
    assert 0.0 <= summary["target"]["cv_macro_f1"] <= 1.0 and summary["target"]["tweet_passages"] > 0
    after_scorer = load_scorer("offline", campaign, heads_dir=out)
    after, other = after_scorer.score([DOC, OTHER])
    assert after.target_sentiment == new_target
    assert after.stance == new_stance
    assert after.topics == ["politics"]
    assert other.target_passages == 1 and other.target_sentiment is None and other.target_score is None
    assert after_scorer.model_set != before.model_set
    assert json.loads((out / "manifest.json").read_text())["model_set"] == after_scorer.model_set


def test_a_correction_with_an_unknown_value_is_refused(campaign, tmp_path):
    import pytest

    bad = [{"doc_id": "x", "title": None, "text": "t", "field": "stance", "value": "maybe"}]
    with pytest.raises(ValueError, match="stance must be one of"):
        train_heads(campaign, tmp_path / "h", corrections=bad)


def test_training_is_reproducible(use_tiny_encoder, tiny_shared, few_seeds, campaign, tmp_path):
    first = train_heads(campaign, tmp_path / "first", shared_data=tiny_shared, seeds_dir=few_seeds)
    again = train_heads(campaign, tmp_path / "again", shared_data=tiny_shared, seeds_dir=few_seeds)
    assert first["model_set"] == again["model_set"]
    for name in ("sentiment.npz", "target.npz", "topics.npz", "stance.npz"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_without_tweet_data_the_sentiment_head_is_kept(use_tiny_encoder, tiny_heads, few_seeds, campaign, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("VIGIA_HEADS_DIR", str(tiny_heads))
    out = tmp_path / "heads"
    with caplog.at_level(logging.WARNING, logger="vigia.nlp"):
        summary = train_heads(campaign, out, shared_data=tmp_path / "nowhere", seeds_dir=few_seeds)
    assert "kept" in summary["sentiment"]
    assert (out / "sentiment.npz").read_bytes() == (tiny_heads / "sentiment.npz").read_bytes()
    assert any("keeping the existing sentiment head" in r.message for r in caplog.records)
    assert load_scorer("offline", campaign, heads_dir=out).score([DOC])[0].target_passages == 1
