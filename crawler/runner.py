"""Run a campaign's spiders from Python: what ``vigia crawl`` and ``vigia demo`` call.

The spiders run one after another in a single Scrapy ``CrawlerProcess``, so a later spider
sees what an earlier one stored (news search skips leads that the feeds already collected).

Scrapy runs on Twisted's reactor, which cannot be restarted: call :func:`run_crawl` at most
once per Python process (tests run crawls in a subprocess).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from campaigns import Campaign

log = logging.getLogger("vigia.crawler")

# Our own sample server needs no politeness delay.
SAMPLE_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "AUTOTHROTTLE_MAX_DELAY": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 15,
}


# After SIGTERM/SIGINT the spiders get this long to close gracefully (final flush, run record)
# before the reactor is stopped anyway: the whole command must end within 10 s.
GRACEFUL_STOP_SECONDS = 6.0
# Whatever the process is busy with (a model loading, a blocked reactor), it is gone this long
# after the signal. Committed writes are whole (DuckDB's WAL); a run left open is marked
# interrupted by the next crawl.
HARD_STOP_SECONDS = 9.0


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error to catch broadly
    """SIGTERM or SIGINT arrived: the command stops and exits with 128 + ``signum``."""

    def __init__(self, signum: int, summaries: list[dict[str, Any]] | None = None):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum
        self.summaries = summaries or []


def arm_hard_stop(signum: int, seconds: float = HARD_STOP_SECONDS) -> None:
    """Exit with 128 + ``signum`` in ``seconds`` if the process has not ended by itself by then."""

    def hard_stop() -> None:
        sys.stderr.write(f"vigia: still busy {seconds:.0f}s after {signal.Signals(signum).name}: stopped hard\n")
        sys.stderr.flush()
        os._exit(128 + signum)

    timer = threading.Timer(seconds, hard_stop)
    timer.daemon = True
    timer.start()


def project_settings(
    db_path: str | Path, local_base: str | None = None, overrides: Mapping[str, Any] | None = None
) -> Any:
    """Vigia's Scrapy settings with the warehouse path, sample base and any overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("VIGIA_DB", str(db_path), priority="cmdline")
    if local_base:
        settings.set("VIGIA_LOCAL_BASE", local_base, priority="cmdline")
        settings.setdict(SAMPLE_SETTINGS, priority="cmdline")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    return settings


def quiet_scrapy(level: int) -> None:
    """When the caller (``vigia``) owns logging: Scrapy's own loggers say what a user needs.

    Scrapy sets its loggers to DEBUG, which under the caller's handler printed every page
    fetched and every item stored (thousands of lines per demo). At the caller's INFO they
    say only warnings and errors (each spider's summary is ``vigia``'s own line); with ``-v``
    (DEBUG) everything, as Scrapy would.
    """
    quiet = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    # "scrapy" itself is set back to DEBUG each time Scrapy configures logging; these children
    # keep their level through it (the start-up banner and version list are theirs).
    for name in ("scrapy", "scrapy.utils.log", "scrapy.crawler"):
        logging.getLogger(name).setLevel(quiet)


def available_spiders(settings: Any) -> list[str]:
    from scrapy.spiderloader import get_spider_loader

    return sorted(get_spider_loader(settings).list())


