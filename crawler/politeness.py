"""Politeness toward news sites that holds at any concurrency: per-outlet limits, robots.txt and
``Retry-After``.

Scrapy keeps ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` per download slot (one per
host) and obeys robots.txt. What is added here:

- :class:`Downloader`: Scrapy 2.19's downloader under the asyncio reactor (its default) lets a
  host exceed ``CONCURRENT_REQUESTS_PER_DOMAIN``: it counts a request against its slot only once
  the task that sends it starts, so every request queued for a slot at that moment goes out at
  once (measured: 9 requests at once to one host with a limit of 2). This one counts it when it
  leaves the queue, so the limit holds (``tests/crawler/test_politeness.py``).

- :class:`RetryAfterMiddleware`: a news site's 429 (or a 503 with ``Retry-After``) waits for the
  announced time (``Retry-After`` in seconds or as a date; 5 s when absent) before the request is
  sent again, and holds every other request to that host until then. A wait beyond
  ``VIGIA_MAX_RATE_WAIT`` gives the answer back (counted as an error, fetched next run).
  (Platform APIs have their own dialects: :mod:`crawler.ratelimits`.)
- On the sample server (``VIGIA_LOCAL_BASE``) every outlet is one host, 127.0.0.1, so Scrapy
  would give them one slot and read one robots.txt. :class:`SampleHostSlots` gives each real
  host its own slot and :class:`RobotsTxtMiddleware` reads each real host's robots.txt, so a
  sample crawl is as polite, per outlet, as a real one (``tests/crawler/test_politeness.py``).
"""

from __future__ import annotations

import logging
import time
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.core.downloader import Downloader as ScrapyDownloader
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import call_later, sleep
from scrapy.utils.defer import _schedule_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from campaigns.localize import from_local, to_local
from crawler.ratelimits import (
    DEFAULT_MAX_WAIT,
    DEFAULT_RETRIES,
    header_text,
    retry_after_epoch,
    wait_seconds,
)

log = logging.getLogger("vigia.politeness")


def _real_host(url: str, local_base: str | None) -> str:
    return urlsplit(from_local(url, local_base) if local_base else url).netloc


