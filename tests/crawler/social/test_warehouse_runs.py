"""The five social spiders through the real runner and pipelines into a DuckDB warehouse.

Two scheduled runs on the same sample data: the first stores every post that names the
mayor in a kept language (and nothing else), the second asks each query only for its newest
page and stores nothing new. The credentials used are distinctive fakes, and they appear
nowhere in the logs or in the warehouse file.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from campaigns import load_campaign
from crawler.catalog import source_type
from samples import SampleServer
from samples.social import corpus, platforms
from tests.crawler.crawl import crawl_in_subprocess
from tests.crawler.social.conftest import CREDENTIAL_NAMES, FAKE_CREDENTIALS
from warehouse import connect

# A distinctive fake for every credential a platform declares, and a Bluesky login.
SECRETS = {
    **{name: f"zqx-{name.lower().replace('_', '-')}-{n}Hk2Lw" for n, name in enumerate(FAKE_CREDENTIALS)},
    "BLUESKY_HANDLE": "zqx-handle-Qe19.bsky.social",
    "BLUESKY_APP_PASSWORD": "zqx-bsky-pass-Hh77Kd",
}


def run(server: SampleServer, folder: Path, name: str, env: dict[str, str]) -> tuple[list[dict], str]:
    campaign = load_campaign().localized(server.base_url)
    social = [s for s in campaign.sources if source_type(s.spider) == "social"]
    campaign = campaign.model_copy(update={"sources": social})
    log = folder / f"{name}.log"
    environ = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_NAMES}
    environ.update(env)
    settings = {"LOG_FILE": str(log), "LOG_LEVEL": "DEBUG", "VIGIA_MAX_RATE_WAIT": "5"}
    summaries, stderr = crawl_in_subprocess(campaign, folder / "vigia.duckdb", server.base_url,
                                            spiders=platforms(), settings=settings, environ=environ)
    return summaries, stderr + (log.read_text(encoding="utf-8") if log.exists() else "")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("social-warehouse")
    with SampleServer(families=["social"]) as server:   # default one-shot faults armed, as in the demo
        first, first_log = run(server, folder, "first", SECRETS)
        first_requests = list(server.requests)
        second, second_log = run(server, folder, "second", SECRETS)
        second_requests = server.requests[len(first_requests):]
    return {
        "db": folder / "vigia.duckdb", "first": first, "second": second,
        "log": first_log + second_log, "second_requests": second_requests,
    }


def stored(db: Path) -> list[dict]:
    with connect(db, read_only=True) as con:
        cur = con.execute("SELECT platform, native_id, url, title, text, duplicate_of, source_type FROM documents")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.mark.slow
def test_the_first_run_stores_exactly_the_relevant_posts(two_runs):
    rows = stored(two_runs["db"])
    assert {r["source_type"] for r in rows} == {"social"}
    keys = {(r["platform"], r["native_id"]) for r in rows}
    reached = {(p.platform, p.native_id) for p in corpus() if p.relevant}
    # Logged in to Bluesky, every relevant post of the corpus is reachable by the campaign.
    assert keys == reached
    irrelevant = {(p.platform, p.native_id) for p in corpus() if not p.relevant}
    assert not keys & irrelevant
    assert all(s["status"] == "finished" for s in two_runs["first"]), two_runs["first"]
    assert {p: sum(1 for r in rows if r["platform"] == p) for p in platforms()} == {
        p: sum(1 for q in corpus(p) if q.relevant) for p in platforms()
    }


@pytest.mark.slow
def test_urls_are_the_public_permalinks(two_runs):
    prefixes = {
        "reddit": "https://www.reddit.com/r/", "bluesky": "https://bsky.app/profile/",
        "mastodon": ("https://mastodon.social/@", "https://mastodon.lat/@"),
        "youtube": "https://www.youtube.com/watch?", "x": "https://x.com/",
    }
    for row in stored(two_runs["db"]):
        assert row["url"].startswith(prefixes.get(row["platform"], "https://")), row["url"]
        assert "127.0.0.1" not in row["url"]


@pytest.mark.slow
def test_the_second_run_asks_only_the_newest_page_of_each_query_and_stores_nothing(two_runs):
    assert [s["new_documents"] for s in two_runs["second"]] == [0] * len(platforms())
    assert all(s["status"] == "finished" for s in two_runs["second"])
    campaign = load_campaign()
    by_host: dict[str, int] = {}
    for request in two_runs["second_requests"]:
        by_host[request.host] = by_host.get(request.host, 0) + 1
    reddit = campaign.sources_for("reddit")[0]
    bluesky = campaign.sources_for("bluesky")[0]
    mastodon = campaign.sources_for("mastodon")[0]
    assert by_host["oauth.reddit.com"] == len(reddit.options["subreddits"]) * len(reddit.queries)
    assert by_host["bsky.social"] == 1 + len(bluesky.queries)  # the login, then one page per query
    assert by_host["mastodon.social"] == by_host["mastodon.lat"] == len(mastodon.options["tags"])
    assert by_host["api.x.com"] == len(campaign.sources_for("x")[0].queries)
    videos_with_comments = 4
    assert by_host["www.googleapis.com"] == 1 + videos_with_comments + 1  # search, threads, the disabled one


@pytest.mark.slow
def test_credentials_appear_nowhere_in_logs_or_the_warehouse(two_runs):
    basic = base64.b64encode(f"{SECRETS['REDDIT_CLIENT_ID']}:{SECRETS['REDDIT_CLIENT_SECRET']}".encode()).decode()
    database = two_runs["db"].read_bytes()
    for value in [*SECRETS.values(), basic]:
        if value == SECRETS["BLUESKY_HANDLE"]:
            continue  # a handle is public: it is the account's name, not a secret
        assert value not in two_runs["log"]
        assert value.encode() not in database
    assert "sample-access-" not in two_runs["log"] and b"sample-access-" not in database
    assert "sample-reddit-token-" not in two_runs["log"]
