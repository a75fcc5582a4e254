"""`vigia eval`'s engine: macro-F1 over JSON Lines or a UMSAB-style folder."""

import json

import pytest
from click.testing import CliRunner

from cli import main
from nlp.evaluation import evaluate
from tests.nlp.conftest import write_jsonl, write_umsab

ROWS = [
    {"text": "Carlos Canales es un desastre, qué asco de gestión", "target_sentiment": "negative", "topics": ["politics"], "stance": "none"},
    {"title": "Canales y la revocatoria", "text": "Firma por la revocatoria #RevocatoriaYa", "sentiment": "negative", "topics": ["recall"], "stance": "pro_recall"},
    {"text": "Gracias alcalde Canales, excelente trabajo del serenazgo", "target_sentiment": "positive", "topics": ["security"], "stance": "none"},
    {"text": "Hoy hay feria en Barranco", "target_sentiment": None, "topics": [], "stance": "none"},
    {"text": "Sin etiquetas de nada"},
]


@pytest.fixture
def labelled(tmp_path):
    return write_jsonl(tmp_path / "eval.jsonl", ROWS)


def test_target_sentiment_over_jsonl(use_tiny_encoder, tiny_heads, campaign, labelled):
    result = evaluate("target_sentiment", labelled, "offline", campaign, heads_dir=tiny_heads)
    # Three lines carry a sentiment toward him (one via the "sentiment" key); one says he is absent.
    assert result["n"] == 3
    assert result["absent_n"] == 1 and result["absent_correct"] == 1
    assert 0.0 <= result["macro_f1"] <= 1.0
    assert set(result["per_class_f1"]) == {"negative", "neutral", "positive"}
    assert result["model_set"].startswith("offline:")


def test_topics_report_every_campaign_topic(use_tiny_encoder, tiny_heads, campaign, labelled):
    result = evaluate("topics", labelled, "offline", campaign, heads_dir=tiny_heads)
    assert result["n"] == 4
    assert set(result["per_class_f1"]) == set(campaign.topic_names)
    assert result["macro_f1"] == pytest.approx(sum(result["per_class_f1"].values()) / 3, abs=1e-3)


def test_stance_skips_unlabelled_lines(use_tiny_encoder, tiny_heads, campaign, labelled):
    result = evaluate("stance", labelled, "offline", campaign, heads_dir=tiny_heads)
    assert result["n"] == 4
    assert set(result["per_class_f1"]) == {"pro_recall", "anti_recall", "none"}


def test_umsab_folder_and_cli_json_line(use_tiny_encoder, tiny_heads, tmp_path):
    folder = write_umsab(tmp_path / "umsab", splits=("test",))
    done = CliRunner().invoke(main, ["eval", "--task", "sentiment", "--data", str(folder), "--profile", "offline",
                                     "--heads", str(tiny_heads)])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["task"] == "sentiment" and result["n"] == 15 and result["split"] == "test"
    assert result["macro_f1"] > 0.5  # the tiny splits' polarity words are learnable even by a random encoder


def test_a_folder_cannot_evaluate_topics(campaign, tmp_path):
    folder = write_umsab(tmp_path / "umsab", splits=("test",))
    with pytest.raises(ValueError, match="only has sentiment labels"):
        evaluate("topics", folder, "offline", campaign)


def test_unknown_task_and_missing_data(campaign, tmp_path):
    with pytest.raises(ValueError, match="unknown task"):
        evaluate("emotion", tmp_path, "offline", campaign)
    with pytest.raises(FileNotFoundError):
        evaluate("stance", tmp_path / "nope.jsonl", "offline", campaign)
