"""One recogniser for crawler and scorer: names, handles, leaders, acronyms and compound hashtags."""

import pytest

from campaigns import Actor, load_campaign
from campaigns.recognition import NameFinder, TargetRecognizer, fold, match_kind
from nlp.passages import TargetRecognizer as ScorerMatcher

PP = Actor(id="pp", name="Partido Popular", acronyms=["PP"], handles=["@PPopular"], leaders=["Rajoy"])
PSOE = Actor(
    id="psoe", name="Partido Socialista Obrero Español", acronyms=["PSOE"], handles=["@PSOE"], leaders=["Pedro Sánchez"]
)


def test_fold_keeps_positions():
    text = "Cárlos ﬁnal İstanbul"
    assert len(fold(text)) == len(text)
    assert fold("Policía ÑANDÚ") == "policia nandu"


@pytest.mark.parametrize(
    ("text", "pp", "psoe"),
    [
        ("El #PPSOE nos ha robado", True, True),
        ("Rajoy miente otra vez", True, False),
        ("Gracias @PPopular y @PSOE por nada", True, True),
        ("el pp y el psoe, lo mismo", True, True),
        ("Qué #HAPPY estoy hoy", False, False),
        ("Votaré a Pedro  Sánchez", False, True),
        ("Las apps de hoy", False, False),
        # A hashtag or handle that is the acronym itself, and handles built on it.
        ("Vota #PP, no al #PSOE", True, True),
        ("@pp y @psoe no responden", True, True),
        ("Acto de @PPAntequera con el ministro @AlfonsoAlonsoPP", True, False),
        ("Saludos a @happy_pp y @HAPPYdays", False, False),
    ],
)
def test_party_names_acronyms_and_compounds(text, pp, psoe):
    assert NameFinder.for_actor(PP).search(text) is pp
    assert NameFinder.for_actor(PSOE).search(text) is psoe


def test_spans_point_into_the_original_text():
    text = "Ayer Rajoy habló; #PPSOE responde"
    spans = NameFinder.for_actor(PP).spans(text)
    assert [text[s:e] for s, e in spans] == ["Rajoy", "#PPSOE"]


def test_crawler_and_scorer_share_the_recogniser():
    import crawler.pipelines
    import crawler.spiders.base

    # One class, imported by both sides: the relevance filter and the scorer cannot disagree.
    assert crawler.pipelines.TargetRecognizer is TargetRecognizer is crawler.spiders.base.TargetRecognizer
    scorer = ScorerMatcher.for_campaign(load_campaign())
    assert isinstance(scorer, TargetRecognizer)
    assert scorer.match(None, "#CarlosCanales responde") == "name"
    assert scorer.match(None, "canales de televisión") is None


def test_nicknames_and_hashtags_from_the_campaign_file():
    campaign = load_campaign()
    target = campaign.target.model_copy(update={"nicknames": ["el Chato"], "hashtags": ["#CanalesMiraflores"]})
    finder = NameFinder.for_actor(target)
    assert finder.search("Otra vez el Chato con sus drones")
    assert finder.search("#CanalesMiraflores hoy")
    assert not finder.search("chatos de cerveza")


@pytest.fixture(scope="module")
def recognizer():
    return TargetRecognizer.for_campaign(load_campaign())


def kind(recognizer, text, title=None):
    return match_kind(recognizer.passages(text, title))


@pytest.mark.parametrize(
    "text",
    [
        "Retailers apuestan por canales digitales y proyectan crecer en ventas online.",
        "La publicidad digital ya representa una quinta parte de los ingresos de algunos canales.",
        "Las tiendas integran canales virtuales y físicos.",
        "Canales digitales y tiendas físicas crecen juntos este año.",
        "Canales de venta: la apuesta del retail peruano.",
        "Los principales canales de televisión de señal abierta amplían su oferta.",
    ],
)
def test_the_surname_as_a_common_noun_does_not_name_him(recognizer, text):
    assert not recognizer.names_target(text)
    assert recognizer.mention_spans(text) == []
    assert kind(recognizer, text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Canales anunció más serenazgo para el malecón.",
        "Ayer Canales respondió a los promotores.",
        "Hoy firmé. #FueraCanales",
        "fuera canales, ya basta",  # a tweet that never capitalises
        "Otra vez el alcalde canales con sus drones",  # a title before the lower-case surname
        "Fuera canales!! nadie lo quiere",  # a slogan word before it
        "Firmé la revocatoria contra canales",
        "CANALES RENUNCIA",
    ],
)
def test_the_surname_as_his_name_still_names_him(recognizer, text):
    assert recognizer.names_target(text)
    assert kind(recognizer, text) == "name"


