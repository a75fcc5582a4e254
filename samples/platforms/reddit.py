"""Sample Reddit: the OAuth client-credentials token and subreddit search, paged with ``after``;
anonymous ``.json`` answers 403 as it does since mid-2026."""

from __future__ import annotations

import base64
import re
import secrets
from html import escape
from typing import Any
from urllib.parse import parse_qs

from samples.server import Request, Response, SampleServer
from samples.social import (
    CLOUDFLARE_403,
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    json_answer,
    kept_by_crawler,
    left_in_window,
    matches_all,
    now_seconds,
    page_of,
    post_times,
    split_language,
    take_fault,
)

# Obviously fake: the sample API only checks that they are there.
SAMPLE_CREDENTIALS = {
    "REDDIT_CLIENT_ID": "sample-reddit-client-id",
    "REDDIT_CLIENT_SECRET": "sample-reddit-client-secret",
}
DEFAULT_FAULTS = {"reddit.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample Reddit posts, oldest first (from ``reddit.txt`` beside this module)."""
    rows = corpus_rows("reddit")
    found = []
    for i, ((sub, author, raw_title, selftext), moment) in enumerate(
        zip(rows, post_times("reddit", len(rows)), strict=True)
    ):
        title, lang, _ = split_language(raw_title)
        native_id = _base36(3_200_000_000 + i * 48_611 + (i * i) % 977)
        if i == 20:  # a submission whose author deleted their account and whose body was removed
            author, selftext = "[deleted]", "[removed]"
        text = selftext if selftext and selftext not in ("[removed]", "[deleted]") else title
        permalink = f"/r/{sub}/comments/{native_id}/{_slug(title)}/"
        found.append(Post(
            "reddit", native_id, text, author, moment,
            kept_by_crawler(f"{title}\n{text}", lang, None), lang, None,
            {"subreddit": sub, "title": title, "selftext": selftext, "permalink": permalink,
             "score": 3 + (i * 37) % 180, "num_comments": (i * 13) % 64,
             "link": None if selftext else f"https://i.redd.it/{digest('img', native_id, n=13)}.jpeg"},
        ))
    return found




def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(title))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 50:
            break
        slug = f"{slug}_{word}" if slug else word
    return slug



def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"



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
    window = 600 - int(now_seconds()) % 600   # Reddit counts in 10-minute windows
    return {
        "x-ratelimit-used": str(used),
        "x-ratelimit-remaining": f"{left_in_window(600, used)}.0",
        "x-ratelimit-reset": str(window),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"www\.reddit\.com", r"/api/v1/access_token")
    def access_token(request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if request.method != "POST" or scheme.lower() != "basic" or not client_id.strip() or not secret.strip():
            return json_answer({"message": "Unauthorized", "error": 401}, 401)
        if form.get("grant_type") != ["client_credentials"]:
            return json_answer({"error": "unsupported_grant_type"}, 400)
        fault = take_fault(server, "reddit.token")
        if (answer := common_fault(fault)) is not None:
            return answer
        token = "sample-reddit-token-" + secrets.token_hex(12)
        tokens = server.state.setdefault("reddit_tokens", set())
        assert isinstance(tokens, set)
        tokens.add(token)
        return json_answer({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    @server.route(r"www\.reddit\.com", r"/r/[^/]+/search(\.json)?")
    def anonymous_search(request: Request) -> Response:
        # Anonymous JSON has been refused since mid-2026: only the OAuth API answers.
        return Response(403, CLOUDFLARE_403.replace("Cloudflare", "Reddit"), "text/html; charset=UTF-8")

    @server.route(r"oauth\.reddit\.com", r"/r/[^/]+/search")
    def search(request: Request) -> Response:
        headers = _reddit_headers(server)
        if bearer(request) not in (server.state.get("reddit_tokens") or set()):  # type: ignore[operator]
            return json_answer({"message": "Unauthorized", "error": 401}, 401, headers)
        fault = take_fault(server, "reddit.search")
        if fault == "rate_limit":
            headers.update({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "1"})
            return json_answer({"message": "Too Many Requests", "error": 429}, 429, headers)
        if (answer := common_fault(fault)) is not None:
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
        limit = int_arg(request.arg("limit"), 25, 1, 100)
        chunk, following = page_of(found, offset, limit)
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
        return json_answer(listing, headers=headers)


