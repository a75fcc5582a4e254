"""YouTube: searched videos' comment threads with replies, key in a header, disabled comments."""

from __future__ import annotations

import json

import pytest

from crawler.spiders.youtube import thread_entries
from samples.platforms.youtube import videos
from samples.social import corpus
from tests.crawler.social.conftest import campaign_for, crawl

THREAD = {
    "kind": "youtube#commentThread",
    "id": "UgzAAAAAAAAAAAAAAAAAAA4AaABAg",
    "snippet": {
        "videoId": "k3Jd9WqLm2A",
        "topLevelComment": {"kind": "youtube#comment", "id": "UgzAAAAAAAAAAAAAAAAAAA4AaABAg", "snippet": {
            "videoId": "k3Jd9WqLm2A", "textDisplay": "Carlos Canales &amp; el 0%", "textOriginal": "Carlos Canales & el 0%",
            "authorDisplayName": "@vecina", "likeCount": 4, "publishedAt": "2026-09-01T14:00:00Z"}},
        "totalReplyCount": 2,
    },
    "replies": {"comments": [
        {"id": "UgzAAAAAAAAAAAAAAAAAAA4AaABAg.A1", "snippet": {
            "videoId": "k3Jd9WqLm2A", "textOriginal": "De acuerdo, alcalde Canales", "authorDisplayName": "@otro",
            "parentId": "UgzAAAAAAAAAAAAAAAAAAA4AaABAg", "publishedAt": "2026-09-01T15:00:00Z"}},
        {"id": "UgzAAAAAAAAAAAAAAAAAAA4AaABAg.A2", "snippet": {"videoId": "k3Jd9WqLm2A", "textDisplay": None}},
    ]},
}


def test_a_thread_gives_its_comment_and_replies_with_lc_permalinks():
    top, reply, broken = thread_entries(THREAD, "Entrevista")
    assert top["url"] == "https://www.youtube.com/watch?v=k3Jd9WqLm2A&lc=UgzAAAAAAAAAAAAAAAAAAA4AaABAg"
    assert top["text"] == "Carlos Canales & el 0%" and top["extra"]["reply_count"] == 2
    assert top["mark"] == "2026-09-01T14:00:00Z"
    assert reply["url"].endswith("&lc=UgzAAAAAAAAAAAAAAAAAAA4AaABAg.A1")
    assert reply["extra"]["parent_id"] == "UgzAAAAAAAAAAAAAAAAAAA4AaABAg" and reply["mark"] is None
    assert broken is None
    assert thread_entries({"id": "x", "snippet": None}) == [None]


@pytest.mark.slow
def test_searched_videos_comments_and_replies_are_collected_with_the_key_in_a_header(server, tmp_path):
    campaign = campaign_for(server, "youtube", options={"video_ids": [], "page_size": 5})
    first = crawl(server, "youtube", tmp_path, campaign=campaign, name="first")
    calls = server.requests_to("www.googleapis.com")
    assert all(r.headers["x-goog-api-key"] == "sample-youtube-api-key" for r in calls)
    assert not any("key" in r.query for r in calls), "the key never goes in the URL"
    search, = [r for r in calls if r.path.endswith("/search")]
    assert (search.arg("type"), search.arg("order")) == ("video", "date")
    threads = [r for r in calls if r.path.endswith("/commentThreads")]
    assert all(r.arg("part") == "snippet,replies" and r.arg("order") == "time" for r in threads)
    assert any(r.arg("pageToken") for r in threads)
    assert {i["native_id"] for i in first.items} == {p.native_id for p in corpus("youtube")}
    assert any(i["extra"]["parent_id"] for i in first.items), "replies are collected"
    disabled = next(v.video_id for v in videos() if v.comments_disabled)
    assert first.skips("youtube") == {"comments_disabled": 1}
    assert f"video {disabled}" in first.log
    assert all(i["url"].startswith("https://www.youtube.com/watch?v=") and "&lc=" in i["url"] for i in first.items)

    before = len(server.requests)
    second = crawl(server, "youtube", tmp_path, campaign=campaign, state=first.state, name="second")
    calls = server.requests[before:]
    commented = {v.video_id for v in videos() if not v.comments_disabled}
    assert len([r for r in calls if r.path.endswith("/commentThreads")]) == len(commented) + 1
    assert not any(r.arg("pageToken") for r in calls)
    assert second.items == []


@pytest.mark.slow
def test_a_spent_quota_stops_the_source_until_pacific_midnight(server, tmp_path):
    server.state["faults"] = {"youtube.search": ["quota_exceeded"]}
    run = crawl(server, "youtube", tmp_path)
    assert run.stats["finish_reason"] == "finished"
    assert run.skips("youtube") == {"quota_exceeded": 1}
    assert "quota exceeded until" in run.log
    paused = run.state["youtube_comments"]["paused_until"]
    assert paused.endswith(("T08:00:00+00:00", "T07:00:00+00:00"))  # midnight in Los Angeles
    assert run.items == []
    assert len(server.requests_to("www.googleapis.com")) == 1, "no retries against a spent quota"
    json.dumps(run.state)
