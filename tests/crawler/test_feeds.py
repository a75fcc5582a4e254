"""Feeds and sitemaps as outlets serve them, including the broken ones (tests/fixtures/feeds)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.feeds import (
    FeedError,
    news_leads,
    parse_feed,
    parse_sitemap,
    split_headline,
    title_key,
)

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def feed(name: str):
    return parse_feed((FEEDS / name).read_bytes(), f"https://example.pe/{name}")


def test_arc_rss_with_creator_content_and_empty_description():
    entries = feed("elcomercio_rss.xml")
    assert len(entries) == 3
    first = entries[0]
    assert first.title == "Carlos Canales responde a promotores de la revocatoria: “Es una campaña política”"
    assert first.author == "Redacción EC"
    assert first.summary == ""
    assert first.published_at == datetime(2026, 11, 23, 21, 13, 54, tzinfo=UTC)
    assert first.content.startswith("El alcalde de Miraflores, Carlos Canales, rechazó")
    # "LEE TAMBIÉN" blocks, related-link lists and tweet scripts are not story text
    assert "LEE TAMBIÉN" not in first.content and "Relacionada" not in first.content
    assert "widgets.js" not in first.content
    assert first.full_text == first.content


def test_la_republica_rss_with_whitespace_around_cdata_and_categories():
    entries = feed("larepublica_rss.xml")
    assert [e.categories for e in entries] == [["Política"], ["Sociedad"]]
    assert entries[0].title.startswith("Revocatoria contra Carlos Canales")
    assert entries[0].link == "https://larepublica.pe/politica/2026/11/20/revocatoria-contra-carlos-canales-promotores-compran-kit-electoral-hnews-2557602"
    assert entries[0].summary == "La ONPE confirmó la compra del kit electoral."
    assert entries[0].published_at == datetime(2026, 11, 20, 14, 45, 12, tzinfo=UTC)
    assert entries[0].author == "Diego Ramírez"


def test_iso_8859_1_feed():
    (entry,) = feed("andina_rss.xml")
    assert entry.title == "Miraflores instala 120 cámaras de videovigilancia con inteligencia artificial"
    assert "inició la instalación" in entry.summary


def test_wordpress_feed():
    entries = feed("exitosa_rss.xml")
    assert entries[0].author == "Rosa Villanueva"
    assert entries[0].categories == ["Actualidad", "Lima"]


def test_atom_feed():
    (entry,) = feed("ojopublico_atom.xml")
    assert entry.link == "https://ojo-publico.com/politica/miraflores-los-dias-de-la-revocatoria"
    assert entry.author == "Sofía Núñez"
    assert entry.published_at == datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    assert entry.categories == ["Política"]
    assert entry.content.startswith("Durante los últimos días")


def test_malformed_feed_keeps_what_can_be_recovered():
    entries = feed("rpp_malformed.xml")  # stray whitespace, raw "&", undeclared dc:, truncated
    assert entries[0].title.startswith("Miraflores: regidores piden explicaciones a Carlos Canales")
    assert entries[0].author == "Redacción RPP"
    assert entries[1].link == "https://rpp.pe/futbol/seleccion-entrena-noticia-1695800"


@pytest.mark.parametrize("name", ["broken.xml", "elcomercio_feed_html.html"])
def test_no_feed_at_all_raises(name):
    with pytest.raises(FeedError):
        feed(name)


def test_empty_body_raises():
    with pytest.raises(FeedError):
        parse_feed(b"   ", "https://example.pe/feed")


def test_an_empty_but_valid_feed_has_no_entries():
    assert parse_feed(b"<rss><channel><title>x</title></channel></rss>", "https://example.pe/feed") == []


def test_google_news_search_items_are_leads():
    leads = news_leads(feed("google_news_search.xml"))
    assert len(leads) == 4
    first = leads[0]
    assert first.title == "Carlos Canales responde a promotores de la revocatoria: “Es una campaña política”"
    assert first.outlet == "El Comercio Perú" and first.outlet_domain == "elcomercio.pe"
    assert first.link.startswith("https://news.google.com/rss/articles/")
    assert first.published_at == datetime(2026, 11, 23, 21, 14, tzinfo=UTC)
    assert leads[3].outlet_domain == "peru21.pe"


def test_headline_and_outlet():
    assert split_headline("Canales responde - El Comercio Perú") == ("Canales responde", "El Comercio Perú")
    assert split_headline("Uno - dos - RPP", "RPP") == ("Uno - dos", "RPP")
    assert title_key("¡Carlos  Canales responde!") == title_key("carlos canales RESPONDE")


def test_google_news_sitemap():
    sitemap = parse_sitemap((FEEDS / "correo_news_sitemap.xml").read_bytes(), "https://diariocorreo.pe/sitemap/news/lima/")
    assert sitemap.kind == "urlset"
    recent, old = sitemap.entries
    assert recent.published_at == datetime(2026, 11, 24, 13, 40, tzinfo=UTC)
    assert recent.title.startswith("Vecinos de Miraflores denuncian robos")
    assert old.when == datetime(2026, 10, 1, 13, 0, tzinfo=UTC)


def test_sitemap_index_and_section_sitemap():
    index = parse_sitemap((FEEDS / "correo_sitemap_index.xml").read_bytes(), "https://diariocorreo.pe/sitemap-index.xml")
    assert index.kind == "index" and len(index.entries) == 2
    section = parse_sitemap((FEEDS / "larepublica_section_sitemap.xml").read_bytes(), "https://larepublica.pe/s.xml")
    assert [e.lastmod is not None for e in section.entries] == [True, True, False]


def test_a_feed_is_not_a_sitemap():
    with pytest.raises(FeedError):
        parse_sitemap((FEEDS / "elcomercio_rss.xml").read_bytes(), "https://x.pe/")


def test_feedburner_items_keep_the_stories_own_address():
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
    <channel><title>t</title><item><title>Canales responde</title>
    <link>http://feedproxy.google.com/~r/outlet/~3/abc/</link>
    <feedburner:origLink>https://outlet.pe/politica/canales-responde/</feedburner:origLink>
    </item></channel></rss>"""
    entries = parse_feed(body, "https://feeds.feedburner.com/outlet")
    assert [e.link for e in entries] == ["https://outlet.pe/politica/canales-responde/"]
