"""Sample social platform APIs: Reddit, Bluesky, Mastodon, YouTube and X, on the sample server.

Each platform answers the real request shapes, paging and headers described in
``SOURCES.md`` over a fixed corpus of posts (``corpus/social/*.txt``, written for the demo,
spread over 2026-08-17 .. 2026-11-24 Lima time) and checks the credentials the real API
wants (401/403 JSON errors when they are missing).

Failure modes are one-shot: ``server.state["faults"]`` maps an endpoint (``reddit.search``,
``reddit.token``, ``bluesky.search``, ``mastodon.tag``, ``youtube.search``,
``youtube.comments``, ``x.search``) to a list of faults, each served once by the next request
to that endpoint and then gone, so each fires once per server instance:

- ``rate_limit``: 429 with the platform's reset headers 1 s ahead (armed by default on every
  endpoint family but YouTube's, so the demo shows a wait and a successful retry),
- ``cloudflare_403``: a Cloudflare-style HTML page with status 403 instead of JSON,
- ``malformed_json``: a 200 whose JSON body is cut short,
- ``empty_page``: a valid page with no posts,
- ``null_fields``: the real page plus two broken posts on top (one without an id, one whose
  text and author are null),
- ``quota_exceeded`` (YouTube): 403 ``quotaExceeded``.

Permanent, natural quirks: logged-out Bluesky cursors answer 403; one YouTube video has its
comments disabled; a query with an unbalanced quote is a Bluesky ``BadQueryString``; X answers
only ``{"meta":{"result_count":0}}`` when nothing matches.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from crawler.samples.server import Request, Response, SampleServer

LIMA = ZoneInfo("America/Lima")
WINDOW = (datetime(2026, 8, 17, 0, 0, tzinfo=LIMA), datetime(2026, 11, 24, 23, 0, tzinfo=LIMA))
PLATFORMS = ("reddit", "bluesky", "mastodon", "youtube", "x")
KEPT_LANGUAGES = ("es", "en")
# The names that identify the target on their own (campaigns/miraflores.toml, target.names).
TARGET_NAMES = ("carlos canales", "alcalde canales", "canales anchorena", "@carloscanalesa")
DEFAULT_FAULTS = {
    "reddit.search": ["rate_limit"],
    "bluesky.search": ["rate_limit"],
    "mastodon.tag": ["rate_limit"],
    "x.search": ["rate_limit"],
}
MASTODON_HOME = "mastodon.social"
MASTODON_INSTANCES = ("mastodon.social", "mastodon.lat")
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Post:
    """One sample post as the platform holds it; ``relevant`` = it should survive the pipelines.

    ``lang`` is the language it is written in; ``lang_hint`` what the platform says (may be
    None or wrong). ``extra`` holds platform details (subreddit, title, video, instance ids...).
    """

    platform: str
    native_id: str
    text: str
    author: str
    created_at: datetime
    relevant: bool
    lang: str
    lang_hint: str | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


# ---------------------------------------------------------------------------- the corpus
def names_target(text: str) -> bool:
    folded = _fold(text)
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) for name in TARGET_NAMES)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def terms(text: str) -> set[str]:
    """Search tokens: accent- and case-folded words (a hashtag is one word)."""
    return set(re.findall(r"\w+", _fold(text)))


def _lines(platform: str) -> list[list[str]]:
    path = resources.files("crawler.samples") / "corpus" / "social" / f"{platform}.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([part.strip() for part in line.split(" | ")])
    return rows


def _language(text: str) -> tuple[str, str, str | None]:
    """``[pt|es] text`` -> (text, "pt", "es"); ``[es|] text`` -> no hint; default Spanish."""
    match = re.match(r"^\[([a-z]{2})(?:\|([a-z]{0,2}))?\]\s*", text)
    if not match:
        return text, "es", "es"
    lang, hint = match.group(1), match.group(2)
    return text[match.end():], lang, (lang if hint is None else hint or None)


def _times(platform: str, n: int) -> list[datetime]:
    """``n`` increasing moments spread over the window, fixed for a platform (seeded)."""
    rng = random.Random(f"vigia-sample-{platform}")
    start, end = WINDOW
    step = (end - start) / n
    moments = []
    for i in range(n):
        moment = start + step * (i + 0.5 + rng.uniform(-0.4, 0.4))
        local = moment.astimezone(LIMA)
        if 1 <= local.hour < 7:  # people post less before dawn
            moment += timedelta(hours=6)
        moments.append(moment.replace(microsecond=rng.randrange(1000) * 1000).astimezone(UTC))
    return sorted(moments)


def _digest(*parts: object, n: int = 32, alphabet: str = "abcdefghijklmnopqrstuvwxyz234567") -> str:
    raw = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    number = int.from_bytes(raw, "big")
    out = []
    for _ in range(n):
        number, rest = divmod(number, len(alphabet))
        out.append(alphabet[rest])
    return "".join(out)


def _tid(moment: datetime, clock: int) -> str:
    """An AT Protocol record key (TID) for ``moment``: sortable base32 of micros<<10|clock."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (int(moment.timestamp() * 1_000_000) << 10) | (clock & 1023)
    chars = []
    for _ in range(13):
        value, rest = divmod(value, 32)
        chars.append(alphabet[rest])
    return "".join(reversed(chars))


