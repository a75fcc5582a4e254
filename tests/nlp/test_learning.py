"""Learning from the analyst: `--learn N`, bad labels refused by line, trust figures, weak stance labels."""

import numpy as np
import pytest

from campaigns import load_campaign
from nlp.evaluation import evaluate
from nlp.learning import AnalystHead, cross_fitted, cross_validated_agreement, learnt_is_better
from nlp.stance import StanceEvidence
from tests.nlp.conftest import REPO, write_jsonl

STANCE_ROWS = [
    {"text": "Firma por la revocatoria de Canales #RevocatoriaYa", "stance": "pro_recall"},
    {"text": "No a la revocatoria, dejen trabajar al alcalde #NoALaRevocatoria", "stance": "anti_recall"},
    {"text": "Hoy hay feria en el parque Kennedy", "stance": "none"},
    {"text": "Firmé para revocar a Canales, que se vaya", "stance": "pro"},
    {"text": "La revocatoria es una guerra sucia de la oposición", "stance": "anti"},
    {"text": "El tránsito en Larco está lento", "stance": "none"},
]


def test_a_label_outside_the_set_is_refused_naming_its_line(campaign, tmp_path):
    data = write_jsonl(tmp_path / "bad.jsonl", [{"text": "ok", "stance": "none"}, {"text": "x", "stance": "favor"}])
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: stance label 'favor'"):
        evaluate("stance", data, "offline", campaign)
    data = write_jsonl(tmp_path / "bad2.jsonl", [{"text": "Canales", "target_sentiment": "positivo"}])
    with pytest.raises(ValueError, match=r":1: target_sentiment label 'positivo'"):
        evaluate("target_sentiment", data, "offline", campaign)
    data = write_jsonl(tmp_path / "bad3.jsonl", [{"text": "a", "topics": ["security"]}, {"text": "b", "topics": ["sports"]}])
    with pytest.raises(ValueError, match=r":2: topics label"):
        evaluate("topics", data, "offline", campaign)


def test_learn_scores_only_the_rest(use_tiny_encoder, tiny_heads, campaign, tmp_path):
    data = write_jsonl(tmp_path / "stance.jsonl", STANCE_ROWS * 3)
    result = evaluate("stance", data, "offline", campaign, heads_dir=tiny_heads, learn=9)
    assert result["learned"] == 9 and result["n"] == 9
    assert 0.0 <= result["macro_f1"] <= 1.0
    plain = evaluate("stance", data, "offline", campaign, heads_dir=tiny_heads)
    assert plain["n"] == 18 and "learned" not in plain
    with pytest.raises(ValueError, match="--learn 18"):
        evaluate("stance", data, "offline", campaign, heads_dir=tiny_heads, learn=18)


@pytest.mark.slow  # retrains the window head
def test_learning_target_sentiment_retrains_the_window_head_as_corrections_do(
        use_tiny_encoder, tiny_heads, campaign, tmp_path, monkeypatch):
    from tests.nlp.conftest import quick_training

    quick_training(monkeypatch)
    # Two made-up words the heads have never seen, each always said of him with one polarity.
    rows = [{"text": f"Canales {word} en Miraflores, dia {i}", "target_sentiment": label}
            for i in range(12) for word, label in (("zorblax", "positive"), ("quenfip", "negative"))]
    data = write_jsonl(tmp_path / "target.jsonl", rows)
    plain = evaluate("target_sentiment", data, "offline", campaign, heads_dir=tiny_heads)
    learnt = evaluate("target_sentiment", data, "offline", campaign, heads_dir=tiny_heads, learn=16)
    assert learnt["learned"] == 16 and learnt["n"] == 8
    # The retrained window head reads the words it was taught on the 8 lines it never saw.
    taught = learnt["per_class_f1"]
    assert taught["positive"] == taught["negative"] == 1.0, learnt
    assert plain["per_class_f1"]["positive"] + plain["per_class_f1"]["negative"] < 2.0, plain


def test_the_analyst_head_learns_what_the_scorer_misses():
    rng = np.random.default_rng(0)
    n = 120
    labels = np.array(["negative", "neutral", "positive"])[rng.integers(0, 3, n)]
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    emb[:, 0] += (labels == "positive") * 4 - (labels == "negative") * 4  # the text says it
    base = np.full((n, 3), 1 / 3)  # the scorer knows nothing
    texts = ["texto"] * n
    head = AnalystHead(["negative", "neutral", "positive"]).fit(base[:80], emb[:80], texts[:80], labels[:80])
    assert np.mean(np.array(head.predict(base[80:], emb[80:], texts[80:])) == labels[80:]) > 0.8
    trust = cross_validated_agreement(["negative", "neutral", "positive"], base, emb, texts, labels)
    assert trust["n_labels"] == n and trust["method"] == "5-fold" and trust["agreement"] > 0.8


def test_too_few_labels_compare_the_scorer_as_it_is():
    base = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    trust = cross_validated_agreement(["negative", "neutral", "positive"], base, np.zeros((2, 4)), ["a", "b"],
                                      ["negative", "negative"])
    assert trust == {"n_labels": 2, "agreement": 0.5, "macro_f1": pytest.approx(trust["macro_f1"]), "method": "scorer"}


