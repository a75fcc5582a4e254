"""Bluesky: ``app.bsky.feed.searchPosts`` for each query of a source, newest first.

Logged out (the default) the public AppView answers the first page only: a request with a
cursor is refused with 403, which ends paging (logged and counted once per run). With
``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD`` set, the spider opens a session at
``options.auth_url`` (``com.atproto.server.createSession``) and pages through its PDS with
the access token. Incremental runs pass the newest ``createdAt`` seen as ``since`` and stop
at it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from campaigns import Source
from crawler.items import DocumentItem
from crawler.ratelimits import bluesky_limit
from crawler.spiders.social import Paging, SocialSpider, parse_time

LOGIN_ENV = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD")  # optional: they unlock paging
PAGE_SIZE = 25


def permalink(uri: str, handle: str | None) -> str | None:
    """``at://did/app.bsky.feed.post/rkey`` -> ``https://bsky.app/profile/{handle}/post/{rkey}``."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    profile = handle if handle and handle != "handle.invalid" else parts[0]
    return f"https://bsky.app/profile/{profile}/post/{parts[2]}"


def full_links(text: str, facets: Any) -> str:
    """``text`` with each shortened link ("example.com/artic...") replaced by its facet's full URL.

    Facet offsets count UTF-8 bytes, not characters.
    """
    if not isinstance(facets, list):
        return text
    raw = text.encode("utf-8")
    spans = []
    for facet in facets:
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        uri = next((f.get("uri") for f in features if isinstance(f, dict) and str(f.get("$type", "")).endswith("#link")), None)
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw) and isinstance(uri, str):
            spans.append((start, end, uri))
    for start, end, uri in sorted(spans, reverse=True):
        raw = raw[:start] + uri.encode("utf-8") + raw[end:]
    return raw.decode("utf-8", errors="replace")


def embedded(view: Any) -> dict[str, Any]:
    """What a post view embeds: a link card (``external``) and a quoted post (``record``)."""
    embed = view.get("embed") if isinstance(view.get("embed"), dict) else {}
    found: dict[str, Any] = {}
    media = embed.get("media") if isinstance(embed.get("media"), dict) else {}  # recordWithMedia
    external = embed.get("external") or media.get("external")
    if isinstance(external, dict) and isinstance(external.get("uri"), str):
        found["link"] = {"url": external["uri"], "title": external.get("title") or None,
                         "description": external.get("description") or None}
    record = embed.get("record") if isinstance(embed.get("record"), dict) else None
    if record is not None and isinstance(record.get("record"), dict):  # recordWithMedia nests it once more
        record = record["record"]
    value = record.get("value") if record is not None and isinstance(record.get("value"), dict) else None
    if value is not None and isinstance(value.get("text"), str):
        author = record.get("author") if isinstance(record.get("author"), dict) else {}
        found["quote"] = {
            "uri": record.get("uri"),
            "url": permalink(str(record.get("uri") or ""), author.get("handle")),
            "text": full_links(value["text"], value.get("facets")),
        }
    return found


def outside_tags(text: str, tags: Any) -> list[str]:
    """``record.tags`` not already written in the text, as ``#tag``: clients add hashtags there
    (up to 8), outside the text, and they say what the post is about as much as inline ones do."""
    if not isinstance(tags, list):
        return []
    inline = {t.lower() for t in re.findall(r"#(\w+)", text)}
    found = []
    for tag in tags:
        if isinstance(tag, str) and tag.strip().lstrip("#") and tag.strip().lstrip("#").lower() not in inline:
            inline.add(tag.strip().lstrip("#").lower())
            found.append("#" + tag.strip().lstrip("#"))
    return found


