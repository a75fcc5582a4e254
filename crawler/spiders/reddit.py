"""Reddit: subreddit search through the OAuth API, newest first.

An app-only token comes from ``options.token_url`` (client credentials from the source's
credentials (``REDDIT_CLIENT_ID``, then ``REDDIT_CLIENT_SECRET``), sent as HTTP basic auth in the POST);
then ``/r/{sub}/search?q=...&restrict_sr=1&sort=new&limit=100`` for each subreddit and
query, paging with ``after``. Anonymous ``.json`` is refused (403) since mid-2026, so there
is no logged-out mode. Incremental runs stop at the newest ``created_utc`` seen.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from campaigns import Source
from crawler.items import DocumentItem
from crawler.ratelimits import reddit_limit
from crawler.spiders.social import Paging, SocialSpider, parse_time

PAGE_SIZE = 100
REMOVED = {"[removed]", "[deleted]"}


def submission_fields(child: Any) -> dict[str, Any] | None:
    """A Listing child (``kind`` t3) as item fields; None without an id, permalink or any text."""
    data = child.get("data") if isinstance(child, dict) else None
    if not isinstance(data, dict):
        return None
    native_id, permalink = data.get("id"), data.get("permalink")
    title = (data.get("title") or "").strip()
    body = (data.get("selftext") or "").strip()
    if body in REMOVED:
        body = ""
    if not isinstance(native_id, str) or not native_id or not isinstance(permalink, str) or not (title or body):
        return None
    created = data.get("created_utc")
    author = data.get("author")
    return {
        "native_id": native_id,
        "url": f"https://www.reddit.com{permalink}",
        "title": title or None,
        "text": body or title,
        "author": None if author in REMOVED else author,
        "published_at": parse_time(created) or created,
        "lang": None,
        "extra": {
            "subreddit": data.get("subreddit"),
            "score": data.get("score"),
            "num_comments": data.get("num_comments"),
            "link": None if data.get("is_self", True) else data.get("url"),
        },
        "mark": repr(float(created)) if isinstance(created, (int, float)) else None,
    }


class RedditSpider(SocialSpider):
    name = "reddit"
    platform = "reddit"
    credentials_env = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
    rate_limit_dialect = staticmethod(reddit_limit)
    request_interval = 1.0  # 60 requests a minute for OAuth clients
    mark_order = staticmethod(float)

    def start_requests_for(self, source: Source) -> Iterator[Any]:
        client_id, secret = self.credentials(source)[:2]
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        token_url = source.options.get("token_url", "https://www.reddit.com/api/v1/access_token")
        yield self.api_request(
            self.endpoint(token_url),
            source,
            self.got_token,
            method="POST",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            body="grant_type=client_credentials",
        )

    def got_token(self, response: Response, source: Source) -> Iterator[Any]:
        answer = self.payload(response, source, what="token request")
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            if answer is not None:
                self.skip(source, "no_token", "token answer without access_token")
            return
        base = self.endpoint(source.urls[0]).rstrip("/")
        for sub in source.options.get("subreddits", []):
            for query in source.queries:
                paging = self.paging(source, f"r/{sub}?q={query}")
                yield self.search(source, base, sub, query, paging, token, after=None)

    def search(self, source: Source, base: str, sub: str, query: str, paging: Paging, token: str, after: str | None):
        # raw_json=1: without it Reddit escapes &, < and > in every text field
        params = {"q": query, "restrict_sr": 1, "sort": "new", "limit": int(source.options.get("page_size", PAGE_SIZE)),
                  "raw_json": 1}
        if after:
            params["after"] = after
        return self.api_request(
            f"{base}/r/{sub}/search?{urlencode(params)}",
            source,
            self.parse_search,
            headers={"Authorization": f"bearer {token}"},
            cb_kwargs={"base": base, "sub": sub, "query": query, "paging": paging, "token": token},
        )

    def parse_search(
        self, response: Response, source: Source, base: str, sub: str, query: str, paging: Paging, token: str
    ) -> Iterator[Any]:
        listing = self.payload(response, source, what=f"r/{sub} search")
        if listing is None:
            return
        data = listing.get("data") if isinstance(listing, dict) else None
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            self.skip(source, "unexpected_shape", "search answer is not a Listing")
            return
        entries: list[tuple[str | None, DocumentItem | None]] = []
        for child in children:
            fields = submission_fields(child)
            if fields is None:
                self.skip(source, "missing_field", f"submission without id, permalink or text in r/{sub}")
                continue
            entries.append((fields.pop("mark"), self.item(source, **fields)))
        yield from self.page_items(source, paging, entries)
        after = data.get("after")
        if after and not children:
            self.skip(source, "empty_page", f"empty page with an 'after' in r/{sub}")
            after = None
        if self.should_follow(source, paging, bool(after)):
            yield self.search(source, base, sub, query, paging, token, after=str(after))
