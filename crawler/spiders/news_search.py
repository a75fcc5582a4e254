"""Google-News-style RSS search: each result is a lead, not an article.

The result's link is a JavaScript interstitial, so it is never followed. A lead whose story
is already collected from the outlet (same normalised title), or is in the outlet's own feed
(which ``news_feeds`` reads), is a duplicate and skipped; any other lead is kept as a short
document: headline, outlet (the platform is the outlet's domain), date, the search snippet
as body, and the Google link as URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from campaigns import Source
from crawler.feeds import FeedError, Lead, news_leads, parse_feed, title_key
from crawler.items import DocumentItem
from crawler.spiders.base import NewsSpider


def search_url(base: str, query: str) -> str:
    """``base`` (a search feed address with its locale parameters) asking for ``query``."""
    parts = urlsplit(base)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "q"]
    return urlunsplit(parts._replace(query=urlencode([("q", query), *params])))


class NewsSearchSpider(NewsSpider):
    name = "news_search"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.outlet_titles: dict[str, set[str]] = {}
        self.partial_titles: dict[str, set[str]] = {}
        self.waiting: dict[str, list[tuple[Lead, Source, str]]] = {}

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:
        if not source.urls:
            self.skip(source, "no_url", "a news-search source needs the search feed address")
            return
        for query in source.queries:
            yield scrapy.Request(
                self.reachable(search_url(source.urls[0], query)),
                callback=self.parse_search,
                errback=self.fetch_failed,
                cb_kwargs={"source": source, "query": query},
            )

    def parse_search(self, response: Response, source: Source, query: str) -> Iterable[Any]:
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            self.skip(source, "unreadable_feed", str(exc))
            return
        for lead in news_leads(entries):
            yield from self.consider(lead, source, query)

    def outlet_feeds(self, outlet: str) -> list[str]:
        return [url for s in self.campaign.sources_for("news_feeds") if s.platform == outlet for url in s.urls]

    def consider(self, lead: Lead, source: Source, query: str) -> Iterable[Any]:
        outlet = lead.outlet_domain or source.platform
        key = title_key(lead.title)
        if key in self.known_titles.get(outlet, set()) or self.is_known(lead.link):
            self.crawler.stats.inc_value("vigia/leads_already_collected")
            return
        feeds = self.outlet_feeds(outlet)
        if not feeds:
            yield self.lead_document(lead, source, query)
        elif outlet in self.outlet_titles:
            yield from self.decide(lead, source, query)
        else:
            first_to_ask = outlet not in self.waiting
            self.waiting.setdefault(outlet, []).append((lead, source, query))
            if first_to_ask:
                yield self.feed_request(outlet, feeds)

    def feed_request(self, outlet: str, feeds: list[str]) -> scrapy.Request:
        return scrapy.Request(
            self.reachable(feeds[0]),
            callback=self.parse_outlet_feed,
            errback=self.outlet_feed_failed,
            cb_kwargs={"outlet": outlet, "rest": feeds[1:]},
            dont_filter=True,
        )

    def parse_outlet_feed(self, response: Response, outlet: str, rest: list[str]) -> Iterable[Any]:
        titles = self.partial_titles.setdefault(outlet, set())
        try:
            titles |= {title_key(e.title) for e in parse_feed(response.body, response.url)}
        except FeedError as exc:
            self.logger.info("outlet feed %s not usable for lead matching: %s", response.url, exc)
        yield from self.next_feed(outlet, rest)

    def outlet_feed_failed(self, failure: Failure) -> Iterable[Any]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.logger.info("outlet feed %s failed: %s", failure.request.url, failure.getErrorMessage())  # type: ignore[attr-defined]
        yield from self.next_feed(kwargs["outlet"], kwargs["rest"])

    def next_feed(self, outlet: str, rest: list[str]) -> Iterable[Any]:
        """Ask the outlet's next feed, or, after the last one, decide on the leads waiting."""
        if rest:
            yield self.feed_request(outlet, rest)
            return
        self.outlet_titles[outlet] = self.partial_titles.pop(outlet, set())
        for lead, source, query in self.waiting.pop(outlet, []):
            yield from self.decide(lead, source, query)

    def decide(self, lead: Lead, source: Source, query: str) -> Iterable[DocumentItem]:
        outlet = lead.outlet_domain or source.platform
        if title_key(lead.title) in self.outlet_titles.get(outlet, set()):
            self.crawler.stats.inc_value("vigia/leads_in_outlet_feed")
            return
        yield self.lead_document(lead, source, query)

    def lead_document(self, lead: Lead, source: Source, query: str) -> DocumentItem:
        return DocumentItem(
            source=source.name,
            source_type=self.source_type,
            platform=lead.outlet_domain or source.platform,
            url=lead.link,
            title=lead.title,
            text=lead.summary or lead.title,  # the headline is all a bare lead says
            author=None,
            published_at=lead.published_at or lead.published,
            lang=None,
            extra={"lead": True, "outlet": lead.outlet, "query": query, "found_by": source.platform},
        )
