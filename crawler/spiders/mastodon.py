"""Mastodon: the public hashtag timeline of each configured tag on each configured instance.

``/api/v1/timelines/tag/{tag}?limit=40`` answers a bare array of statuses, newest first;
the only way to the next page is the ``Link`` header's ``rel="next"``. Boosts are unwrapped
to the status they share. Incremental runs ask ``since_id`` = the newest local id seen on
that instance for that tag. Status content is HTML: :func:`plain_text` turns it into text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from scrapy.http import Response

from campaigns import Source, from_local
from crawler.items import DocumentItem
from crawler.ratelimits import mastodon_limit
from crawler.spiders.social import Paging, SocialSpider, parse_time, plain_text

PAGE_SIZE = 40
def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` target of an HTTP ``Link`` header."""
    for part in (header or "").split(","):
        match = re.match(r'\s*<([^>]+)>\s*;(.*)', part)
        if match and re.search(r'rel="?next"?', match.group(2)):
            return match.group(1)
    return None


def status_fields(status: Any, instance: str) -> dict[str, Any] | None:
    """A status (boosts unwrapped) as item fields; None when it lacks its id or its text."""
    if not isinstance(status, dict) or not status.get("id"):
        return None
    shown = status.get("reblog") if isinstance(status.get("reblog"), dict) else status
    text = plain_text(shown.get("content") or "") if isinstance(shown.get("content"), str) else ""
    warning = shown.get("spoiler_text")
    if isinstance(warning, str) and warning.strip() and text:
        # the content warning is the author's own words about the post ("CW: política")
        text = f"{warning.strip()}\n{text}"
    quote = shown.get("quote") if isinstance(shown.get("quote"), dict) else {}
    quoted = quote.get("quoted_status") if isinstance(quote.get("quoted_status"), dict) else None
    if quoted and isinstance(quoted.get("content"), str) and plain_text(quoted["content"]):
        text = f"{text}\n« {plain_text(quoted['content'])} »" if text else text
    uri = shown.get("uri") or shown.get("url")
    if not text or not isinstance(uri, str):
        return None
    account = shown.get("account") if isinstance(shown.get("account"), dict) else {}
    acct = account.get("acct")
    if isinstance(acct, str) and "@" not in acct:
        acct = f"{acct}@{instance}"
    created = shown.get("created_at")
    return {
        "native_id": uri,
        "url": shown.get("url") or uri,
        "title": None,
        "text": text,
        "author": acct,
        "published_at": parse_time(created) or created,
        "lang": shown.get("language"),
        "extra": {
            "instance": instance,
            "display_name": account.get("display_name"),
            "favourites": shown.get("favourites_count"),
            "reblogs": shown.get("reblogs_count"),
            "replies": shown.get("replies_count"),
            "tags": [t.get("name") for t in shown.get("tags") or [] if isinstance(t, dict)],
            "boosted_by": (status.get("account") or {}).get("acct") if shown is not status else None,
            "content_warning": warning if isinstance(warning, str) and warning.strip() else None,
            "quoted_url": quoted.get("url") if quoted else None,
        },
        "mark": str(status["id"]),
    }


class MastodonSpider(SocialSpider):
    name = "mastodon"
    platform = "mastodon"
    rate_limit_dialect = staticmethod(mastodon_limit)
    mark_order = staticmethod(int)

    def start_requests_for(self, source: Source) -> Iterator[Any]:
        base_local = self.settings.get("VIGIA_LOCAL_BASE")
        for base in map(self.endpoint, source.urls):
            instance = urlsplit(from_local(base, base_local)).netloc
            for tag in source.options.get("tags", []):
                paging = self.paging(source, f"{instance}#{tag}")
                params: dict[str, Any] = {"limit": int(source.options.get("page_size", PAGE_SIZE))}
                if paging.mark:
                    params["since_id"] = paging.mark
                url = f"{base.rstrip('/')}/api/v1/timelines/tag/{quote(tag)}?{urlencode(params)}"
                yield self.timeline(url, source, instance, paging)

    def timeline(self, url: str, source: Source, instance: str, paging: Paging):
        return self.api_request(url, source, self.parse_timeline, cb_kwargs={"instance": instance, "paging": paging})

    def parse_timeline(self, response: Response, source: Source, instance: str, paging: Paging) -> Iterator[Any]:
        statuses = self.payload(response, source, what=f"{instance} #{paging.scope.split('#', 1)[1]}")
        if statuses is None:
            return
        if not isinstance(statuses, list):
            self.skip(source, "unexpected_shape", "tag timeline answer is not an array")
            return
        entries: list[tuple[str | None, DocumentItem | None]] = []
        for status in statuses:
            fields = status_fields(status, instance)
            if fields is None:
                self.skip(source, "missing_field", f"status without id or text on {instance}")
                continue
            entries.append((fields.pop("mark"), self.item(source, **fields)))
        yield from self.page_items(source, paging, entries)
        following = next_link(response.headers.get("Link", b"").decode("latin-1"))
        if following and not statuses:
            self.skip(source, "empty_page", f"empty page with a next link on {instance}")
            following = None
        if self.should_follow(source, paging, bool(following)):
            yield self.timeline(response.urljoin(following), source, instance, paging)
