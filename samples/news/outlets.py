"""The sample news sources: outlet feeds, article pages, news sitemaps and Google News search.

Every news URL of ``campaigns/miraflores.toml`` answers here at its real path (see
:mod:`samples.server`), with the formats and the failures of the real sites:

- Arc XP feeds (El Comercio and its category feeds, Gestión, Infobae); Perú21's feed arrives
  malformed and truncated, and Perú21 answers a Cloudflare-style 403 to default user agents;
- La República's RSS, RPP's ``/feed`` (301 to plain-HTTP ``/rss``), Andina in ISO-8859-1,
  Exitosa's WordPress RSS and Ojo Público's WordPress Atom feed;
- ``elcomercio.pe/feed`` answers an HTML page, not a feed;
- article pages in each outlet's markup, with AMP copies, paywall teasers, Fusion-only
  bodies, OpenGraph-only pages, malformed JSON-LD, mislabeled charsets and relative dates;
- Google News sitemaps (El Comercio per section, La República behind a sitemap index);
- Google News search RSS whose article links answer a JavaScript interstitial.

Outlet feeds carry ``ETag`` and ``Last-Modified`` and answer ``304 Not Modified`` to a
matching conditional request. A client that asks for the same feed again within
``server.state["feed_poll_window"]`` seconds (default :data:`FEED_POLL_WINDOW`, 15 minutes;
0 turns it off) gets a Cloudflare-style 403, as outlets answer heavy polling.

What the outlets publish is :func:`corpus` (a fixed calendar, 2026-08-17 .. 2026-11-24);
a feed lists what is published at ``server.state["now"]`` (default: the real clock).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from campaigns.recognition import fold
from samples.news import formats as fmt
from samples.news.corpus import (
    LIMA,
    OUTLETS,
    SAMPLE_NOW,
    Lead,
    SampleArticle,
    by_url,
    corpus,
    leads,
    published_by,
)
from samples.server import Request, Response, SampleServer

RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
ARC_FEED_SIZE = 100
RPP_FEED_SIZE = 15
FEED_SIZE = 50
SITEMAP_DAYS = 3
DEFAULT_AGENTS = re.compile(r"^$|^Scrapy/|python-urllib|python-requests|^curl/|^Wget/", re.I)
# Outlets refuse a client that polls a feed more often than this (seconds); tests shorten it.
FEED_POLL_WINDOW = 900.0
_POLLS = threading.Lock()


def relevant_articles() -> list[SampleArticle]:
    """The distinct articles that name the mayor: what ``mentions`` should hold from news."""
    return [a for a in corpus() if a.relevant and a.duplicate_of is None]


def now_of(request_state: dict[str, object]) -> datetime:
    """The server's clock: ``state["now"]`` when a test or the demo set it, else the real time."""
    now = request_state.get("now")
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=LIMA)
    return datetime.now(LIMA)


def _newsroom_clock(now: datetime) -> datetime:
    """Windows relative to now (sitemaps, ``when:1d``) end where the sample newsroom stopped."""
    return min(now, SAMPLE_NOW)


def _related(items: list[SampleArticle]) -> dict[str, list[SampleArticle]]:
    """"LEE TAMBIÉN" and related-link lists: older relevant stories of the same outlet."""
    related: dict[str, list[SampleArticle]] = {}
    relevant = [a for a in items if a.relevant]
    for i, article in enumerate(relevant):
        if article.native_id % 2 == 0:
            related[article.url] = relevant[i + 1 : i + 5]
    return related


def _cloudflare(request: Request) -> Response:
    ray = hashlib.sha1(request.path.encode()).hexdigest()[:16]
    return Response(
        403,
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Attention Required! | Cloudflare</title></head>"
        '<body><div id="cf-wrapper"><div id="cf-error-details"><h1>Sorry, you have been blocked</h1>'
        f"<h2>You are unable to access {request.host}</h2>"
        "<p>This website is using a security service to protect itself from online attacks.</p>"
        f'<span class="cf-footer-item">Cloudflare Ray ID: <strong>{ray}</strong></span></div></div></body></html>',
        headers={"Server": "cloudflare", "CF-RAY": f"{ray}-LIM", "Cache-Control": "no-store"},
    )


