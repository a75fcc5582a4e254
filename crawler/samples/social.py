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

import base64
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
from urllib.parse import parse_qs, urlencode
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


@cache
def _recogniser() -> Any:
    from campaigns import load_campaign
    from crawler.mentions import TargetRecogniser

    return TargetRecogniser(load_campaign())


def kept_by_crawler(text: str, lang: str, hint: str | None) -> bool:
    """Whether the crawl should keep a post: about the target (by name, office or implicitly,
    as the campaign's recogniser reads it), in a kept language as the platform tags it (or as
    written when untagged), or naming the target in any language."""
    kind = _recogniser().match(None, text)
    return kind is not None and ((hint or lang) in KEPT_LANGUAGES or kind == "name")


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
            "bluesky", uri, text, handle, moment, kept_by_crawler(text, lang, hint), lang, hint,
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
            "mastodon", uri, text, f"{user}@{home}", moment, kept_by_crawler(text, lang, hint),
            lang, hint,
            {"user": user, "home": home, "ids": ids, "url": f"https://{home}/@{user}/{home_id}",
             "tags": sorted({t.lower() for t in re.findall(r"#(\w+)", text)}), "favourites": (i * 5) % 17},
        ))
    return posts


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", _fold(title))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 50:
            break
        slug = f"{slug}_{word}" if slug else word
    return slug


def _reddit(rows: list[list[str]]) -> list[Post]:
    posts = []
    for i, ((sub, author, raw_title, selftext), moment) in enumerate(
        zip(rows, _times("reddit", len(rows)), strict=True)
    ):
        title, lang, _ = _language(raw_title)
        native_id = _base36(3_200_000_000 + i * 48_611 + (i * i) % 977)
        if i == 20:  # a submission whose author deleted their account and whose body was removed
            author, selftext = "[deleted]", "[removed]"
        text = selftext if selftext and selftext not in ("[removed]", "[deleted]") else title
        permalink = f"/r/{sub}/comments/{native_id}/{_slug(title)}/"
        posts.append(Post(
            "reddit", native_id, text, author, moment,
            kept_by_crawler(f"{title}\n{text}", lang, None), lang, None,
            {"subreddit": sub, "title": title, "selftext": selftext, "permalink": permalink,
             "score": 3 + (i * 37) % 180, "num_comments": (i * 13) % 64,
             "link": None if selftext else f"https://i.redd.it/{_digest('img', native_id, n=13)}.jpeg"},
        ))
    return posts


def _spread(key: str, n: int, start: datetime, end: datetime) -> list[datetime]:
    rng = random.Random(key)
    step = (end - start) / max(n, 1)
    return [
        (start + step * (i + 0.5 + rng.uniform(-0.4, 0.4))).replace(microsecond=0).astimezone(UTC)
        for i in range(n)
    ]


@dataclass(frozen=True)
class Video:
    video_id: str
    channel: str
    published_at: datetime
    title: str
    description: str
    comments_disabled: bool


@cache
def videos() -> tuple[Video, ...]:
    """The sample YouTube videos (the comments are in :func:`corpus`)."""
    found = []
    for row in _lines("youtube"):
        if row[0].startswith("@video "):
            description = row[4]
            disabled = description.endswith("!comments-disabled")
            day = datetime.fromisoformat(row[2]).replace(hour=12, tzinfo=LIMA)
            found.append(Video(
                row[0].split()[1], row[1], day.astimezone(UTC), row[3],
                description.removesuffix("!comments-disabled").strip(), disabled,
            ))
    return tuple(found)