def _snowflake_mastodon(moment: datetime, seq: int) -> int:
    return (int(moment.timestamp() * 1000) << 16) + (seq & 0xFFFF)


def _snowflake_x(moment: datetime, seq: int) -> int:
    return ((int(moment.timestamp() * 1000) - 1288834974657) << 22) + (seq & 0xFFF)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _bluesky(rows: list[list[str]]) -> list[Post]:
    posts = []
    for i, ((handle, raw), moment) in enumerate(zip(rows, _times("bluesky", len(rows)), strict=True)):
        text, lang, hint = _language(raw)
        did = "did:plc:" + _digest("did", handle, n=24)
        uri = f"at://{did}/app.bsky.feed.post/{_tid(moment, i)}"
        posts.append(Post(
            "bluesky", uri, text, handle, moment, names_target(text) and lang in KEPT_LANGUAGES, lang, hint,
            {"did": did, "cid": "bafyrei" + _digest("cid", uri, n=52), "likes": (i * 7) % 23},
        ))
    return posts


def _mastodon(rows: list[list[str]]) -> list[Post]:
    posts = []
    for i, ((account, raw), moment) in enumerate(zip(rows, _times("mastodon", len(rows)), strict=True)):
        text, lang, hint = _language(raw.replace("\\n", "\n"))
        user, _, home = account.partition("@")
        home = home or MASTODON_HOME
        home_id = _snowflake_mastodon(moment, i)
        # Federated copies get their own, later, local id on the other instance.
        ids = {home: str(home_id)}
        if i % 3 == 0:
            other = next(h for h in MASTODON_INSTANCES if h != home)
            ids[other] = str(_snowflake_mastodon(moment + timedelta(seconds=2 + i % 5), 500 + i))
        uri = f"https://{home}/users/{user}/statuses/{home_id}"
        posts.append(Post(
            "mastodon", uri, text, f"{user}@{home}", moment, names_target(text) and lang in KEPT_LANGUAGES,
            lang, hint,
            {"user": user, "home": home, "ids": ids, "url": f"https://{home}/@{user}/{home_id}",
             "tags": sorted({t.lower() for t in re.findall(r"#(\w+)", text)}), "favourites": (i * 5) % 17},
        ))
    return posts


@cache
def _corpus() -> tuple[Post, ...]:
    builders: dict[str, Callable[[list[list[str]]], list[Post]]] = {
        "bluesky": _bluesky,
        "mastodon": _mastodon,
    }
    posts: list[Post] = []
    for platform, build in builders.items():
        posts.extend(build(_lines(platform)))
    return tuple(posts)


