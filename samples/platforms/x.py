"""Sample X API v2: recent search with the query language (phrases, #tags, ``lang:``, ``-is:retweet``,
OR, parentheses), ``next_token`` paging and ``x-rate-limit-*`` headers."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    Post,
    bearer,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    iso,
    json_answer,
    kept_by_crawler,
    left_in_window,
    now_seconds,
    page_of,
    page_token,
    post_times,
    read_page_token,
    split_language,
    take_fault,
    terms,
)

SAMPLE_CREDENTIALS = {"X_BEARER_TOKEN": "sample-x-bearer-token"}  # obviously fake
DEFAULT_FAULTS = {"x.search": ["rate_limit"]}


def posts() -> list[Post]:
    """The sample X posts, oldest first (from ``x.txt`` beside this module)."""
    rows = corpus_rows("x")
    found = []
    for i, ((username, raw), moment) in enumerate(zip(rows, post_times("x", len(rows)), strict=True)):
        text, lang, hint = split_language(raw)
        retweet = text.startswith("RT @")
        found.append(Post(
            "x", str(_snowflake_x(moment, i)), text, username, moment,
            kept_by_crawler(text, lang, hint) and not retweet, lang, hint,
            {"author_id": str(10**17 + int(digest("xuser", username, n=12, alphabet="0123456789"))),
             "retweet": retweet, "likes": (i * 29) % 310, "reposts": (i * 7) % 45,
             "replies": (i * 3) % 20, "quotes": i % 4, "impressions": 150 + (i * 997) % 9000},
        ))
    return found




def _snowflake_x(moment: datetime, seq: int) -> int:
    return ((int(moment.timestamp() * 1000) - 1288834974657) << 22) + (seq & 0xFFF)




def _words(text: str) -> str:
    """Folded words separated and surrounded by single spaces, for phrase matching."""
    return " " + " ".join(re.findall(r"\w+", fold(text))) + " "


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
            found = lowered[0] + fold(lowered[1:]) in {m.lower() for m in re.findall(r"[#@]\w+", fold(post.text))}
        else:
            found = fold(lowered) in terms(post.text)
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
        "x-rate-limit-remaining": str(left_in_window(450, used)),
        "x-rate-limit-reset": str(int(now_seconds()) + 900 - int(now_seconds()) % 900),
    }


def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    @server.route(r"api\.x\.com", r"/2/tweets/search/recent")
    def search_recent(request: Request) -> Response:
        headers = _x_headers(server)
        if not bearer(request):
            return json_answer({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401)
        fault = take_fault(server, "x.search")
        if fault == "rate_limit":
            headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(now_seconds()) + 1)})
            return json_answer({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, 429, headers)
        if (answer := common_fault(fault)) is not None:
            return answer
        query = request.arg("query") or ""
        fields = set((request.arg("tweet.fields") or "").split(","))
        found = [p for p in reversed(corpus("x")) if x_query_matches(query, p)]
        since_id, until_id = request.arg("since_id"), request.arg("until_id")
        if since_id:
            found = [p for p in found if int(p.native_id) > int(since_id)]
        if until_id:
            found = [p for p in found if int(p.native_id) < int(until_id)]
        limit = int_arg(request.arg("max_results"), 10, 10, 100)
        offset = read_page_token(request.arg("next_token"))
        if offset is None:
            return json_answer({"errors": [{"parameters": {"next_token": [request.arg("next_token")]},
                                      "message": "The `next_token` query parameter value is invalid"}],
                          "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                          "type": "https://api.twitter.com/2/problems/invalid-request"}, 400, headers)
        chunk, following = page_of(found, offset, limit)
        if fault == "empty_page":  # nothing, yet a next_token as if more were to come
            return json_answer({"meta": {"result_count": 0, "next_token": page_token(offset + limit)}}, headers=headers)
        if not chunk and fault != "null_fields":
            return json_answer({"meta": {"result_count": 0}}, headers=headers)
        data = []
        for post in chunk:
            # X escapes &, < and > in text, as real answers show (&amp;)
            tweet: dict[str, Any] = {"id": post.native_id, "text": escape(post.text, quote=False),
                                     "edit_history_tweet_ids": [post.native_id]}
            if "author_id" in fields:
                tweet["author_id"] = post.extra["author_id"]
            if "created_at" in fields:
                tweet["created_at"] = iso(post.created_at)
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
            meta["next_token"] = page_token(following)
        body["meta"] = meta
        return json_answer(body, headers=headers)


