"""What every Vigia spider shares: the campaign, its sources, and per-source state."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import scrapy

from campaigns import Campaign, Source, load_campaign


class CampaignSpider(scrapy.Spider):
    """A spider driven by a campaign file.

    ``campaign`` is a :class:`Campaign` (from the runner) or a path (``scrapy crawl NAME
    -a campaign=FILE``); ``source`` narrows the run to one source name. Sources whose
    credentials are missing are skipped with one log line and listed in ``skipped``
    (by variable name, never value). ``source_states`` holds each source's high-water
    marks: the warehouse pipeline loads them when the spider opens and stores them when
    it closes after a complete run.
    """

    def __init__(self, campaign: Campaign | str | None = None, source: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.campaign: Campaign = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
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
            missing = src.missing_credentials()
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
