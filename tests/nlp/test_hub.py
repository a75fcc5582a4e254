"""The hub profile's code path, run on tiny random classifiers saved locally (no downloads)."""

import logging
import time

import pytest

from nlp import DocText, load_scorer
from nlp.hub import HubScorer, hub_reachable, load_classifier
from tests.nlp.conftest import build_tiny_classifier


@pytest.fixture(scope="module")
def tiny_hub_models(tmp_path_factory):
    sent = build_tiny_classifier(tmp_path_factory.mktemp("sentiment"), ["negative", "neutral", "positive"])
    nli = build_tiny_classifier(tmp_path_factory.mktemp("nli"), ["entailment", "neutral", "contradiction"])
    return sent, nli


def test_hub_scorer_scores_like_the_offline_one(tiny_hub_models, campaign):
    sent, nli = tiny_hub_models
    scorer = HubScorer(campaign, sentiment_model=str(sent), nli_model=str(nli))
    assert scorer.model_set == f"hub:{sent}+{nli}"
    seen = []
    named, other = scorer.score(
        [
            DocText("a", "Carlos Canales responde", "El alcalde dijo que la revocatoria es política."),
            DocText("b", None, "Hoy hay feria en Barranco."),
        ],
        progress=seen.append,
    )
    assert seen == [2]
    assert named.p_negative + named.p_neutral + named.p_positive == pytest.approx(1.0, abs=1e-5)
    assert set(named.topic_probs) == set(campaign.topic_names)
    assert sum(named.stance_probs.values()) == pytest.approx(1.0)
    assert named.target_passages == 2 and named.target_sentiment in {"negative", "neutral", "positive"}
    assert other.target_sentiment is None and other.target_passages == 0


def test_labels_are_read_from_the_model_config(tiny_hub_models, campaign):
    sent, nli = tiny_hub_models
    scorer = HubScorer(campaign, sentiment_model=str(sent), nli_model=str(nli))
    assert scorer.sent_cols == [0, 1, 2]
    assert scorer.nli_cols == [0, 2]


def test_an_uncached_hub_model_fails_fast_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert not hub_reachable()
    start = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - transformers raises OSError or our RuntimeError
        load_classifier("vigia-test/no-such-model-anywhere")
    assert time.monotonic() - start < 30


def test_auto_falls_back_to_offline_with_a_warning(monkeypatch, use_tiny_encoder, tiny_heads, campaign, caplog):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("nlp.hub.SENTIMENT_MODEL", "vigia-test/no-such-model-anywhere")
    with caplog.at_level(logging.WARNING, logger="vigia.nlp"):
        scorer = load_scorer("auto", campaign, heads_dir=tiny_heads)
    assert scorer.model_set.startswith("offline:")
    assert any("falling back to the offline profile" in r.message for r in caplog.records)


def _with_actors(campaign):
    from campaigns import Actor

    rival = Actor(id="rival", name="Rafael López Aliaga", aliases=["López Aliaga"], handles=["@rlopezaliaga"], role="rival")
    stance = campaign.stance.model_copy(update={"proposition": "la vacancia", "pro": "Apoya la vacancia.", "anti": "Rechaza la vacancia."})
    return campaign.model_copy(update={"actors": [rival], "stance": stance})


def test_hub_scores_each_actor_and_states_the_proposition(tiny_hub_models, campaign):
    sent, nli = tiny_hub_models
    scorer = HubScorer(_with_actors(campaign), sentiment_model=str(sent), nli_model=str(nli))
    both, only_him = scorer.score(
        [
            DocText("a", None, "Canales es el peor alcalde, ojalá lo saquen. En cambio @rlopezaliaga trabaja bien."),
            DocText("b", None, "Carlos Canales inauguró un parque."),
        ]
    )
    assert set(both.actors) == {"rival"} and not only_him.actors
    rival = both.actors["rival"]
    assert rival.sentiment in {"negative", "neutral", "positive"} and sum(rival.probs) == pytest.approx(1.0, abs=1e-5)
    # The target is read from the words around his own mention, with his name masked.
    assert both.target_match == "name" and "él es el peor alcalde" in both.target_text
    assert "Rafael" not in (only_him.target_text or "")


def test_hub_learns_from_declared_texts_like_the_offline_scorer(tiny_hub_models, campaign, monkeypatch):
    import numpy as np

    from nlp.stance import STANCES

    sent, nli = tiny_hub_models
    scorer = HubScorer(campaign, sentiment_model=str(sent), nli_model=str(nli))
    # The NLI model reads neither side in any text: every stance comes out "none" on its own.
    monkeypatch.setattr(scorer, "_entailment", lambda premises, hypotheses: np.full(len(premises), 0.05))
    pro = [DocText(f"p{i}", None, f"Firmé para revocar a Canales, van {i}. #RevocatoriaYa") for i in range(12)]
    anti = [DocText(f"a{i}", None, f"Dejen trabajar al alcalde, van {i}. #NoALaRevocatoria") for i in range(12)]
    scores = scorer.score(pro + anti + [DocText("o", None, "Canales otra vez en el malecón.")])
    declared = scores[:24]
    assert sum(s.stance == "none" for s in declared) <= 0.1 * len(declared)
    assert all(set(s.stance_probs) == set(STANCES) and sum(s.stance_probs.values()) == pytest.approx(1.0) for s in scores)
    # Too few declared texts: the NLI's reading stands.
    few = scorer.score(pro[:3] + anti[:3])
    assert all(s.stance == "none" for s in few)
