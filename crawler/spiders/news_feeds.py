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

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from campaigns import Source
from crawler.feeds import FeedEntry, FeedError, parse_feed
from crawler.items import DocumentItem
from crawler.spiders.base import NewsSpider

# A feed text this long is the whole story: when it does not name the target, the article
# page is not fetched (the entry still goes through the pipelines and is counted as dropped).
FULL_TEXT = 600
# Outlets answer 403 to clients that poll a feed more often than every 15 minutes.
DEFAULT_FEED_MIN_INTERVAL = 900.0


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

    async def parse_article(
        self, response: Response, source: Source, entry: FeedEntry, feed: str
    ) -> AsyncIterator[DocumentItem]:
        yield self.document(source, entry.link, await self.article_async(response), entry)

    def article_failed(self, failure: Failure) -> Iterable[DocumentItem]:
        request = failure.request  # type: ignore[attr-defined]
        source, entry = request.cb_kwargs["source"], request.cb_kwargs["entry"]
        self.crawler.stats.inc_value("vigia/articles_unreachable")
        self.logger.warning("article %s failed (%s); keeping the feed's text", request.url, failure.getErrorMessage())
        if entry.full_text:
            yield self.document(source, entry.link, None, entry, page_failed=True)
        else:  # lost for now: a 304 next time would hide it, so the next poll asks for everything
            self.forget_validators(source, request.cb_kwargs["feed"])