class SampleHostSlots:
    """On the sample server, one download slot per real host (as a real crawl has).

    The slot is set when a request is scheduled, not only when it reaches the downloader: the
    scheduler's ``DownloaderAwarePriorityQueue`` (crawler/settings.py) hands out requests by
    slot, and on the sample server every URL's host is 127.0.0.1.
    """

    def __init__(self, local_base: str | None):
        self.local_base = local_base

    @classmethod
    def from_crawler(cls, crawler: Any) -> SampleHostSlots:
        middleware = cls(crawler.settings.get("VIGIA_LOCAL_BASE") or None)
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def request_scheduled(self, request: Request, spider: Any = None) -> None:
        self.process_request(request)

    def process_request(self, request: Request) -> None:
        if self.local_base and "download_slot" not in request.meta:
            request.meta["download_slot"] = _real_host(request.url, self.local_base)


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; on the sample server, each real host's robots.txt, read
    against the real path (the sample server puts the host in the path)."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.local_base = crawler.settings.get("VIGIA_LOCAL_BASE") or None

    def process_request_2(self, rp: Any, request: Request) -> None:
        if self.local_base and rp is not None:
            request = request.replace(url=from_local(request.url, self.local_base), callback=NO_CALLBACK)
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> Any:
        if not self.local_base:
            return await super().robot_parser(request)
        real = urlsplit(from_local(request.url, self.local_base))
        host = real.netloc  # the real host, not 127.0.0.1: one robots.txt per outlet
        if host not in self._parsers:
            self._parsers[host] = Deferred()
            robots = Request(to_local(f"{real.scheme}://{host}/robots.txt", self.local_base),
                             priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            try:
                response = await self.crawler.engine.download_async(robots)
                await self._parse_robots(response, host, request)
            except Exception as exc:  # as Scrapy's own: no robots.txt read means none to obey
                self._robots_error(exc, host)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[host]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser


class Downloader(ScrapyDownloader):
    """Scrapy's downloader, with each slot's concurrency counted when a request leaves its queue."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._holds: dict[int, float] = {}  # id(slot) -> Unix time it may send again

    def hold(self, key: str, until: float) -> None:
        """Send nothing more from slot ``key`` before ``until`` (Unix time): a ``Retry-After``."""
        slot = self.slots.get(key)
        if slot is not None:  # Scrapy's Slot takes no new attributes: held by its id
            self._holds[id(slot)] = max(self._holds.get(id(slot), 0.0), until)

    def _process_queue(self, slot: Any) -> None:
        if slot.latercall:
            return  # processing waits for the delay's call (as Scrapy's own)
        held = self._holds.get(id(slot), 0.0) - time.time()
        if held > 0:  # requests already queued for this host wait too, not only new ones
            slot.latercall = call_later(held, self._latercall, slot)
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            # counted now, not when the task starts: _download adds it again (a set) and removes it
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # as Scrapy's own: no burst when requests are spaced out
                self._process_queue(slot)
                break


class RetryAfterMiddleware:
    """A news site's 429 (or 503 with ``Retry-After``) waits its time, for that host only."""

    def __init__(self, crawler: Any, max_wait: float, retries: int, local_base: str | None):
        self.crawler = crawler
        self.max_wait = max_wait
        self.retries = retries
        self.local_base = local_base
        self.reopens: dict[str, float] = {}  # host -> Unix time it may be asked again

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        settings = crawler.settings
        middleware = cls(crawler, settings.getfloat("VIGIA_MAX_RATE_WAIT", DEFAULT_MAX_WAIT),
                         settings.getint("VIGIA_RATE_RETRIES", DEFAULT_RETRIES), settings.get("VIGIA_LOCAL_BASE") or None)
        # Scrapy sends this as an answer arrives, before its slot sends the next request: holding
        # the slot here keeps the requests already queued for that host from going out at once.
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    @staticmethod
    def _asks_to_wait(request: Request, response: Response) -> bool:
        """Whether a news site's answer asks us to wait (a 429, or a 503 that says how long)."""
        if request.meta.get("vigia_platform") or response.status not in (429, 503):
            return False
        # a 503 without Retry-After is an ordinary outage: Scrapy's retries handle it
        return response.status == 429 or "retry-after" in header_text(response)

    def _wait_asked(self, response: Response, now: float) -> float | None:
        """The wait the answer asks for (None: longer than we wait)."""
        retry_after = header_text(response).get("retry-after")
        return wait_seconds(retry_after_epoch(retry_after, now), now, self.max_wait)

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        wait = self._wait_asked(response, time.time()) if self._asks_to_wait(request, response) else None
        downloader = getattr(self.crawler.engine, "downloader", None)
        if wait is not None and isinstance(downloader, Downloader) and request.meta.get("download_slot"):
            downloader.hold(request.meta["download_slot"], time.time() + wait)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("vigia_platform"):
            return None  # platform APIs: crawler.ratelimits
        reopens = self.reopens.get(_real_host(request.url, self.local_base))
        if reopens and reopens > time.time():
            await sleep(reopens - time.time())
        return None

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        if not self._asks_to_wait(request, response):
            return response
        headers = header_text(response)
        now = time.time()
        wait = self._wait_asked(response, now)
        attempt = request.meta.get("vigia_retry_after", 0) + 1
        host = _real_host(request.url, self.local_base)
        stats = self.crawler.stats
        if wait is None or attempt > self.retries:
            stats.inc_value("vigia/retry_after/given_up")
            log.warning("%s answered %s with Retry-After %s: not waiting that long, fetched next run",
                        host, response.status, headers.get("retry-after"))
            return response
        self.reopens[host] = max(self.reopens.get(host, 0.0), now + wait)
        stats.inc_value("vigia/retry_after/waits")
        stats.inc_value(f"vigia/http_waited/{response.status}")  # not an error: asked again after the wait
        log.info("%s answered %s: waiting %.1f s as it asks (attempt %d of %d)", host, response.status, wait,
                 attempt, self.retries)
        await sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["vigia_retry_after"] = attempt
        return retry
