"""Retraining: reproducible, honours analyst corrections, survives without the tweet data."""

import json
import logging

from nlp import DocText, load_scorer
from nlp.training import train_heads

DOC = DocText(
    "d1",
    "Vecinos se reúnen en el parque Kennedy",
    "Carlos Canales asistió a la reunión vecinal del sábado y escuchó propuestas sobre el parque.",
)


def test_a_correction_changes_that_documents_output(use_tiny_encoder, tiny_heads, tiny_shared, campaign, tmp_path):
    before = load_scorer("offline", campaign, heads_dir=tiny_heads).score([DOC])[0]
    new_target = "negative" if before.target_sentiment != "negative" else "positive"
    new_stance = "pro_recall" if before.stance != "pro_recall" else "anti_recall"
    corrections = [
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "target_sentiment", "value": new_target},
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "stance", "value": new_stance},
        {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "topics", "value": ["politics"]},
    ]
    out = tmp_path / "heads"
    summary = train_heads(campaign, out, corrections=corrections, shared_data=tiny_shared)
    assert summary["corrections"] == 3
    after_scorer = load_scorer("offline", campaign, heads_dir=out)
    after = after_scorer.score([DOC])[0]
    assert after.target_sentiment == new_target
    assert after.stance == new_stance
    assert after.topics == ["politics"]
    assert after_scorer.model_set != before.model_set
    assert json.loads((out / "manifest.json").read_text())["model_set"] == after_scorer.model_set


def test_training_is_reproducible(use_tiny_encoder, tiny_heads, tiny_shared, campaign, tmp_path):
    summary = train_heads(campaign, tmp_path / "again", shared_data=tiny_shared)
    assert summary["model_set"] == json.loads((tiny_heads / "manifest.json").read_text())["model_set"]


def test_without_tweet_data_the_sentiment_head_is_kept(use_tiny_encoder, tiny_heads, campaign, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("VIGIA_HEADS_DIR", str(tiny_heads))
    out = tmp_path / "heads"
    with caplog.at_level(logging.WARNING, logger="vigia.nlp"):
        summary = train_heads(campaign, out, shared_data=tmp_path / "nowhere")
    assert "kept" in summary["sentiment"]
    assert (out / "sentiment.npz").read_bytes() == (tiny_heads / "sentiment.npz").read_bytes()
    assert any("keeping the existing sentiment head" in r.message for r in caplog.records)
    assert load_scorer("offline", campaign, heads_dir=out).score([DOC])[0].target_passages == 1
