"""YouTube: comment threads (with their replies) of chosen and searched-for videos.

Videos come from ``options.video_ids`` plus a ``search?type=video&order=date`` for each of
the source's queries; each video's ``commentThreads?part=snippet,replies&order=time`` is
paged with ``pageToken``. The API key travels in the ``X-Goog-Api-Key`` header, never in
the URL. A video with comments disabled is skipped; a spent daily quota (403
``quotaExceeded``) stops the source until the quota resets (``crawler.ratelimits``).
Incremental runs stop at the newest top-level comment already seen on that video.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from campaigns import Source
from crawler.items import DocumentItem
from crawler.ratelimits import youtube_limit, youtube_limit_reason
from crawler.spiders.social import (
    Paging,
    SocialSpider,
    error_reason,
    parse_time,
    plain_text,
    read_json,
)

PAGE_SIZE = 100
SEARCH_SIZE = 25


def comment_fields(
    comment: Any, video_title: str | None = None, video_id: str | None = None, channel_id: str | None = None
) -> dict[str, Any] | None:
    """A ``youtube#comment`` as item fields; None without an id, a place (video or channel) or any text.

    Replies carry no ``videoId`` (only ``parentId``): ``video_id`` is their thread's video. A
    channel's own discussion threads have no video at all, only their ``channelId``.
    """
    if not isinstance(comment, dict) or not isinstance(comment.get("snippet"), dict):
        return None
    snippet, native_id = comment["snippet"], comment.get("id")
    video = snippet.get("videoId") or video_id
    channel = snippet.get("channelId") or channel_id
    text = snippet.get("textOriginal")
    if not isinstance(text, str) and isinstance(snippet.get("textDisplay"), str):
        text = plain_text(snippet["textDisplay"])
    if not isinstance(native_id, str) or not isinstance(text, str) or not text.strip():
        return None
    if isinstance(video, str) and video:
        url = f"https://www.youtube.com/watch?v={video}&lc={native_id}"
    elif isinstance(channel, str) and channel:
        url = f"https://www.youtube.com/channel/{channel}/discussion?lc={native_id}"
    else:
        return None
    created = snippet.get("publishedAt")
    return {
        "native_id": native_id,
        "url": url,
        "title": None,
        "text": text.strip(),
        "author": snippet.get("authorDisplayName"),
        "published_at": parse_time(created) or created,
        "lang": None,
        "extra": {
            "video_id": video if isinstance(video, str) and video else None,
            "channel_id": channel if isinstance(channel, str) and channel else None,
            "video_title": video_title,
            "parent_id": snippet.get("parentId"),
            "likes": snippet.get("likeCount"),
        },
        "mark": created if isinstance(created, str) else None,
    }


def thread_entries(thread: Any, video_title: str | None = None) -> list[dict[str, Any] | None]:
    """A comment thread as item fields: the top-level comment first, then its replies.

    None stands for a comment that cannot be used (counted by the caller).
    """
    snippet = thread.get("snippet") if isinstance(thread, dict) else None
    if not isinstance(snippet, dict):
        return [None]
    video_id = snippet.get("videoId") if isinstance(snippet.get("videoId"), str) else None
    channel_id = snippet.get("channelId") if isinstance(snippet.get("channelId"), str) else None
    top = comment_fields(snippet.get("topLevelComment"), video_title, video_id, channel_id)
    entries: list[dict[str, Any] | None] = [top]
    if top is not None:
        top["extra"]["reply_count"] = snippet.get("totalReplyCount")
        for reply in ((thread.get("replies") or {}).get("comments") or []):
            fields = comment_fields(reply, video_title, top["extra"]["video_id"], top["extra"]["channel_id"])
            if fields is not None:
                fields["mark"] = None  # only top-level comments order the thread list
            entries.append(fields)
    return entries


def search_videos(items: list[Any]) -> list[tuple[str, str | None]]:
    """(video id, unescaped title) of each video in a ``search.list`` answer's ``items``
    (search titles come HTML-escaped: ``&amp;``, ``&#39;``)."""
    found = []
    for item in items:
        ids = item.get("id") if isinstance(item, dict) else None
        video_id = ids.get("videoId") if isinstance(ids, dict) else None
        if isinstance(video_id, str) and video_id:
            found.append((video_id, unescape(((item.get("snippet") or {}).get("title")) or "") or None))
    return found


def missing_replies(thread: Any) -> str | None:
    """The thread's id when it has more replies than it carries (the API inlines at most 5)."""
    snippet = thread.get("snippet") if isinstance(thread, dict) else None
    if not isinstance(snippet, dict) or not isinstance(thread.get("id"), str):
        return None
    inline = len(((thread.get("replies") or {}).get("comments")) or [])
    total = snippet.get("totalReplyCount")
    return thread["id"] if isinstance(total, int) and total > inline else None


def reply_entries(answer: Any, video_id: str, video_title: str | None = None) -> list[dict[str, Any] | None]:
    """A ``comments.list?parentId=`` answer as item fields (the video comes from the thread)."""
    items = answer.get("items") if isinstance(answer, dict) else None
    entries = [comment_fields(c, video_title, video_id) for c in items or []]
    for fields in entries:
        if fields is not None:
            fields["mark"] = None
    return entries


class YoutubeSpider(SocialSpider):
    name = "youtube"
    platform = "youtube"
    credentials_env = ("YOUTUBE_API_KEY",)
    rate_limit_dialect = staticmethod(youtube_limit)
    limit_reason = staticmethod(youtube_limit_reason)
    request_interval = 0.2
    mark_order = staticmethod(parse_time)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.videos_seen: dict[str, set[str]] = {}

    def key_header(self, source: Source) -> dict[str, str]:
        return {"X-Goog-Api-Key": self.credentials(source)[0]}

    def start_requests_for(self, source: Source) -> Iterator[Any]:
        base = self.endpoint(source.urls[0]).rstrip("/")
        for video_id in source.options.get("video_ids", []):
            yield from self.comments_of(source, base, str(video_id), None)
        for query in source.queries:
            params = {"part": "snippet", "type": "video", "q": query, "order": "date",
                      "maxResults": int(source.options.get("max_videos", SEARCH_SIZE))}
            yield self.api_request(
                f"{base}/search?{urlencode(params)}", source, self.parse_search,
                headers=self.key_header(source), cb_kwargs={"base": base},
            )

    def parse_search(self, response: Response, source: Source, base: str) -> Iterator[Any]:
        answer = self.payload(response, source, what="video search")
        if answer is None:
            return
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            self.skip(source, "unexpected_shape", "search answer without items")
            return
        for video_id, title in search_videos(items):
            yield from self.comments_of(source, base, video_id, title)

    def comments_of(self, source: Source, base: str, video_id: str, title: str | None) -> Iterator[Any]:
        seen = self.videos_seen.setdefault(source.name, set())
        if video_id in seen:
            return
        seen.add(video_id)
        yield self.threads(source, base, video_id, title, self.paging(source, f"video={video_id}"), None)

    def threads(self, source: Source, base: str, video_id: str, title: str | None, paging: Paging, token: str | None):
        params = {"part": "snippet,replies", "videoId": video_id, "maxResults": int(source.options.get("page_size", PAGE_SIZE)),
                  "order": "time", "textFormat": "plainText"}
        if token:
            params["pageToken"] = token
        return self.api_request(
            f"{base}/commentThreads?{urlencode(params)}", source, self.parse_threads,
            headers=self.key_header(source),
            cb_kwargs={"base": base, "video_id": video_id, "title": title, "paging": paging},
        )

    def replies(self, source: Source, base: str, video_id: str, title: str | None, parent: str, token: str | None):
        params = {"part": "snippet", "parentId": parent, "maxResults": PAGE_SIZE, "textFormat": "plainText"}
        if token:
            params["pageToken"] = token
        return self.api_request(
            f"{base}/comments?{urlencode(params)}", source, self.parse_replies,
            headers=self.key_header(source),
            cb_kwargs={"base": base, "video_id": video_id, "title": title, "parent": parent},
        )

    def parse_replies(
        self, response: Response, source: Source, base: str, video_id: str, title: str | None, parent: str
    ) -> Iterator[Any]:
        answer = self.payload(response, source, what=f"replies to {parent}")
        if answer is None:
            return
        for fields in reply_entries(answer, video_id, title):
            if fields is None:
                self.skip(source, "missing_field", f"reply without id or text under {parent}")
                continue
            fields.pop("mark")
            yield self.item(source, **fields)
        token = answer.get("nextPageToken") if isinstance(answer, dict) else None
        if token:
            yield self.replies(source, base, video_id, title, parent, str(token))

    def parse_threads(
        self, response: Response, source: Source, base: str, video_id: str, title: str | None, paging: Paging
    ) -> Iterator[Any]:
        if response.status == 403:
            reason = error_reason(read_json(response.body)[0])
            if reason == "comments_disabled":
                self.skip(source, "comments_disabled", f"video {video_id}")
                return
        answer = self.payload(response, source, what=f"comments of {video_id}")
        if answer is None:
            return
        threads = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(threads, list):
            self.skip(source, "unexpected_shape", "commentThreads answer without items")
            return
        entries: list[tuple[str | None, DocumentItem | None]] = []
        for thread in threads:
            for fields in thread_entries(thread, title):
                if fields is None:
                    self.skip(source, "missing_field", f"comment without id or text on {video_id}")
                    continue
                entries.append((fields.pop("mark"), self.item(source, **fields)))
            parent = missing_replies(thread)
            if parent is not None:
                yield self.replies(source, base, video_id, title, parent, None)
        yield from self.page_items(source, paging, entries)
        token = answer.get("nextPageToken")
        if token and not threads:
            self.skip(source, "empty_page", f"empty page with a nextPageToken on {video_id}")
            token = None
        if self.should_follow(source, paging, bool(token)):
            yield self.threads(source, base, video_id, title, paging, str(token))