def test_a_common_noun_beside_his_name_is_not_a_reference_to_him(recognizer):
    text = "Carlos Canales habló en la radio. Ejecutivos apuestan por canales digitales."
    passages = recognizer.passages(text)
    assert [p.reason for p in passages] == ["name", "continuation"]
    spans = recognizer.mention_spans("Canales usó canales digitales")
    assert [("Canales usó canales digitales")[s:e] for s, e in spans] == ["Canales"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El alcalde sanisidrino explicó que la inversión supera los tres millones.", None),
        ("La alcaldesa surcana inauguró el parque.", None),
        ("El alcalde miraflorino explicó que la inversión supera los tres millones.", "office"),
        ("La alcaldesa miraflorina inauguró el parque.", "office"),
        ("El alcalde anunció más serenazgo en Miraflores.", "office"),
    ],
)
def test_the_office_with_a_demonym_is_his_only_for_his_district(recognizer, text, expected):
    assert kind(recognizer, text) == expected


def test_the_office_in_a_story_about_another_district_is_not_his(recognizer):
    title = "San Isidro aprueba ordenanza que restringe el estacionamiento en el Olivar"
    text = "La medida, impulsada por el alcalde del distrito, busca reducir la congestión. La municipalidad habilitará ciclovías."
    assert kind(recognizer, text, title) is None
    # the same story in his district is his
    assert kind(recognizer, text, title.replace("San Isidro", "Miraflores")) == "office"
    # "el alcalde" alone, in a text about Miraflores that also names San Isidro, is still his
    both = "El alcalde del distrito anunció cámaras en el malecón de Miraflores, en el límite con San Isidro."
    assert kind(recognizer, both) == "office"
    # a place must be capitalised to count in a text that capitalises: "la victoria" is a word here
    assert kind(recognizer, "El alcalde celebró la victoria del serenazgo.") == "office"


def test_other_places_and_demonyms_come_from_the_campaign_file():
    campaign = load_campaign()
    target = campaign.target.model_copy(update={"other_places": [], "other_demonyms": []})
    plain = TargetRecognizer.for_campaign(campaign.model_copy(update={"target": target}))
    assert kind(plain, "El alcalde sanisidrino explicó la inversión.") == "office"
    rival = campaign.target.model_copy(update={"other_demonyms": ["chalaco", "chalaca"]})
    configured = TargetRecognizer.for_campaign(campaign.model_copy(update={"target": rival}))
    assert kind(configured, "El alcalde chalaco explicó la inversión.") is None


def test_an_electoral_notice_from_an_institution_alone_is_not_his_recall(recognizer):
    notice = "El JNE recordó a las radios las reglas de la franja electoral."
    assert kind(recognizer, notice, "JNE recuerda las reglas de la franja electoral") is None
    # the recall itself, or an institution in a text about his district, still is
    assert kind(recognizer, "El JNE recibió las firmas de la revocatoria.") == "implicit"
    assert kind(recognizer, "La ONPE verificará las firmas de los vecinos de Miraflores.") == "implicit"
    assert kind(recognizer, "Hoy firmé. #RevocatoriaYa") == "implicit"


# ------------------------------------------------------------------ issue 22
@pytest.mark.parametrize("text, expected", [
    # his administration, said without his name (as news and posts about him often do)
    ("Esta gestión no ha hecho nada por la seguridad de los vecinos.", "implicit"),
    ("La administración municipal sigue sin responder por las cámaras que no funcionan.", "implicit"),
    ("La gestión municipal gastó millones en drones que nadie ha visto volar.", "implicit"),
    ("El serenazgo llegó cuarenta minutos tarde otra vez.", "implicit"),
    ("La autoridad edil no se pronunció sobre las denuncias de los vecinos.", "office"),
    # his recall, with Spanish endings on its words
    ("Ya juntamos lo necesario para revocarlo antes de fin de año.", "implicit"),
    # management that is not his administration's
    ("La gestión de residuos sólidos en Arequipa mejoró este año.", None),
    ("Operación Orión: la Comuna 13 recuerda a sus desaparecidos.", None),
])
def test_texts_that_judge_his_administration_or_argue_his_recall_without_naming_him(recognizer, text, expected):
    assert recognizer.match(None, text) == expected


def test_a_target_surnamed_like_a_street_is_not_the_street():
    valdivia = TargetRecognizer(["Pedro Valdivia"], ["Valdivia", "el alcalde"], "Santiago")
    assert valdivia.match(None, "La calle Valdivia en Santiago de Chile amaneció cerrada por obras.") is None
    assert valdivia.match(None, "Vecinos de la avenida Valdivia piden semáforos.") is None
    assert valdivia.match(None, "El alcalde Valdivia respondió a las críticas.") == "name"
    assert valdivia.match(None, "Valdivia respondió a las críticas de los vecinos.") == "name"