def _youtube(rows: list[list[str]]) -> list[Post]:
    by_id = {v.video_id: v for v in videos()}
    threads: list[tuple[Video, list[str], list[list[str]]]] = []
    video: Video | None = None
    for row in rows:
        if row[0].startswith("@video "):
            video = by_id[row[0].split()[1]]
        elif row[0].startswith(">"):
            threads[-1][2].append([row[0][1:].strip(), row[1]])
        else:
            assert video is not None
            threads.append((video, row, []))
    posts = []
    for vid in videos():
        mine = [t for t in threads if t[0] is vid]
        end = min(vid.published_at + timedelta(days=24), WINDOW[1].astimezone(UTC))
        moments = _spread(f"vigia-youtube-{vid.video_id}", len(mine), vid.published_at + timedelta(hours=2), end)
        for n, ((_, (author, raw), replies), moment) in enumerate(zip(mine, moments, strict=True)):
            text, lang, _ = _language(raw)
            thread_id = "Ugz" + _digest("yt", vid.video_id, n, n=19, alphabet=_B64) + "4AaABAg"
            extra = {"video_id": vid.video_id, "parent_id": None, "likes": (n * 11) % 90, "replies": len(replies)}
            posts.append(Post("youtube", thread_id, text, author, moment,
                              kept_by_crawler(text, lang, None), lang, None, extra))
            for k, (reply_author, reply_raw) in enumerate(replies):
                reply_text, reply_lang, _ = _language(reply_raw)
                reply_id = f"{thread_id}.{_digest('ytr', thread_id, k, n=22, alphabet=_B64)}"
                posts.append(Post(
                    "youtube", reply_id, reply_text, reply_author, moment + timedelta(minutes=17 + 41 * k),
                    kept_by_crawler(reply_text, reply_lang, None), reply_lang, None,
                    {"video_id": vid.video_id, "parent_id": thread_id, "likes": (k * 5) % 12, "replies": 0},
                ))
    return posts


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _x(rows: list[list[str]]) -> list[Post]:
    posts = []
    for i, ((username, raw), moment) in enumerate(zip(rows, _times("x", len(rows)), strict=True)):
        text, lang, hint = _language(raw)
        retweet = text.startswith("RT @")
        posts.append(Post(
            "x", str(_snowflake_x(moment, i)), text, username, moment,
            kept_by_crawler(text, lang, hint) and not retweet, lang, hint,
            {"author_id": str(10**17 + int(_digest("xuser", username, n=12, alphabet="0123456789"))),
             "retweet": retweet, "likes": (i * 29) % 310, "reposts": (i * 7) % 45,
             "replies": (i * 3) % 20, "quotes": i % 4, "impressions": 150 + (i * 997) % 9000},
        ))
    return posts


