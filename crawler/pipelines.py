"""From a spider's candidate item to a stored document, in five stages (see ITEM_PIPELINES).

1. :class:`CleanPipeline` validates, canonicalises the URL, normalises text, parses the date
   to UTC and derives doc_id and content hash.
2. :class:`TargetPipeline` keeps only documents about the campaign's target (``target_match``).
3. :class:`LanguagePipeline` detects the language and drops those the campaign does not keep,
   unless they name the target.
4. :class:`DuplicatesPipeline` drops documents already held and links copies of a story
   held from another platform (``duplicate_of``).
5. :class:`WarehousePipeline` writes documents in batches, records the crawl run and keeps
   each source's high-water marks.

A dropped item raises :class:`Drop`, whose ``reason`` is what the crawl run counts.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet import task

from campaigns.recognition import TargetRecognizer
from crawler.dates import date_from_url, now_setting, parse_date
from crawler.documents import content_hash, doc_id
from crawler.duplicates import NOT_GIVEN, StoryIndex
from crawler.feeds import title_key
from crawler.items import DocumentItem
from crawler.language import LanguageGuesser
from crawler.prepared import Prepared, PreparedCache
from crawler.text import clean_title_text, language_sample, normalise_text
from crawler.urls import canonical_url
from warehouse import WarehouseError, WriterBusy, connect
from warehouse.campaigns import register_campaign
from warehouse.crawl_runs import finish_run, start_run
from warehouse.database import default_target
from warehouse.documents import fingerprints, insert_documents
from warehouse.source_state import load_state, save_state
from warehouse.spool import spool_documents

log = logging.getLogger("vigia.pipelines")


class Drop(DropItem):
    """An item left out on purpose; ``reason`` is a short slug counted per crawl run."""

    def __init__(self, reason: str, message: str = "", log_level: str | None = None):
        super().__init__(f"{reason}: {message}" if message else reason, log_level=log_level)
        self.reason = reason


def db_path(crawler: Crawler) -> str:
    """The warehouse the crawl writes: a DuckDB file or a shared warehouse's URL."""
    return str(crawler.settings.get("VIGIA_DB") or default_target())


def _waiting_answers(spider: Any) -> PreparedCache | None:
    """The answers an extraction worker computed for the spider's pages (crawler/prepared.py)."""
    extraction = getattr(spider, "extraction", None)
    return getattr(extraction, "prepared", None)


def _prepared(spider: Any, item: DocumentItem) -> Prepared | None:
    waiting = _waiting_answers(spider)
    return waiting.get(item) if waiting is not None else None


class _Stage:
    """What every stage shares: the crawler, its spider and the spider's campaign."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Stage:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    @property
    def campaign(self) -> Any:
        return self.spider.campaign


# The longest field a document keeps (characters). A real headline is under 300, a byline under
# 100, a long read about 60,000; past these a field is an error or an attack (a 1 MB title froze
# the dashboard). The cut is logged and recorded in the document's `extra.truncated`.
FIELD_CAPS = {"title": 1_000, "author": 300, "text": 100_000}


def cap_fields(item: DocumentItem) -> dict[str, int]:
    """Cut ``item``'s title, author and text to :data:`FIELD_CAPS`; returns {field: length before}."""
    cut = {}
    for name, cap in FIELD_CAPS.items():
        value = item.get(name)
        if isinstance(value, str) and len(value) > cap:
            cut[name] = len(value)
            item[name] = value[: cap - 1].rstrip() + "…"
    if cut:
        item["extra"] = {**(item.get("extra") or {}), "truncated": cut}
        log.warning("%s: cut %s to %s characters", item.get("url") or item.get("native_id"),
                    ", ".join(f"{k} ({n:,})" for k, n in cut.items()), "/".join(f"{FIELD_CAPS[k]:,}" for k in cut))
    return cut


