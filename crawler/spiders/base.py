"""What the spiders share: :class:`CampaignSpider` (the campaign, its sources, per-source state)
and :class:`NewsSpider` (article pages, known URLs, skips) for the news spiders.

The social platforms' base, :class:`crawler.spiders.social.SocialSpider`, builds on
:class:`CampaignSpider` the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from campaigns import Campaign, Source, load_campaign, to_local
from campaigns.recognition import TargetRecognizer
from crawler.articles import Article
from crawler.catalog import check_spiders
from crawler.dates import now_setting
from crawler.extraction import (
    DEFAULT_WARM_AFTER,
    PREPARE_BACKLOG,
    ExtractionPool,
    extract_page,
    workers_setting,
)
from crawler.feeds import FeedEntry
from crawler.items import DocumentItem
from crawler.prepared import PrepareSpec
from crawler.urls import canonical_url


def declared_charset(response: Response) -> str | None:
    """The charset the server declared in ``Content-Type``, if any."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1")
    return content_type.partition("charset=")[2].strip(" ;\"'") or None


# Page dates that are only a guess ("hace 3 días", a day from the URL or the text).
WEAK_DATES = ("url", "trafilatura", "relative", "visible-day")


class CampaignSpider(scrapy.Spider):
    """A spider driven by a campaign file.

    ``campaign`` is a :class:`Campaign` (from the runner) or a path (``scrapy crawl NAME
    -a campaign=FILE``); ``source`` narrows the run to one source name; ``local_base`` points a
    campaign file's sources at a sample server (with the ``VIGIA_LOCAL_BASE`` setting). Sources whose
    credentials are missing are skipped with one log line and listed in ``skipped``
    (by variable name, never value). ``source_states`` holds each source's high-water
    marks: the warehouse pipeline loads them when the spider opens and stores them when
    it closes after a complete run.

    A subclass declares ``source_type`` (``news`` or ``social``) and the environment variables
    its sources need (``credentials_env``; a source's own ``credentials_env`` overrides them).
    """

    source_type: str = ""
    #: names of the environment variables a source of this spider needs (never their values)
    credentials_env: tuple[str, ...] = ()

    def __init__(self, campaign: Campaign | str | None = None, source: str | None = None,
                 local_base: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.campaign: Campaign = campaign if isinstance(campaign, Campaign) else check_spiders(load_campaign(campaign))
        if local_base and not isinstance(campaign, Campaign):
            # `-a local_base=URL` (e.g. from Scrapyd's schedule.json): a campaign file crawled
            # against the sample server, as `vigia demo` does with the campaign object
            self.campaign = self.campaign.localized(local_base)
        self.skipped: dict[str, str] = {}
        self.source_states: dict[str, dict[str, str]] = {}
        # Filled by the duplicates pipeline when the spider opens: what the warehouse already
        # holds, so news spiders need not fetch an article again.
        self.known_urls: set[str] = set()
        self.known_titles: dict[str, set[str]] = {}
        sources = self.campaign.sources_for(self.name)
        if source:
            sources = [s for s in sources if s.name == source]
        self.sources: list[Source] = []
        for src in sources:
            missing = src.missing_credentials(self.credentials_env)
            if missing:
                reason = f"credentials not set: {', '.join(missing)}"
                self.skipped[src.name] = reason
                self.logger.warning("source %s skipped: %s", src.name, reason)
            else:
                self.sources.append(src)

    def state_of(self, source: Source) -> dict[str, str]:
        """The high-water marks stored for ``source`` (a dict to read and update in place)."""
        return self.source_states.setdefault(source.name, {})

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:  # pragma: no cover
        raise NotImplementedError

    async def start(self):
        for src in self.sources:
            for request in self.start_requests_for(src):
                yield request

    @property
    def log(self) -> logging.LoggerAdapter:  # type: ignore[override]
        return self.logger


class NewsSpider(CampaignSpider):
    """What the news spiders share: known-URL checks, skips, article merging."""

    source_type = "news"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.requested: set[str] = set()
        self.target = TargetRecognizer.for_campaign(self.campaign)
        self.extraction: ExtractionPool | None = None

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
        return extract_page(response.body, declared_charset(response), response.url, self.now())

    async def article_async(self, response: Response) -> Article:
        """The page's article, extracted in a worker process once a run has many pages
        (:mod:`crawler.extraction`); what it returns does not depend on where it ran."""
        if self.extraction is None:
            from scrapy.utils.reactor import is_asyncio_reactor_installed

            workers = workers_setting(self.settings.get("VIGIA_EXTRACT_WORKERS"))
            if not is_asyncio_reactor_installed():
                workers = 0
            self.extraction = ExtractionPool(workers, self.settings.getint("VIGIA_EXTRACT_POOL_AFTER", DEFAULT_WARM_AFTER),
                                             self.settings.getint("VIGIA_PREPARE_BACKLOG", PREPARE_BACKLOG))
            try:
                self.prepare_spec: PrepareSpec | None = PrepareSpec(self.campaign)
            except Exception as exc:  # a campaign that cannot travel to a worker: the pipelines answer
                self.logger.warning("the pipelines' answers stay on the crawl's thread: %s", exc)
                self.prepare_spec = None
        return await self.extraction.extract(response.body, declared_charset(response), response.url, self.now(),
                                             self.prepare_spec)

    def closed(self, reason: str) -> None:
        if self.extraction is not None:
            self.extraction.close()

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
            source_type=self.source_type,
            platform=source.platform,
            url=url,
            title=(article.title if article else "") or (entry.title if entry else ""),
            text=text,
            author=(article.author if article else None) or (entry.author if entry else None),
            published_at=published,
            lang=article.lang if article else None,
            extra=info,
        )