def _feed(server: SampleServer, request: Request, items: list[SampleArticle],
          answer: Callable[[], Response]) -> Response:
    """A feed's answer as an outlet gives it: 403 to heavy polling, 304 when unchanged.

    The validators follow what the feed lists, not its bytes (``lastBuildDate`` moves with
    the clock): the ETag hashes the listed URLs, ``Last-Modified`` is the newest item's date.
    """
    window = float(server.state.get("feed_poll_window", FEED_POLL_WINDOW))  # type: ignore[arg-type]
    client = (request.headers.get("user-agent", ""), request.host, request.path)
    with _POLLS:
        polls = server.state.setdefault("feed_polls", {})
        assert isinstance(polls, dict)
        last = polls.get(client)
        if window > 0 and last is not None and time.monotonic() - last < window:
            return _cloudflare(request)
        polls[client] = time.monotonic()
    listed = "\n".join([request.host + request.path, *(a.url for a in items)])
    validators = {"ETag": '"' + hashlib.sha1(listed.encode()).hexdigest()[:20] + '"'}
    newest = max((a.published_at for a in items), default=None)
    if newest is not None:
        validators["Last-Modified"] = format_datetime(newest.astimezone(UTC), usegmt=True)
    if _not_modified(request, validators["ETag"], newest):
        return Response(304, b"", headers=validators)
    response = answer()
    response.headers.update(validators)
    return response


