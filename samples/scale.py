"""A sample site grown for benchmarks: thousands of article pages and social posts.

``vigia demo``'s sample sources hold a few hundred hand-written items; a backfill benchmark
needs tens of thousands. :class:`ScaleSite` makes them from the sample corpus's own sentences
(``samples/news/articles``, the platforms' ``POSTS``), so pages and posts read like the demo's
while every one is distinct enough not to be a near-duplicate of another:

- ``articles`` article pages over ``outlets`` real outlet hosts, in the outlets' sample markup
  (Arc XP, La República, Infobae, RPP, WordPress), published over the last ``span_hours``
  before the site's clock; each outlet has a news sitemap index
  (``/sitemaps/bench-index.xml``) of sitemaps of ``sitemap_size`` URLs and an RSS feed
  (``/bench/feed.xml``, its newest ``feed_size`` items; ``?size=N`` asks for more);
- ``posts`` social posts, half on X's recent search (``api.x.com``, 100 a page with
  ``next_token``) and half on Reddit's OAuth search (``oauth.reddit.com``, 100 a page with
  ``after``), any query and any credentials accepted;
- a ``relevant_share`` of the articles and posts name the mayor; the others are about other
  places and people (some still refer to "el alcalde" or "la municipalidad").

Pages are rendered on first request and kept, so a second crawl of the same site (a baseline)
costs the server nothing but the socket. The server logs no requests (``record_requests``).

Use it in a test or benchmark::

    site = ScaleSite(Scale(articles=10_000, posts=10_000))
    with site.server() as server:
        campaign = site.campaign(server.base_url)   # sources on the sample server
        ...

or as its own process (what ``benchmarks/crawl.py`` does, so serving does not share the
crawler's interpreter)::

    python -m samples.scale --articles 10000 --posts 10000 --port 8765
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from samples.news import formats as fmt
from samples.news.corpus import LIMA, OUTLETS, SampleArticle, corpus, slugify
from samples.news.outlets import article_response
from samples.platforms.reddit import base36
from samples.server import Request, Response, SampleServer
from samples.social import JSON, Post, corpus_rows, iso, page_token, read_page_token

# Outlets whose sample markup the scaled pages use (one host each; Andina's ISO-8859-1 pages
# and Perú21's block page are the demo's business, not a benchmark's).
SCALE_OUTLETS = (
    "elcomercio.pe", "gestion.pe", "larepublica.pe", "www.infobae.com", "rpp.pe",
    "exitosanoticias.pe", "ojo-publico.com", "peru21.pe",
)
SECTIONS = ("lima", "politica", "sociedad", "economia")
TOPICS = ("security", "politics", "recall")
TARGET = re.compile(r"\bCanales\b")
PAGE = 100


@dataclass(frozen=True)
class Scale:
    """How big the grown site is."""

    articles: int = 10_000
    posts: int = 10_000
    outlets: int = 8
    relevant_share: float = 0.6
    span_hours: float = 36.0
    sitemap_size: int = 1000
    feed_size: int = 100
    seed: int = 22


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡«\"])", text) if len(s.strip()) > 30]


@dataclass
class _Pools:
    """Sentences and titles from the sample corpus, split by whether they name the mayor."""

    naming: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    titles_naming: list[str] = field(default_factory=list)
    titles_other: list[str] = field(default_factory=list)
    posts_naming: list[str] = field(default_factory=list)
    posts_other: list[str] = field(default_factory=list)


def _pools() -> _Pools:
    from samples.platforms import modules

    pools = _Pools()
    for article in corpus():
        if article.duplicate_of or article.lang != "es":
            continue
        for sentence in _sentences(article.text):
            (pools.naming if TARGET.search(sentence) else pools.other).append(sentence)
        (pools.titles_naming if TARGET.search(article.title) else pools.titles_other).append(article.title)
    for module in modules().values():
        for row in corpus_rows(module.POSTS):
            text = row[-1]
            if text.startswith(("[", "@video", "#")) or len(text) < 25:
                continue  # language-tagged, declarations and comment lines
            (pools.posts_naming if TARGET.search(text) else pools.posts_other).append(text)
    for name in ("naming", "other", "titles_naming", "titles_other", "posts_naming", "posts_other"):
        setattr(pools, name, sorted(set(getattr(pools, name))))
    return pools


class ScaleSite:
    """The grown site: its articles, its posts, its routes and a campaign that crawls it."""

    def __init__(self, scale: Scale | None = None, now: datetime | None = None, *, latency: float = 0.0,
                 too_many: dict[str, int] | None = None, retry_after: float = 1.0):
        """``latency``: seconds each article page takes to answer (so concurrent requests overlap);
        ``too_many``: host -> how many of its first page requests answer 429 with ``Retry-After:
        retry_after`` (politeness tests)."""
        self.scale = scale or Scale()
        self.latency = latency
        self.too_many = dict(too_many or {})
        self.retry_after = retry_after
        self.answered_429: dict[str, list[float]] = {}
        # Fixed at creation, so every request (and a second crawl) sees the same site.
        self.now = (now or datetime.now(LIMA)).astimezone(LIMA).replace(microsecond=0)
        self.hosts = [h for h in SCALE_OUTLETS][: max(1, min(self.scale.outlets, len(SCALE_OUTLETS)))]
        self._rendered: dict[str, bytes] = {}
        self._pages: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ content
    @cached_property
    def articles(self) -> list[SampleArticle]:
        """Every article, newest first (what the sitemaps list)."""
        rng = random.Random(self.scale.seed)
        pools = _pools()
        step = timedelta(hours=self.scale.span_hours) / max(self.scale.articles, 1)
        found = []
        for n in range(self.scale.articles):
            host = self.hosts[n % len(self.hosts)]
            outlet = "infobae.com" if host == "www.infobae.com" else host
            relevant = rng.random() < self.scale.relevant_share
            title_pool = pools.titles_naming if relevant else pools.titles_other
            title = f"{rng.choice(title_pool).rstrip('.')}: {rng.choice(_ANGLES)}"
            paragraphs = []
            for p in range(rng.randint(4, 8)):
                chosen = rng.sample(pools.other, rng.randint(2, 4))
                if relevant and p in (0, 2):
                    chosen.insert(rng.randint(0, len(chosen)), rng.choice(pools.naming))
                paragraphs.append(" ".join(chosen))
            section = SECTIONS[n % len(SECTIONS)]
            key = f"bench-{n:06d}"
            native = 5_000_000 + n
            found.append(SampleArticle(
                key=key,
                url=f"https://{host}/{section}/{slugify(title, 9)}-{native}-noticia/",
                outlet=outlet, section=section, sections=(section,),
                published_at=self.now - step * (n + 1),
                title=title, summary=paragraphs[0][:180].rsplit(" ", 1)[0] + "…",
                paragraphs=tuple(paragraphs),
                authors=(rng.choice(_BYLINES),), lang="es", relevant=relevant, duplicate_of=None,
                tone=rng.choice(("critical", "favourable", "neutral")) if relevant else None,
                topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))) if relevant else (),
                flags=frozenset(), native_id=native,
            ))
        return found

    @cached_property
    def posts(self) -> list[Post]:
        """Every post, newest first: the first half on X, the second on Reddit."""
        rng = random.Random(self.scale.seed + 1)
        pools = _pools()
        step = timedelta(hours=self.scale.span_hours) / max(self.scale.posts, 1)
        found = []
        for n in range(self.scale.posts):
            platform = "x" if n < self.scale.posts // 2 else "reddit"
            relevant = rng.random() < self.scale.relevant_share
            parts = rng.sample(pools.posts_other, rng.randint(1, 2))
            if relevant:
                parts.insert(rng.randint(0, len(parts)), rng.choice(pools.posts_naming))
            text = " ".join(parts)
            author = f"{rng.choice(_HANDLES)}{rng.randint(1, 999)}"
            moment = (self.now - step * (n + 1)).astimezone(UTC)
            if platform == "x":
                native = str(((int(moment.timestamp() * 1000) - 1288834974657) << 22) + n % 4096)
                extra: dict[str, Any] = {"author_id": str(10**17 + int(hashlib.sha1(author.encode()).hexdigest()[:10], 16))}
            else:
                native = base36(900_000_000 + n)
                title = text.split(". ")[0][:120]
                sub = ("PERU", "lima")[n % 2]
                extra = {"subreddit": sub, "title": title, "selftext": text, "link": None,
                         "permalink": f"/r/{sub}/comments/{native}/{slugify(title, 8).replace('-', '_')}/",
                         "score": n % 97, "num_comments": n % 13}
            found.append(Post(platform, native, text, author, moment, relevant, "es", "es", extra))
        return found

    def prerender(self) -> None:
        """Render every page now, so that no crawl pays for rendering (and a baseline crawling
        second does not get pages the first one paid for)."""
        for article in self.articles:
            self._page(article, Request("GET", article.url.split("/")[2], "/", {}, {}, "http://x"))
        self.posts  # noqa: B018

    def _page(self, article: SampleArticle, request: Request) -> Response:
        """The article's page, rendered once (its markup does not depend on the request)."""
        found = self._pages.get(article.url)
        if found is None:
            answer = article_response(article, request, self.now)
            found = (answer.content_type, answer.payload())
            with self._lock:
                self._pages[article.url] = found
        return Response(200, found[1], found[0])

    def of(self, platform: str) -> list[Post]:
        return [p for p in self.posts if p.platform == platform]

    # ------------------------------------------------------------------ serving
    def server(self, port: int = 0) -> SampleServer:
        """A sample server with only this site's routes (not yet started)."""
        server = SampleServer(port=port, families=[])
        server.record_requests = False
        self.register(server)
        return server

    def _cached(self, key: str, render: Any) -> bytes:
        page = self._rendered.get(key)
        if page is None:
            page = render()
            page = page.encode("utf-8") if isinstance(page, str) else page
            with self._lock:
                self._rendered[key] = page
        return page

    def register(self, server: SampleServer) -> None:
        """Add the site's routes to ``server``."""
        by_path = {(a.url.split("/")[2], "/" + a.url.split("/", 3)[3]): a for a in self.articles}
        by_host: dict[str, list[SampleArticle]] = {}
        for article in self.articles:
            by_host.setdefault(article.url.split("/")[2], []).append(article)
        hosts = "|".join(re.escape(h) for h in self.hosts)
        size = self.scale.sitemap_size

        @server.route(r"robots\.txt", r"/")
        def robots(request: Request) -> Response:
            return Response(200, "User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")

        @server.route(hosts, r"/sitemaps/bench-index\.xml")
        def sitemap_index(request: Request) -> Response:
            items = by_host.get(request.host, [])
            locs = [(f"https://{request.host}/sitemaps/bench-{i // size}.xml", items[i].published_at)
                    for i in range(0, len(items), size)]
            return Response(200, fmt.sitemap_index(locs), "application/xml; charset=utf-8")

        @server.route(hosts, r"/sitemaps/bench-(\d+)\.xml")
        def sitemap(request: Request) -> Response:
            page = int(re.search(r"(\d+)\.xml$", request.path).group(1))  # type: ignore[union-attr]
            items = by_host.get(request.host, [])[page * size: (page + 1) * size]
            if not items:
                return Response(404, "not found")
            body = self._cached(f"{request.host}{request.path}", lambda: fmt.news_sitemap(
                OUTLETS[items[0].outlet].name, items))
            return Response(200, body, "application/xml; charset=utf-8")

        @server.route(hosts, r"/bench/feed\.xml")
        def feed(request: Request) -> Response:
            try:
                wanted = int(request.arg("size") or self.scale.feed_size)
            except ValueError:
                wanted = self.scale.feed_size
            items = by_host.get(request.host, [])[: max(1, wanted)]
            outlet = items[0].outlet if items else "elcomercio.pe"
            return Response(200, self._cached(f"{request.host}/feed/{len(items)}", lambda: fmt.wordpress_rss(
                OUTLETS[outlet].name, request.host, items, self.now)), "application/rss+xml; charset=utf-8")

        @server.route(hosts, r"/.+-noticia/")
        def page(request: Request) -> Response | None:
            article = by_path.get((request.host, request.path))
            if article is None:
                return None
            with self._lock:
                refuse = self.too_many.get(request.host, 0) > 0
                if refuse:
                    self.too_many[request.host] -= 1
                    self.answered_429.setdefault(request.host, []).append(time.monotonic())
            if refuse:
                return Response(429, "Too Many Requests", "text/plain", {"Retry-After": f"{self.retry_after:g}"})
            if self.latency:
                time.sleep(self.latency)
            return self._page(article, request)

        x_posts, reddit_posts = self.of("x"), self.of("reddit")

        @server.route(r"api\.x\.com", r"/2/tweets/search/recent")
        def x_search(request: Request) -> Response:
            offset = read_page_token(request.arg("next_token")) or 0
            chunk = x_posts[offset: offset + PAGE]
            following = offset + PAGE if offset + PAGE < len(x_posts) else None
            body: dict[str, Any] = {"data": [
                {"id": p.native_id, "text": p.text.replace("&", "&amp;"), "author_id": p.extra["author_id"],
                 "created_at": iso(p.created_at), "lang": "es", "edit_history_tweet_ids": [p.native_id],
                 "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0}}
                for p in chunk
            ], "includes": {"users": [{"id": p.extra["author_id"], "name": p.author, "username": p.author}
                                      for p in chunk]}}
            meta: dict[str, Any] = {"result_count": len(chunk)}
            if chunk:
                meta.update(newest_id=chunk[0].native_id, oldest_id=chunk[-1].native_id)
            if following is not None:
                meta["next_token"] = page_token(following)
            body["meta"] = meta
            return _json(body, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                                "x-rate-limit-reset": str(int(self.now.timestamp()) + 900)})

        @server.route(r"www\.reddit\.com", r"/api/v1/access_token")
        def reddit_token(request: Request) -> Response:
            return _json({"access_token": "sample-scale-token", "token_type": "bearer", "expires_in": 86400,
                          "scope": "*"}, {})

        @server.route(r"oauth\.reddit\.com", r"/r/[^/]+/search")
        def reddit_search(request: Request) -> Response:
            from samples.platforms.reddit import _reddit_child

            sub = request.path.split("/")[2].lower()
            found = [p for p in reddit_posts if p.extra["subreddit"].lower() == sub]
            names = [f"t3_{p.native_id}" for p in found]
            after = request.arg("after")
            offset = names.index(after) + 1 if after in names else 0
            chunk = found[offset: offset + PAGE]
            more = offset + PAGE < len(found)
            listing = {"kind": "Listing", "data": {
                "after": f"t3_{chunk[-1].native_id}" if chunk and more else None, "dist": len(chunk),
                "children": [_reddit_child(p) for p in chunk], "before": None, "modhash": None,
            }}
            return _json(listing, {"x-ratelimit-used": "1", "x-ratelimit-remaining": "599.0",
                                   "x-ratelimit-reset": "600"})

    # ------------------------------------------------------------------ crawling it
    def campaign(self, base_url: str, *, news: bool = True, social: bool = True) -> Any:
        """The bundled campaign with this site's sources instead of its own, localized to ``base_url``."""
        from campaigns import Source, load_campaign

        sources = []
        if news:
            for host in self.hosts:
                outlet = "infobae.com" if host == "www.infobae.com" else host
                sources.append(Source(
                    name=f"bench_{outlet.split('.')[0].replace('-', '_')}", spider="news_sitemaps",
                    platform=outlet, urls=[f"https://{host}/sitemaps/bench-index.xml"],
                    options={"max_age_days": (self.scale.span_hours + 24) / 24},
                ))
        if social:
            pages = self.scale.posts // PAGE + 2
            sources.append(Source(name="bench_x", spider="x", platform="x", urls=["https://api.x.com/2"],
                                  queries=["Canales"], options={"max_pages": pages}))
            sources.append(Source(
                name="bench_reddit", spider="reddit", platform="reddit", urls=["https://oauth.reddit.com"],
                queries=["Canales"], options={"subreddits": ["PERU", "lima"], "max_pages": pages,
                                               "token_url": "https://www.reddit.com/api/v1/access_token"},
            ))
        base = load_campaign()
        return base.model_copy(update={"sources": sources}).localized(base_url)

    def expected(self) -> dict[str, int]:
        """What the site holds: article pages, posts, and how many of each name the mayor."""
        return {
            "articles": len(self.articles), "articles_naming": sum(a.relevant for a in self.articles),
            "posts": len(self.posts), "posts_naming": sum(p.relevant for p in self.posts),
        }


