"""The offline scorer end to end, on a tiny random encoder with heads trained on it."""

import re
from pathlib import Path

import numpy as np
import pytest

from nlp import DocText, Score, Scorer, load_scorer, resolve_heads_dir
from nlp.documents import SENTIMENTS
from nlp.encoder import default_precision
from nlp.linear_heads import BUNDLED_HEADS, Head, Linear, heads_hash
from nlp.stance import STANCES

DOCS = [
    DocText("a", "Carlos Canales y la revocatoria", "El alcalde dijo que la revocatoria es una campaña de demolición."),
    DocText("b", None, "Qué asco, me robaron el celular en Larco y ni un sereno. #RevocatoriaYa"),
    DocText("c", None, "Hoy hay feria gastronómica en Barranco."),
]


@pytest.fixture
def scorer(use_tiny_encoder, tiny_heads, campaign):
    return load_scorer("offline", campaign, heads_dir=tiny_heads)


def test_every_score_is_complete_and_consistent(scorer, campaign):
    scores = scorer.score(DOCS)
    assert isinstance(scorer, Scorer)
    assert [s.doc_id for s in scores] == ["a", "b", "c"]
    for s in scores:
        assert isinstance(s, Score)
        assert s.model_set == scorer.model_set
        assert s.p_negative + s.p_neutral + s.p_positive == pytest.approx(1.0, abs=1e-5)
        assert s.sentiment == ["negative", "neutral", "positive"][int(np.argmax([s.p_negative, s.p_neutral, s.p_positive]))]
        assert s.sentiment_score == pytest.approx(s.p_positive - s.p_negative)
        assert set(s.topic_probs) == set(campaign.topic_names)
        assert all(0.0 <= v <= 1.0 for v in s.topic_probs.values())
        assert set(s.topics) <= set(campaign.topic_names)
        assert set(s.stance_probs) == {"pro_recall", "anti_recall", "none"}
        assert s.stance == max(s.stance_probs, key=s.stance_probs.get)


def fixed_head(classes: list[str], probs: list[float], dim: int) -> Head:
    """A head that answers ``probs`` whatever the text: zero weights over the embedding, the
    log-probabilities as intercept. It pins what a random tiny encoder would leave to chance."""
    return Head(list(classes), [(Linear(np.zeros((len(classes), dim)), np.log(np.array(probs)), [("emb", 1.0)]), 1.0)])


def test_target_sentiment_only_where_the_text_is_about_him(scorer):
    a, b, c = scorer.score(DOCS)
    assert a.target_passages == 2 and a.target_sentiment in {"negative", "neutral", "positive"}
    assert -1.0 <= a.target_score <= 1.0 and 0.0 < a.target_confidence <= 1.0
    assert a.target_match == "name"
    assert c.target_passages == 0 and c.target_match is None
    assert c.target_sentiment is None and c.target_score is None and c.target_confidence is None


@pytest.mark.parametrize(
    ("stance", "tone", "kept"),
    [("pro_recall", "neutral", True), ("none", "negative", True), ("none", "neutral", False)],
)
def test_a_text_that_never_names_him_is_about_him_only_when_it_takes_a_side(scorer, stance, tone, kept):
    # Never named: the whole tweet is one implicit passage (his recall), kept only when the
    # document takes a side; the stance and tone heads are pinned so the side is known here.
    dim = scorer.encoder.dim
    scorer.heads.stance = fixed_head(STANCES, [0.8 if s == stance else 0.1 for s in STANCES], dim)
    scorer.heads.sentiment = fixed_head(SENTIMENTS, [0.8 if s == tone else 0.1 for s in SENTIMENTS], dim)
    (b,) = scorer.score([DOCS[1]])
    assert (b.stance, b.sentiment) == (stance, tone)
    if kept:
        assert (b.target_match, b.target_passages) == ("implicit", 1)
        assert b.target_sentiment in SENTIMENTS and b.target_text
    else:
        assert (b.target_match, b.target_passages, b.target_sentiment, b.target_score) == (None, 0, None, None)


def test_model_set_names_encoder_and_head_hash(scorer, tiny_encoder, tiny_heads):
    runtime = {"int8": "onnx-int8", "fp32": "fp32"}[default_precision()]
    assert scorer.model_set == f"offline:{tiny_encoder.name}-{runtime}+heads-{heads_hash(tiny_heads)}"
    assert re.fullmatch(r"offline:[\w.-]+\+heads-[0-9a-f]{8}", scorer.model_set)


def test_progress_is_reported_after_each_batch(scorer):
    seen = []
    docs = [DocText(str(i), None, f"texto número {i} sobre Miraflores") for i in range(70)]
    scores = scorer.score(docs, progress=seen.append)
    assert len(scores) == 70
    assert seen == sorted(seen) and seen[-1] == 70 and len(seen) == 3


def test_empty_input_and_empty_text(scorer):
    assert scorer.score([]) == []
    (s,) = scorer.score([DocText("e", None, "")])
    assert s.target_sentiment is None