def test_declared_sides_are_weak_labels():
    evidence = StanceEvidence(load_campaign())
    sides = evidence.declared_sides(
        ["Hoy firmé para revocar a Canales", "#NoALaRevocatoria señores", "Feria en Miraflores", "#RevocatoriaYa #NoALaRevocatoria"]
    )
    assert sides == ["pro_recall", "anti_recall", None, None]


def test_a_campaign_states_another_proposition():
    campaign = load_campaign(REPO / "nlp" / "eval_campaigns" / "catalonia_independence.toml")
    assert not campaign.stance.is_recall
    assert campaign.stance.pro_description.startswith("El texto apoya la independencia")
    evidence = StanceEvidence(campaign)
    assert evidence.declared_sides(["Libertad para los presos políticos", "Golpistas a la cárcel #155"]) == [
        "pro_recall", "anti_recall",
    ]
    # The recall's generic phrases ("que se vaya") do not count for another proposition.
    assert not evidence.generic and StanceEvidence(load_campaign()).generic


def test_stance_labels_pro_and_anti_are_read_as_the_propositions_sides(campaign, tmp_path):
    from nlp.evaluation import _examples

    data = write_jsonl(tmp_path / "s.jsonl", STANCE_ROWS)
    _, gold, _, _ = _examples("stance", data, "test", campaign)
    assert gold == ["pro_recall", "anti_recall", "none", "pro_recall", "anti_recall", "none"]


def test_trust_is_measured_per_task_without_the_remembered_corrections(use_tiny_encoder, tiny_heads, campaign):
    from nlp import load_scorer
    from nlp.learning import trust_by_task

    corrections = [
        {"doc_id": f"d{i}", "field": "stance", "value": row["stance"].replace("pro", "pro_recall").replace("anti", "anti_recall")
         if row["stance"] in ("pro", "anti") else row["stance"], "title": None, "text": row["text"]}
        for i, row in enumerate(STANCE_ROWS * 2)
    ] + [{"doc_id": "t1", "field": "target_sentiment", "value": "negative", "title": None, "text": "Carlos Canales miente"}]
    scorer = load_scorer("offline", campaign, heads_dir=tiny_heads)
    rows = {r["task"]: r for r in trust_by_task(scorer, campaign, corrections)}
    assert set(rows) == {"stance", "target_sentiment"}
    assert rows["stance"]["n_labels"] == 12 and rows["stance"]["method"] == "4-fold"
    assert 0.0 <= rows["stance"]["agreement"] <= 1.0
    assert rows["target_sentiment"]["n_labels"] == 1 and rows["target_sentiment"]["method"] == "scorer"


def test_a_reader_as_often_right_but_surer_of_the_truth_is_kept():
    # Same top label as the scorer on every text (same balanced accuracy), but sure where it is
    # right and unsure where it is wrong: the share model reads that difference (its cells).
    rng = np.random.default_rng(1)
    classes = ["negative", "neutral", "positive"]
    y = np.array(classes)[rng.integers(0, 3, 300)]
    top = np.where(rng.random(300) < 0.6, [classes.index(v) for v in y], rng.integers(0, 3, 300))
    right = top == np.array([classes.index(v) for v in y])

    def reading(sure_right: float, sure_wrong: float) -> np.ndarray:
        sure = np.where(right, sure_right, sure_wrong)
        p = np.repeat(((1 - sure) / 2)[:, None], 3, axis=1)
        p[np.arange(300), top] = sure
        return p

    scorer, learnt = reading(0.5, 0.5), reading(0.8, 0.4)
    assert learnt_is_better(classes, y, scorer, learnt)
    assert not learnt_is_better(classes, y, learnt, scorer)
    assert not learnt_is_better(classes, y, scorer, scorer)


def test_the_cross_fitted_reader_reads_the_words_the_labels_teach():
    # The scorer and the embedding know nothing; one made-up word per class says it.
    rng = np.random.default_rng(2)
    classes = ["pro_recall", "anti_recall", "none"]
    words = {"pro_recall": "zorblax", "anti_recall": "quenfip", "none": "trellom"}

    def texts_of(labels: np.ndarray) -> list[str]:
        filler = ["hoy", "en", "Miraflores", "dicen", "que", "el", "alcalde"]
        return [" ".join([*rng.choice(filler, 4), words[v] if rng.random() < 0.8 else "nada"]) for v in labels]

    y = np.array(classes)[rng.integers(0, 3, 150)]
    hidden = np.array(classes)[rng.integers(0, 3, 200)]
    flat = np.full((150, 3), 1 / 3)
    out = cross_fitted(classes, (flat, rng.normal(size=(150, 8)), texts_of(y)), list(y),
                       (np.full((200, 3), 1 / 3), rng.normal(size=(200, 8)), texts_of(hidden)))
    assert out["learnt"] and out["reader"] in ("head", "head x words")
    # Its readings of the labels are out of fold (each by the fold head that did not learn it),
    # and the new texts are read as well as the labels are.
    assert out["balanced_accuracy"]["learnt"] > 0.75
    assert np.mean(np.array(classes)[out["probs"].argmax(axis=1)] == hidden) > 0.75
    assert np.allclose(out["calibration"].sum(axis=1), 1) and np.allclose(out["probs"].sum(axis=1), 1)
