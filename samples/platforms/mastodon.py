"""Sample Mastodon: the public hashtag timelines of two instances, with federated copies,
boosts, ``Link`` paging and ISO-8601 rate-limit resets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    now_seconds,
    post_times,
    split_language,
    take_fault,
)

SAMPLE_CREDENTIALS: dict[str, str] = {}  # public timelines need no token
DEFAULT_FAULTS = {"mastodon.tag": ["rate_limit"]}
MASTODON_HOME = "mastodon.social"
MASTODON_INSTANCES = ("mastodon.social", "mastodon.lat")


def posts() -> list[Post]:
    """The sample Mastodon posts, oldest first (from ``mastodon.txt`` beside this module)."""
    rows = corpus_rows("mastodon")
    found = []
    for i, ((account, raw), moment) in enumerate(zip(rows, post_times("mastodon", len(rows)), strict=True)):
        text, lang, hint = split_language(raw.replace("\\n", "\n"))
        user, _, home = account.partition("@")
        home = home or MASTODON_HOME
        home_id = _snowflake_mastodon(moment, i)
        # Federated copies get their own, later, local id on the other instance.
        ids = {home: str(home_id)}
        if i % 3 == 0:
            other = next(h for h in MASTODON_INSTANCES if h != home)
            ids[other] = str(_snowflake_mastodon(moment + timedelta(seconds=2 + i % 5), 500 + i))
        uri = f"https://{home}/users/{user}/statuses/{home_id}"
        found.append(Post(
            "mastodon", uri, text, f"{user}@{home}", moment, kept_by_crawler(text, lang, hint),
            lang, hint,
            {"user": user, "home": home, "ids": ids, "url": f"https://{home}/@{user}/{home_id}",
             "tags": sorted({t.lower() for t in re.findall(r"#(\w+)", text)}), "favourites": (i * 5) % 17},
        ))
    return found




def _snowflake_mastodon(moment: datetime, seq: int) -> int:
    return (int(moment.timestamp() * 1000) << 16) + (seq & 0xFFFF)




def _mastodon_status(post: Post, instance: str) -> dict[str, Any]:
    user, home = post.extra["user"], post.extra["home"]
    return {
        "id": post.extra["ids"][instance],
        "created_at": iso(post.created_at),
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
            "id": str(int(digest("acct", user, home, n=10, alphabet="0123456789")) + 10**11),
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
            "created_at": iso(moment),
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
    reset = datetime.fromtimestamp(now_seconds() + 300, UTC)
    return {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": str(left_in_window(300, used)),
        "X-RateLimit-Reset": iso(reset),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"mastodon\.(social|lat)", r"/api/v1/timelines/tag/[^/]+")
    def tag_timeline(request: Request) -> Response:
        instance = request.host
        headers = _mastodon_headers(server, instance)
        fault = take_fault(server, "mastodon.tag")
        if fault == "rate_limit":
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso(datetime.fromtimestamp(now_seconds() + 1, UTC))})
            return json_answer({"error": "Too many requests"}, 429, headers)
        if (answer := common_fault(fault)) is not None:
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
        limit = int_arg(request.arg("limit"), 20, 1, 40)
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
        return json_answer(page, headers=headers)


