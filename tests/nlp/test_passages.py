"""Which sentences count as speaking about the target: what target sentiment is built from."""

from nlp.passages import CONTINUATION_WEIGHT, TargetMatcher
from nlp.text import fold, split_sentences


def matcher(campaign):
    return TargetMatcher.for_campaign(campaign)


def test_full_name_and_alias_are_found_ignoring_accents_and_case(campaign):
    m = matcher(campaign)
    assert [p.reason for p in m.passages("CARLOS CÁNALES inauguró un parque.")] == ["name"]
    assert m.passages("Saludos a @CarlosCanalesA por la feria")[0].reason == "name"
    assert m.names_target("el ALCALDE canales respondió")


def test_a_document_that_never_names_him_has_no_target_passages(campaign):
    text = "El alcalde de Surco presentó sus patrulleros. El alcalde dijo que los robos bajaron."
    assert matcher(campaign).passages(text) == []


def test_references_count_once_he_is_named(campaign):
    text = (
        "Carlos Canales habló ayer con la prensa. Los vecinos no estaban. "
        "Hoy, el burgomaestre anunció drones. Otra noticia sin relación. Y una más."
    )
    ps = matcher(campaign).passages(text)
    assert [p.text for p in ps] == [
        "Carlos Canales habló ayer con la prensa.",
        "Los vecinos no estaban.",
        "Hoy, el burgomaestre anunció drones.",
        "Otra noticia sin relación.",
    ]
    assert [p.reason for p in ps] == ["name", "continuation", "reference", "continuation"]


def test_pronoun_continuation_is_one_sentence_and_weighs_less(campaign):
    text = "Carlos Canales respondió a sus críticos. Dijo que todo es una campaña. La ONPE no opinó."
    ps = matcher(campaign).passages(text)
    assert [p.text for p in ps] == ["Carlos Canales respondió a sus críticos.", "Dijo que todo es una campaña."]
    assert ps[1].weight == CONTINUATION_WEIGHT < ps[0].weight


def test_the_title_is_a_passage_too(campaign):
    ps = matcher(campaign).passages("El alcalde respondió a los vecinos.", title="Canales Anchorena y la revocatoria")
    assert [p.reason for p in ps] == ["name", "reference"]


def test_names_inside_other_words_do_not_match(campaign):
    # "Canalesito" is not him, and "canales de televisión" is not a naming of Carlos Canales.
    assert matcher(campaign).passages("Los canales de televisión y Canalesito hablaron.") == []


def test_sentences_split_on_punctuation_but_not_on_abbreviations():
    assert split_sentences("Habló el Sr. Canales. ¿Y ahora? ¡Nada!") == ["Habló el Sr. Canales.", "¿Y ahora?", "¡Nada!"]
    assert fold("Policía ÑANDÚ") == "policia nandu"


def test_the_bare_surname_names_him_unless_it_is_a_common_noun_or_someone_else(campaign):
    m = matcher(campaign)
    assert [p.reason for p in m.passages("Canales no escucha a nadie. Firmé ayer.")] == ["name", "continuation"]
    assert m.passages("qué tal cara la de canales, sube los arbitrios")  # lower-case tweets count
    assert m.passages("Los canales de televisión cubrieron la marcha.") == []
    assert m.passages("Canales de YouTube y sus canales digitales.") == []
    assert m.passages("La señora Canales de la tienda ya no abre de noche.") == []
