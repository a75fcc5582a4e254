"""Retraining: reproducible, learns from analyst corrections beyond the corrected texts, honours
them verbatim, survives without the tweet data.

Trainings are shared: the session's ``tiny_heads`` (seeds + tiny tweets), one training with
corrections and without the tweet data (``corrected``), and one rerun for reproducibility.
"""

import json
import logging

import pytest

from nlp import DocText, load_scorer
from nlp.documents import doc_key
from nlp.linear_heads import HEAD_FILES, load_heads
from nlp.training import train_heads
from tests.nlp.conftest import quick_training

pytestmark = pytest.mark.slow  # each test trains heads (minutes on a loaded machine)

DOC = DocText(
    "d1",
    "Vecinos se reúnen en el parque Kennedy",
    "Carlos Canales asistió a la reunión vecinal del sábado y escuchó propuestas sobre el parque.",
)
OTHER = DocText("d2", None, "Canales de Miraflores ganó el torneo de natación del club.")

# A slogan the seeds never use, which the analyst marks as arguing against the recall in five
# posts; the held-out post uses it too but is not one of them.
SLOGAN_POSTS = [
    "Vecinos del malecón con Canales #MirafloresSigue",
    "Hoy en el parque Kennedy la gente dijo #MirafloresSigue",
    "Nadie nos quita lo avanzado. #MirafloresSigue",
    "Caminata por Larco este domingo #MirafloresSigue",
    "El serenazgo y las bermas, así seguimos. #MirafloresSigue",
]
HELD_OUT = DocText("h1", None, "Mañana nos vemos todos en el óvalo #MirafloresSigue")
HELD_OUT_STANCE = "anti_recall"

CORRECTIONS = [
    {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "target_sentiment", "value": "negative"},
    {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "stance", "value": "pro_recall"},
    {"doc_id": "d1", "title": DOC.title, "text": DOC.text, "field": "topics", "value": ["politics"]},
    # An analyst can also say a document is not about the target at all.
    {"doc_id": "d2", "title": None, "text": OTHER.text, "field": "target_sentiment", "value": "none"},
    *({"doc_id": f"s{i}", "title": None, "text": t, "field": "stance", "value": HELD_OUT_STANCE}
      for i, t in enumerate(SLOGAN_POSTS)),
]


@pytest.fixture(scope="session")
def corrected(tmp_path_factory, tiny_encoder, tiny_heads, few_seeds, campaign):
    """Heads retrained with :data:`CORRECTIONS` where the tweet data is missing (so the sentiment
    head of ``tiny_heads``, named by ``VIGIA_HEADS_DIR``, is kept), the summary and the log."""
    out = tmp_path_factory.mktemp("corrected") / "heads"
    mp = pytest.MonkeyPatch()
    mp.setenv("VIGIA_ENCODER_PATH", str(tiny_encoder))
    mp.setenv("VIGIA_HEADS_DIR", str(tiny_heads))
    quick_training(mp)
    handler = _Records()
    logging.getLogger("vigia.nlp").addHandler(handler)
    try:
        summary = train_heads(campaign, out, corrections=CORRECTIONS, shared_data=out.parent / "nowhere",
                              seeds_dir=few_seeds)
    finally:
        logging.getLogger("vigia.nlp").removeHandler(handler)
        mp.undo()
    return out, summary, handler.messages


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_correction_changes_that_documents_output(use_tiny_encoder, tiny_heads, corrected, campaign):
    out, summary, _ = corrected
    before_scorer = load_scorer("offline", campaign, heads_dir=tiny_heads)
    before = before_scorer.score([DOC])[0]
    assert (before.target_sentiment, before.stance, before.topics) != ("negative", "pro_recall", ["politics"])
    assert summary["corrections"] == len(CORRECTIONS)
    # Target sentiment is a passage head plus a document head learnt on out-of-fold passage scores.
    assert {"target", "doc"} <= set(load_heads(out / "target.npz"))  # plus "window" when the seeds give one
    assert 0.0 <= summary["target"]["cv_macro_f1"] <= 1.0
    after_scorer = load_scorer("offline", campaign, heads_dir=out)
    after, other = after_scorer.score([DOC, OTHER])
    assert after.target_sentiment == "negative"
    assert after.stance == "pro_recall"
    assert after.topics == ["politics"]
    assert other.target_passages == 1 and other.target_sentiment is None and other.target_score is None
    assert after_scorer.model_set != before_scorer.model_set
    assert json.loads((out / "manifest.json").read_text())["model_set"] == after_scorer.model_set


