"""Sample YouTube Data API: video search, comment threads with replies, ``pageToken`` paging,
a video with comments disabled and a ``quotaExceeded`` fault."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from html import escape
from typing import Any

from samples.server import Request, Response, SampleServer
from samples.social import (
    B64,
    LIMA,
    WINDOW,
    Post,
    common_fault,
    corpus,
    corpus_rows,
    digest,
    fold,
    int_arg,
    json_answer,
    kept_by_crawler,
    page_of,
    page_token,
    parse_time,
    read_page_token,
    split_language,
    spread_times,
    take_fault,
    terms,
)

SAMPLE_CREDENTIALS = {"YOUTUBE_API_KEY": "sample-youtube-api-key"}  # obviously fake
DEFAULT_FAULTS: dict[str, list[str]] = {}  # a spent quota would stop the demo's source for the day

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
    """The sample YouTube videos (their comments are :func:`posts`)."""
    found = []
    for row in corpus_rows("youtube"):
        if row[0].startswith("@video "):
            description = row[4]
            disabled = description.endswith("!comments-disabled")
            day = datetime.fromisoformat(row[2]).replace(hour=12, tzinfo=LIMA)
            found.append(Video(
                row[0].split()[1], row[1], day.astimezone(UTC), row[3],
                description.removesuffix("!comments-disabled").strip(), disabled,
            ))
    return tuple(found)


def posts() -> list[Post]:
    """The sample YouTube posts, oldest first (from ``youtube.txt`` beside this module)."""
    rows = corpus_rows("youtube")
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
    found = []
    for vid in videos():
        mine = [t for t in threads if t[0] is vid]
        end = min(vid.published_at + timedelta(days=24), WINDOW[1].astimezone(UTC))
        moments = spread_times(f"vigia-youtube-{vid.video_id}", len(mine), vid.published_at + timedelta(hours=2), end)
        for n, ((_, (author, raw), replies), moment) in enumerate(zip(mine, moments, strict=True)):
            text, lang, _ = split_language(raw)
            thread_id = "Ugz" + digest("yt", vid.video_id, n, n=19, alphabet=B64) + "4AaABAg"
            extra = {"video_id": vid.video_id, "parent_id": None, "likes": (n * 11) % 90, "replies": len(replies)}
            found.append(Post("youtube", thread_id, text, author, moment,
                              kept_by_crawler(text, lang, None), lang, None, extra))
            for k, (reply_author, reply_raw) in enumerate(replies):
                reply_text, reply_lang, _ = split_language(reply_raw)
                reply_id = f"{thread_id}.{digest('ytr', thread_id, k, n=22, alphabet=B64)}"
                found.append(Post(
                    "youtube", reply_id, reply_text, reply_author, moment + timedelta(minutes=17 + 41 * k),
                    kept_by_crawler(reply_text, reply_lang, None), reply_lang, None,
                    {"video_id": vid.video_id, "parent_id": thread_id, "likes": (k * 5) % 12, "replies": 0},
                ))
    return found




def _youtube_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> Response:
    return json_answer({"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": "PERMISSION_DENIED" if status == 403 else "INVALID_ARGUMENT",
    }}, status)


QUOTA_MESSAGE = ("The request cannot be completed because you have exceeded your "
                 "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.")


def _comment(post: Post) -> dict[str, Any]:
    video = post.extra["video_id"]
    channel = "UC" + digest("channel", post.author, n=22, alphabet=B64)
    snippet: dict[str, Any] = {
        "channelId": "UC" + digest("owner", video, n=22, alphabet=B64),
        "videoId": video,
        "textDisplay": escape(post.text).replace("\n", "<br>"),
        "textOriginal": post.text,
        "authorDisplayName": "@" + re.sub(r"\W+", "", fold(post.author)),
        "authorProfileImageUrl": f"https://yt3.ggpht.com/ytc/{digest('avatar', post.author, n=20, alphabet=B64)}=s48",
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
    return {"kind": "youtube#comment", "etag": digest("etag", post.native_id, n=27, alphabet=B64),
            "id": post.native_id, "snippet": snippet}


def _youtube_key(request: Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.arg("key")



def register(server: SampleServer) -> None:
    """Add this platform's routes to ``server``."""
    missing_key = "The request is missing a valid API key."

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/search")
    def search(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.search")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := common_fault(fault)) is not None:
            return answer
        wanted = terms(request.arg("q") or "")
        after = request.arg("publishedAfter")
        found = sorted(
            (v for v in videos() if len(wanted & terms(f"{v.title} {v.description}")) >= 2
             and (not after or v.published_at > parse_time(after))),
            key=lambda v: v.published_at, reverse=True,
        )
        limit = int_arg(request.arg("maxResults"), 5, 0, 50)
        offset = read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = page_of(found, offset, limit)
        items = [{
            "kind": "youtube#searchResult",
            "etag": digest("etag", v.video_id, n=27, alphabet=B64),
            "id": {"kind": "youtube#video", "videoId": v.video_id},
            "snippet": {
                "publishedAt": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": "UC" + digest("owner", v.video_id, n=22, alphabet=B64),
                "title": escape(v.title, quote=True).replace("&#x27;", "&#39;"),
                "description": v.description[:160],
                "channelTitle": v.channel,
                "liveBroadcastContent": "none",
                "publishTime": v.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        } for v in chunk]
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse", "etag": digest("etag", request.raw_query, n=27, alphabet=B64),
            "regionCode": "PE", "pageInfo": {"totalResults": len(found), "resultsPerPage": limit}, "items": items,
        }
        if following is not None:
            body["nextPageToken"] = page_token(following)
        return json_answer(body)

    @server.route(r"www\.googleapis\.com", r"/youtube/v3/commentThreads")
    def comment_threads(request: Request) -> Response:
        if not _youtube_key(request):
            return _youtube_error(403, "forbidden", missing_key, "global")
        fault = take_fault(server, "youtube.comments")
        if fault == "quota_exceeded":
            return _youtube_error(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")
        if (answer := common_fault(fault)) is not None:
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
        limit = int_arg(request.arg("maxResults"), 20, 1, 100)
        offset = read_page_token(request.arg("pageToken"))
        if offset is None:
            return _youtube_error(400, "invalidPageToken", "The request specifies an invalid page token.", "youtube.parameter")
        chunk, following = page_of(tops, offset, limit)
        with_replies = "replies" in (request.arg("part") or "").split(",")
        items = []
        for top in chunk:
            replies = [p for p in comments if p.extra["parent_id"] == top.native_id]
            thread: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": digest("etag", "thread", top.native_id, n=27, alphabet=B64),
                "id": top.native_id,
                "snippet": {
                    "channelId": "UC" + digest("owner", video_id, n=22, alphabet=B64),
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
            "etag": digest("etag", request.raw_query, n=27, alphabet=B64),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": limit},
            "items": items,
        }
        if following is not None:
            body["nextPageToken"] = page_token(following)
        return json_answer(body)


