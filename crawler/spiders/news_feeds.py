"""News outlets' RSS/Atom feeds: each entry is followed to its article page.

The article page gives the body, byline and date; the feed entry fills what the page
lacks, and its ``content:encoded`` stands in for the body of paywalled or truncated pages
(and for pages that fail to load). Articles already in the warehouse are not fetched again.
A feed URL that answers an HTML page, or XML nothing can be read from, is logged and
counted as a skip; the run goes on.

Polling is polite: each feed's ``ETag`` and ``Last-Modified`` are kept in the source's state
(``etag:<url>``, ``last_modified:<url>``, with ``polled_at:<url>``) and sent back as
``If-None-Match`` / ``If-Modified-Since``; a ``304 Not Modified`` means nothing new. A feed
polled less than ``VIGIA_FEED_MIN_INTERVAL`` seconds ago is not requested (a counted skip),
and a 403 to a feed (outlets answer heavy polling so) is a skip, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from campaigns import Source, to_local
from crawler.articles import Article, decode_html, extract_article
from crawler.feeds import FeedEntry, FeedError, parse_feed
from crawler.items import DocumentItem
from crawler.mentions import TargetRecogniser
from crawler.pipelines import now_setting
from crawler.spiders.base import CampaignSpider
from crawler.urls import canonical_url

# A feed text this long is the whole story: when it does not name the target, the article
# page is not fetched (the entry still goes through the pipelines and is counted as dropped).
FULL_TEXT = 600
# Page dates that are only a guess ("hace 3 días", a day from the URL or the text).
WEAK_DATES = ("url", "trafilatura", "relative", "visible-day")
# Outlets answer 403 to clients that poll a feed more often than every 15 minutes.
DEFAULT_FEED_MIN_INTERVAL = 900.0


class NewsSpider(CampaignSpider):
    """What the news spiders share: known-URL checks, skips, article merging."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.requested: set[str] = set()
        self.target = TargetRecogniser(self.campaign)

    def local_base(self) -> str | None:
        return self.settings.get("VIGIA_LOCAL_BASE") or None

    def canonical(self, url: str) -> str:
        return canonical_url(url, self.local_base())

    def reachable(self, url: str) -> str:
        """The address to request: when crawling the sample server, never a real site."""
        base = self.local_base()
        if base and not url.startswith(base.rstrip("/") + "/"):
            return to_local(url, base)
        return url

    def is_known(self, url: str) -> bool:
        """True when the article is stored already or was requested earlier in this run."""
        key = self.canonical(url)
        if key in self.known_urls:
            self.crawler.stats.inc_value("vigia/articles_already_stored")
            return True
        if key in self.requested:
            return True
        self.requested.add(key)
        return False

    def skip(self, source: Source, reason: str, detail: str) -> None:
        """Log and count a source URL that gave nothing; the run continues."""
        self.crawler.stats.inc_value(f"vigia/skipped/{source.name}/{reason}")
        base = self.local_base()
        if base:  # name the real address, not the sample server's port
            detail = detail.replace(base.rstrip("/") + "/", "https://")
        previous = self.skipped.get(source.name)
        note = f"{reason}: {detail}"
        self.skipped[source.name] = f"{previous}; {note}" if previous else note
        self.logger.warning("source %s skipped (%s): %s", source.name, reason, detail)

    def fetch_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source = request.cb_kwargs.get("source")
        self.logger.warning("%s failed: %s", request.url, failure.getErrorMessage())
        if source is not None:
            self.skip(source, "unreachable", f"{request.url}: {failure.getErrorMessage()}")

    def now(self) -> Any:
        return now_setting(self.crawler)

    def article(self, response: Response) -> Article:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        declared = content_type.partition("charset=")[2].strip(" ;\"'") or None
        page = decode_html(response.body, declared)
        return extract_article(page, response.url, now=self.now())

    def document(
        self,
        source: Source,
        url: str,
        article: Article | None,
        entry: FeedEntry | None = None,
        **extra: Any,
    ) -> DocumentItem:
        """One news document from what the page and the feed entry say (page first)."""
        feed_text = entry.full_text if entry else ""
        text = article.text if article else ""
        body_from = article.body_from if article else "none"
        if entry and (not text or (article and article.paywalled) or len(feed_text) > len(text) * 1.2):
            if len(feed_text) > len(text):
                text, body_from = feed_text, "feed"
        if not text and article and article.description:
            text, body_from = article.description, "description"
        published = article.published_at if article else None
        if entry and (published is None or article.date_from in WEAK_DATES):
            # a feed's own timestamp beats a date guessed from the URL or the text
            published = entry.published_at or entry.published or published
        info: dict[str, Any] = {"body_from": body_from}
        if article and article.paywalled:
            info["paywalled"] = True
        if entry and entry.categories:
            info["categories"] = entry.categories
        info.update({k: v for k, v in extra.items() if v is not None})
        return DocumentItem(
            source=source.name,
            source_type="news",
            platform=source.platform,
            url=url,
            title=(article.title if article else "") or (entry.title if entry else ""),
            text=text,
            author=(article.author if article else None) or (entry.author if entry else None),
            published_at=published,
            lang=article.lang if article else None,
            extra=info,
        )


