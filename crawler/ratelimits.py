"""Platform rate limits: reading what each API says about its limits, and waiting politely.

Every social API announces its limits in its own dialect; this module holds the dialects, and
each spider names its own (``SocialSpider.rate_limit_dialect``, ``SocialSpider.limit_reason``):

=================  =================================================  ======================
dialect            headers                                            reset is given as
=================  =================================================  ======================
``reddit_limit``   ``X-Ratelimit-Used/Remaining/Reset``               seconds from now
``bluesky_limit``  ``ratelimit-limit/remaining/reset``                Unix epoch seconds
``mastodon_limit`` ``X-RateLimit-Limit/Remaining/Reset``              an ISO-8601 time
``x_limit``        ``x-rate-limit-limit/remaining/reset``             Unix epoch seconds
``youtube_limit``  a 403 whose JSON reason is ``quotaExceeded``       midnight, Pacific time
=================  =================================================  ======================

A new platform names one of these, or writes its own function of the same shape in its spider.

:class:`RateLimitMiddleware` (a Scrapy downloader middleware) turns those into behaviour:
a 429 (or a spent YouTube quota) parks that one request until the announced reset and
then sends it again, without blocking the reactor; requests to a platform whose window is
spent wait for its reset before going out. A reset further away than the setting
``VIGIA_MAX_RATE_WAIT`` (seconds) stops the source for the rest of the run: one log line,
one ``vigia/skipped/<platform>/<reason>`` count, and the spider is told so it can leave
the source alone until the reset.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

from campaigns.localize import from_local

log = logging.getLogger("vigia.ratelimits")

DEFAULT_MAX_WAIT = 120.0      # seconds: longer resets stop the source for this run
DEFAULT_BACKOFF = 5.0         # seconds to wait on a 429 that names no reset at all
DEFAULT_RETRIES = 3           # rate-limit retries of one request before giving up its source
MIDDLEWARE_PRIORITY = 560     # before RetryMiddleware (550) sees a 429 and retries at once
YOUTUBE_QUOTA_ZONE = ZoneInfo("America/Los_Angeles")  # YouTube daily quotas reset at Pacific midnight
YOUTUBE_LIMIT_REASONS = {
    "quotaExceeded": "quota_exceeded",
    "dailyLimitExceeded": "quota_exceeded",
    "rateLimitExceeded": "rate_limited",
    "userRateLimitExceeded": "rate_limited",
}


@dataclass(frozen=True)
class RateLimit:
    """What a response said about the caller's window; ``reset_at`` is Unix seconds."""

    limit: float | None = None
    remaining: float | None = None
    reset_at: float | None = None

    @property
    def spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _iso_epoch(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def reddit_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """Reddit: ``X-Ratelimit-Reset`` counts seconds from now; the counts may be floats ("598.0")."""
    used = _number(headers.get("x-ratelimit-used"))
    remaining = _number(headers.get("x-ratelimit-remaining"))
    reset = _number(headers.get("x-ratelimit-reset"))
    limit = used + remaining if used is not None and remaining is not None else None
    return RateLimit(limit, remaining, now + reset if reset is not None else None)


def bluesky_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """Bluesky: ``ratelimit-reset`` is a Unix time in seconds."""
    return RateLimit(
        _number(headers.get("ratelimit-limit")),
        _number(headers.get("ratelimit-remaining")),
        _number(headers.get("ratelimit-reset")),
    )


def mastodon_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """Mastodon: ``X-RateLimit-Reset`` is an ISO-8601 time such as ``2026-11-24T15:05:00.000Z``."""
    return RateLimit(
        _number(headers.get("x-ratelimit-limit")),
        _number(headers.get("x-ratelimit-remaining")),
        _iso_epoch(headers.get("x-ratelimit-reset")),
    )


def x_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """X: ``x-rate-limit-reset`` is a Unix time in seconds (15-minute windows)."""
    return RateLimit(
        _number(headers.get("x-rate-limit-limit")),
        _number(headers.get("x-rate-limit-remaining")),
        _number(headers.get("x-rate-limit-reset")),
    )


def youtube_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """YouTube sends no window headers: its daily quota resets at midnight Pacific time."""
    return RateLimit(reset_at=youtube_quota_reset(now))


def youtube_quota_reset(now: float) -> float:
    """The next midnight in America/Los_Angeles after ``now``, as Unix seconds."""
    local = datetime.fromtimestamp(now, YOUTUBE_QUOTA_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), YOUTUBE_QUOTA_ZONE)
    return midnight.timestamp()


def no_window(headers: Mapping[str, str], now: float) -> RateLimit:
    """A platform that announces no window (only ``Retry-After``, read by :func:`rate_limit`)."""
    return RateLimit()


#: How a platform's headers are read: ``(lower-case headers, now) -> RateLimit``.
Dialect = Callable[[Mapping[str, str], float], RateLimit]


def rate_limit(dialect: Dialect, headers: Mapping[str, str], now: float | None = None) -> RateLimit:
    """Read rate-limit headers (keys lower-case) in ``dialect``; a ``Retry-After`` fills a missing reset."""
    now = time.time() if now is None else now
    found = dialect(headers, now)
    if found.reset_at is None:
        retry_after = retry_after_epoch(headers.get("retry-after"), now)
        if retry_after is not None:
            found = RateLimit(found.limit, found.remaining, retry_after)
    return found


