"""`vigia check`'s answers come from the crawler's own stages: what it says is what a crawl does."""

from __future__ import annotations

import pytest

from campaigns import load_campaign
from crawler.relevance import RelevanceCheck

PORTUGUESE_OFFICE = "O alcalde de Miraflores é ótimo e todos os moradores sabem disso muito bem"


@pytest.fixture(scope="module")
def check():
    return RelevanceCheck(load_campaign())


def test_office_and_implicit_mentions_are_kept_with_their_kind(check):
    office = check.check({"text": "El alcalde anunció más serenazgo en Miraflores"})
    implicit = check.check({"text": "La muni de Miraflores no recoge la basura #RevocatoriaYa"})
    assert (office["target_match"], office["kept"]) == ("office", True)
    assert (implicit["target_match"], implicit["kept"]) == ("implicit", True)


def test_a_foreign_language_is_dropped_unless_he_is_named(check):
    assert check.check({"text": PORTUGUESE_OFFICE}) == {
        "lang": "pt", "target_match": "office", "kept": False, "reason": "language:pt",
    }
    named = check.check({"text": "Carlos Canales é um prefeito corrupto e todos sabem disso"})
    assert (named["lang"], named["kept"], named["reason"]) == ("pt", True, None)


def test_the_platforms_tag_is_trusted_for_posts_not_for_news_sites(check):
    assert check.check({"text": PORTUGUESE_OFFICE, "lang": "es", "platform": "bluesky"})["kept"]
    news = {"text": PORTUGUESE_OFFICE, "lang": "es", "platform": "diario.pe", "url": "https://diario.pe/x/"}
    assert check.check(news)["reason"] == "language:pt"


def test_texts_not_about_him_or_empty_say_why(check):
    assert check.check({"text": "Hoy llueve en Lima y el tráfico está imposible"})["reason"] == "no_target"
    assert check.check({"text": "   "})["reason"] == "empty"


def test_every_irrelevant_sample_article_is_dropped_as_not_about_him(check):
    news_corpus = pytest.importorskip("samples.news.corpus")
    irrelevant = [a for a in news_corpus.corpus() if not a.relevant and not a.duplicate_of]
    # the traps: "canales digitales", "algunos canales", "el alcalde sanisidrino", "el alcalde
    # del distrito" in a San Isidro story, a JNE notice on the electoral franja
    assert {"ec-101", "p21-101", "rpp-101", "ge-101", "ib-102"} <= {a.key for a in irrelevant}
    for article in irrelevant:
        row = {"title": article.title, "text": article.text, "url": article.url, "platform": article.outlet}
        assert check.check(row)["reason"] == "no_target", article.key
    relevant = [a for a in news_corpus.corpus() if a.relevant and not a.duplicate_of]
    assert all(check.check({"title": a.title, "text": a.text})["target_match"] for a in relevant)
