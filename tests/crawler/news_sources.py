"""A small stand-in for a few news outlets, serving the saved pages and feeds in tests/fixtures.

Independent of ``samples.news`` (the full sample family): these routes serve exactly
the fixtures the extraction tests read, so an end-to-end crawl can be checked item by item.
"""

from __future__ import annotations

import re
from pathlib import Path

from campaigns import Campaign, Source, load_campaign
from samples import Request, Response, SampleServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"
FEEDS = FIXTURES / "feeds"
XML = "text/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
HOSTS = (
    "elcomercio.pe", "gestion.pe", "larepublica.pe", "andina.pe", "exitosanoticias.pe", "ojo-publico.com",
    "rpp.pe", "peru21.pe", "news.google.com", "diariocorreo.pe", "canaln.pe", "www.infobae.com",
)
NOW = "2026-11-24T17:00:00-05:00"

EC_ARTICLE = "/lima/sucesos/carlos-canales-responde-a-promotores-de-la-revocatoria-es-una-campana-politica-noticia/"
# (host, path) -> (file, content type)
ROUTES: dict[tuple[str, str], tuple[Path, str]] = {
    ("elcomercio.pe", "/arc/outboundfeeds/rss/"): (FEEDS / "elcomercio_rss.xml", XML),
    ("elcomercio.pe", "/arc/outboundfeeds/rss/category/lima/"): (FEEDS / "elcomercio_lima_rss.xml", XML),
    ("elcomercio.pe", "/feed"): (FEEDS / "elcomercio_feed_html.html", HTML),
    ("elcomercio.pe", EC_ARTICLE): (PAGES / "elcomercio_arc.html", HTML),
    ("elcomercio.pe", "/tvmas/television/canales-de-television-anuncian-cobertura-especial-del-mundial-noticia/"): (
        PAGES / "elcomercio_irrelevant.html", HTML),
    ("gestion.pe", "/arc/outboundfeeds/rss/"): (FEEDS / "gestion_rss.xml", XML),
    ("gestion.pe", "/peru/politica/miraflores-presupuesto-de-seguridad-de-s-175-millones-sin-ejecutar-noticia/"): (
        PAGES / "gestion_paywall.html", HTML),
    ("larepublica.pe", "/rss/politica.xml"): (FEEDS / "larepublica_rss.xml", XML),
    ("larepublica.pe", "/politica/2026/11/20/revocatoria-contra-carlos-canales-promotores-compran-kit-electoral-hnews-2557602"): (
        PAGES / "larepublica.html", HTML),
    ("larepublica.pe", "/sociedad/2026/11/19/miraflores-instala-camaras-con-inteligencia-artificial-hnews-2557001"): (
        PAGES / "larepublica_andina_reprint.html", HTML),
    ("andina.pe", "/agencia/rss.aspx"): (FEEDS / "andina_rss.xml", "text/xml; charset=iso-8859-1"),
    ("andina.pe", "/agencia/noticia-miraflores-instala-120-camaras-videovigilancia-inteligencia-artificial-1045321.aspx"): (
        PAGES / "andina_iso8859.html", "text/html; charset=iso-8859-1"),
    ("exitosanoticias.pe", "/feed/"): (FEEDS / "exitosa_rss.xml", "application/rss+xml; charset=UTF-8"),
    ("exitosanoticias.pe", "/actualidad/alcalde-carlos-canales-presenta-drones-para-patrullaje-en-miraflores/"): (
        PAGES / "exitosa_og_only.html", HTML),
    ("exitosanoticias.pe", "/actualidad/miraflores-camaras-inteligencia-artificial/"): (
        PAGES / "exitosa_andina_reprint.html", HTML),
    ("ojo-publico.com", "/feed"): (FEEDS / "ojopublico_atom.xml", "application/atom+xml"),
    ("ojo-publico.com", "/politica/miraflores-los-dias-de-la-revocatoria"): (PAGES / "ojopublico_mojibake.html", HTML),
    ("rpp.pe", "/rss"): (FEEDS / "rpp_malformed.xml", XML),
    ("rpp.pe", "/lima/actualidad/miraflores-regidores-piden-explicaciones-a-carlos-canales-noticia-1695772"): (
        PAGES / "rpp_utf8_declared_latin1.html", "text/html; charset=ISO-8859-1"),
    ("peru21.pe", "/arc/outboundfeeds/rss/"): (FEEDS / "broken.xml", XML),
    ("news.google.com", "/rss/search"): (FEEDS / "google_news_search.xml", "application/xml; charset=utf-8"),
    ("diariocorreo.pe", "/sitemap-index.xml"): (FEEDS / "correo_sitemap_index.xml", XML),
    ("diariocorreo.pe", "/sitemap/news/lima/"): (FEEDS / "correo_news_sitemap.xml", XML),
    ("diariocorreo.pe", "/edicion/lima/vecinos-de-miraflores-denuncian-robos-pese-a-camaras-noticia/"): (
        PAGES / "correo_fusion.html", HTML),
}
_LINK = re.compile(rb"https?://(" + b"|".join(re.escape(h.encode()) for h in HOSTS) + rb")/")


