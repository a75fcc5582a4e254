"""Top words counted folded and shown as written (``warehouse.words``)."""

from __future__ import annotations

from campaigns.recognition import fold
from warehouse.words import document_frequencies, spellings, top_terms

TEXTS = [
    "Cámaras robadas en el malecón: la campaña pide explicaciones.",
    "Otra vez cámaras robadas. ¿Quién responde por las cámaras?",
    "camaras robadas, dice el vecino sin tildes",
    "CÁMARAS ROBADAS: la campaña insiste #CámarasRobadas",
    "La campaña del alcalde calla sobre las cámaras.",
]


def test_a_word_is_counted_folded_and_shown_as_its_texts_most_often_write_it() -> None:
    counts, n = document_frequencies([fold(t) for t in TEXTS])
    top = top_terms(counts, n, limit=10)
    assert counts["camaras"] == 5 and counts["camaras robadas"] == 4  # "Cámaras", "cámaras", "camaras", "CÁMARAS" add up
    written = spellings(TEXTS, top["term"])
    assert written["camaras"] == "cámaras" and written["campana"] == "campaña"
    assert written["camaras robadas"] == "cámaras robadas"  # a phrase: its words as written, one space apart
    assert spellings(TEXTS, ["#camarasrobadas"]) == {"#camarasrobadas": "#CámarasRobadas"}


def test_a_phrase_is_named_only_where_its_words_follow_each_other() -> None:
    # "robadas" then "#CámarasRobadas", or two words with another between them, are no phrase.
    written = spellings(["Robadas, sí. Las cámaras robadas", "cámaras muy robadas"], ["camaras robadas", "robadas", "nada"])
    assert written == {"camaras robadas": "cámaras robadas", "robadas": "robadas", "nada": "nada"}  # unseen: folded
