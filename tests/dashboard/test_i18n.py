"""The interface in Spanish or English: one catalogue, the same keys and fields in both, dates and
numbers per language in the campaign's time zone; the campaign file chooses the language."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from campaigns.model import CampaignError, load_campaign
from dashboard.i18n import LANGUAGES, MESSAGES, Texts, language


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_hold_the_same_messages_with_the_same_fields() -> None:
    assert set(MESSAGES) == set(LANGUAGES)
    assert set(MESSAGES["es"]) == set(MESSAGES["en"])
    for key in MESSAGES["es"]:
        assert fields(MESSAGES["es"][key]) == fields(MESSAGES["en"][key]), key
        # the same in both: the page's title, short words, and example queries (Spanish in either)
        assert MESSAGES["es"][key] != MESSAGES["en"][key] or key in ("page.title", "compare.placeholder") \
            or len(MESSAGES["es"][key]) < 12, key


def test_a_malformed_query_is_told_in_each_language_with_the_same_fields() -> None:
    from dashboard.i18n import QUERY_ERRORS
    from warehouse.query import ERRORS, check

    for lang, errors in QUERY_ERRORS.items():
        assert set(errors) == set(ERRORS), lang
        for code, template in errors.items():
            assert fields(template) == fields(ERRORS[code]), (lang, code)
    error = check("x" * 10_000)
    assert Texts("es").query_error(error) == ("Una consulta tiene como mucho 1.000 caracteres; esta tiene 10.000. "
                                              "Quédese con las palabras que importan.")
    assert Texts("en").query_error(check('"abierta')) == 'The quote at character 1 is never closed: add a closing " or remove it.'


def test_numbers_dates_and_times_follow_the_language_and_the_campaign_zone() -> None:
    es, en = Texts("es"), Texts("en")
    assert (es.number(12345), en.number(12345)) == ("12.345", "12,345")
    assert (es.percent(0.457, 1), en.percent(0.457, 1)) == ("45,7%", "45.7%")
    assert (es.date(date(2026, 10, 5)), en.date(date(2026, 10, 5))) == ("5 oct 2026", "Oct 5, 2026")
    # 01:00 UTC on the 6th is still the 5th in Lima (the filters' days are Lima's)
    moment = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
    assert es.datetime(moment, "America/Lima").startswith("5 oct 2026, 20:00")
    assert en.datetime(moment, "America/Lima").startswith("Oct 5, 2026, 8:00")
    assert es.week(date(2026, 9, 3), 4) == "3 sept 2026 (semana parcial: 4 de 7 días)"
    assert en.week(date(2026, 9, 7), 7) == "Sep 7, 2026"


def test_messages_and_stored_labels_in_words() -> None:
    es, en = Texts("es"), Texts("en")
    assert es("spikes.title", target="Carlos Canales").startswith("¿Qué acaba de pasar?")
    assert en("voice.title", target="Carlos Canales") == "Share of voice: Carlos Canales and the other actors"
    assert (es.value("pro_recall"), en.value("anti_recall")) == ("a favor de la revocatoria", "against the recall")
    assert en.value("target_negative", target="him") == "share negative toward him"
    with pytest.raises(KeyError):
        es("no.such.message")


def test_the_campaign_file_chooses_the_language_and_names_topics_in_it(tmp_path: Path) -> None:
    campaign = load_campaign()
    assert campaign.ui_language == "es"  # Miraflores: Spanish by default
    assert [campaign.topic_label(t, "es") for t in campaign.topic_names] == ["seguridad", "política", "revocatoria"]
    assert campaign.topic_label("security", "en") == "security"
    assert language("en", campaign.ui_language) == "en" and language(None, campaign.ui_language) == "es"
    assert language("fr", "xx") == "es"
    text = campaign.source_file.read_text(encoding="utf-8")
    english = tmp_path / "c.toml"
    english.write_text(text.replace('interface_language = "es"', 'interface_language = "en"'), encoding="utf-8")
    assert load_campaign(english).ui_language == "en"
    unset = tmp_path / "d.toml"
    unset.write_text(text.replace('interface_language = "es"', "").replace('languages = ["es", "en"]', 'languages = ["en", "es"]'),
                     encoding="utf-8")
    assert load_campaign(unset).ui_language == "en"
    wrong = tmp_path / "e.toml"
    wrong.write_text(text.replace('interface_language = "es"', 'interface_language = "fr"'), encoding="utf-8")
    with pytest.raises(CampaignError, match="interface_language"):
        load_campaign(wrong)


def test_what_a_share_rests_on_is_said_in_the_page_language() -> None:
    """The caption under every share chart and the trust table's column were English on the
    Spanish page: each phrasing of ``Calibration.describe`` is said in Spanish."""
    import numpy as np

    from prevalence import Calibration

    classes = ("negative", "neutral", "positive")
    probs = np.tile([0.6, 0.3, 0.1], (1500, 1))
    bundled = Calibration.from_labels(classes, probs[:1200], ["negative"] * 1200, source="InterTASS PE, TASS 2020")
    said = [Calibration.from_labels(classes, probs[:0], [], bundled=None).describe(),
            Calibration.from_labels(classes, probs[:1500], ["neutral"] * 1500, source="corrections").describe(),
            Calibration.from_labels(classes, probs[:40], ["neutral"] * 40, bundled=bundled).describe()]
    es = Texts("es")
    for described in said:
        spanish = es.calibration(described)
        assert spanish != described and not {"labels", "bundled", "counted", "prior"} & set(spanish.replace(",", " ").split()), spanish
        assert Texts("en").calibration(described) == described
    assert "1.500 etiquetas de la campaña (corrections)" in es.calibration(said[1])
    assert "40 etiquetas de la campaña + una calibración incluida de 1.200 etiquetas (InterTASS PE, TASS 2020)" in es.calibration(said[2])
    assert es.calibration("something else") == "something else"
    assert es("task.target_sentiment", target="Carlos Canales") == "sentimiento hacia Carlos Canales"
