"""The window head scores a text at scoring time with the same features it was trained on.

A suspected train/score mismatch (feature order, hashing, masking, class order, tone) would
show here: a head fitted on an obvious toy set must give the scorer's windows exactly the
probabilities it gives the training rows, and score the toy texts as they were labelled.
"""

import shutil

import numpy as np

TOY = {
    "positive": [
        "Gracias Canales, excelente trabajo en el parque",
        "Canales es honesto y eficaz, bravo",
        "Felicitaciones a Canales, cumplió lo prometido",
        "Canales lo hizo muy bien, gran alcalde",
    ],
    "negative": [
        "Canales es corrupto y mentiroso",
        "Canales es el peor, un desastre total",
        "Fuera Canales, incapaz y cobarde",
        "Canales fracasó otra vez, qué vergüenza",
    ],
    "neutral": [
        "Canales se reunió hoy con los vecinos",
        "Canales visitó el mercado de Surquillo",
        "Canales asistió a la sesión del concejo",
        "Canales informó el horario de la feria",
    ],
}


def test_scorer_window_probabilities_equal_the_training_ones(use_tiny_encoder, tiny_heads, campaign, tmp_path):
    from nlp.documents import DocText
    from nlp.encoder import get_encoder
    from nlp.linear_heads import load_heads, save_heads
    from nlp.offline import FeatureBuilder, OfflineScorer
    from nlp.passages import TargetRecognizer
    from nlp.target import window_features
    from nlp.training import train_target_window, window_examples

    rows = [{"text": t, "target_sentiment": label} for label, texts in TOY.items() for t in texts]
    examples = window_examples(rows, campaign, TargetRecognizer.for_campaign(campaign))
    assert len(examples) == len(rows) and all("él" in e["window"] for e in examples)
    fb = FeatureBuilder(get_encoder(), campaign)
    sentiment = load_heads(tiny_heads / "sentiment.npz")["sentiment"]
    head, _ = train_target_window(fb, examples, sentiment)

    texts = [e["text"] for e in examples]
    doc = fb.basic(texts)
    trained = head.proba(window_features(fb.basic([e["window"] for e in examples]), doc, sentiment.log_scores(doc)))
    labels = [e["label"] for e in examples]
    assert [head.classes[k] for k in trained.argmax(1)] == labels  # fits its obvious training set

    heads_dir = tmp_path / "heads"
    shutil.copytree(tiny_heads, heads_dir)
    target = load_heads(heads_dir / "target.npz")
    target["window"] = head
    save_heads(heads_dir / "target.npz", target)
    scorer = OfflineScorer(campaign, heads_dir)
    seen: dict = {}
    windows_of = scorer._windows

    def spy(windows, *args):
        out = windows_of(windows, *args)
        seen.update({i: (w, out[(i, a)]) for i, a, w in windows if a is None})
        return out

    scorer._windows = spy
    scorer.score([DocText(str(i), None, t) for i, t in enumerate(texts)])
    assert [seen[i][0] for i in range(len(texts))] == [e["window"] for e in examples]  # same masked windows
    scored = np.vstack([seen[i][1] for i in range(len(texts))])
    assert np.allclose(scored, trained, atol=2e-3)  # same features, same class order (float16 storage)
    assert [head.classes[k] for k in scored.argmax(1)] == labels