def test_heads_dir_resolution_order(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIGIA_HEADS_DIR", raising=False)
    assert resolve_heads_dir() == BUNDLED_HEADS
    (tmp_path / "data" / "heads").mkdir(parents=True)
    (tmp_path / "data" / "heads" / "manifest.json").write_text("{}")
    assert resolve_heads_dir() == Path("data") / "heads"  # relative: the working directory's
    assert resolve_heads_dir().resolve() == (tmp_path / "data" / "heads").resolve()
    (tmp_path / "data" / "heads" / "manifest.json").unlink()
    assert resolve_heads_dir() == BUNDLED_HEADS  # an empty data/heads is not a heads folder
    (tmp_path / "data" / "heads" / "sentiment.npz").write_bytes(b"")
    assert resolve_heads_dir() == Path("data") / "heads"
    monkeypatch.setenv("VIGIA_HEADS_DIR", str(tmp_path / "env"))
    assert resolve_heads_dir() == tmp_path / "env"
    assert resolve_heads_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_bundled_heads_are_committed_and_small():
    files = list(BUNDLED_HEADS.glob("*.npz"))
    assert {f.name for f in files} >= {"sentiment.npz", "target.npz", "topics.npz", "stance.npz"}
    assert sum(f.stat().st_size for f in files) < 5 * 1024 * 1024


def test_unknown_profile_is_refused(campaign):
    with pytest.raises(ValueError, match="unknown profile"):
        load_scorer("cloud", campaign)


@pytest.mark.parametrize(
    ("stance", "sentiment", "kept"),
    [("pro_recall", "neutral", True), ("none", "negative", True), ("none", "neutral", False)],
)
def test_an_implicit_mention_needs_a_side(stance, sentiment, kept):
    tone = {"negative": [0.8, 0.1, 0.1], "neutral": [0.1, 0.8, 0.1]}[sentiment]
    stances = {s: (0.8 if s == stance else 0.1) for s in ("pro_recall", "anti_recall", "none")}
    target = (np.array([0.7, 0.2, 0.1]), 0.7)
    score = Score.from_probabilities("d", "m", np.array(tone), {}, stances, target, 1, 0.5, target_match="implicit")
    assert (score.target_sentiment == "negative") == kept
    assert score.target_match == ("implicit" if kept else None)
    named = Score.from_probabilities("d", "m", np.array(tone), {}, stances, target, 1, 0.5, target_match="name")
    assert named.target_sentiment == "negative"  # a document that names him always gets one


def test_offline_scores_each_actor_named(use_tiny_encoder, tiny_heads, campaign):
    from campaigns import Actor
    from nlp import DocText, load_scorer

    rival = Actor(id="rival", name="Rafael López Aliaga", acronyms=["RLA"], role="rival")
    scorer = load_scorer("offline", campaign.model_copy(update={"actors": [rival]}), heads_dir=tiny_heads)
    both, none = scorer.score(
        [
            DocText("a", None, "Carlos Canales no hace nada; Rafael López Aliaga sí trabaja. #RLAPresidente"),
            DocText("b", None, "Hoy hay feria en Barranco."),
        ]
    )
    assert set(both.actors) == {"rival"} and none.actors == {}
    assert both.actors["rival"].sentiment in {"negative", "neutral", "positive"}
    assert both.target_sentiment is not None and none.target_sentiment is None


def test_none_offset_is_the_smallest_that_reads_declared_texts_as_taking_a_side():
    from nlp.stance import none_offset

    # Declared texts (pro, anti, none): the head already reads them as sides, so nothing moves.
    assert none_offset(np.array([[0.6, 0.1, 0.3], [0.1, 0.7, 0.2]] * 10)) == 0.0
    # Half of them read as "none" by a margin of log(0.6/0.3): the offset just past it.
    rows = np.array([[0.3, 0.1, 0.6]] * 10 + [[0.6, 0.1, 0.3]] * 10)
    b = none_offset(rows)
    assert np.log(0.6 / 0.3) < b <= np.log(0.6 / 0.3) + 0.05
    # Never more than the cap, however strong "none" is.
    assert none_offset(np.array([[1e-6, 1e-6, 1.0]] * 20)) == 3.0


def test_declared_texts_that_read_as_none_lower_none_for_every_text(scorer, monkeypatch):
    pro = [DocText(f"p{i}", None, f"Firmé para revocar a Canales, número {i}. #RevocatoriaYa") for i in range(12)]
    anti = [DocText(f"a{i}", None, f"Dejen trabajar al alcalde, van {i}. #NoALaRevocatoria") for i in range(12)]
    other = [DocText("o", None, "Canales otra vez en el malecón, ya veremos qué pasa.")]
    docs = pro + anti + other
    # The head reads every declared text as "none" (a debate whose words it never learnt).
    stance_head = scorer.heads.stance

    def mostly_none(feats):
        p = np.tile([0.15, 0.15, 0.7], (len(feats["stance_zs"]), 1))
        return p[:, [STANCES.index(c) for c in stance_head.classes]]

    monkeypatch.setattr(stance_head, "proba", mostly_none)
    after = {s.doc_id: s for s in scorer.score(docs)}
    assert all(after[d.doc_id].stance != "none" for d in pro + anti)
    assert after["o"].stance_probs["none"] < 0.7  # lowered with the rest, the sides split by the side model
    assert sum(after["o"].stance_probs.values()) == pytest.approx(1.0)
