"""X: recent search (``/2/tweets/search/recent``) with an app-only bearer token.

Asks for ``created_at,author_id,public_metrics,lang,referenced_tweets,entities,note_tweet``,
the authors and the referenced tweets (``expansions=author_id,referenced_tweets.id``), so
retweets and quotes keep their full text, long posts their whole ``note_tweet`` and links
their address instead of ``t.co``; pages with ``next_token`` and, on incremental runs, passes
``since_id`` = the newest id seen.
A query with no match answers only ``{"meta": {"result_count": 0}}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from campaigns import Source
from crawler.items import DocumentItem
from crawler.ratelimits import x_limit
from crawler.spiders.social import Paging, SocialSpider, parse_time

PAGE_SIZE = 100
TWEET_FIELDS = "created_at,author_id,public_metrics,lang,referenced_tweets,entities,note_tweet"
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"


def own_text(tweet: dict[str, Any]) -> str:
    """A tweet's whole text, unescaped, with its ``t.co`` links spelled out.

    A long post's ``text`` stops at 280 characters; ``note_tweet.text`` holds all of it. X
    shortens every link to ``t.co`` in the text and gives the address in ``entities.urls``
    (``expanded_url``).
    """
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else {}
    source = note if isinstance(note.get("text"), str) and note["text"].strip() else tweet
    text = unescape(str(source.get("text") or ""))
    entities = source.get("entities") if isinstance(source.get("entities"), dict) else {}
    for link in entities.get("urls") or []:
        if not isinstance(link, dict):
            continue
        short, full = link.get("url"), link.get("expanded_url")
        if isinstance(short, str) and isinstance(full, str) and short and full:
            text = text.replace(short, full)
    return text


def full_text(tweet: dict[str, Any], tweets: dict[str, dict[str, Any]], users: dict[str, dict[str, Any]]) -> str:
    """A tweet's text with its ``referenced_tweets`` expanded (X escapes ``&``, ``<``, ``>``).

    A retweet's own text is cut ("RT @user: ...…"): the original's full text replaces it. A
    quote keeps its text and adds the quoted tweet's.
    """
    text = own_text(tweet)
    for ref in tweet.get("referenced_tweets") or []:
        if not isinstance(ref, dict):
            continue
        original = tweets.get(str(ref.get("id")))
        if not isinstance(original, dict) or not isinstance(original.get("text"), str):
            continue
        who = users.get(str(original.get("author_id")), {}).get("username")
        if not who and ref.get("type") == "retweeted":
            # without the original's author in includes.users, the retweet names it: "RT @user: "
            who = (re.match(r"RT @(\w+):", text) or [None, None])[1]
        original_text = own_text(original)
        if ref.get("type") == "retweeted":
            text = f"RT @{who}: {original_text}" if who else original_text
        elif ref.get("type") == "quoted":
            text = f"{text}\n« {original_text} »"
    return text


def tweet_fields(
    tweet: Any, users: dict[str, dict[str, Any]], tweets: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """A tweet (with its author from ``includes.users`` and the tweets it references from
    ``includes.tweets``) as item fields; None without id or text."""
    if not isinstance(tweet, dict):
        return None
    native_id, text = tweet.get("id"), tweet.get("text")
    if not isinstance(native_id, str) or not native_id.isdigit() or not isinstance(text, str) or not text.strip():
        return None
    text = full_text(tweet, tweets or {}, users)
    user = users.get(str(tweet.get("author_id")), {})
    username = user.get("username")
    created = tweet.get("created_at")
    return {
        "native_id": native_id,
        "url": f"https://x.com/{username}/status/{native_id}" if username else f"https://x.com/i/web/status/{native_id}",
        "title": None,
        "text": text.strip(),
        "author": username or tweet.get("author_id"),
        "published_at": parse_time(created) or created,
        "lang": tweet.get("lang"),
        "extra": {"author_id": tweet.get("author_id"), "name": user.get("name"), **(tweet.get("public_metrics") or {})},
        "mark": native_id,
    }


class XSpider(SocialSpider):
    name = "x"
    platform = "x"
    credentials_env = ("X_BEARER_TOKEN",)
    rate_limit_dialect = staticmethod(x_limit)
    request_interval = 2.0  # 450 requests per 15 minutes for app-only search
    mark_order = staticmethod(int)

    def start_requests_for(self, source: Source) -> Iterator[Any]:
        base = self.endpoint(source.urls[0]).rstrip("/")
        token = self.credentials(source)[0]
        for query in source.queries:
            yield self.search(source, base, query, self.paging(source, f"q={query}"), token, next_token=None)

    def search(self, source: Source, base: str, query: str, paging: Paging, token: str, next_token: str | None):
        params = {
            "query": query,
            "max_results": int(source.options.get("page_size", PAGE_SIZE)),
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
        }
        if paging.mark:
            params["since_id"] = paging.mark
        if next_token:
            params["next_token"] = next_token
        return self.api_request(
            f"{base}/tweets/search/recent?{urlencode(params)}",
            source,
            self.parse_search,
            headers={"Authorization": f"Bearer {token}"},
            cb_kwargs={"base": base, "query": query, "paging": paging, "token": token},
        )

    def parse_search(
        self, response: Response, source: Source, base: str, query: str, paging: Paging, token: str
    ) -> Iterator[Any]:
        answer = self.payload(response, source, what="recent search")
        if answer is None:
            return
        meta = answer.get("meta") if isinstance(answer, dict) else None
        if not isinstance(meta, dict):
            self.skip(source, "unexpected_shape", "search answer without meta")
            return
        tweets = answer.get("data") or []
        users = {
            str(u.get("id")): u for u in ((answer.get("includes") or {}).get("users") or []) if isinstance(u, dict)
        }
        referenced = {
            str(t.get("id")): t for t in ((answer.get("includes") or {}).get("tweets") or []) if isinstance(t, dict)
        }
        entries: list[tuple[str | None, DocumentItem | None]] = []
        for tweet in tweets if isinstance(tweets, list) else []:
            fields = tweet_fields(tweet, users, referenced)
            if fields is None:
                self.skip(source, "missing_field", "tweet without id or text")
                continue
            entries.append((fields.pop("mark"), self.item(source, **fields)))
        yield from self.page_items(source, paging, entries)
        following = meta.get("next_token")
        if following and not tweets:
            self.skip(source, "empty_page", "empty page with a next_token")
            following = None
        if self.should_follow(source, paging, bool(following)):
            yield self.search(source, base, query, paging, token, next_token=str(following))