def test_retraining_on_corrections_changes_a_held_out_texts_label(use_tiny_encoder, tiny_heads, corrected, campaign):
    out, _, _ = corrected
    # Not looked up verbatim: the held-out text is none of the corrected ones.
    memo = json.loads((out / "corrections.json").read_text())
    assert doc_key(HELD_OUT.title, HELD_OUT.text) not in memo
    assert all(doc_key(None, t) in memo for t in SLOGAN_POSTS)
    before = load_scorer("offline", campaign, heads_dir=tiny_heads).score([HELD_OUT])[0]
    after = load_scorer("offline", campaign, heads_dir=out).score([HELD_OUT])[0]
    assert before.stance != HELD_OUT_STANCE
    assert after.stance == HELD_OUT_STANCE
    assert after.stance_probs[HELD_OUT_STANCE] < 1.0  # a model's probability, not a correction's 1.0


def test_a_correction_with_an_unknown_value_is_refused(campaign, tmp_path):
    bad = [{"doc_id": "x", "title": None, "text": "t", "field": "stance", "value": "maybe"}]
    with pytest.raises(ValueError, match="stance must be one of"):
        train_heads(campaign, tmp_path / "h", corrections=bad)


def test_training_is_reproducible(use_tiny_encoder, tiny_heads, tiny_shared, few_seeds, campaign, tmp_path, monkeypatch):
    # The same inputs as the session's tiny_heads, trained again in this process.
    quick_training(monkeypatch)
    again = train_heads(campaign, tmp_path / "again", shared_data=tiny_shared, seeds_dir=few_seeds)
    assert again["target"]["tweet_passages"] > 0  # the tweets joined the passage head's training
    assert again["model_set"] == json.loads((tiny_heads / "manifest.json").read_text())["model_set"]
    for name in HEAD_FILES:
        assert (tmp_path / "again" / name).read_bytes() == (tiny_heads / name).read_bytes()


def test_without_tweet_data_the_sentiment_head_is_kept(use_tiny_encoder, tiny_heads, corrected, campaign):
    out, summary, messages = corrected
    assert summary["sentiment"]["kept"] == str(tiny_heads / "sentiment.npz")
    assert summary["target"]["tweet_passages"] == 0
    assert (out / "sentiment.npz").read_bytes() == (tiny_heads / "sentiment.npz").read_bytes()
    assert any("keeping the existing sentiment head" in m for m in messages)
    assert load_scorer("offline", campaign, heads_dir=out).score([DOC])[0].target_passages == 1


def test_the_sentiment_head_also_learns_from_peruvian_tweets(use_tiny_encoder, campaign, tmp_path):
    from nlp.encoder import get_encoder
    from nlp.offline import FeatureBuilder
    from nlp.training import train_sentiment
    from tests.nlp.conftest import write_umsab

    folder = write_umsab(tmp_path / "umsab-es")
    peru = tmp_path / "intertass-pe" / "train.jsonl"
    peru.parent.mkdir()
    rows = [{"text": f"{w} número {i}", "sentiment": s} for i in range(8)
            for w, s in (("qué chévere, bacán", "positive"), ("qué roche, asu", "negative"), ("dice el parte de hoy", "neutral"))]
    peru.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    fb = FeatureBuilder(get_encoder(), campaign)
    _, summary = train_sentiment(fb, folder, peru)
    assert summary["intertass_pe"] == 24 and 0.0 <= summary["intertass_pe_macro_f1_oof"] <= 1.0
    _, without = train_sentiment(fb, folder, tmp_path / "nowhere.jsonl")
    assert without["intertass_pe"] == 0 and "intertass_pe_macro_f1_oof" not in without


def test_a_peruvian_tweet_with_a_label_outside_the_set_is_refused(tmp_path):
    from nlp.training import read_sentiment_jsonl

    path = tmp_path / "train.jsonl"
    path.write_text('{"text": "ok", "sentiment": "neutral"}\n{"text": "x", "sentiment": "NEU"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"train\.jsonl:2: sentiment label 'NEU'"):
        read_sentiment_jsonl(path)
