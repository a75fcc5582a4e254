"""Only documents that name the mayor are kept: the name, not the common noun."""

import pytest

from campaigns import load_campaign
from crawler.mentions import TargetMatcher


@pytest.fixture(scope="module")
def matcher():
    return TargetMatcher(load_campaign().target.names)


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
    assert matcher.names_target(text)


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
    assert not matcher.names_target(text)


def test_title_or_text_is_enough(matcher):
    assert matcher.names_target("Revocatoria en Miraflores", "El alcalde Carlos Canales respondió.")
