"""Article extraction beside the crawl, in worker processes, once a run has many pages.

Scrapy runs every callback and pipeline on one thread. Extracting an article (parsing the page
twice, trafilatura's body, JSON-LD, bylines, dates) is the largest part of a page's cost, so a
backfill of thousands of pages would use one core of a machine that has more. An
:class:`ExtractionPool` extracts the first ``warm_after`` pages of a run on the crawl's own
thread (a daily run of a few dozen pages never starts a process), then hands pages to
``workers`` worker processes while the crawl goes on fetching, recognising and storing.

Settings: ``VIGIA_EXTRACT_WORKERS`` (``auto``: one per core beyond the first, at most 4; ``0``
keeps everything on the crawl's thread), ``VIGIA_EXTRACT_POOL_AFTER`` (pages, default 50) and
``VIGIA_PREPARE_BACKLOG`` (pages waiting per worker up to which a worker also computes the
pipelines' answers, :mod:`crawler.prepared`; default 64).
What a worker returns is exactly what :func:`extract_page` returns on the crawl's thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from crawler.articles import Article, decode_html, extract_article
from crawler.prepared import PreparedCache, PrepareSpec, prepare

log = logging.getLogger("vigia.extraction")

DEFAULT_WARM_AFTER = 50
MAX_AUTO_WORKERS = 4
# Pages per worker that may wait for extraction with the pipelines' answers asked too
# (crawl throughput is best when neither the crawl's thread nor a worker idles; see extract()).
PREPARE_BACKLOG = 64


def extract_page(body: bytes, declared: str | None, url: str, now: datetime | None) -> Article:
    """Page bytes (and the charset the server declared) to an :class:`Article`."""
    return extract_article(decode_html(body, declared), url, now=now)


def extract_prepared(
    body: bytes, declared: str | None, url: str, now: datetime | None, spec: PrepareSpec
) -> tuple[Article, Any]:
    """:func:`extract_page`, and the pipelines' answers for the article's title and text
    (:mod:`crawler.prepared`), in one trip to a worker."""
    article = extract_page(body, declared, url, now)
    try:
        prepared = prepare(spec, article.title, article.text, article.lang)
    except Exception:  # the pipelines compute the answers themselves; the article is what counts
        log.exception("%s: the pipelines' answers failed in the worker", url)
        return article, None
    if prepared.text == article.text:  # the usual case: not sent back twice
        prepared = replace(prepared, text=None)
    return article, prepared


def auto_workers(cpus: int | None = None) -> int:
    """One worker per core beyond the one the crawl itself runs on (none on one core)."""
    cpus = cpus if cpus is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return max(0, min(cpus - 1, MAX_AUTO_WORKERS))


def workers_setting(value: Any) -> int:
    """``VIGIA_EXTRACT_WORKERS`` as a number of workers (``auto`` or a count)."""
    if value in (None, "", "auto"):
        return auto_workers()
    try:
        workers = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"VIGIA_EXTRACT_WORKERS must be 'auto' or a number of processes, not {value!r}") from None
    if workers < 0:
        raise ValueError(f"VIGIA_EXTRACT_WORKERS must be 0 or more, not {workers}")
    return workers


def _quiet_worker() -> None:
    # Ctrl+C and SIGTERM are the crawl's to handle: a worker ends when the crawl shuts the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class ExtractionPool:
    """Extracts articles on the crawl's thread, then (after ``warm_after`` pages) in workers."""

    def __init__(self, workers: int, warm_after: int = DEFAULT_WARM_AFTER, prepare_backlog: int = PREPARE_BACKLOG):
        self.workers = workers
        self.prepare_backlog = prepare_backlog
        self.warm_after = warm_after
        self.extracted = 0
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False
        # the pipelines' answers computed in a worker, waiting for their items (crawler/prepared.py)
        self.prepared = PreparedCache()
        self._waiting = 0  # pages sent to the workers with their answers asked, not back yet

    def _pool(self) -> ProcessPoolExecutor | None:
        if self.workers <= 0 or self._broken or self.extracted < self.warm_after:
            return None
        if self._executor is None:
            # spawn, not fork: the crawl process holds a reactor, threads and open sockets
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_quiet_worker)
            log.info("extracting articles in %d worker process(es) from page %d on", self.workers, self.extracted + 1)
        return self._executor

    async def extract(
        self, body: bytes, declared: str | None, url: str, now: datetime | None, spec: PrepareSpec | None = None
    ) -> Article:
        """The page's :class:`Article`, from a worker once the pool runs, else right here.

        With ``spec``, a worker also computes the pipelines' answers for the article
        (:mod:`crawler.prepared`) and leaves them in :attr:`prepared`.
        """
        self.extracted += 1
        pool = self._pool()
        if pool is None:
            return extract_page(body, declared, url, now)
        try:
            # The worker also answers for the pipelines only while it keeps up: with more than
            # prepare_backlog pages waiting per worker, the crawl's thread answers for this one.
            if spec is None or self._waiting >= self.workers * self.prepare_backlog:
                return await asyncio.wrap_future(pool.submit(extract_page, body, declared, url, now))
            self._waiting += 1
            try:
                article, prepared = await asyncio.wrap_future(
                    pool.submit(extract_prepared, body, declared, url, now, spec))
            finally:
                self._waiting -= 1
            if prepared is not None:
                if prepared.text is None:
                    prepared = replace(prepared, text=article.text)
                self.prepared.offer(article.title, article.text, prepared)
            return article
        except Exception as exc:  # a worker that died (killed, out of memory): go on without the pool
            if not self._broken:
                log.warning("extraction workers stopped (%s: %s); extracting on the crawl's thread",
                            type(exc).__name__, exc)
            self._broken = True
            return extract_page(body, declared, url, now)

    def close(self) -> None:
        if self.prepared.offered:
            log.info("%d of %d pages: the pipelines' answers came from the extraction workers (%d computed there)",
                     self.prepared.used, self.extracted, self.prepared.offered)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