@cache
def _corpus() -> tuple[Post, ...]:
    builders: dict[str, Callable[[list[list[str]]], list[Post]]] = {
        "reddit": _reddit,
        "bluesky": _bluesky,
        "mastodon": _mastodon,
        "youtube": _youtube,
        "x": _x,
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


def _left(limit: int, used: int) -> int:
    """Requests left in the current window; a long-lived sample server starts a new window
    rather than running dry (only an armed ``rate_limit`` fault answers 429)."""
    return limit - used % limit


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
def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Tag and mention facets as Bluesky writes them: offsets in UTF-8 bytes, not characters."""
    facets = []
    for match in re.finditer(r"(?<!\w)([#@])(\w[\w.]*\w|\w)", text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group(0).encode("utf-8"))
        if match.group(1) == "#":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": match.group(2)}
        else:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:" + _digest("did", match.group(2), n=24)}
        facets.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return facets


def _bluesky_view(post: Post) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post.text, "createdAt": _iso(post.created_at)}
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
        "indexedAt": _iso(post.created_at + timedelta(seconds=1)),
        "labels": [],
    }


def _bluesky_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("public.api.bsky.app")) + len(server.requests_to("bsky.social"))
    return {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": str(_left(3000, used)),
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
    body: dict[str, Any] = {"posts": views}  # real answers carry no hitsTotal
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
        "X-RateLimit-Remaining": str(_left(300, used)),
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


# ---------------------------------------------------------------------------- Reddit
def _reddit_child(post: Post, raw_json: bool = True) -> dict[str, Any]:
    """A t3 Listing child; without ``raw_json=1`` Reddit escapes &, < and > in its texts."""
    extra = dict(post.extra)
    if not raw_json:
        extra.update(title=escape(extra["title"], quote=False),
                     selftext=escape(extra["selftext"], quote=False) if extra["selftext"] else extra["selftext"])
    url = extra["link"] or f"https://www.reddit.com{extra['permalink']}"
    return {"kind": "t3", "data": {
        "id": post.native_id,
        "name": f"t3_{post.native_id}",
        "subreddit": extra["subreddit"],
        "subreddit_name_prefixed": f"r/{extra['subreddit']}",
        "title": extra["title"],
        "selftext": extra["selftext"],
        "author": post.author,
        "created_utc": post.created_at.timestamp(),
        "score": extra["score"],
        "ups": extra["score"],
        "num_comments": extra["num_comments"],
        "permalink": extra["permalink"],
        "url": url,
        "is_self": not extra["link"],
        "over_18": False,
        "link_flair_text": None,
    }}


def _reddit_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("oauth.reddit.com"))
    window = 600 - int(_now()) % 600   # Reddit counts in 10-minute windows
    return {
        "x-ratelimit-used": str(used),
        "x-ratelimit-remaining": f"{_left(600, used)}.0",
        "x-ratelimit-reset": str(window),
    }


def _register_reddit(server: SampleServer) -> None:
    @server.route(r"www\.reddit\.com", r"/api/v1/access_token")
    def access_token(request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if request.method != "POST" or scheme.lower() != "basic" or not client_id.strip() or not secret.strip():
            return _json({"message": "Unauthorized", "error": 401}, 401)
        if form.get("grant_type") != ["client_credentials"]:
            return _json({"error": "unsupported_grant_type"}, 400)
        fault = take_fault(server, "reddit.token")
        if (answer := _common_fault(fault)) is not None:
            return answer
        token = "sample-reddit-token-" + secrets.token_hex(12)
        tokens = server.state.setdefault("reddit_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        return _json({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    @server.route(r"www\.reddit\.com", r"/r/[^/]+/search(\.json)?")
    def anonymous_search(request: Request) -> Response:
        # Anonymous JSON has been refused since mid-2026: only the OAuth API answers.
        return Response(403, CLOUDFLARE_403.replace("Cloudflare", "Reddit"), "text/html; charset=UTF-8")

    @server.route(r"oauth\.reddit\.com", r"/r/[^/]+/search")
    def search(request: Request) -> Response:
        headers = _reddit_headers(server)
        if _bearer(request) not in (server.state.get("reddit_tokens") or set()):  # type: ignore[operator]
            return _json({"message": "Unauthorized", "error": 401}, 401, headers)
        fault = take_fault(server, "reddit.search")
        if fault == "rate_limit":
            headers.update({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "1"})
            return _json({"message": "Too Many Requests", "error": 429}, 429, headers)
        if (answer := _common_fault(fault)) is not None:
            return answer
        subreddit = request.path.split("/")[2].lower()
        query = request.arg("q") or ""
        found = [
            p for p in reversed(corpus("reddit"))
            if (p.extra["subreddit"].lower() == subreddit or request.arg("restrict_sr") not in ("1", "true", "on"))
            and matches_all(query, f"{p.extra['title']} {p.extra['selftext']}")
        ]
        names = [f"t3_{p.native_id}" for p in found]
        after, before = request.arg("after"), request.arg("before")
        offset = names.index(after) + 1 if after in names else 0
        if before in names:
            found, offset = found[: names.index(before)], 0
        limit = _int(request.arg("limit"), 25, 1, 100)
        chunk, following = _page(found, offset, limit)
        children = [_reddit_child(p, request.arg("raw_json") == "1") for p in chunk]
        next_after = f"t3_{chunk[-1].native_id}" if chunk and following is not None else None
        if fault == "empty_page":
            children, next_after = [], next_after or "t3_zzzzzzz"
        if fault == "null_fields":
            children = [
                {"kind": "t3", "data": {"id": None, "title": "sin id", "permalink": None}},
                {"kind": "t3", "data": {"id": "zz9zz9z", "name": "t3_zz9zz9z", "title": None, "selftext": None,
                                        "author": None, "created_utc": None, "permalink": None}},
                *children,
            ]
        listing = {"kind": "Listing", "data": {
            "after": next_after, "dist": len(children), "modhash": None, "geo_filter": "",
            "children": children, "before": None,
        }}
        return _json(listing, headers=headers)


# ---------------------------------------------------------------------------- YouTube
def _youtube_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> Response:
    return _json({"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": "PERMISSION_DENIED" if status == 403 else "INVALID_ARGUMENT",
    }}, status)


QUOTA_MESSAGE = ("The request cannot be completed because you have exceeded your "
                 "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.")


def _comment(post: Post) -> dict[str, Any]:
    video = post.extra["video_id"]
    channel = "UC" + _digest("channel", post.author, n=22, alphabet=_B64)
    snippet: dict[str, Any] = {
        "channelId": "UC" + _digest("owner", video, n=22, alphabet=_B64),
        "videoId": video,
        "textDisplay": escape(post.text).replace("\n", "<br>"),
        "textOriginal": post.text,
        "authorDisplayName": "@" + re.sub(r"\W+", "", _fold(post.author)),
        "authorProfileImageUrl": f"https://yt3.ggpht.com/ytc/{_digest('avatar', post.author, n=20, alphabet=_B64)}=s48",
        "authorChannelUrl": f"http://www.youtube.com/channel/{channel}",
        "authorChannelId": {"value": channel},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": post.extra["likes"],
        "publishedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if post.extra["parent_id"]:
        snippet["parentId"] = post.extra["parent_id"]
    return {"kind": "youtube#comment", "etag": _digest("etag", post.native_id, n=27, alphabet=_B64),
            "id": post.native_id, "snippet": snippet}


def _youtube_key(request: Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.arg("key")


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _read_page_token(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.removeprefix("offset:")) if text.startswith("offset:") else None
    except ValueError:
        return None


def _register_youtube(server: SampleServer) -> None:
    missing_key = "The request is missing a valid API key."

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/search")
    def search(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.search")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := _common_fault(fault)) is not None:
            return answer
        wanted = terms(request.arg("q") or "")
        after = request.arg("publishedAfter")
        found = sorted(
            (v for v in videos() if len(wanted & terms(f"{v.title} {v.description}")) >= 2
             and (not after or v.published_at > _parse(after))),
            key=lambda v: v.published_at, reverse=True,
        )
        limit = _int(request.arg("maxResults"), 5, 0, 50)
        offset = _read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = _page(found, offset, limit)
        items = [{
            "kind": "youtube#searchResult",
            "etag": _digest("etag", v.video_id, n=27, alphabet=_B64),
            "id": {"kind": "youtube#video", "videoId": v.video_id},
            "snippet": {
                "publishedAt": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": "UC" + _digest("owner", v.video_id, n=22, alphabet=_B64),
                "title": escape(v.title, quote=True).replace("&#x27;", "&#39;"),
                "description": v.description[:160],
                "channelTitle": v.channel,
                "liveBroadcastContent": "none",
                "publishTime": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        } for v in chunk]
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse", "etag": _digest("etag", request.raw_query, n=27, alphabet=_B64),
            "regionCode": "PE", "pageInfo": {"totalResults": len(found), "resultsPerPage": limit}, "items": items,
        }
        if following is not None:
            body["nextPageToken"] = _page_token(following)
        return _json(body)

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/commentThreads")
    def comment_threads(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.comments")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := _common_fault(fault)) is not None:
            return answer
        video_id = request.arg("videoId") or ""
        video = next((v for v in videos() if v.video_id == video_id), None)
        if video is None:
            return _youtube_error(404, "videoNotFound", "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter could not be found.")
        if video.comments_disabled:
            return _youtube_error(403, "commentsDisabled", "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled comments.")
        comments = [p for p in corpus("youtube") if p.extra["video_id"] == video_id]
        tops = [p for p in comments if not p.extra["parent_id"]]
        if request.arg("order", "time") == "time":
            tops.sort(key=lambda p: p.created_at, reverse=True)
        else:
            tops.sort(key=lambda p: p.extra["likes"], reverse=True)
        limit = _int(request.arg("maxResults"), 20, 1, 100)
        offset = _read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = _page(tops, offset, limit)
        with_replies = "replies" in (request.arg("part") or "").split(",")
        items = []
        for top in chunk:
            replies = [p for p in comments if p.extra["parent_id"] == top.native_id]
            thread: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": _digest("etag", "thread", top.native_id, n=27, alphabet=_B64),
                "id": top.native_id,
                "snippet": {
                    "channelId": "UC" + _digest("owner", video_id, n=22, alphabet=_B64),
                    "videoId": video_id,
                    "topLevelComment": _comment(top),
                    "canReply": True,
                    "totalReplyCount": len(replies),
                    "isPublic": True,
                },
            }
            if with_replies and replies:
                thread["replies"] = {"comments": [_comment(r) for r in reversed(replies)]}
            items.append(thread)
        if fault == "empty_page":
            items, following = [], following or offset + limit
        if fault == "null_fields":
            items = [
                {"kind": "youtube#commentThread", "id": None, "snippet": None},
                {"kind": "youtube#commentThread", "id": "UgzBROKENbroken4AaABAg", "snippet": {
                    "videoId": video_id, "topLevelComment": {"id": "UgzBROKENbroken4AaABAg", "snippet": {
                        "textOriginal": None, "textDisplay": None, "authorDisplayName": None, "publishedAt": None}}}},
                *items,
            ]
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "etag": _digest("etag", request.raw_query, n=27, alphabet=_B64),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": limit},
            "items": items,
        }
        if following is not None:
            body["nextPageToken"] = _page_token(following)
        return _json(body)


# ---------------------------------------------------------------------------- X
def _words(text: str) -> str:
    """Folded words separated and surrounded by single spaces, for phrase matching."""
    return " " + " ".join(re.findall(r"\w+", _fold(text))) + " "


def x_query_matches(query: str, post: Post) -> bool:
    """Evaluate an X search query (phrases, #tags, @mentions, lang:, is:retweet, -, OR, parentheses).

    As on X, juxtaposition (AND) binds tighter than OR.
    """
    tokens = re.findall(r'\(|\)|-?"[^"]*"|\S+', query.replace("(", " ( ").replace(")", " ) "))
    position = 0

    def atom(token: str) -> bool:
        negate = token.startswith("-") and len(token) > 1
        token = token[1:] if negate else token
        lowered = token.lower()
        if lowered.startswith('"'):
            found = _words(token) in _words(post.text)
        elif lowered.startswith("lang:"):
            found = post.lang_hint == lowered[5:]
        elif lowered == "is:retweet":
            found = bool(post.extra.get("retweet"))
        elif lowered.startswith(("#", "@")):
            found = lowered[0] + _fold(lowered[1:]) in {m.lower() for m in re.findall(r"[#@]\w+", _fold(post.text))}
        else:
            found = _fold(lowered) in terms(post.text)
        return found != negate

    def expression() -> bool:
        nonlocal position
        result = conjunction()
        while position < len(tokens) and tokens[position] == "OR":
            position += 1
            right = conjunction()
            result = result or right
        return result

    def conjunction() -> bool:
        nonlocal position
        result = True
        while position < len(tokens) and tokens[position] not in ("OR", ")"):
            token = tokens[position]
            position += 1
            if token == "(":
                value = expression()
                position += 1  # the closing parenthesis
            else:
                value = atom(token)
            result = result and value
        return result

    return bool(tokens) and expression()


def _x_headers(server: SampleServer) -> dict[str, str]:
    used = len(server.requests_to("api.x.com", "/2/tweets/search/recent"))
    return {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": str(_left(450, used)),
        "x-rate-limit-reset": str(int(_now()) + 900 - int(_now()) % 900),
    }


def _register_x(server: SampleServer) -> None:
    @server.route(r"api\.x\.com", r"/2/tweets/search/recent")
    def search_recent(request: Request) -> Response:
        headers = _x_headers(server)
        if not _bearer(request):
            return _json({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
        fault = take_fault(server, "x.search")
        if fault == "rate_limit":
            headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(_now()) + 1)})
            return _json({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, 429, headers)
        if (answer := _common_fault(fault)) is not None:
            return answer
        query = request.arg("query") or ""
        fields = set((request.arg("tweet.fields") or "").split(","))
        found = [p for p in reversed(corpus("x")) if x_query_matches(query, p)]
        since_id, until_id = request.arg("since_id"), request.arg("until_id")
        if since_id:
            found = [p for p in found if int(p.native_id) > int(since_id)]
        if until_id:
            found = [p for p in found if int(p.native_id) < int(until_id)]
        limit = _int(request.arg("max_results"), 10, 10, 100)
        offset = _read_page_token(request.arg("next_token"))
        if offset is None:
            return _json({"errors": [{"parameters": {"next_token": [request.arg("next_token")]},
                                      "message": "The `next_token` query parameter value is invalid"}],
                          "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                          "type": "https://api.twitter.com/2/problems/invalid-request"}, 400, headers)
        chunk, following = _page(found, offset, limit)
        if fault == "empty_page":  # nothing, yet a next_token as if more were to come
            return _json({"meta": {"result_count": 0, "next_token": _page_token(offset + limit)}}, headers=headers)
        if not chunk and fault != "null_fields":
            return _json({"meta": {"result_count": 0}}, headers=headers)
        data = []
        for post in chunk:
            # X escapes &, < and > in text, as real answers show (&amp;)
            tweet: dict[str, Any] = {"id": post.native_id, "text": escape(post.text, quote=False),
                                     "edit_history_tweet_ids": [post.native_id]}
            if "author_id" in fields:
                tweet["author_id"] = post.extra["author_id"]
            if "created_at" in fields:
                tweet["created_at"] = _iso(post.created_at)
            if "lang" in fields:
                tweet["lang"] = post.lang_hint
            if "public_metrics" in fields:
                tweet["public_metrics"] = {
                    "retweet_count": post.extra["reposts"], "reply_count": post.extra["replies"],
                    "like_count": post.extra["likes"], "quote_count": post.extra["quotes"],
                    "bookmark_count": post.extra["quotes"] // 2, "impression_count": post.extra["impressions"],
                }
            data.append(tweet)
        if fault == "null_fields":
            data = [{"id": None, "text": "sin id"},
                    {"id": str(int(chunk[0].native_id) + 1) if chunk else "1", "text": None, "author_id": None}, *data]
        body: dict[str, Any] = {"data": data}
        if "author_id" in (request.arg("expansions") or "").split(","):
            users = {p.extra["author_id"]: p.author for p in chunk}
            body["includes"] = {"users": [
                {"id": uid, "name": name.replace("_", " ").title(), "username": name} for uid, name in users.items()
            ]}
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta.update({"newest_id": chunk[0].native_id, "oldest_id": chunk[-1].native_id})
        if following is not None:
            meta["next_token"] = _page_token(following)
        body["meta"] = meta
        return _json(body, headers=headers)


# ---------------------------------------------------------------------------- registration
def register(server: SampleServer) -> None:
    """Add the five platforms' routes and arm the default one-shot faults."""
    server.state.setdefault("faults", {k: list(v) for k, v in DEFAULT_FAULTS.items()})
    _register_reddit(server)
    _register_bluesky(server)
    _register_mastodon(server)
    _register_youtube(server)
    _register_x(server)