def post_fields(view: Any) -> dict[str, Any] | None:
    """A ``searchPosts`` post view as item fields; None when it lacks its id, or says nothing
    (no text of its own, no hashtags, no quoted post and no link card)."""
    if not isinstance(view, dict):
        return None
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    author = view.get("author") if isinstance(view.get("author"), dict) else {}
    uri, text = view.get("uri"), record.get("text")
    if not isinstance(uri, str) or not isinstance(text, str):
        return None
    handle = author.get("handle")
    url = permalink(uri, handle)
    if url is None:
        return None
    created = record.get("createdAt") or view.get("indexedAt")
    langs = record.get("langs") or []
    body = full_links(text, record.get("facets")).strip()
    tags = outside_tags(body, record.get("tags"))
    if tags:
        body = f"{body}\n{' '.join(tags)}".strip()
    embeds = embedded(view)
    # a link card's headline and a quoted post are part of what the post says; a quote with no
    # words of its own shares the quoted post, so that is its text
    if embeds.get("link") and embeds["link"]["title"]:
        body = f"{body}\n{embeds['link']['title']}".strip()
    if embeds.get("quote") and embeds["quote"]["text"].strip():
        body = f"{body}\n« {embeds['quote']['text'].strip()} »".strip()
    if not body:
        return None
    return {
        "native_id": uri,
        "url": url,
        "title": None,
        "text": body,
        "author": handle,
        "published_at": parse_time(created) or created,
        "lang": langs[0] if langs and isinstance(langs[0], str) else None,
        "extra": {
            "display_name": author.get("displayName"),
            "likes": view.get("likeCount"),
            "reposts": view.get("repostCount"),
            "replies": view.get("replyCount"),
            "quotes": view.get("quoteCount"),
            "link": embeds["link"]["url"] if embeds.get("link") else None,
            "quoted": embeds["quote"]["url"] if embeds.get("quote") else None,
        },
        "mark": created if isinstance(created, str) else None,
    }


class BlueskySpider(SocialSpider):
    name = "bluesky"
    platform = "bluesky"
    rate_limit_dialect = staticmethod(bluesky_limit)
    request_interval = 0.2  # 3000 requests per 5 minutes
    mark_order = staticmethod(parse_time)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cursors_refused = False

    def start_requests_for(self, source: Source) -> Iterator[Any]:
        handle, password = (self.credential(name) for name in LOGIN_ENV)
        if handle and password:
            auth = self.endpoint(source.options.get("auth_url", "https://bsky.social")).rstrip("/")
            yield self.api_request(
                f"{auth}/xrpc/com.atproto.server.createSession",
                source,
                self.logged_in,
                method="POST",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"identifier": handle, "password": password}),
            )
            return
        self.logger.info("%s: logged out (no %s), first page of each query only", source.name, " / ".join(LOGIN_ENV))
        yield from self.searches(source, self.endpoint(source.urls[0]), token=None)

    def logged_in(self, response: Response, source: Source) -> Iterator[Any]:
        session = self.payload(response, source, what="login")
        token = session.get("accessJwt") if isinstance(session, dict) else None
        if not token:
            self.skip(source, "login_failed", "searching logged out, first page only")
            yield from self.searches(source, self.endpoint(source.urls[0]), token=None)
            return
        auth = self.endpoint(source.options.get("auth_url", "https://bsky.social")).rstrip("/")
        yield from self.searches(source, auth, token=token)

    def searches(self, source: Source, base: str, token: str | None) -> Iterator[Any]:
        for query in source.queries:
            yield self.search(source, base, query, self.paging(source, f"q={query}"), token, cursor=None)

    def search(self, source: Source, base: str, query: str, paging: Paging, token: str | None, cursor: str | None):
        params = {"q": query, "sort": "latest", "limit": PAGE_SIZE}
        if source.options.get("lang"):
            params["lang"] = source.options["lang"]
        if paging.mark:
            params["since"] = paging.mark
        if cursor:
            params["cursor"] = cursor
        return self.api_request(
            f"{base.rstrip('/')}/xrpc/app.bsky.feed.searchPosts?{urlencode(params)}",
            source,
            self.parse_search,
            headers={"Authorization": f"Bearer {token}"} if token else None,
            cb_kwargs={"base": base, "query": query, "paging": paging, "token": token, "cursor": cursor},
        )

    def parse_search(
        self, response: Response, source: Source, base: str, query: str, paging: Paging,
        token: str | None, cursor: str | None,
    ) -> Iterator[Any]:
        if cursor and response.status == 403:
            # Logged-out clients may not page: the first page was all there is to have.
            if not self.cursors_refused:
                self.skip(source, "cursor_refused", "logged-out clients get the first page only")
            self.cursors_refused = True
            self.commit(source, paging)
            return
        data = self.payload(response, source)
        if data is None:
            return
        posts = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            self.skip(source, "unexpected_shape", "searchPosts answer without a posts list")
            return
        entries: list[tuple[str | None, DocumentItem | None]] = []
        for view in posts:
            fields = post_fields(view)
            if fields is None:
                self.skip(source, "missing_field", "post without uri or text")
                continue
            entries.append((fields.pop("mark"), self.item(source, **fields)))
        yield from self.page_items(source, paging, entries)
        following = data.get("cursor")
        if following and not posts:
            self.skip(source, "empty_page", f"empty page with a cursor for {query!r}")
            following = None
        if following and token is None and self.cursors_refused:
            following = None
        if self.should_follow(source, paging, bool(following)):
            yield self.search(source, base, query, paging, token, cursor=str(following))