def corpus(platform: str | None = None) -> list[Post]:
    """Every sample post (oldest first within a platform), or one platform's."""
    return [p for p in _corpus() if platform is None or p.platform == platform]


# ---------------------------------------------------------------------------- shared answers
def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False), JSON, headers or {})


CLOUDFLARE_403 = """<!DOCTYPE html>
<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>
<p>You are unable to access this website.</p>
<div class="cf-error-footer">Cloudflare Ray ID: <strong>8f2c1a9e4b7d3c21</strong></div></div></body></html>"""


def take_fault(server: SampleServer, endpoint: str) -> str | None:
    """The next one-shot fault armed for ``endpoint``, consumed."""
    with server._lock:
        faults = server.state.setdefault("faults", {})
        assert isinstance(faults, dict)
        queue = faults.get(endpoint)
        return queue.pop(0) if queue else None


def _common_fault(fault: str | None) -> Response | None:
    if fault == "cloudflare_403":
        return Response(403, CLOUDFLARE_403, "text/html; charset=UTF-8", {"Server": "cloudflare"})
    if fault == "malformed_json":
        return Response(200, '{"data": {"children": [{"kind": "t3", "data": {"id": "', JSON)
    return None


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _now() -> float:
    return time.time()


def _page(items: list[Any], offset: int, limit: int) -> tuple[list[Any], int | None]:
    chunk = items[offset: offset + limit]
    return chunk, (offset + limit if offset + limit < len(items) else None)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value is not None else default
    except ValueError:
        return default


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def matches_all(query: str, text: str) -> bool:
    """Every query word (quotes ignored) appears as a word of ``text``."""
    wanted = terms(query)
    return bool(wanted) and wanted <= terms(text)


# ---------------------------------------------------------------------------- Bluesky
def _bluesky_view(post: Post) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post.text, "createdAt": _iso(post.created_at)}
    if post.lang_hint:
        record["langs"] = [post.lang_hint]
    handle = post.author
    return {
        "uri": post.native_id,
        "cid": post.extra["cid"],
        "author": {
            "did": post.extra["did"],
            "handle": handle,
            "displayName": handle.split(".")[0].replace("-", " ").title(),
        },
        "record": record,
        "replyCount": post.extra["likes"] % 4,
        "repostCount": post.extra["likes"] % 6,
        "likeCount": post.extra["likes"],
        "quoteCount": 0,
        "indexedAt": _iso(post.created_at + timedelta(seconds=1)),
        "labels": [],
    }


def _bluesky_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("public.api.bsky.app")) + len(server.requests_to("bsky.social"))
    return {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": str(max(0, 3000 - used)),
        "ratelimit-reset": str(int(_now()) + 300),
        "ratelimit-policy": "3000;w=300",
    }