class CleanPipeline(_Stage):
    """Validate and normalise: canonical URL, clean text (each field capped: :data:`FIELD_CAPS`),
    UTC date, doc_id, content hash."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.local_base = crawler.settings.get("VIGIA_LOCAL_BASE") or None
        self.pinned_now = now_setting(crawler)

    def process_item(self, item: DocumentItem) -> DocumentItem:
        self.crawler.stats.inc_value("vigia/items_seen")
        source_type = item.get("source_type")
        platform = (item.get("platform") or "").strip()
        if source_type not in ("news", "social"):
            raise Drop("invalid", f"source_type {source_type!r}", log_level="WARNING")
        if not platform:
            raise Drop("invalid", "no platform", log_level="WARNING")
        url = item.get("url")
        if url:
            item["url"] = canonical_url(str(url), self.local_base)
        elif source_type == "news" or not item.get("native_id"):
            raise Drop("invalid", "no url", log_level="WARNING")
        item["platform"] = platform
        waiting = _waiting_answers(self.spider)
        prepared = waiting.take(item.get("title"), item.get("text")) if waiting is not None else None
        if prepared is not None:  # the same cleaning, done in the extraction worker
            item["title"], item["text"] = prepared.title, prepared.text
        else:
            item["title"], item["text"] = clean_title_text(item.get("title"), item.get("text"))
        if not item["text"] and not item["title"]:
            raise Drop("empty", item.get("url") or "", log_level="INFO")
        item["author"] = normalise_text(item.get("author")) or None
        if cap_fields(item):
            self.crawler.stats.inc_value("vigia/fields_truncated")
        fetched = item.get("fetched_at")
        fetched = parse_date(fetched) if fetched else None
        item["fetched_at"] = fetched or datetime.now(UTC)
        tz = getattr(self.campaign, "timezone", "America/Lima")
        published = parse_date(item.get("published_at"), now=self.pinned_now or item["fetched_at"], tz=tz)
        if published is None and item.get("url"):
            published = date_from_url(item["url"], tz)
        item["published_at"] = published
        if item.get("native_id") is not None:
            item["native_id"] = str(item["native_id"])
        item["doc_id"] = doc_id(
            self.campaign.id, source_type, url=item.get("url"), platform=platform, native_id=item.get("native_id")
        )
        if prepared is not None and item["title"] == prepared.title and item["text"] == prepared.text:
            item["content_hash"] = prepared.content_hash
            waiting.hold(item["doc_id"], prepared)  # type: ignore[union-attr]
        else:
            item["content_hash"] = content_hash(item["title"], item["text"])
        return item


class TargetPipeline(_Stage):
    """Keep only documents about the target: named, by his office, or implicitly (his
    administration, his recall), as the scorer reads them; ``target_match`` says which."""

    def open_spider(self) -> None:
        self.recogniser = TargetRecognizer.for_campaign(self.campaign)

    def process_item(self, item: DocumentItem) -> DocumentItem:
        prepared = _prepared(self.spider, item)
        if prepared is not None:
            item["target_match"] = prepared.target_match
        else:
            item["target_match"] = self.recogniser.match(item.get("title"), item.get("text"))
        if item["target_match"] is None:
            raise Drop("no_target", item.get("url") or "")
        return item


class LanguagePipeline(_Stage):
    """Store the ISO 639-1 language; drop documents in languages the campaign does not follow.

    A document that names the target is never dropped for its language: it is kept with its
    language tag (a detector's mistake on a short post must not hide a post about him).
    """

    def open_spider(self) -> None:
        self.guesser = LanguageGuesser(self.campaign.languages)

    def process_item(self, item: DocumentItem) -> DocumentItem:
        social = item.get("source_type") == "social"
        prepared = _prepared(self.spider, item)
        if prepared is not None and not social and prepared.lang_hint == item.get("lang"):
            lang = prepared.lang
        else:
            lang = self.guesser.detect(language_sample(item.get("title"), item.get("text")), hint=item.get("lang"),
                                       trust_hint=social)
        item["lang"] = lang
        if not self.guesser.kept(lang):
            if item.get("target_match") != "name":
                raise Drop(f"language:{lang}", item.get("url") or "")
            self.crawler.stats.inc_value("vigia/kept_naming_target_in_other_language")
        return item


class DuplicatesPipeline(_Stage):
    """Exact and near-duplicate detection against the warehouse and the run so far.

    At open it loads the campaign's stored fingerprints (and hands the spider the stored
    URLs and titles, so news spiders skip articles already held).
    """

    def open_spider(self) -> None:
        self.index = StoryIndex()
        with connect(db_path(self.crawler)) as con:
            rows = fingerprints(con, self.campaign.id)
        started = time.monotonic()
        self.index.seed(rows)
        spider = self.spider
        spider.known_urls = {row["url"] for row in rows if row.get("url")}
        spider.known_titles = {}
        for row in rows:
            if row.get("title"):
                spider.known_titles.setdefault(row["platform"], set()).add(title_key(row["title"]))
        log.info("%d stored documents indexed for duplicates in %.1fs", len(rows), time.monotonic() - started)

    def process_item(self, item: DocumentItem) -> DocumentItem:
        social = item["source_type"] == "social"
        fields = dict(
            platform=item["platform"], title=item.get("title"), text=item.get("text"),
            content_hash=item["content_hash"], author=item.get("author"), social=social,
        )
        waiting = _waiting_answers(self.spider)
        prepared = waiting.get(item) if waiting is not None else None
        if waiting is not None:
            waiting.release(item["doc_id"])  # the last stage that reads them
        verdict = self.index.check(item["doc_id"], **fields,
                                   signature=prepared.signature if prepared is not None else NOT_GIVEN)
        if verdict.drop:
            raise Drop(verdict.kind, f"{item.get('url')} = {verdict.of}")
        if verdict.kind == "copy":
            item["duplicate_of"] = verdict.of
            self.crawler.stats.inc_value("vigia/copies")
        self.index.add(item["doc_id"], duplicate_of=item.get("duplicate_of"), **fields)
        return item


class WarehousePipeline(_Stage):
    """Buffered writes to the warehouse, the crawl-run record, and per-source state.

    Documents are written every ``VIGIA_FLUSH_ITEMS`` items or ``VIGIA_FLUSH_SECONDS``
    seconds and at close, each time holding the writer only for that batch, so several
    crawls can share one warehouse. A batch leaves the buffer only once it is stored or
    spooled (the writer busy past ``VIGIA_WRITER_TIMEOUT`` seconds): nothing is dropped.
    Source states (ETags, poll times, cursors) are saved only when every batch of the run
    is stored, so a later run fetches again whatever is not.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.db = db_path(crawler)
        self.flush_items = crawler.settings.getint("VIGIA_FLUSH_ITEMS", 100)
        self.flush_seconds = crawler.settings.getfloat("VIGIA_FLUSH_SECONDS", 10.0)
        self.writer_timeout = crawler.settings.getfloat("VIGIA_WRITER_TIMEOUT", 10.0)
        # The run record and source states wait longer: without them the next run refetches.
        self.close_timeout = crawler.settings.getfloat("VIGIA_CLOSE_WRITER_TIMEOUT", 60.0)
        self.buffer: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.items_kept = 0
        self.new_documents = 0
        self.spooled: list[Any] = []
        self.storage_failing: str | None = None  # why the last store failed, until one succeeds
        self.dropped: Counter[str] = Counter()
        self.pipeline_errors: Counter[str] = Counter()
        self.run_id: int | None = None
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        spider, campaign = self.spider, self.campaign
        with connect(self.db) as con:
            register_campaign(
                con, campaign.id, campaign.name, campaign.topic_names, campaign.timezone, campaign.sample
            )
            self.run_id = start_run(con, campaign.id, spider.name)
            names = [s.name for s in spider.sources] + list(spider.skipped)
            for name in dict.fromkeys(names):
                spider.source_states[name] = load_state(con, campaign.id, name)
        spider.run_id = self.run_id
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(max(self.flush_seconds, 0.5), now=False)

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any = None) -> None:
        self.dropped[getattr(exception, "reason", None) or type(exception).__name__] += 1

    def item_error(self, item: Any, response: Any, spider: Any = None, failure: Any = None) -> None:
        kind = type(failure.value).__name__ if failure is not None else "error"
        self.pipeline_errors[f"pipeline_{kind}"] += 1

    def process_item(self, item: DocumentItem) -> DocumentItem:
        row = dict(item)
        row["campaign"] = self.campaign.id
        row["source"] = row.get("source") or self.spider.name
        row["crawl_run_id"] = self.run_id
        row["extra"] = row.get("extra") or None
        self.buffer.append(row)
        self.items_kept += 1
        if len(self.buffer) >= self.flush_items and self.storage_failing is None:
            self.flush()  # while the warehouse fails, only the timer retries
        return item

    def _flush_if_due(self) -> None:
        if self.buffer and time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Store the buffered documents now, or spool them if the writer stays busy.

        On any other failure the batch stays in the buffer (tried again at the next flush)
        and the failure is recorded, so the run ends failed and keeps no source state.
        """
        self.last_flush = time.monotonic()
        if not self.buffer:
            return
        batch = list(self.buffer)
        try:
            with connect(self.db, timeout=self.writer_timeout, publish_when="due") as con:
                new = insert_documents(con, batch)
        except WriterBusy as exc:
            try:
                spooled = spool_documents(self.db, batch)
            except OSError as spool_exc:
                self._storage_failed(f"writer busy ({exc}) and the spool failed: {spool_exc}")
                return
            del self.buffer[: len(batch)]
            self.spooled.append(spooled)
            self.crawler.stats.inc_value("vigia/spooled_documents", len(batch))
            log.warning("%s: writer busy (%s); %d documents spooled to %s", self.spider.name, exc, len(batch), spooled)
            return
        except (WarehouseError, OSError) as exc:
            self._storage_failed(str(exc))
            return
        del self.buffer[: len(batch)]
        self.storage_failing = None
        self.new_documents += len(new)
        self.crawler.stats.inc_value("vigia/new_documents", len(new))
        log.info("%s: stored %d documents (%d new)", self.spider.name, len(batch), len(new))

    def _storage_failed(self, why: str) -> None:
        self.storage_failing = why
        self.crawler.stats.inc_value("vigia/errors/storage")
        log.error("%s: %d documents not stored yet: %s", self.spider.name, len(self.buffer), why)

    def still_spooled(self) -> int:
        """How many of this run's spooled batches no writer has stored yet."""
        return sum(1 for path in self.spooled if path.exists())

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        if self.buffer:  # the warehouse failed for good: keep the batch on disk rather than drop it
            try:
                self.spooled.append(spool_documents(self.db, self.buffer))
                log.warning("%s: %d documents spooled for the next writer", self.spider.name, len(self.buffer))
                self.buffer = []
            except OSError as exc:
                log.error("%s: %d documents could not be spooled either: %s", self.spider.name, len(self.buffer), exc)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Record the run; keep source states only when the run finished and all it kept is stored."""
        if self.run_id is None:
            return
        summary = self.summary(spider, reason)
        try:
            with connect(self.db, timeout=self.close_timeout) as con:
                pending = self.still_spooled()  # under the writer lock: waiting batches were just stored
                summary["spooled_pending"] = pending
                stored_all = not self.buffer and not pending
                finish_run(
                    con,
                    self.run_id,
                    status=summary["status"],
                    finish_reason=reason,
                    items_seen=summary["items_seen"],
                    items_kept=summary["items_kept"],
                    new_documents=summary["new_documents"],
                    dropped=summary["dropped"],
                    errors=summary["errors"],
                    skipped=summary["skipped"],
                )
                if summary["status"] == "finished" and stored_all:
                    for name, values in spider.source_states.items():
                        save_state(con, self.campaign.id, name, values)
                elif summary["status"] == "finished":
                    log.warning("%s: source states not saved: %d documents not stored yet", spider.name,
                                len(self.buffer) + pending)
        except WarehouseError as exc:
            # The documents are spooled or were stored; only the run record waits (marked stale later).
            summary["spooled_pending"] = self.still_spooled()
            summary["errors"] = {**summary["errors"], "run_record": 1}
            summary.setdefault("failure", f"the crawl run record was not written: {exc}")
            log.error("%s: %s", spider.name, summary["failure"])
        spider.crawl_summary = summary

    def summary(self, spider: Any, reason: str) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        errors: Counter[str] = Counter(self.pipeline_errors)
        for key, value in stats.items():
            if not isinstance(value, int):
                continue
            if key.startswith("spider_exceptions/"):
                errors[key.split("/", 1)[1]] += value
            elif key.startswith("downloader/exception_type_count/"):
                errors[key.rsplit("/", 1)[1].rsplit(".", 1)[-1]] += value
            elif key.startswith("downloader/response_status_count/"):
                code = key.rsplit("/", 1)[1]
                robots = stats.get(f"robotstxt/response_status_count/{code}", 0)
                # answers a spider read and counted as a skip (a feed's 403 to heavy polling), and
                # 429s whose Retry-After was waited for before asking again (crawler/politeness.py)
                skipped_here = stats.get(f"vigia/http_skipped/{code}", 0) + stats.get(f"vigia/http_waited/{code}", 0)
                if code.isdigit() and int(code) >= 400 and value - robots - skipped_here > 0:
                    errors[f"http_{code}"] += value - robots - skipped_here
            elif key.startswith("vigia/errors/"):
                errors[key.split("/", 2)[2]] += value
        skipped = dict(spider.skipped)
        for key, value in stats.items():
            # Skips counted only in stats (not already explained in spider.skipped).
            if key.startswith("vigia/skipped/") and isinstance(value, int):
                what = key.split("/", 2)[2]
                if what.split("/")[0] not in skipped:
                    skipped[what] = f"{value} times"
        status = "finished" if reason == "finished" else "interrupted" if reason == "shutdown" else "failed"
        failure = None
        if self.buffer or self.storage_failing:
            status = "failed"
            failure = f"documents not stored: {self.storage_failing or 'buffer left'}"
        elif reason not in ("finished", "shutdown"):
            failure = f"closed: {reason}"
        return {
            "spider": spider.name,
            "run_id": self.run_id,
            "status": status,
            "failure": failure,
            "finish_reason": reason,
            "items_seen": int(stats.get("vigia/items_seen", 0)),
            "items_kept": self.items_kept,
            "new_documents": self.new_documents,
            "dropped": dict(sorted(self.dropped.items())),
            "errors": dict(sorted(errors.items())),
            "skipped": skipped,
        }
