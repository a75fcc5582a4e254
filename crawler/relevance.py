"""Would the crawler keep this text? The crawler's own filtering stages, run on given texts.

``vigia check`` answers the analyst's "why is this post not in the dashboard?" with the very
stages a crawl runs (:class:`crawler.pipelines.CleanPipeline`, :class:`TargetPipeline`,
:class:`LanguagePipeline`), not a copy of their rules: what it says is what a crawl does.
Duplicate detection and storage are left out: they depend on the warehouse, not the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.items import DocumentItem
from crawler.pipelines import CleanPipeline, Drop, LanguagePipeline, TargetPipeline

STAGES = (CleanPipeline, TargetPipeline, LanguagePipeline)


class _Spider:
    """What the stages read from a spider: its name and campaign."""

    name = "check"

    def __init__(self, campaign: Any):
        self.campaign = campaign


class _Crawler:
    """What the stages read from a crawler: settings, stats and the spider."""

    def __init__(self, campaign: Any):
        self.settings = Settings({"STATS_DUMP": False})
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]
        self.spider = _Spider(campaign)


class RelevanceCheck:
    """The crawler's filtering stages for one campaign, opened once, run on any number of texts."""

    def __init__(self, campaign: Any):
        crawler = _Crawler(campaign)
        self.stages = [stage(crawler) for stage in STAGES]  # type: ignore[arg-type]
        for stage in self.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        self.language = next(s for s in self.stages if isinstance(s, LanguagePipeline))

    def check(self, row: dict[str, Any], n: int = 0) -> dict[str, Any]:
        """One verdict: ``lang``, ``target_match``, ``kept`` and ``reason`` (None when kept).

        ``row`` has ``text`` and optionally ``title``, ``lang`` (the platform's tag),
        ``platform``, ``url`` and ``source_type``.
        """
        platform = str(row.get("platform") or "check")
        item = DocumentItem(
            source="check",
            # an outlet's article needs its address; a text without one is checked as a post
            source_type=row.get("source_type") or ("news" if "." in platform and row.get("url") else "social"),
            platform=platform,
            url=row.get("url") or None,
            title=row.get("title"),
            text=row.get("text"),
            lang=row.get("lang"),
            native_id=row.get("native_id") or str(n),
            fetched_at=datetime.now(UTC),
        )
        reason = None
        try:
            for stage in self.stages:
                item = stage.process_item(item)
        except Drop as dropped:
            reason = dropped.reason
        lang = item.get("lang")
        if reason is not None and not reason.startswith("language"):
            # dropped before the language stage: say what it would have found, for the analyst
            sample = "\n".join(part for part in (item.get("title"), item.get("text")) if part)
            lang = self.language.guesser.detect(sample, hint=lang, trust_hint=item.get("source_type") == "social")
        return {
            "lang": lang,
            "target_match": item.get("target_match"),
            "kept": reason is None,
            "reason": reason,
        }

    def check_all(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for n, row in enumerate(rows, 1):
            yield self.check(row, n)