class NewsFeedsSpider(NewsSpider):
    name = "news_feeds"

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:
        for url in source.urls:
            feed = self.canonical(url)  # the real address: state keys must not depend on the port
            if self.polled_recently(source, feed):
                continue
            state = self.state_of(source)
            headers = {}
            if state.get(f"etag:{feed}"):
                headers["If-None-Match"] = state[f"etag:{feed}"]
            if state.get(f"last_modified:{feed}"):
                headers["If-Modified-Since"] = state[f"last_modified:{feed}"]
            yield scrapy.Request(
                self.reachable(url), headers=headers, callback=self.parse_feed, errback=self.fetch_failed,
                cb_kwargs={"source": source, "feed": feed},
                # 304 and 403 are answers to read here, not failures for the HttpError middleware
                meta={"handle_httpstatus_list": [304, 403]},
            )

    def min_interval(self) -> float:
        value = self.settings.get("VIGIA_FEED_MIN_INTERVAL", DEFAULT_FEED_MIN_INTERVAL)
        try:
            return max(float(value), 0.0)
        except (TypeError, ValueError):
            raise ValueError(f"VIGIA_FEED_MIN_INTERVAL must be a number of seconds, not {value!r}") from None

    def polled_recently(self, source: Source, feed: str) -> bool:
        """True (and a counted skip) when ``feed`` was polled less than the minimum interval ago."""
        polled_at = self.state_of(source).get(f"polled_at:{feed}")
        if not polled_at:
            return False
        try:
            age = (datetime.now(UTC) - datetime.fromisoformat(polled_at)).total_seconds()
        except (TypeError, ValueError):
            return False
        interval = self.min_interval()
        if not 0 <= age < interval:  # a poll "in the future" (the clock moved back) does not block
            return False
        self.skip(source, "polled_recently", f"{feed} polled {age:.0f}s ago, VIGIA_FEED_MIN_INTERVAL={interval:g}s")
        return True

    def polled(self, source: Source, feed: str, response: Response) -> None:
        """Remember when ``feed`` answered and its validators (kept only after a finished run)."""
        state = self.state_of(source)
        state[f"polled_at:{feed}"] = datetime.now(UTC).isoformat(timespec="seconds")
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if response.status == 304:  # validators it repeats replace ours; nothing else changes
            if etag:
                state[f"etag:{feed}"] = etag.decode("latin-1")
            if modified:
                state[f"last_modified:{feed}"] = modified.decode("latin-1")
            return
        # "" forgets validators a feed stopped sending (a stored key is replaced, never deleted)
        state[f"etag:{feed}"] = etag.decode("latin-1") if etag else ""
        state[f"last_modified:{feed}"] = modified.decode("latin-1") if modified else ""

    def forget_validators(self, source: Source, feed: str) -> None:
        """The next poll of ``feed`` asks for all of it (an entry of this one was lost)."""
        state = self.state_of(source)
        if state.get(f"etag:{feed}") or state.get(f"last_modified:{feed}"):
            state[f"etag:{feed}"] = ""
            state[f"last_modified:{feed}"] = ""

    def parse_feed(self, response: Response, source: Source, feed: str) -> Iterable[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("vigia/feeds_not_modified")
            self.logger.info("feed %s not modified since the last poll: nothing new", feed)
            self.polled(source, feed, response)
            return
        if response.status != 200:
            # Counted here as a skip, so the run summary does not count it again as an error.
            self.crawler.stats.inc_value(f"vigia/http_skipped/{response.status}")
            blocked = b"cloudflare" in (response.headers.get("Server") or b"").lower() or b"CF-RAY" in response.headers
            self.skip(source, f"http_{response.status}", f"{feed} answered {response.status}"
                      + (" (a Cloudflare block page: polled too often or blocked)" if blocked else ""))
            return
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            reason = "html_instead_of_feed" if "HTML" in str(exc) else "unreadable_feed"
            self.skip(source, reason, str(exc))
            return
        self.polled(source, feed, response)
        self.crawler.stats.inc_value("vigia/feed_entries", len(entries))
        for entry in entries:
            yield from self.follow_entry(entry, source, feed)

    def follow_entry(self, entry: FeedEntry, source: Source, feed: str) -> Iterable[Any]:
        if self.is_known(entry.link):
            return
        if len(entry.content) >= FULL_TEXT and self.target.match(entry.title, entry.content) is None:
            # The feed carries the whole story and it is not about the target: no need to fetch.
            yield self.document(source, entry.link, None, entry, feed_only=True)
            return
        yield scrapy.Request(
            self.reachable(entry.link),
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"source": source, "entry": entry, "feed": feed},
        )

    def parse_article(
        self, response: Response, source: Source, entry: FeedEntry, feed: str
    ) -> Iterable[DocumentItem]:
        yield self.document(source, entry.link, self.article(response), entry)

    def article_failed(self, failure: Failure) -> Iterable[DocumentItem]:
        request = failure.request  # type: ignore[attr-defined]
        source, entry = request.cb_kwargs["source"], request.cb_kwargs["entry"]
        self.crawler.stats.inc_value("vigia/articles_unreachable")
        self.logger.warning("article %s failed (%s); keeping the feed's text", request.url, failure.getErrorMessage())
        if entry.full_text:
            yield self.document(source, entry.link, None, entry, page_failed=True)
        else:  # lost for now: a 304 next time would hide it, so the next poll asks for everything
            self.forget_validators(source, request.cb_kwargs["feed"])