def _bluesky_search(server: SampleServer, request: Request, *, logged_in: bool) -> Response:
    headers = _bluesky_headers(server)
    fault = take_fault(server, "bluesky.search")
    if fault == "rate_limit":
        headers.update({"ratelimit-remaining": "0", "ratelimit-reset": str(int(_now()) + 1)})
        return _json({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers)
    if (answer := _common_fault(fault)) is not None:
        return answer
    query = request.arg("q") or ""
    if not query.strip() or query.count('"') % 2:
        return _json({"error": "BadQueryString", "message": "Error: invalid query string"}, 400, headers)
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
        and (not since or p.created_at >= _parse(since))
        and (not until or p.created_at < _parse(until))
    ]
    limit = _int(request.arg("limit"), 25, 1, 100)
    offset = _int(cursor, 0, 0, 10_000)
    chunk, following = _page(found, offset, limit)
    views = [_bluesky_view(p) for p in chunk]
    if fault == "empty_page":  # no posts, yet a cursor as if more were to come
        views, following = [], offset + limit
    if fault == "null_fields":
        views = [
            {"cid": "bafyreibroken", "author": None, "record": {"text": "sin id"}},
            {"uri": "at://did:plc:brokenbrokenbroken/app.bsky.feed.post/3broken", "author": None, "record": {"text": None}},
            *views,
        ]
    body: dict[str, Any] = {"hitsTotal": len(found), "posts": views}
    if following is not None:
        body["cursor"] = str(following)
    return _json(body, headers=headers)


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _register_bluesky(server: SampleServer) -> None:
    @server.route(r"public\.api\.bsky\.app", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def public_search(request: Request) -> Response:
        if request.headers.get("authorization"):
            # The public AppView does not take tokens: logged-in clients go through their PDS.
            return _json({"error": "InvalidToken", "message": "Bad token scope"}, 401)
        return _bluesky_search(server, request, logged_in=False)

    @server.route(r"bsky\.social", r"/xrpc/com\.atproto\.server\.createSession")
    def create_session(request: Request) -> Response:
        try:
            login = json.loads(request.body or b"{}")
        except ValueError:
            login = {}
        if request.method != "POST" or not login.get("identifier") or not login.get("password"):
            return _json({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        token = "sample-access-" + secrets.token_hex(12)
        tokens = server.state.setdefault("bluesky_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        handle = str(login["identifier"])
        return _json({
            "did": "did:plc:" + _digest("did", handle, n=24), "handle": handle,
            "accessJwt": token, "refreshJwt": "sample-refresh-" + secrets.token_hex(12), "active": True,
        })

    @server.route(r"bsky\.social", r"/xrpc/app\.bsky\.feed\.searchPosts")
    def pds_search(request: Request) -> Response:
        tokens = server.state.get("bluesky_tokens") or set()
        if _bearer(request) not in tokens:  # type: ignore[operator]
            return _json({"error": "AuthenticationRequired", "message": "Authentication Required"}, 401)
        return _bluesky_search(server, request, logged_in=True)


# ---------------------------------------------------------------------------- Mastodon
def _mastodon_status(post: Post, instance: str) -> dict[str, Any]:
    user, home = post.extra["user"], post.extra["home"]
    return {
        "id": post.extra["ids"][instance],
        "created_at": _iso(post.created_at),
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": post.lang_hint,
        "uri": post.native_id,
        "url": post.extra["url"],
        "replies_count": post.extra["favourites"] % 3,
        "reblogs_count": post.extra["favourites"] % 5,
        "favourites_count": post.extra["favourites"],
        "content": mastodon_html(post.text, home),
        "reblog": None,
        "account": {
            "id": str(int(_digest("acct", user, home, n=10, alphabet="0123456789")) + 10**11),
            "username": user,
            "acct": user if home == instance else f"{user}@{home}",
            "display_name": user.replace("_", " ").title(),
            "url": f"https://{home}/@{user}",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{instance}/tags/{t}"} for t in post.extra["tags"]],
    }


def mastodon_html(text: str, instance: str) -> str:
    """Text as Mastodon renders a status: paragraphs, hashtag and mention links, escaped."""

    def inline(chunk: str) -> str:
        out = escape(chunk, quote=True).replace("&#x27;", "&#39;").replace("\n", "<br />")
        out = re.sub(
            r"(?<![\w&])#(\w+)",
            lambda m: f'<a href="https://{instance}/tags/{m.group(1).lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{m.group(1)}</span></a>',
            out,
        )
        return re.sub(
            r"(?<!\w)@(\w+)",
            lambda m: f'<span class="h-card" translate="no"><a href="https://{instance}/@{m.group(1)}" '
            f'class="u-url mention">@<span>{m.group(1)}</span></a></span>',
            out,
        )

    return "".join(f"<p>{inline(p)}</p>" for p in text.split("\n\n"))


def _mastodon_reblogs(instance: str) -> list[dict[str, Any]]:
    """A few boosts by local accounts: wrappers with empty content around the original."""
    posts = [p for p in corpus("mastodon") if instance in p.extra["ids"]]
    boosts = []
    for n, post in enumerate(posts[5::12]):
        moment = post.created_at + timedelta(hours=3)
        original = _mastodon_status(post, instance)
        booster = f"booster_{n}"
        boosts.append({
            **original,
            "id": str(_snowflake_mastodon(moment, 900 + n)),
            "created_at": _iso(moment),
            "uri": f"https://{instance}/users/{booster}/statuses/{_snowflake_mastodon(moment, 900 + n)}/activity",
            "url": None,
            "content": "",
            "language": None,
            "account": {**original["account"], "username": booster, "acct": booster, "display_name": "Booster"},
            "reblog": original,
        })
    return boosts


def _mastodon_headers(server: SampleServer, instance: str) -> dict[str, str]:
    used = len(server.requests_to(instance, "/api/"))
    reset = datetime.fromtimestamp(_now() + 300, UTC)
    return {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": str(max(0, 300 - used)),
        "X-RateLimit-Reset": _iso(reset),
    }


def _register_mastodon(server: SampleServer) -> None:
    @server.route(r"mastodon\.(social|lat)", r"/api/v1/timelines/tag/[^/]+")
    def tag_timeline(request: Request) -> Response:
        instance = request.host
        headers = _mastodon_headers(server, instance)
        fault = take_fault(server, "mastodon.tag")
        if fault == "rate_limit":
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": _iso(datetime.fromtimestamp(_now() + 1, UTC))})
            return _json({"error": "Too many requests"}, 429, headers)
        if (answer := _common_fault(fault)) is not None:
            return answer
        tag = request.path.rsplit("/", 1)[1].lower()
        statuses = [
            _mastodon_status(p, instance) for p in corpus("mastodon")
            if instance in p.extra["ids"] and tag in p.extra["tags"]
        ]
        statuses += [b for b in _mastodon_reblogs(instance) if tag in [t["name"] for t in b["reblog"]["tags"]]]
        statuses.sort(key=lambda s: int(s["id"]), reverse=True)
        max_id, since_id, min_id = (request.arg(k) for k in ("max_id", "since_id", "min_id"))
        links: list[str] = []
        base = request.local(f"https://{instance}{request.path}")
        if max_id:
            statuses = [s for s in statuses if int(s["id"]) < int(max_id)]
        if since_id:
            statuses = [s for s in statuses if int(s["id"]) > int(since_id)]
        limit = _int(request.arg("limit"), 20, 1, 40)
        if min_id:  # the page just after min_id, still newest first
            statuses = sorted((s for s in statuses if int(s["id"]) > int(min_id)), key=lambda s: int(s["id"]))
            page = list(reversed(statuses[:limit]))
        else:
            page = statuses[:limit]
        if fault == "empty_page":  # no statuses, yet a next link as if more were to come
            page = []
            links.append(f'<{base}?{urlencode({"limit": limit, "max_id": max_id or "999999999999999999"})}>; rel="next"')
        if fault == "null_fields":
            page = [{"id": None, "content": "<p>sin id</p>"},
                    {"id": str(int(page[0]["id"]) + 1) if page else "2", "content": None, "account": None,
                     "created_at": None, "url": None}, *page]
        if page and len(page) >= limit:
            links.append(f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next"')
        if page and page[0].get("id"):
            links.append(f'<{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        return _json(page, headers=headers)


# ---------------------------------------------------------------------------- registration
def register(server: SampleServer) -> None:
    """Add the five platforms' routes and arm the default one-shot faults."""
    server.state.setdefault("faults", {k: list(v) for k, v in DEFAULT_FAULTS.items()})
    _register_bluesky(server)
    _register_mastodon(server)