def retry_after_epoch(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds (``"30"``) or as an HTTP date."""
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return now + seconds
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def answered_429(response: Response) -> str | None:
    """``rate_limited`` for a 429, the one limit answer most platforms give."""
    return "rate_limited" if response.status == 429 else None


def youtube_limit_reason(response: Response) -> str | None:
    """YouTube: a 429, or a 403 whose reason is a spent quota (``quota_exceeded``) or rate."""
    if response.status == 403:
        return YOUTUBE_LIMIT_REASONS.get(youtube_error_reason(response.body) or "")
    return answered_429(response)


def youtube_error_reason(body: bytes) -> str | None:
    """The ``reason`` of a YouTube Data API error body (``quotaExceeded``, ``commentsDisabled``...)."""
    try:
        payload = json.loads(body)
        return str(payload["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def wait_seconds(reset_at: float | None, now: float, max_wait: float, backoff: float = DEFAULT_BACKOFF) -> float | None:
    """How long to wait for ``reset_at``; None when that is longer than ``max_wait``.

    An unknown reset waits ``backoff``; a reset already past still waits a moment, so a
    clock a little ahead of the platform's never turns into a burst of retries.
    """
    wait = backoff if reset_at is None else reset_at - now
    wait = max(wait, 0.25)
    return None if wait > max_wait else wait


def header_text(response: Response) -> dict[str, str]:
    """A Scrapy response's headers as lower-case name -> first value."""
    return {
        name.decode("latin-1").lower(): values[0].decode("latin-1")
        for name, values in response.headers.items()
        if values
    }


class RateLimitMiddleware:
    """Waits out platform rate limits for social requests (those with ``meta['vigia_platform']``).

    Enabled by every social spider (``SocialSpider.update_settings``); news requests pass through.
    The running spider names its platform's dialect (``rate_limit_dialect``) and what counts
    as a limit answer (``limit_reason``).
    """

    def __init__(self, crawler: Any, max_wait: float, retries: int, local_base: str | None):
        self.crawler = crawler
        self.max_wait = max_wait
        self.retries = retries
        self.local_base = local_base
        self.blocked_until: dict[str, float] = {}   # platform|host -> Unix time its window reopens
        self.stopped: dict[str, str] = {}          # source name -> why it was stopped this run

    @classmethod
    def from_crawler(cls, crawler: Any) -> RateLimitMiddleware:
        settings = crawler.settings
        return cls(
            crawler,
            max_wait=settings.getfloat("VIGIA_MAX_RATE_WAIT", DEFAULT_MAX_WAIT),
            retries=settings.getint("VIGIA_RATE_RETRIES", DEFAULT_RETRIES),
            local_base=settings.get("VIGIA_LOCAL_BASE"),
        )

    def _window(self, request: Request, platform: str) -> str:
        # Limits are per platform host (each Mastodon instance counts on its own).
        return f"{platform}|{urlsplit(from_local(request.url, self.local_base)).netloc}"

    async def process_request(self, request: Request) -> None:
        platform = request.meta.get("vigia_platform")
        if not platform:
            return None
        source = request.meta.get("vigia_source", "?")
        if source in self.stopped:
            self.crawler.stats.inc_value(f"vigia/ratelimit/{platform}/requests_not_sent")
            raise IgnoreRequest(f"source {source} stopped: {self.stopped[source]}")
        reopens = self.blocked_until.get(self._window(request, platform))
        now = time.time()
        if reopens and reopens > now:
            wait = wait_seconds(reopens, now, self.max_wait)
            if wait is None:
                self._stop(source, platform, "rate_limited", reopens)
            log.info("%s: %s window spent, waiting %.1f s for its reset", source, platform, wait)
            await sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        platform = request.meta.get("vigia_platform")
        if not platform:
            return response
        source = request.meta.get("vigia_source", "?")
        now = time.time()
        spider = self.crawler.spider
        limit = rate_limit(getattr(spider, "rate_limit_dialect", no_window), header_text(response), now)
        window = self._window(request, platform)
        if limit.spent and limit.reset_at and limit.reset_at > now:
            self.blocked_until[window] = limit.reset_at
        reason = getattr(spider, "limit_reason", answered_429)(response)
        if reason is None:
            return response
        stats = self.crawler.stats
        stats.inc_value(f"vigia/ratelimit/{platform}/{response.status}")
        attempt = request.meta.get("vigia_rate_retries", 0) + 1
        wait = wait_seconds(limit.reset_at, now, self.max_wait)
        if wait is None or attempt > self.retries:
            self._stop(source, platform, reason, limit.reset_at)
        self.blocked_until[window] = max(self.blocked_until.get(window, 0.0), now + wait)
        log.info(
            "%s: %s answered %s (%s), retrying in %.1f s (attempt %d of %d)",
            source, platform, response.status, reason, wait, attempt, self.retries,
        )
        stats.inc_value(f"vigia/ratelimit/{platform}/waits")
        await sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["vigia_rate_retries"] = attempt
        return retry

    def _stop(self, source: str, platform: str, reason: str, reset_at: float | None) -> None:
        """Give up ``source`` for this run: one log line, one count; raises IgnoreRequest."""
        if source not in self.stopped:
            self.stopped[source] = reason
            until = (
                datetime.fromtimestamp(reset_at, UTC).isoformat(timespec="seconds") if reset_at else "unknown"
            )
            self.crawler.stats.inc_value(f"vigia/skipped/{platform}/{reason}")
            log.warning(
                "%s: %s %s until %s, beyond VIGIA_MAX_RATE_WAIT=%ss: source stopped for this run",
                source, platform, reason.replace("_", " "), until, int(self.max_wait),
            )
            spider = self.crawler.spider
            if hasattr(spider, "source_stopped"):
                spider.source_stopped(source, reason, reset_at)
        raise IgnoreRequest(f"source {source} stopped: {reason}")
