"""The document head's input: how passage scores, stance and tone become one row per document."""

import numpy as np

from nlp.stance import STANCE_TO_SENTIMENT
from nlp.target import N_DOC_FEATURES, doc_features, doc_matrix


def logp(*rows):
    return np.log(np.asarray(rows, dtype=np.float64))


def test_one_row_summarises_the_passages_stance_tone_and_how_he_was_found():
    passages = logp([0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3])  # harsh, kind, joined reading
    stance = np.array([0.9, 0.05, 0.05])  # arguing for the recall
    row = doc_features(passages, [1.0, 0.5, 1.0], stance, logp([0.2, 0.5, 0.3])[0], is_news=True, match="office")
    assert row.shape == (N_DOC_FEATURES,)
    mean = np.exp(row[:3])
    assert mean.argmax() == 0  # the weighted mean leans to the full-weight harsh passage
    assert row[3] == np.float32(0.8 - 0.1) and row[4] == np.float32(0.1 - 0.8)  # kindest, harshest passage
    assert np.allclose(np.exp(row[5:8]), [0.3, 0.4, 0.3], atol=1e-5)  # the joined reading
    assert np.allclose(np.exp(row[8:11]), stance @ STANCE_TO_SENTIMENT, atol=1e-5)
    assert np.allclose(np.exp(row[11:14]), [0.2, 0.5, 0.3], atol=1e-5)
    assert list(row[14:17]) == list(stance.astype(np.float32))
    assert row[17] == 1.0 and row[18] == np.float32(np.log(3))
    assert (row[19], row[20]) == (1.0, 0.0)


def test_documents_without_passages_get_no_row():
    passages = logp([0.6, 0.3, 0.1], [0.2, 0.2, 0.6])
    stance = np.full((3, 3), 1 / 3)
    tone = np.log(np.full((3, 3), 1 / 3))
    D, has = doc_matrix(passages, [0, 2], [1.0, 1.0], stance, tone, [False, False, False], ["name", None, "implicit"])
    assert has.tolist() == [True, False, True]
    assert not D[1].any()
    assert D[2, 20] == 1.0 and D[0, 20] == 0.0


def test_the_window_masks_the_mention_and_stays_in_its_sentence():
    from nlp.target import TARGET_MASK, target_window

    text = "Gran mitin de Podemos, ilusión y propuestas. El PP, corrupto como siempre."
    podemos = target_window(text, [(text.index("Podemos"), text.index("Podemos") + 7)])
    pp = target_window(text, [(text.index("PP"), text.index("PP") + 2)])
    assert TARGET_MASK in podemos and "Podemos" not in podemos and "corrupto" not in podemos
    assert "corrupto" in pp and "ilusión" not in pp
    assert target_window("sin menciones", []) == "sin menciones"
    both = target_window("A dijo algo. B también", [(0, 1), (13, 14)])
    assert both.count(TARGET_MASK) == 2 and " | " in both


def test_mention_spans_cover_surname_handle_and_hashtag(campaign):
    from nlp.passages import TargetRecognizer

    recognizer = TargetRecognizer.for_campaign(campaign)
    text = "Canales es el peor alcalde que ha tenido Miraflores. #FueraCanales @carloscanalesa"
    assert [text[s:e] for s, e in recognizer.mention_spans(text)] == ["Canales", "#FueraCanales", "@carloscanalesa"]
    assert recognizer.mention_spans("Los canales de televisión y el alcalde") == []