def _json(payload: Any, headers: dict[str, str]) -> Response:
    import json

    return Response(200, json.dumps(payload, ensure_ascii=False), JSON, headers)




_ANGLES = (
    "lo que se sabe", "las claves", "qué dicen los vecinos", "minuto a minuto", "el balance",
    "las reacciones", "lo que viene", "cifras y contexto", "qué cambia", "las dudas que quedan",
    "el debate en el concejo", "la versión oficial", "lo que dicen los especialistas",
)
_BYLINES = (
    "Carla Benavente", "Luis Paredes", "Rosa Quispe Huamán", "Diego Salazar", "Mariana Torres",
    "Jorge Villanueva", "Ana Lucía Ríos", "Redacción", "Pedro Castañeda", "Lucía Mendoza",
)
_HANDLES = (
    "vecina_miraflorina", "limeño_de_a_pie", "runner_malecon", "ciclista_pe", "profe_lima",
    "bodeguero_surquillo", "arqui_urbano", "datos_lima", "mama_de_tres", "taxista_lima",
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the grown sample site until interrupted.")
    parser.add_argument("--articles", type=int, default=Scale.articles)
    parser.add_argument("--posts", type=int, default=Scale.posts)
    parser.add_argument("--outlets", type=int, default=Scale.outlets)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    site = ScaleSite(Scale(articles=args.articles, posts=args.posts, outlets=args.outlets))
    site.prerender()
    with site.server(args.port) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


def iter_urls(site: ScaleSite) -> Iterator[str]:
    """The real URL of every article page (for baselines that do not read sitemaps)."""
    for article in site.articles:
        yield article.url


if __name__ == "__main__":
    main()
