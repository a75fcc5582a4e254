"""Which sentences count as speaking about the target: what target sentiment is built from."""

from nlp.passages import CONTINUATION_WEIGHT, TargetRecognizer, match_kind
from nlp.text import fold, split_sentences


def matcher(campaign):
    return TargetRecognizer.for_campaign(campaign)


def test_full_name_and_alias_are_found_ignoring_accents_and_case(campaign):
    m = matcher(campaign)
    assert [p.reason for p in m.passages("CARLOS CÁNALES inauguró un parque.")] == ["name"]
    assert m.passages("Saludos a @CarlosCanalesA por la feria")[0].reason == "name"
    assert m.names_target("el ALCALDE canales respondió")


def test_a_document_about_another_mayor_or_not_about_him_has_no_target_passages(campaign):
    m = matcher(campaign)
    assert m.passages("El alcalde de Surco presentó sus patrulleros. El alcalde dijo que los robos bajaron.") == []
    assert m.passages("El alcalde Rafael López Aliaga inauguró un puente.") == []
    assert m.passages("El exalcalde habló ayer. Otro alcalde opinó.") == []
    assert m.passages("Me robaron el celular en Larco anoche. Cuidado, vecinos.") == []
    assert m.passages("La mayor parte de los robos ocurre de noche.") == []  # "mayor" is not the office here
    assert m.passages("La revocatoria de la alcaldesa de Chorrillos avanza en el JNE.") == []


def test_his_office_alone_refers_to_him(campaign):
    m = matcher(campaign)
    assert [p.reason for p in m.passages("Gracias alcalde por las luminarias. Ya se puede caminar.")] == [
        "reference", "continuation"
    ]
    assert m.passages("Kudos to the mayor of Miraflores for showing up.")[0].reason == "reference"
    assert m.passages("Que se vaya el comisario, no el alcalde.")
    assert m.passages("Miraflores y su alcalde de cartón.")  # "de cartón" is no other place
    assert match_kind(m.passages("El alcalde de Miraflores no contesta.")) == "office"
    assert match_kind(m.passages("Carlos Canales respondió. El alcalde dijo más.")) == "name"


def test_his_administration_or_his_recall_refer_to_him_implicitly(campaign):
    m = matcher(campaign)
    tweet = "Hoy firmé en el Parque Kennedy. #RevocatoriaYa"
    assert [p.reason for p in m.passages(tweet)] == ["implicit"]
    assert m.passages(tweet)[0].text == tweet  # the whole document is the passage
    assert match_kind(m.passages("Bien ahí la muni de Miraflores, llegaron en diez minutos.")) == "implicit"
    assert m.passages("La municipalidad de Surco cerró el parque.") == []
    assert m.passages("Ya firmé. #FueraCanales")[0].reason == "name"  # his surname inside a hashtag
    assert m.passages("Me quedó claro: firmo. #RevocatoriaMiraflores")


def test_implicit_mentions_can_be_switched_off_in_the_campaign(campaign):
    target = campaign.target.model_copy(update={"implicit_mentions": False})
    m = matcher(campaign.model_copy(update={"target": target}))
    assert m.passages("Hoy firmé en el Parque Kennedy. #RevocatoriaYa") == []
    assert m.passages("Gracias alcalde por las luminarias.")  # his office still refers to him


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
