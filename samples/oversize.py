"""Answers too big to take whole, on one sample outlet (``oversize.example.pe``), for tests that
check a crawl refuses or truncates them with a log line and keeps everything else:

- ``/nota-50mb/``: an article page of 50 MB, which ``/feed-50mb.xml`` links to with its full text;
- ``/sitemap-100k.xml``: a news sitemap listing 100,000 URLs (the protocol allows 50,000), the
  first few of them recent articles about the mayor, the rest years old;
- ``/feed-10k.xml``: an RSS feed of 10,000 entries, the first few about the mayor;
- ``/bomb.xml.gz``: a gzipped sitemap file (``application/x-gzip``, no ``Content-Encoding``)
  that unpacks to 300 MB;
- ``/bomb-encoded.xml``: a sitemap sent with ``Content-Encoding: gzip`` that unpacks to 300 MB;
- ``/nota-N-noticia/``: the small, ordinary articles the sitemap and the feed point at.

Register it with ``SampleServer(families=["oversize"])``; :func:`campaign` gives the sources.
"""

from __future__ import annotations

import gzip
import io
import re
from datetime import datetime, timedelta
from functools import cache

from samples.news.corpus import LIMA
from samples.server import Request, Response, SampleServer

HOST = "oversize.example.pe"
GOOD = 3            # articles about the mayor that the sitemap and the feed point at
PAGE_MB = 50
SITEMAP_URLS = 100_000
FEED_ENTRIES = 10_000
BOMB_MB = 300
NOW = datetime(2026, 11, 24, 21, 0, tzinfo=LIMA)

_STORY = ("Vecinos de Miraflores se reunieron con el alcalde Carlos Canales para pedirle más patrullaje "
          "en el malecón. Carlos Canales prometió sumar diez serenos al turno de noche. ")


def good_url(n: int) -> str:
    return f"https://{HOST}/nota-{n}-noticia/"


def _article(n: int) -> str:
    """A distinct story about the mayor (a sample newsroom article's own paragraphs)."""
    from samples.news.corpus import corpus

    story = [a for a in corpus() if a.relevant and a.duplicate_of is None and "Canales" in a.text][n]
    return (f"<!DOCTYPE html><html lang='es'><head><meta charset='utf-8'><title>{story.title} | Oversize</title>"
            f"<meta property='article:published_time' content='{(NOW - timedelta(hours=n + 1)).isoformat()}'>"
            f"</head><body><article><h1>{story.title}</h1>"
            + "".join(f"<p>{p}</p>" for p in story.paragraphs)
            + "</article></body></html>")


@cache
def _sitemap() -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
    for n in range(SITEMAP_URLS):
        when = NOW - timedelta(hours=n + 1) if n < GOOD else datetime(2019, 1, 1, tzinfo=LIMA)
        loc = good_url(n) if n < GOOD else f"https://{HOST}/archivo/{n}-noticia/"
        out.write(f"<url><loc>{loc}</loc><lastmod>{when.isoformat()}</lastmod></url>\n")
    out.write("</urlset>\n")
    return out.getvalue().encode()


@cache
def _feed() -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Oversize</title>\n')
    other = "Resultados de la fecha en la liga local, con goles en todos los partidos del domingo. " * 8
    for n in range(FEED_ENTRIES):
        link = good_url(n) if n < GOOD else f"https://{HOST}/deportes/{n}-noticia/"
        text = _STORY * 2 if n < GOOD else other
        out.write(f"<item><title>Nota {n}</title><link>{link}</link>"
                  f"<pubDate>Tue, 24 Nov 2026 20:00:00 GMT</pubDate>"
                  f"<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>\n")
    out.write("</channel></rss>\n")
    return out.getvalue().encode()


@cache
def _bomb() -> bytes:
    """300 MB of one repeated line, gzipped (about 300 KB), written in chunks."""
    buffer = io.BytesIO()
    line = b"<url><loc>https://oversize.example.pe/x</loc></url>\n" * 20_000
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as packed:
        packed.write(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for _ in range(BOMB_MB * 2**20 // len(line)):
            packed.write(line)
    return buffer.getvalue()


def register(server: SampleServer) -> None:
    """Add the oversized answers to ``server``."""

    @server.route(r"robots\.txt", r"/")
    def robots(request: Request) -> Response:
        return Response(200, "User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")

    @server.route(re.escape(HOST), r"/nota-50mb/")
    def huge_page(request: Request) -> Response:
        filler = "<p>" + "Texto de relleno. " * 60 + "</p>"
        body = "<html><body>" + filler * (PAGE_MB * 2**20 // len(filler)) + "</body></html>"
        return Response(200, body)

    @server.route(re.escape(HOST), r"/nota-(\d+)-noticia/")
    def article(request: Request) -> Response | None:
        n = int(request.path.split("-")[1])
        return Response(200, _article(n)) if n < GOOD else None

    @server.route(re.escape(HOST), r"/sitemap-100k\.xml")
    def sitemap(request: Request) -> Response:
        return Response(200, _sitemap(), "application/xml; charset=utf-8")

    @server.route(re.escape(HOST), r"/feed-10k\.xml")
    def feed(request: Request) -> Response:
        return Response(200, _feed(), "application/rss+xml; charset=utf-8")

    @server.route(re.escape(HOST), r"/feed-50mb\.xml")
    def feed_to_the_huge_page(request: Request) -> Response:
        return Response(200, (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Oversize</title>'
            f"<item><title>La nota enorme</title><link>https://{HOST}/nota-50mb/</link>"
            "<pubDate>Tue, 24 Nov 2026 20:00:00 GMT</pubDate>"
            f"<content:encoded><![CDATA[<p>{_STORY * 3}</p>]]></content:encoded></item></channel></rss>"
        ), "application/rss+xml; charset=utf-8")

    @server.route(re.escape(HOST), r"/bomb\.xml\.gz")
    def bomb_file(request: Request) -> Response:
        return Response(200, _bomb(), "application/x-gzip")

    @server.route(re.escape(HOST), r"/bomb-encoded\.xml")
    def bomb_encoded(request: Request) -> Response:
        return Response(200, _bomb(), "application/xml", {"Content-Encoding": "gzip"})


def campaign(base_url: str):
    """The bundled campaign with only the oversized sources, localized to ``base_url``."""
    from campaigns import Source, load_campaign

    sources = [
        Source(name="oversize_sitemaps", spider="news_sitemaps", platform=HOST,
               urls=[f"https://{HOST}/sitemap-100k.xml", f"https://{HOST}/bomb.xml.gz",
                     f"https://{HOST}/bomb-encoded.xml"], options={"max_age_days": 3}),
        Source(name="oversize_feed", spider="news_feeds", platform=HOST, urls=[f"https://{HOST}/feed-10k.xml"]),
        Source(name="oversize_page", spider="news_feeds", platform=HOST, urls=[f"https://{HOST}/feed-50mb.xml"]),
    ]
    return load_campaign().model_copy(update={"sources": sources}).localized(base_url)