def _not_modified(request: Request, etag: str, newest: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None or newest is None:
        return False
    try:
        return newest.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as servers do


def article_response(article: SampleArticle, request: Request, now: datetime) -> Response:
    """An article page as its outlet serves it (markup, charset, AMP copy on ``?outputType=amp``)."""
    family = OUTLETS[article.outlet].family
    if family == "arc":
        amp = request.arg("outputType") == "amp"
        return Response(200, fmt.arc_page(article, now, amp=amp))
    if family == "infobae":
        return Response(200, fmt.infobae_page(article))
    if family == "larepublica":
        return Response(200, fmt.larepublica_page(article, now))
    if family == "rpp":
        return Response(200, fmt.rpp_page(article, now))
    if family == "andina":
        return Response(200, fmt.andina_page(article), "text/html; charset=iso-8859-1")
    charset = ("ISO-8859-1" if "mislabeled" in article.flags
               else "windows-1252" if article.outlet == "ojo-publico.com" else "UTF-8")
    return Response(200, fmt.wordpress_page(article, now), f"text/html; charset={charset}")


def _robots(host: str) -> str:
    sitemaps = {
        "elcomercio.pe": ["https://elcomercio.pe/sitemap/news/lima/?outputType=xml"],
        "larepublica.pe": ["https://larepublica.pe/sitemaps/noticias.xml?outputType=xml"],
    }.get(host, [])
    lines = ["User-agent: GPTBot", "Disallow: /", "", "User-agent: *",
             "Disallow: /buscar/", "Disallow: /search/", "Disallow: /wp-admin/", "Allow: /"]
    lines += [f"Sitemap: {s}" for s in sitemaps]
    return "\n".join(lines) + "\n"


def _query_terms(query: str) -> tuple[list[str], timedelta | None]:
    """Google's query syntax as far as the sample needs it: phrases, words and ``when:``."""
    window = None
    match = re.search(r"\bwhen:(\d+)([hd])\b", query)
    if match:
        amount = int(match.group(1))
        window = timedelta(hours=amount) if match.group(2) == "h" else timedelta(days=amount)
        query = query.replace(match.group(0), " ")
    phrases = re.findall(r'"([^"]+)"', query)
    words = re.sub(r'"[^"]*"', " ", query).split()
    terms = [fold(t) for t in [*phrases, *words] if t.upper() not in ("OR", "AND")]
    return terms, window


def _search_hits(query: str, now: datetime) -> list[tuple[SampleArticle | Lead, list[SampleArticle]]]:
    terms, window = _query_terms(query)
    clock = _newsroom_clock(now)
    since = clock - window if window else datetime.min.replace(tzinfo=LIMA)
    copies: dict[str, list[SampleArticle]] = {}
    for a in corpus():
        if a.duplicate_of:
            copies.setdefault(a.duplicate_of, []).append(a)
    hits: list[tuple[datetime, SampleArticle | Lead, list[SampleArticle]]] = []
    for a in corpus():
        # Google indexes most stories, not all; copies show up inside their story's cluster.
        if a.duplicate_of or not a.relevant or a.native_id % 4 == 0:
            continue
        haystack = fold(f"{a.title} {a.summary} {a.text}")
        if since <= a.published_at <= clock and all(t in haystack for t in terms):
            cluster = [c for c in copies.get(a.url, []) if c.published_at <= clock]
            hits.append((a.published_at, a, cluster))
    for lead in leads():
        haystack = fold(f"{lead.title} {lead.snippet}")
        if since <= lead.published_at <= clock and all(t in haystack for t in terms):
            hits.append((lead.published_at, lead, []))
    hits.sort(key=lambda h: h[0], reverse=True)
    return [(hit, cluster) for _, hit, cluster in hits[:100]]


def register(server: SampleServer) -> None:
    """Add the news routes to ``server``."""
    articles = by_url()
    pages = {}
    for a in articles.values():
        parts = urlsplit(a.url)
        pages[(parts.netloc, parts.path)] = a

    def now() -> datetime:
        return now_of(server.state)

    @server.route(r"robots\.txt", r"/")
    def robots_for_the_whole_server(request: Request) -> Response:
        # Scrapy asks the server root for robots.txt: every sample host is under it.
        return Response(200, "User-agent: *\nDisallow: /*/wp-admin/\nAllow: /\n", "text/plain; charset=utf-8")

    hosts = "|".join(re.escape(o.host) for o in OUTLETS.values()) + "|news\\.google\\.com"

    @server.route(hosts, r"/robots\.txt")
    def robots(request: Request) -> Response:
        return Response(200, _robots(request.host), "text/plain; charset=utf-8")

    @server.route(r"peru21\.pe", r"/.*")
    def cloudflare(request: Request) -> Response | None:
        if request.path == "/robots.txt":
            return None
        if DEFAULT_AGENTS.search(request.headers.get("user-agent", "")):
            return _cloudflare(request)
        return None

    # ---------------------------------------------------------------- Arc XP feeds
    @server.route(r"elcomercio\.pe|gestion\.pe|peru21\.pe|www\.infobae\.com",
                  r"/(?:arc/outboundfeeds/rss|arcio/rss)/(?:category/([a-z-]+)/)?")
    def arc_feed(request: Request) -> Response | None:
        if request.path.startswith("/arcio/") and request.host != "elcomercio.pe":
            return None  # the alias only exists on some Arc sites
        outlet = "infobae.com" if request.host == "www.infobae.com" else request.host
        match = re.search(r"/category/([a-z-]+)/", request.path)
        section = match.group(1) if match else None
        if outlet == "infobae.com":
            section = None  # Infobae's Peru category is every sample Infobae story
        clock = now()
        items = published_by(outlet, clock, section)[:ARC_FEED_SIZE]
        feed_url = f"https://{request.host}{request.path}?outputType=xml"
        text = fmt.arc_rss(OUTLETS[outlet].name, request.host, feed_url, items, _related(items), clock)
        if outlet == "peru21.pe":
            text = fmt.break_feed(text)
        return _feed(server, request, items, lambda: Response(200, text, RSS))

    @server.route(r"elcomercio\.pe", r"/feed/?")
    def elcomercio_feed_is_a_page(request: Request) -> Response:
        return Response(200, fmt.arc_home_page("El Comercio Perú"))

    # ---------------------------------------------------------------- other outlets' feeds
    @server.route(r"larepublica\.pe", r"/rss/([a-z-]+)\.xml")
    def larepublica_feed(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[1].removesuffix(".xml")
        section = None if name == "home" else name
        items = published_by("larepublica.pe", now(), section)[:FEED_SIZE]
        return _feed(server, request, items, lambda: Response(
            200, fmt.larepublica_rss(name.capitalize(), items, now()), "text/xml; charset=utf-8"))

    @server.route(r"rpp\.pe", r"/feed/?")
    def rpp_moved(request: Request) -> Response:
        # The real site downgrades to plain HTTP; X-Sample-Location shows what it points at.
        return Response(301, "", "text/html", {
            "Location": request.local("http://rpp.pe/rss"), "X-Sample-Location": "http://rpp.pe/rss",
        })

    @server.route(r"rpp\.pe", r"/rss/?")
    def rpp_feed(request: Request) -> Response:
        items = published_by("rpp.pe", now())[:RPP_FEED_SIZE]
        return _feed(server, request, items, lambda: Response(200, fmt.rpp_rss(items, now()), "text/xml; charset=utf-8"))

    @server.route(r"andina\.pe", r"/agencia/rss\.aspx")
    def andina_feed(request: Request) -> Response:
        items = published_by("andina.pe", now())[:FEED_SIZE]
        return _feed(server, request, items, lambda: Response(
            200, fmt.andina_rss(items, now()), "text/xml; charset=iso-8859-1"))

    @server.route(r"exitosanoticias\.pe", r"/feed/?")
    def exitosa_feed(request: Request) -> Response:
        items = published_by("exitosanoticias.pe", now())[:FEED_SIZE]
        return _feed(server, request, items, lambda: Response(
            200, fmt.wordpress_rss("Exitosa Noticias", request.host, items, now()), RSS))

    @server.route(r"ojo-publico\.com", r"/feed(?:/|/atom/)?")
    def ojo_publico_feed(request: Request) -> Response:
        items = published_by("ojo-publico.com", now())[:FEED_SIZE]
        return _feed(server, request, items, lambda: Response(
            200, fmt.wordpress_atom("Ojo Público", request.host, items, now()), "application/atom+xml; charset=UTF-8"))

    # ---------------------------------------------------------------- news sitemaps
    def recent(outlet: str, section: str | None) -> list[SampleArticle]:
        clock = _newsroom_clock(now())
        return [a for a in published_by(outlet, clock, section, feed=False)
                if a.published_at >= clock - timedelta(days=SITEMAP_DAYS)]

    @server.route(r"elcomercio\.pe|gestion\.pe", r"/sitemap/news/([a-z-]+)/")
    def arc_news_sitemap(request: Request) -> Response:
        section = request.path.strip("/").rsplit("/", 1)[1]
        items = recent(request.host, section)
        return Response(200, fmt.news_sitemap(OUTLETS[request.host].name.split(" Perú")[0], items), XML)

    @server.route(r"larepublica\.pe", r"/sitemaps/noticias\.xml")
    def larepublica_sitemap_index(request: Request) -> Response:
        clock = _newsroom_clock(now())
        locs = [(f"https://larepublica.pe/sitemap/{s}-news.xml?outputType=xml", clock)
                for s in ("politica", "sociedad", "economia")]
        return Response(200, fmt.sitemap_index(locs), XML)

    @server.route(r"larepublica\.pe", r"/sitemap/([a-z-]+)-news\.xml")
    def larepublica_news_sitemap(request: Request) -> Response:
        section = request.path.rsplit("/", 1)[1].removesuffix("-news.xml")
        return Response(200, fmt.news_sitemap("La República", recent("larepublica.pe", section)), XML)

    # ---------------------------------------------------------------- Google News
    @server.route(r"news\.google\.com", r"/rss/search")
    def google_news_search(request: Request) -> Response:
        query = request.arg("q", "") or ""
        return Response(200, fmt.google_news_rss(query, _search_hits(query, now()), now()),
                        "application/xml; charset=utf-8")

    @server.route(r"news\.google\.com", r"/rss/articles/([A-Za-z0-9_-]+)")
    def google_news_article(request: Request) -> Response:
        return Response(200, fmt.google_interstitial(request.path.rsplit("/", 1)[1]))

    # ---------------------------------------------------------------- article pages
    @server.route(hosts, r"/.+")
    def article_page(request: Request) -> Response | None:
        article = pages.get((request.host, request.path))
        if article is None or article.published_at > now():
            return None
        return article_response(article, request, now())
