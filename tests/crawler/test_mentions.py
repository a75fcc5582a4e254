"""Only documents that name the mayor are kept: the name, not the common noun."""

import pytest

from campaigns import load_campaign
from campaigns.recognition import NameFinder, TargetRecognizer


@pytest.fixture(scope="module")
def matcher():
    return NameFinder.for_actor(load_campaign().target)


@pytest.mark.parametrize(
    "text",
    [
        "CARLOS CANALES responde a sus críticos",
        "El alcalde Carlos Canales presentó drones",
        "carlos canales, alcalde de Miraflores",
        "Escríbele a @carloscanalesa sobre la revocatoria",
        "Gracias @CarlosCanalesA!",
        "Firmas contra Carlos  Canales Anchorena",
        "El alcalde Canales dijo",
        "#CarlosCanales revocatoria",
        "Cárlos Cánales (sic) y la revocatoria",
    ],
)
def test_names_the_target(matcher, text):
    assert matcher.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "Los canales de televisión anuncian cobertura del Mundial",
        "Juan Carlos Canalesi no es el alcalde",
        "Los canales de Miraflores y el alcalde",
        "",
    ],
)
def test_does_not_name_the_target(matcher, text):
    assert not matcher.search(text)


def test_the_crawler_keeps_a_text_on_the_scorers_reading_of_title_and_text():
    recognizer = TargetRecognizer.for_campaign(load_campaign())
    assert recognizer.match("Revocatoria en Miraflores", "El alcalde Carlos Canales respondió.") == "name"
    assert recognizer.match("Carlos Canales responde", "Sin más detalles.") == "name"
    assert recognizer.match(None, "Los canales de televisión anuncian cobertura del Mundial") is None