def run_crawl(
    campaign: Campaign,
    db_path: str | Path,
    spiders: Sequence[str] | None = None,
    local_base: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run ``spiders`` (default: the campaign's enabled spiders that exist) into ``db_path``.

    Returns one summary per spider: ``spider``, ``run_id``, ``status``, ``items_seen``,
    ``items_kept``, ``new_documents``, ``dropped`` and ``errors`` (counts by reason/type),
    ``skipped`` (source -> why). Callable once per process (the Twisted reactor cannot
    be restarted).
    """
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer

    scrapy_settings = project_settings(db_path, local_base, settings)
    known = set(available_spiders(scrapy_settings))
    wanted = list(spiders) if spiders else list(campaign.spiders)
    missing = [name for name in wanted if name not in known]
    if spiders and missing:
        raise ValueError(f"unknown spider(s): {', '.join(missing)} (available: {', '.join(sorted(known))})")
    for name in missing:
        log.warning("campaign source uses spider %s, which does not exist yet: skipped", name)
    names = [name for name in wanted if name in known]
    if not names:
        return []

    root_has_handlers = bool(logging.getLogger().handlers)
    scrapy_settings.set("LOG_INSTALL_ROOT_HANDLER", not root_has_handlers, priority="cmdline")
    if root_has_handlers:
        quiet_scrapy(logging.getLogger().getEffectiveLevel())
    process = CrawlerProcess(scrapy_settings)
    if root_has_handlers:
        quiet_scrapy(logging.getLogger().getEffectiveLevel())
    crawlers = [process.create_crawler(name) for name in names]
    failures: dict[str, str] = {}
    stop_signal: list[int] = []

    @defer.inlineCallbacks
    def one_after_another() -> Any:
        for crawler in crawlers:
            if stop_signal:
                break
            try:
                yield process.crawl(crawler, campaign=campaign)
            except Exception as exc:  # one broken spider must not stop the others
                log.exception("spider %s failed", crawler.spidercls.name)
                failures[crawler.spidercls.name] = f"{type(exc).__name__}: {exc}"

    done = one_after_another()
    from twisted.internet import reactor  # only now: the first crawl installed Scrapy's reactor

    def stop_now() -> None:
        if reactor.running:  # type: ignore[attr-defined]
            log.warning("spiders still closing after %.0fs: stopping now", GRACEFUL_STOP_SECONDS)
            reactor.stop()  # type: ignore[attr-defined]

    def on_signal(signum: int, _frame: Any) -> None:
        if stop_signal:  # a second signal: no more grace
            reactor.callFromThread(stop_now)  # type: ignore[attr-defined]
            return
        stop_signal.append(signum)
        arm_hard_stop(signum)
        log.warning("%s: stopping the crawl", signal.Signals(signum).name)
        reactor.callFromThread(process.stop)  # type: ignore[attr-defined]
        reactor.callFromThread(reactor.callLater, GRACEFUL_STOP_SECONDS, stop_now)  # type: ignore[attr-defined]

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    done.addBoth(lambda _: reactor.callLater(0, reactor.stop))  # type: ignore[attr-defined]
    try:
        process.start(stop_after_crawl=False, install_signal_handlers=False)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    summaries = []
    for crawler in crawlers:
        name = crawler.spidercls.name
        summary = getattr(crawler.spider, "crawl_summary", None) if crawler.spider else None
        if summary is None:
            run_id = getattr(crawler.spider, "run_id", None) if crawler.spider else None
            status = "interrupted" if stop_signal else "failed"
            reason = failures.get(name) or ("stopped before it ran" if stop_signal else "did not run")
            if run_id is not None:
                _close_abandoned_run(db_path, run_id, status, reason)
            summary = {
                "spider": name, "run_id": run_id, "status": status, "failure": reason,
                "finish_reason": reason, "items_seen": 0, "items_kept": 0,
                "new_documents": 0, "dropped": {}, "errors": {} if stop_signal else {"crawl": 1}, "skipped": {},
            }
        summaries.append(summary)
    if stop_signal:
        raise Interrupted(stop_signal[0], summaries)
    return summaries


def _close_abandoned_run(db_path: str | Path, run_id: int, status: str, reason: str) -> None:
    """Mark a run whose spider never closed (stopped hard, or failed while opening)."""
    from warehouse import WarehouseError, connect
    from warehouse.crawl_runs import finish_run

    try:
        with connect(db_path, timeout=3.0) as con:
            finish_run(con, run_id, status=status, finish_reason=reason, items_seen=0, items_kept=0,
                       new_documents=0, dropped={}, errors={})
    except WarehouseError as exc:
        log.error("crawl run %d left unmarked (the next run marks it stale): %s", run_id, exc)
