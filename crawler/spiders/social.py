"""What the five social-platform spiders share: JSON API answers, counted skips, high-water marks.

A platform answer that is not what the spider expects (an HTML page instead of JSON, a
truncated body, an error object, a post without its text) never stops a run: it is logged
in one line and counted in the Scrapy stat ``vigia/skipped/<platform>/<reason>``.

Incremental runs: every query of a source has a high-water mark in
``spider.state_of(source)`` under ``newest:<scope>`` (the newest id or time seen). Paging
stops at the first post at or before the mark, and the mark only moves once paging of that
query ended normally, so a page lost to an error is asked for again next run.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.python.failure import Failure

from campaigns import Source, to_local
from crawler.items import DocumentItem
from crawler.ratelimits import (
    MIDDLEWARE_PRIORITY,
    Dialect,
    RateLimitMiddleware,
    answered_429,
    no_window,
)
from crawler.spiders.base import CampaignSpider

DEFAULT_MAX_PAGES = 20

_BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Post HTML (a Mastodon status, a YouTube ``textDisplay``) as plain text: paragraphs kept,
    links as their visible text.

    Hashtags become ``#Tag``, mentions ``@user``, and a shortened link its full URL (the
    "invisible" spans Mastodon uses to abbreviate it are part of the text).
    """
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def read_json(body: bytes, content_type: str = "") -> tuple[Any, str | None]:
    """Decode an API body: ``(payload, None)`` or ``(None, reason)`` for what is not JSON."""
    text = body.lstrip()
    if not text:
        return None, "empty_body"
    if text[:1] == b"<" or "html" in content_type.lower():
        return None, "html_instead_of_json"
    try:
        return json.loads(text), None
    except ValueError:
        return None, "malformed_json"