def register(server: SampleServer) -> None:
    """Serve the fixtures, with their links pointing back at this server."""

    @server.route(r"rpp\.pe", r"/feed")
    def rpp_downgrade(request: Request) -> Response:
        # rpp.pe/feed answers 301 to plain-http /rss
        return Response(301, b"", HTML, {"Location": request.local("http://rpp.pe/rss")})

    @server.route(r".+", r"/.*")
    def fixture(request: Request) -> Response | None:
        found = ROUTES.get((request.host, request.path))
        if found is None:
            return None
        path, content_type = found
        base = request.base_url.encode()
        body = _LINK.sub(lambda m: base + b"/" + m.group(1) + b"/", path.read_bytes())
        return Response(200, body, content_type)


def campaign(base_url: str) -> Campaign:
    """The Miraflores campaign watching only the fixture outlets, pointed at ``base_url``."""
    bundled = load_campaign()

    def feeds(name: str, platform: str, *urls: str) -> Source:
        return Source(name=name, spider="news_feeds", platform=platform, urls=list(urls))

    sources = [
        feeds(
            "elcomercio", "elcomercio.pe",
            "https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml",
            "https://elcomercio.pe/arc/outboundfeeds/rss/category/lima/?outputType=xml",
            "https://elcomercio.pe/feed",
        ),
        feeds("gestion", "gestion.pe", "https://gestion.pe/arc/outboundfeeds/rss/?outputType=xml"),
        feeds("larepublica", "larepublica.pe", "https://larepublica.pe/rss/politica.xml"),
        feeds("andina", "andina.pe", "https://andina.pe/agencia/rss.aspx"),
        feeds("exitosa", "exitosanoticias.pe", "https://exitosanoticias.pe/feed/"),
        feeds("ojopublico", "ojo-publico.com", "https://ojo-publico.com/feed"),
        feeds("rpp", "rpp.pe", "https://rpp.pe/feed"),
        feeds("peru21", "peru21.pe", "https://peru21.pe/arc/outboundfeeds/rss/?outputType=xml"),
        Source(
            name="correo_sitemap", spider="news_sitemaps", platform="diariocorreo.pe",
            urls=["https://diariocorreo.pe/sitemap-index.xml"], options={"max_age_days": 2},
        ),
        Source(
            name="google_news", spider="news_search", platform="news.google.com",
            urls=["https://news.google.com/rss/search?hl=es-419&gl=PE&ceid=PE:es-419"],
            queries=['"Carlos Canales" Miraflores when:1d'],
        ),
    ]
    return bundled.model_copy(update={"sources": sources}).localized(base_url)
