"""Polite feed polling: a minimum interval between polls, conditional requests, and the
outlets' 403 to heavy polling, against the sample news server on 127.0.0.1.

One module-scoped series of crawls of Exitosa's feed (each in a subprocess: Scrapy's reactor
cannot restart in pytest) feeds the crawl tests; the server's own answers are checked directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

import pytest

from campaigns import Source, load_campaign
from campaigns.localize import to_local
from samples import Response, SampleServer
from samples.news.corpus import LIMA, SAMPLE_NOW, published_by
from tests.crawler.crawl import REPO, crawl_in_subprocess
from warehouse import connect

FEED = "https://exitosanoticias.pe/feed/"
# Exitosa's feed at BEFORE lists everything up to 2026-11-20 21:15; by SAMPLE_NOW one more story.
BEFORE = datetime(2026, 11, 20, 22, 0, tzinfo=LIMA)
NEW_STORY = published_by("exitosanoticias.pe", SAMPLE_NOW)[0]
UA = "VigiaTest/0.1 (+sample tests)"


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": UA, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# ---------------------------------------------------------------- the sample server's answers

def test_sample_feeds_send_validators_and_answer_304_to_a_matching_conditional_request():
    with SampleServer(families=["news"]) as server:
        server.state.update(now=SAMPLE_NOW, feed_poll_window=0)
        url = to_local(FEED, server.base_url)
        status, headers, body = get(url)
        assert status == 200 and b"<item>" in body
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert etag.startswith('"') and modified.endswith(" GMT")
        assert get(url, **{"If-None-Match": etag})[0] == 304
        assert get(url, **{"If-Modified-Since": modified})[0] == 304
        assert get(url, **{"If-None-Match": '"older"'})[0] == 200
        # a new story changes the validators
        server.state["now"] = BEFORE
        status, older, _ = get(url, **{"If-None-Match": etag})
        assert status == 200 and older["ETag"] != etag


def test_sample_feeds_answer_403_to_a_client_polling_again_within_the_window():
    with SampleServer(families=["news"]) as server:
        server.state.update(now=SAMPLE_NOW, feed_poll_window=0.5)
        url = to_local(FEED, server.base_url)
        assert get(url)[0] == 200
        status, headers, body = get(url)
        assert status == 403 and headers["Server"] == "cloudflare" and b"you have been blocked" in body
        assert get(to_local("https://ojo-publico.com/feed", server.base_url))[0] == 200  # another feed
        time.sleep(0.6)
        assert get(url)[0] == 200


def test_the_minimum_interval_comes_from_the_environment():
    code = "from crawler.runner import project_settings; print(project_settings('x.duckdb').getfloat('VIGIA_FEED_MIN_INTERVAL'))"
    for env, expected in (({}, "900.0"), ({"VIGIA_FEED_MIN_INTERVAL": "60"}, "60.0")):
        clean = {k: v for k, v in os.environ.items() if k != "VIGIA_FEED_MIN_INTERVAL"}
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                              env={**clean, **env, "PYTHONPATH": str(REPO)}, timeout=120)
        assert done.stdout.strip().splitlines()[-1] == expected, done.stderr[-2000:]


# ---------------------------------------------------------------- crawls, one after another

def _state(db) -> dict[str, str]:
    with connect(db, read_only=True) as con:
        rows = con.execute("SELECT key, value FROM source_state WHERE source = 'exitosa'").fetchall()
    return dict(rows)


def _urls(db) -> set[str]:
    with connect(db, read_only=True) as con:
        return {row[0] for row in con.execute("SELECT url FROM documents").fetchall()}


def _recorded_skips(db) -> dict[str, str]:
    with connect(db, read_only=True) as con:
        row = con.execute("SELECT skipped FROM crawl_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    return json.loads(row[0])


@pytest.fixture(scope="module")
def polls(tmp_path_factory):
    db = tmp_path_factory.mktemp("polling") / "vigia.duckdb"
    runs = []
    with SampleServer(families=["news"]) as server:
        bundled = load_campaign()
        exitosa = [s for s in bundled.sources if s.name == "exitosa"]
        assert exitosa and exitosa[0].urls == [FEED]
        campaign = bundled.model_copy(update={"sources": exitosa}).localized(server.base_url)

        def crawl(settings: dict, **server_state) -> None:
            server.state.update(server_state)
            before = len(server.requests)
            summaries, log = crawl_in_subprocess(campaign, db, server.base_url, spiders=["news_feeds"],
                                                 settings=settings)
            runs.append({"summary": summaries[0], "log": log, "requests": server.requests[before:],
                         "state": _state(db), "urls": _urls(db), "recorded_skips": _recorded_skips(db)})

        crawl({}, now=BEFORE)                                            # 0: first poll, default interval
        crawl({})                                                        # 1: seconds later: not polled
        crawl({"VIGIA_FEED_MIN_INTERVAL": 1}, feed_poll_window=0)       # 2: after the interval: 304
        time.sleep(1.1)
        crawl({"VIGIA_FEED_MIN_INTERVAL": 1}, now=SAMPLE_NOW)            # 3: the feed changed
        crawl({"VIGIA_FEED_MIN_INTERVAL": 0}, feed_poll_window=3600)     # 4: polled too often: 403
    return runs


def feed_requests(run) -> list:
    return [r for r in run["requests"] if r.host == "exitosanoticias.pe" and r.path == "/feed/"]


def article_requests(run) -> list[str]:
    return [r.path for r in run["requests"]
            if r.host == "exitosanoticias.pe" and r.path not in ("/feed/", "/robots.txt")]


@pytest.mark.slow
def test_first_run_stores_the_feed_and_remembers_its_validators(polls):
    first = polls[0]
    assert first["summary"]["status"] == "finished" and first["summary"]["new_documents"] > 0
    [request] = feed_requests(first)
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers
    state = first["state"]
    assert state[f"etag:{FEED}"].startswith('"') and state[f"last_modified:{FEED}"].endswith(" GMT")
    assert datetime.fromisoformat(state[f"polled_at:{FEED}"]).tzinfo is not None


@pytest.mark.slow
def test_a_second_run_within_the_interval_does_not_request_the_feed(polls):
    second = polls[1]
    assert feed_requests(second) == [] and second["requests"] == []
    summary = second["summary"]
    assert summary["status"] == "finished" and summary["new_documents"] == 0 and summary["errors"] == {}
    assert summary["skipped"]["exitosa"].startswith(f"polled_recently: {FEED} polled ")
    assert "source exitosa skipped (polled_recently)" in second["log"]
    assert second["state"] == polls[0]["state"]


@pytest.mark.slow
def test_after_the_interval_a_conditional_request_gets_304_which_stores_nothing_and_is_no_error(polls):
    first, third = polls[0], polls[2]
    [request] = feed_requests(third)
    assert request.headers["if-none-match"] == first["state"][f"etag:{FEED}"]
    assert request.headers["if-modified-since"] == first["state"][f"last_modified:{FEED}"]
    assert article_requests(third) == []
    summary = third["summary"]
    assert summary["status"] == "finished" and summary["new_documents"] == 0 and summary["items_seen"] == 0
    assert summary["errors"] == {} and summary["skipped"] == {}
    assert f"feed {FEED} not modified since the last poll" in third["log"]
    assert "'vigia/feeds_not_modified': 1" in third["log"]  # Scrapy's stats dump
    assert third["urls"] == first["urls"]
    assert third["state"][f"etag:{FEED}"] == first["state"][f"etag:{FEED}"]
    assert third["state"][f"polled_at:{FEED}"] >= first["state"][f"polled_at:{FEED}"]


@pytest.mark.slow
def test_a_changed_feed_is_fetched_and_only_the_new_story_is_stored(polls):
    third, fourth = polls[2], polls[3]
    [request] = feed_requests(fourth)
    assert request.headers["if-none-match"] == third["state"][f"etag:{FEED}"]
    assert fourth["state"][f"etag:{FEED}"] != third["state"][f"etag:{FEED}"]
    assert fourth["summary"]["new_documents"] == 1
    assert fourth["urls"] - third["urls"] == {NEW_STORY.url}
    # stored stories are not fetched again (a story left out as not about the target may be)
    fetched = {"https://exitosanoticias.pe" + path for path in article_requests(fourth)}
    assert NEW_STORY.url in fetched and not fetched & third["urls"]


@pytest.mark.slow
def test_the_outlets_403_to_heavy_polling_is_a_logged_skip_and_loses_nothing(polls):
    fourth, fifth = polls[3], polls[4]
    assert len(feed_requests(fifth)) == 1 and article_requests(fifth) == []
    summary = fifth["summary"]
    assert summary["status"] == "finished" and summary["new_documents"] == 0
    assert summary["skipped"]["exitosa"].startswith(f"http_403: {FEED} answered 403 (a Cloudflare block page")
    assert summary["errors"] == {}
    assert "source exitosa skipped (http_403)" in fifth["log"]
    assert fifth["urls"] == fourth["urls"]
    assert fifth["state"] == fourth["state"]  # validators and last poll kept for the next run
    assert fifth["recorded_skips"]["exitosa"].startswith("http_403")  # in crawl_log for `vigia sql`


@pytest.mark.slow
def test_a_story_lost_with_its_page_makes_the_next_poll_read_the_whole_feed(tmp_path):
    db = tmp_path / "lost.duckdb"
    feed = "https://lostfeed.pe/rss"
    with SampleServer(families=[]) as server:

        @server.route(r"lostfeed\.pe", r"/rss")
        def rss(request):
            link = request.local("https://lostfeed.pe/politica/carlos-canales-responde")
            body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Lost</title>'
                    f"<item><title>Carlos Canales responde</title><link>{link}</link></item></channel></rss>")
            return Response(200, body, "application/rss+xml", {"ETag": '"v1"'})

        # the article page answers 404 (the route table has nothing for it), and the feed has no text

        bundled = load_campaign()
        source = Source(name="lost", spider="news_feeds", platform="lostfeed.pe", urls=[feed])
        campaign = bundled.model_copy(update={"sources": [source]}).localized(server.base_url)
        summaries, _ = crawl_in_subprocess(campaign, db, server.base_url, spiders=["news_feeds"])
    assert summaries[0]["status"] == "finished" and summaries[0]["new_documents"] == 0
    with connect(db, read_only=True) as con:
        state = dict(con.execute("SELECT key, value FROM source_state WHERE source = 'lost'").fetchall())
    assert state[f"etag:{feed}"] == "" and state[f"polled_at:{feed}"]