def snake(name: str) -> str:
    """``BadQueryString`` -> ``bad_query_string`` (stat names are lower snake case)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", re.sub(r"\W+", "_", name)).lower().strip("_")


def error_reason(payload: Any) -> str | None:
    """The error name an API put in its JSON error body, in snake case, if any.

    Bluesky ``{"error": "BadQueryString"}``, YouTube ``{"error": {"errors": [{"reason": ...}]}}``,
    X ``{"errors": [{"code": 88}]}`` or ``{"title": "Unauthorized"}``, Reddit ``{"message": ...}``.
    """
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, str) and error:
        return snake(error)
    if isinstance(error, dict):
        errors = error.get("errors") or [{}]
        reason = errors[0].get("reason") if isinstance(errors[0], dict) else None
        return snake(str(reason or error.get("status") or error.get("code") or "error"))
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return snake(str(first.get("title") or first.get("code") or "error"))
    for key in ("title", "message"):
        if isinstance(payload.get(key), str):
            return snake(payload[key])
    return None


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string or Unix seconds; None when unreadable."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), UTC)
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass
class Paging:
    """One query being paged: where it stops (``mark``) and the newest value seen so far."""

    scope: str
    mark: str | None
    newest: str | None = None
    pages: int = 0
    reached: bool = False   # an entry at or before the mark ended the query

    @property
    def key(self) -> str:
        return f"newest:{self.scope}"


class SocialSpider(CampaignSpider):
    """A campaign spider for one social platform's JSON API.

    A platform's spider declares, beside ``name`` and ``platform``: its rate-limit dialect
    (``rate_limit_dialect``, a header reader from :mod:`crawler.ratelimits` or its own), what
    counts as a limit answer (``limit_reason``; a 429 unless the platform says otherwise) and
    the credentials its sources need (``credentials_env``).
    """

    source_type = "social"
    platform: str = ""
    #: how the platform's headers announce its window (see crawler.ratelimits)
    rate_limit_dialect: Dialect = staticmethod(no_window)
    #: ``rate_limited``/``quota_exceeded`` when an answer is a limit, else None
    limit_reason: Callable[[Response], str | None] = staticmethod(answered_429)
    #: seconds between requests: the platform's published rate (Reddit and Mastodon: ~1/s)
    request_interval: float = 1.0
    #: how marks compare: int for snowflake ids, parse_time for timestamps...
    mark_order: Callable[[str], Any] = staticmethod(int)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        # Merged into whatever the project enables, and held at spider priority so that a
        # runner re-applying the project settings to this crawler does not drop it.
        settings.setdefault_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", RateLimitMiddleware, MIDDLEWARE_PRIORITY
        )
        priority = max(settings.getpriority("DOWNLOADER_MIDDLEWARES") or 0, SETTINGS_PRIORITIES["spider"])
        settings.set("DOWNLOADER_MIDDLEWARES", settings.getdict("DOWNLOADER_MIDDLEWARES"), priority=priority)
        # A platform API publishes its rate and announces its window in headers, which the
        # middleware follows; guessing from response times (AutoThrottle) adds nothing.
        settings.set("DOWNLOAD_DELAY", cls.request_interval, priority="spider")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")

    # ------------------------------------------------------------------ requests
    def endpoint(self, url: str) -> str:
        """An address from a source's options, on the sample server when the crawl uses one."""
        base = self.settings.get("VIGIA_LOCAL_BASE") if hasattr(self, "settings") else None
        if not base or url.startswith(base.rstrip("/") + "/"):
            return url
        return to_local(url, base)

    def api_request(
        self,
        url: str,
        source: Source,
        callback: Callable[..., Any],
        *,
        headers: dict[str, str] | None = None,
        cb_kwargs: dict[str, Any] | None = None,
        method: str = "GET",
        body: bytes | str | None = None,
    ) -> scrapy.Request:
        """A request whose answer reaches ``callback`` whatever its status (429s excepted)."""
        return scrapy.Request(
            url,
            method=method,
            body=body,
            headers={"Accept": "application/json", **(headers or {})},
            callback=callback,
            errback=self.request_failed,
            cb_kwargs={"source": source, **(cb_kwargs or {})},
            meta={
                "vigia_platform": self.platform,
                "vigia_source": source.name,
                "handle_httpstatus_all": True,
                # API use is governed by the platform's API terms and limits, not robots.txt.
                "dont_obey_robotstxt": True,
            },
        )

    def request_failed(self, failure: Failure) -> None:
        if failure.check(IgnoreRequest):
            return  # stopped by the rate-limit middleware, which logged and counted it
        source = failure.request.meta.get("vigia_source", "?")
        self.crawler.stats.inc_value(f"vigia/skipped/{self.platform}/network_error")
        self.logger.warning("%s: skipped (network_error): %s", source, failure.getErrorMessage())

    @staticmethod
    def credential(name: str) -> str:
        """A credential's value from the environment (the base spider checked it is set)."""
        return os.environ.get(name, "")

    def credentials(self, source: Source) -> list[str]:
        """The values of ``source``'s credentials, in the order the spider declares them."""
        return [self.credential(name) for name in source.credential_names(self.credentials_env)]

    # ------------------------------------------------------------------ answers
    def skip(self, source: Source | str, reason: str, detail: str = "") -> None:
        """Count and log one thing left out; ``detail`` must never hold a credential."""
        name = source if isinstance(source, str) else source.name
        self.crawler.stats.inc_value(f"vigia/skipped/{self.platform}/{reason}")
        self.logger.warning("%s: skipped (%s)%s", name, reason, f": {detail}" if detail else "")

    def payload(self, response: Response, source: Source, what: str = "page") -> Any | None:
        """The decoded JSON of a 200 answer; anything else is a counted skip (None)."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        data, problem = read_json(response.body, content_type)
        if response.status != 200:
            reason = error_reason(data) or f"http_{response.status}"
            if problem == "html_instead_of_json":
                reason = "html_instead_of_json"
            self.skip(source, reason, f"{what} answered {response.status} ({_path(response.url)})")
            return None
        if problem:
            self.skip(source, problem, f"{what} at {_path(response.url)}")
            return None
        return data

    # ------------------------------------------------------------------ incremental state
    def paging(self, source: Source, scope: str) -> Paging:
        paging = Paging(scope=scope, mark=None)
        paging.mark = self.state_of(source).get(paging.key)
        return paging

    def page_items(
        self, source: Source, paging: Paging, entries: list[tuple[str | None, DocumentItem | None]]
    ) -> Iterator[DocumentItem]:
        """Yield the items newer than the mark (entries newest first); note the newest seen.

        Sets ``paging.reached`` when an entry at or before the mark ends the query.
        """
        paging.pages += 1
        paging.reached = False
        for value, item in entries:
            if value is not None and paging.mark is not None and self._before(value, paging.mark):
                paging.reached = True
                return
            if value is not None and (paging.newest is None or self._before(paging.newest, value)):
                paging.newest = value
            if item is not None:
                yield item

    def _before(self, value: str, other: str) -> bool:
        """True when ``value`` is at or before ``other`` in this platform's order."""
        try:
            return self.mark_order(value) <= self.mark_order(other)
        except (TypeError, ValueError):
            return False

    def should_follow(self, source: Source, paging: Paging, has_next: bool) -> bool:
        """Whether to ask for the next page; when not, the query is done and its mark moves."""
        max_pages = int(source.options.get("max_pages", DEFAULT_MAX_PAGES))
        if has_next and not paging.reached and paging.pages < max_pages:
            return True
        self.commit(source, paging)
        return False

    def commit(self, source: Source, paging: Paging) -> None:
        """Paging of this query ended normally: remember the newest thing seen."""
        if paging.newest is None:
            return
        if paging.mark is None or not self._before(paging.newest, paging.mark):
            self.state_of(source)[paging.key] = paging.newest

    # ------------------------------------------------------------------ stopped sources
    def source_stopped(self, source_name: str, reason: str, reset_at: float | None) -> None:
        """Called by the rate-limit middleware: leave the source alone until its reset."""
        if reset_at:
            until = datetime.fromtimestamp(reset_at, UTC).isoformat(timespec="seconds")
            self.source_states.setdefault(source_name, {})["paused_until"] = until

    def paused(self, source: Source) -> bool:
        until = parse_time(self.state_of(source).get("paused_until"))
        if until and until.timestamp() > time.time():
            self.skip(source, "paused", f"platform limit until {until.isoformat(timespec='seconds')}")
            return True
        return False

    async def start(self):
        for src in self.sources:
            if self.paused(src):
                continue
            for request in self.start_requests_for(src):
                yield request

    def item(self, source: Source, **fields: Any) -> DocumentItem:
        return DocumentItem(source=source.name, source_type=self.source_type, platform=self.platform, **fields)


def _path(url: str) -> str:
    """A URL without its query, for log lines (queries can be long; credentials never go there)."""
    return url.split("?", 1)[0]
