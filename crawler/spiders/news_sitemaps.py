"""Google News sitemaps, section sitemaps and sitemap indexes: recent URLs only.

Only entries whose ``news:publication_date`` (or ``lastmod``, or the date in the URL) lies
within the source's ``options.max_age_days`` of now are followed, so a daily run touches
only recent articles; "now" is the real clock unless the ``VIGIA_NOW`` setting pins it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from scrapy.http import Response

from campaigns import Source
from crawler.dates import date_from_url, is_recent
from crawler.feeds import FeedEntry, FeedError, SitemapEntry, parse_sitemap
from crawler.items import DocumentItem
from crawler.spiders.base import NewsSpider

DEFAULT_MAX_AGE_DAYS = 2
MAX_INDEX_DEPTH = 3


class NewsSitemapsSpider(NewsSpider):
    name = "news_sitemaps"

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:
        for url in source.urls:
            yield self.sitemap_request(self.reachable(url), source, depth=0)

    def sitemap_request(self, url: str, source: Source, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_sitemap, errback=self.fetch_failed,
            cb_kwargs={"source": source, "depth": depth},
        )

    def window(self, source: Source) -> tuple[datetime, timedelta]:
        days = float(source.options.get("max_age_days", DEFAULT_MAX_AGE_DAYS))
        return self.now() or datetime.now(UTC), timedelta(days=days)

    def parse_sitemap(self, response: Response, source: Source, depth: int) -> Iterable[Any]:
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except FeedError as exc:
            reason = "html_instead_of_sitemap" if "HTML" in str(exc) else "unreadable_sitemap"
            self.skip(source, reason, str(exc))
            return
        now, max_age = self.window(source)
        for entry in sitemap.entries:
            when = entry.when or date_from_url(entry.loc)
            if sitemap.kind == "index":
                # Child sitemaps without a date may still hold recent URLs.
                if depth < MAX_INDEX_DEPTH and (when is None or is_recent(when, now, max_age)):
                    yield self.sitemap_request(self.reachable(entry.loc), source, depth + 1)
                continue
            if not is_recent(when, now, max_age):
                self.crawler.stats.inc_value("vigia/sitemap_too_old")
                continue
            if self.is_known(entry.loc):
                continue
            yield scrapy.Request(
                self.reachable(entry.loc), callback=self.parse_article, errback=self.article_failed,
                cb_kwargs={"source": source, "entry": entry},
            )

    async def parse_article(self, response: Response, source: Source, entry: SitemapEntry) -> AsyncIterator[DocumentItem]:
        hint = FeedEntry(title=entry.title or "", link=entry.loc, published_at=entry.when)
        yield self.document(source, entry.loc, await self.article_async(response), hint)

    def article_failed(self, failure: Any) -> None:
        self.crawler.stats.inc_value("vigia/articles_unreachable")
        self.logger.warning("article %s failed: %s", failure.request.url, failure.getErrorMessage())
