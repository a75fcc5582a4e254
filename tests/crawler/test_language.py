"""Documents get an ISO 639-1 language; languages the campaign does not follow are dropped."""

import pytest

from crawler.language import LanguageGuesser


@pytest.fixture(scope="module")
def guesser():
    return LanguageGuesser(["es", "en"])


def test_detects_spanish_and_english(guesser):
    assert guesser.detect("El alcalde de Miraflores dijo que la revocatoria es una campaña política.") == "es"
    assert guesser.detect("The mayor of Miraflores said the recall petition is a political smear.") == "en"


def test_a_confusable_language_is_recognised_and_not_kept(guesser):
    lang = guesser.detect("O prefeito de Miraflores disse que a revogação do mandato é uma campanha política suja.")
    assert lang == "pt"
    assert not guesser.kept(lang)


def test_short_texts_trust_the_source_hint(guesser):
    assert guesser.detect("¡Fuera!", hint="es-PE") == "es"
    assert guesser.detect("ok") is None
    assert guesser.kept(None)
