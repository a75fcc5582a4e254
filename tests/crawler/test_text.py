"""Text normalisation: what analysts read must not show entities, mojibake or ragged spacing."""

from crawler.text import fold, normalise_text, repair_mojibake


def test_mojibake_from_utf8_read_as_cp1252_is_repaired():
    assert repair_mojibake("Hace tres dÃ­as") == "Hace tres días"
    assert repair_mojibake("campaÃ±a polÃ­tica â€œhoyâ€\x9d") == "campaña política “hoy”"


def test_double_encoded_mojibake_is_repaired():
    assert repair_mojibake("dÃƒÂ­as") == "días"


def test_mojibake_of_spanish_punctuation_and_symbols_is_repaired():
    assert repair_mojibake("Â¿QuÃ© pasa?") == "¿Qué pasa?"
    assert repair_mojibake("precio â‚¬5") == "precio €5"


def test_correct_text_is_left_alone():
    # A genuine "Ã" or "Â" (Portuguese names in Spanish news) is not mojibake.
    for text in ("Año nuevo en Miraflores", "Ñandú", "precio: 5 Â", "SÃO PAULO y Lima", "la CÂMARA", "“hoy”"):
        assert repair_mojibake(text) == text


def test_normalise_decodes_entities_and_tidies_whitespace():
    raw = "  El&nbsp;alcalde&amp;  su\u00a0equipo \u200b\n\n\n  segunda   línea  "
    assert normalise_text(raw) == "El alcalde& su equipo\nsegunda línea"


def test_fold_ignores_accents_and_case():
    assert fold("CARLOS  Canales Ñandú") == "carlos canales nandu"
