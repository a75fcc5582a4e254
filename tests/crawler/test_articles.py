"""Article extraction on saved pages in each outlet's real markup (tests/fixtures/pages)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.articles import decode_html, extract_article, fragment_text

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def page(name: str, declared: str | None = None, url: str = "https://example.pe/nota/") -> object:
    html = decode_html((PAGES / name).read_bytes(), declared)
    return extract_article(html, url, now=NOW)


def test_arc_el_comercio_page():
    article = page("elcomercio_arc.html")
    assert article.title == "Carlos Canales responde a promotores de la revocatoria: “Es una campaña política”"
    assert article.author == "Redacción EC, Lucía Quispe Rojas"
    assert article.published_at == datetime(2026, 11, 23, 21, 13, 54, tzinfo=UTC)
    assert article.description.startswith("El alcalde de Miraflores dijo")
    assert article.text.startswith("El alcalde de Miraflores, Carlos Canales, rechazó este lunes")
    assert "ONPE" in article.text
    assert "LEE TAMBIÉN" not in article.text and "Todos los derechos" not in article.text
    assert article.lang == "es" and not article.paywalled
    assert "revocatoria" in article.keywords


def test_amp_copy_without_article_body_gives_the_same_story():
    amp, full = page("elcomercio_amp.html"), page("elcomercio_arc.html")
    assert amp.title == full.title and amp.text == full.text
    assert amp.published_at == full.published_at
    assert amp.canonical_url.endswith("-noticia/")


def test_paywalled_page_is_flagged_and_truncated():
    article = page("gestion_paywall.html")
    assert article.paywalled
    assert article.author == "Jorge Mendoza"
    assert article.text.startswith("La gestión del alcalde Carlos Canales no ha ejecutado")
    assert len(article.text) < 300
    assert "suscríbete" not in article.text.lower()


def test_body_only_in_fusion_global_content():
    article = page("correo_fusion.html")
    assert article.body_from == "fusion"
    assert article.title.startswith("Vecinos de Miraflores denuncian robos")
    assert article.author == "Carmen Huamán"
    assert article.published_at == datetime(2026, 11, 24, 13, 40, tzinfo=UTC)
    assert article.text.count("\n") == 3
    assert "VIDEO RECOMENDADO" not in article.text and "publicidad" not in article.text


def test_la_republica_hashed_classes():
    article = page("larepublica.html")
    assert article.title.startswith("Revocatoria contra Carlos Canales: promotores compran kit electoral")
    assert article.author == "Diego Ramírez"
    assert article.published_at == datetime(2026, 11, 20, 14, 45, 12, tzinfo=UTC)
    assert article.text.startswith("Un colectivo de vecinos de Miraflores")
    assert "Lee también" not in article.text
    assert article.lang == "es"


def test_open_graph_only_page():
    article = page("exitosa_og_only.html")
    assert article.title == "Alcalde Carlos Canales presenta drones para patrullaje en Miraflores"
    assert article.author == "Rosa Villanueva"
    assert article.published_at == datetime(2026, 11, 21, 11, 20, 31, tzinfo=UTC)
    assert article.description == "Los drones vigilarán el malecón y los parques del distrito."
    assert "cámaras térmicas" in article.text
    assert "Lo más leído" not in article.text and "Te puede interesar" not in article.text


def test_malformed_json_ld_is_salvaged():
    article = page("infobae_malformed_jsonld.html")
    assert article.title == "Miraflores asegura que los robos bajaron 27%, pero las denuncias en la comisaría suben"
    assert article.author == "Mariana Torres"
    assert article.published_at == datetime(2026, 11, 21, 13, 10, tzinfo=UTC)
    assert "intervenciones del serenazgo" in article.text


def test_iso_8859_1_page():
    article = page("andina_iso8859.html", declared="iso-8859-1")
    assert article.title == "Miraflores instala 120 cámaras de videovigilancia con inteligencia artificial"
    assert "inició la instalación" in article.text and "burgomaestre" in article.text
    assert "Más en Andina" not in article.text
    assert article.published_at == datetime(2026, 11, 19, 15, 25, tzinfo=UTC)


def test_utf8_bytes_declared_as_iso_8859_1():
    article = page("rpp_utf8_declared_latin1.html", declared="ISO-8859-1")
    assert article.title == "Miraflores: regidores piden explicaciones a Carlos Canales por drones que aún no llegan"
    assert "oposición" in article.text and "Ã" not in article.text


def test_cp1252_page():
    article = page("caretas_cp1252.html", declared="windows-1252")
    assert article.title == "El alcalde y la revocatoria — Carlos Canales frente a sus críticos"
    assert article.text.startswith("“No me voy a ir”, dijo Carlos Canales")
    assert "‘guerra sucia’" in article.text and "–" in article.text
    assert article.author == "Pedro Salinas"


def test_mojibake_in_the_page_text_is_repaired():
    article = page("ojopublico_mojibake.html")
    assert article.title == "Miraflores: los días de la revocatoria y la campaña de Carlos Canales"
    assert article.author == "Sofía Núñez"
    assert "últimos días" in article.text and "Ã" not in article.text


def test_relative_visible_date():
    article = page("canaln_relative_date.html")
    assert article.date_from == "relative"
    assert article.published_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def test_date_from_the_url_as_last_resort():
    html = "<html><body><h1>Nota</h1><div class='html-content'><p>Carlos Canales habló.</p></div></body></html>"
    article = extract_article(html, "https://larepublica.pe/politica/2026/11/20/nota-hnews-1")
    assert article.date_from == "url"
    assert article.published_at == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def test_empty_page_gives_an_empty_article():
    article = extract_article("", "https://x.pe/")
    assert article.title == "" and article.text == "" and article.published_at is None


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>Uno</p><q>LEE TAMBIÉN: <a href='/x'>Otra</a></q><p>Dos</p>", "Uno\nDos"),
        ("<p>Texto</p><ul><li><a href='/a'>A</a></li><li><a href='/b'>B</a></li></ul>", "Texto"),
        ("<p>Tuit:</p><blockquote class='twitter-tweet'><p>No a la revocatoria</p></blockquote><script>x()</script>",
         "Tuit:\nNo a la revocatoria"),
        ("Solo texto &amp; nada más", "Solo texto & nada más"),
    ],
)
def test_feed_html_fragments(fragment, expected):
    assert fragment_text(fragment) == expected


def _page(ld: dict, body: str, head: str = "") -> str:
    import json as _json

    return (
        f"<html lang='es'><head><title>T</title>{head}<script type='application/ld+json'>{_json.dumps(ld)}</script>"
        f"</head><body><article><h1>Titular de prueba sobre Miraflores</h1>{body}</article></body></html>"
    )


_PARAGRAPHS = "".join(
    f"<p>Párrafo {i} de la nota: el alcalde de Miraflores respondió a las críticas de los vecinos sobre la "
    f"seguridad en el distrito y anunció nuevas cámaras en el parque Kennedy y la avenida Larco.</p>"
    for i in range(12)
)


def test_a_json_ld_teaser_does_not_win_over_the_whole_article():
    ld = {"@type": "NewsArticle", "headline": "Titular", "articleBody": "Solo el primer párrafo de la nota."}
    article = extract_article(_page(ld, _PARAGRAPHS), "https://diario.pe/politica/nota/")
    assert article.body_from == "trafilatura"
    assert "Párrafo 11 de la nota" in article.text


def test_json_ld_html_bodies_are_read_as_text():
    ld = {"@type": "NewsArticle", "headline": "Titular", "articleBody": _PARAGRAPHS.replace("Larco", "<strong>Larco</strong>")}
    article = extract_article(_page(ld, _PARAGRAPHS), "https://diario.pe/politica/nota/")
    assert "<strong>" not in article.text and "avenida Larco." in article.text


def test_authors_by_id_reference_and_semicolon_lists():
    ld = {"@graph": [
        {"@type": "NewsArticle", "headline": "Titular", "author": [{"@id": "#a1"}, {"@id": "#a2"}]},
        {"@type": "Person", "@id": "#a1", "name": "Ana Pérez"},
        {"@type": "Person", "@id": "#a2", "name": "Luis Soto; Rosa Díaz"},
    ]}
    article = extract_article(_page(ld, _PARAGRAPHS), "https://diario.pe/politica/nota/")
    assert article.author == "Ana Pérez, Luis Soto, Rosa Díaz"


@pytest.mark.parametrize("placeholder", ["Anónimo", "anonimo", "Anonymous", "admin"])
def test_what_a_cms_writes_where_no_author_was_entered_is_not_an_author(placeholder):
    ld = {"@type": "NewsArticle", "headline": "Titular", "author": {"@type": "Person", "name": placeholder}}
    assert extract_article(_page(ld, _PARAGRAPHS), "https://diario.pe/politica/nota/").author is None


def test_a_photo_credit_shown_as_a_byline_is_not_the_author():
    ld = {"@type": "NewsArticle", "headline": "Titular", "author": {"@type": "Person", "name": "Luna González"}}
    head = ""
    body_credit = '<span class="author">Gustavo Valiente / Europa Press</span>'
    article = extract_article(_page(ld, _PARAGRAPHS, head).replace("<body>", "<body>" + body_credit), "https://diario.pe/a/")
    assert article.author == "Luna González"


def test_outlet_names_and_cms_credits_are_not_authors():
    ld = {"@type": "NewsArticle", "headline": "Titular", "author": {"@type": "Organization", "name": "DIARIO"},
          "publisher": {"@type": "Organization", "name": "DIARIO"}}
    head = "<meta property='og:site_name' content='DIARIO'><meta name='author' content='Hecho en Bolivia con Drupal por Smartica'>"
    article = extract_article(_page(ld, _PARAGRAPHS, head), "https://diario.pe/politica/nota/")
    assert article.author is None
    ld["author"] = {"@type": "Person", "name": "diario.pe"}
    assert extract_article(_page(ld, _PARAGRAPHS), "https://diario.pe/politica/nota/").author is None
