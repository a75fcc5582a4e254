"""Sample Bluesky: ``app.bsky.feed.searchPosts`` on the public AppView and, logged in, on a PDS
(``com.atproto.server.createSession``). Logged-out cursors answer 403, as the real AppView does."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    matches_all,
    now_seconds,
    page_of,
    parse_time,
    post_times,
    split_language,
    take_fault,
)

# The demo searches logged out, as a user without an account would (first page only).
SAMPLE_CREDENTIALS: dict[str, str] = {}
DEFAULT_FAULTS = {"bluesky.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample Bluesky posts, oldest first (from ``bluesky.txt`` beside this module)."""
    rows = corpus_rows("bluesky")
    found = []
    for i, ((handle, raw), moment) in enumerate(zip(rows, post_times("bluesky", len(rows)), strict=True)):
        text, lang, hint = split_language(raw)
        did = "did:plc:" + digest("did", handle, n=24)
        uri = f"at://{did}/app.bsky.feed.post/{_tid(moment, i)}"
        found.append(Post(
            "bluesky", uri, text, handle, moment, kept_by_crawler(text, lang, hint), lang, hint,
            {"did": did, "cid": "bafyrei" + digest("cid", uri, n=52), "likes": (i * 7) % 23},
        ))
    return found




def _tid(moment: datetime, clock: int) -> str:
    """An AT Protocol record key (TID) for ``moment``: sortable base32 of micros<<10|clock."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (int(moment.timestamp() * 1_000_000) << 10) | (clock & 1023)
    chars = []
    for _ in range(13):
        value, rest = divmod(value, 32)
        chars.append(alphabet[rest])
    return "".join(reversed(chars))



def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Tag and mention facets as Bluesky writes them: offsets in UTF-8 bytes, not characters."""
    facets = []
    for match in re.finditer(r"(?<!\w)([#@])(\w[\w.]*\w|\w)", text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group(0).encode("utf-8"))
        if match.group(1) == "#":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": match.group(2)}
        else:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:" + digest("did", match.group(2), n=24)}
        facets.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return facets


def post_view(post: Post) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post.text, "createdAt": iso(post.created_at)}
    if post.lang_hint:
        record["langs"] = [post.lang_hint]
    if facets := bluesky_facets(post.text):
        record["facets"] = facets
    handle = post.author
    author: dict[str, Any] = {"did": post.extra["did"], "handle": handle}
    # as on Bluesky, some accounts never set a display name and some set an empty one
    shade = int(hashlib.sha1(handle.encode()).hexdigest()[:4], 16) % 6
    if shade:
        author["displayName"] = "" if shade == 1 else handle.split(".")[0].replace("-", " ").title()
    return {
        "uri": post.native_id,
        "cid": post.extra["cid"],
        "author": author,
        "record": record,
        "replyCount": post.extra["likes"] % 4,
        "repostCount": post.extra["likes"] % 6,
        "likeCount": post.extra["likes"],
        "quoteCount": 0,
        "indexedAt": iso(post.created_at + timedelta(seconds=1)),
        "labels": [],
    }


def _bluesky_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("public.api.bsky.app")) + len(server.requests_to("bsky.social"))
    return {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": str(left_in_window(3000, used)),
        "ratelimit-reset": str(int(now_seconds()) + 300),
        "ratelimit-policy": "3000;w=300",
    }


def _bluesky_search(server: SampleServer, request: Request, *, logged_in: bool) -> Response:
    headers = _bluesky_headers(server)
    fault = take_fault(server, "bluesky.search")
    if fault == "rate_limit":
        headers.update({"ratelimit-remaining": "0", "ratelimit-reset": str(int(now_seconds()) + 1)})
        return json_answer({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers)
    if (answer := common_fault(fault)) is not None:
        return answer
    query = request.arg("q") or ""
    if not query.strip() or query.count('"') % 2:
        return json_answer({"error": "BadQueryString", "message": "Error: invalid query string"}, 400, headers)
    cursor = request.arg("cursor")
    if cursor and not logged_in:
        # Since 2025 the public AppView refuses to page for logged-out clients.
        return Response(403, "<html><body><h1>403 Forbidden</h1></body></html>", "text/html", headers)
    lang = request.arg("lang")
    since, until = request.arg("since"), request.arg("until")
    found = [
        p for p in reversed(corpus("bluesky"))
        if matches_all(query, p.text)
        and (not lang or p.lang_hint in (lang, None))
        and (not since or p.created_at >= parse_time(since))
        and (not until or p.created_at < parse_time(until))
    ]
    limit = int_arg(request.arg("limit"), 25, 1, 100)
    offset = int_arg(cursor, 0, 0, 10_000)
    chunk, following = page_of(found, offset, limit)
    views = [post_view(p) for p in chunk]
    if fault == "empty_page":  # no posts, yet a cursor as if more were to come
        views, following = [], offset + limit
    if fault == "null_fields":
        views = [
            {"cid": "bafyreibroken", "author": None, "record": {"text": "sin id"}},
            {"uri": "at://did:plc:brokenbrokenbroken/app.bsky.feed.post/3broken", "author": None, "record": {"text": None}},
            *views,
        ]
    body: dict[str, Any] = {"posts": views}  # real answers carry no hitsTotal
    if following is not None:
        body["cursor"] = str(following)
    return json_answer(body, headers=headers)


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"public\.api\.bsky\.app", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def public_search(request: Request) -> Response:
        if request.headers.get("authorization"):
            # The public AppView does not take tokens: logged-in clients go through their PDS.
            return json_answer({"error": "InvalidToken", "message": "Bad token scope"}, 401)
        return _bluesky_search(server, request, logged_in=False)

    @server.route(r"bsky\.social", r"/xrpc/com\.atproto\.server\.createSession")
    def create_session(request: Request) -> Response:
        try:
            login = json.loads(request.body or b"{}")
        except ValueError:
            login = {}
        if request.method != "POST" or not login.get("identifier") or not login.get("password"):
            return json_answer({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        token = "sample-access-" + secrets.token_hex(12)
        tokens = server.state.setdefault("bluesky_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        handle = str(login["identifier"])
        return json_answer({
            "did": "did:plc:" + digest("did", handle, n=24), "handle": handle,
            "accessJwt": token, "refreshJwt": "sample-refresh-" + secrets.token_hex(12), "active": True,
        })

    @server.route(r"bsky\.social", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def pds_search(request: Request) -> Response:
        tokens = server.state.get("bluesky_tokens") or set()
        if bearer(request) not in tokens:  # type: ignore[operator]
            return json_answer({"error": "AuthenticationRequired", "message": "Authentication Required"}, 401)
        return _bluesky_search(server, request, logged_in=True)


