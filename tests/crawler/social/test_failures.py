"""Every way a platform API misbehaves ends as a logged, counted skip or a successful retry.

Each fault is served once (``server.state["faults"]``), by the next request to the endpoint:
arming four faults spreads them over the first four queries of one run. The run still
finishes, collects only well-formed posts from the sample corpus, and a query whose page was
lost keeps its old high-water mark, so the next run asks for it again.
"""

from __future__ import annotations

import pytest

from samples import SampleServer
from samples.platforms.youtube import videos
from samples.social import corpus
from tests.crawler.social.conftest import Crawl, campaign_for, crawl

# platform -> (spider, faulted endpoint, source, environment)
PLATFORMS = {
    "reddit": ("reddit", "reddit.search", "reddit_peru", None),
    # Logged in, so that a fault landing on a later page is still that fault, not a refused cursor.
    "bluesky": ("bluesky", "bluesky.search", "bluesky_search", {"BLUESKY_HANDLE": "a.bsky.social", "BLUESKY_APP_PASSWORD": "x"}),
    "mastodon": ("mastodon", "mastodon.tag", "mastodon_tags", {}),
    "youtube": ("youtube", "youtube.comments", "youtube_comments", None),
    "x": ("x", "x.search", "x_search", None),
}
RATE_LIMITED = ["reddit", "bluesky", "mastodon", "x"]  # YouTube has quotas instead (test_youtube)
# fault -> the skips it must be counted as
FAULTS = {
    "cloudflare_403": {"html_instead_of_json": 1},
    "malformed_json": {"malformed_json": 1},
    "empty_page": {"empty_page": 1},
    "null_fields": {"missing_field": 2},
}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """A platform's crawl with no fault at all (one per platform, kept for the module)."""
    done: dict[str, Crawl] = {}

    def run(platform: str) -> Crawl:
        if platform not in done:
            spider, _, _, env = PLATFORMS[platform]
            with SampleServer(families=["social"]) as fresh:
                fresh.state["faults"] = {}
                done[platform] = crawl(fresh, spider, tmp_path_factory.mktemp(f"clean-{platform}"), env=env)
        return done[platform]

    return run


# Enough queries that every fault lands on a different query's first page.
SPREAD = {
    "bluesky": {"queries": ["Carlos Canales", "alcalde Canales", "revocatoria Miraflores", "Canales Miraflores", "serenazgo"]},
    "x": {"queries": ['"Carlos Canales"', '"alcalde Canales"', "@carloscanalesa", "#RevocatoriaMiraflores", "#NoALaRevocatoria"]},
    # The videos with comments, asked for directly (a fault on the disabled one would prove nothing).
    "youtube": {"queries": [], "options": {"video_ids": [v.video_id for v in videos() if not v.comments_disabled]}},
}


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_bad_answer_is_a_counted_skip_and_the_run_completes(server, tmp_path, platform):
    spider, endpoint, source, env = PLATFORMS[platform]
    server.state["faults"] = {endpoint: list(FAULTS)}   # one fault for each of the first four requests
    campaign = campaign_for(server, spider, **SPREAD.get(platform, {}))
    run = crawl(server, spider, tmp_path, env=env, campaign=campaign)
    assert server.state["faults"][endpoint] == [], "every fault was served"
    assert run.stats["finish_reason"] == "finished"
    skips = run.skips(platform)
    for fault, counted in FAULTS.items():
        for reason, count in counted.items():
            assert skips.get(reason) == count, (fault, skips)
            assert f"skipped ({reason})" in run.log
    assert "Traceback" not in run.log
    known = {p.native_id for p in corpus(platform)}
    assert run.items and {i["native_id"] for i in run.items} <= known
    assert all(i["text"] and i["url"].startswith("https://") for i in run.items)
    # The queries whose first page was lost (403 page, broken JSON) or empty keep no new
    # mark, so the next run asks for them again.
    assert len(run.state.get(source, {})) <= scope_count(campaign.sources[0], platform) - 2


def scope_count(source, platform: str) -> int:
    """How many queries (each with its own high-water mark) a clean run of ``source`` pages."""
    if platform == "reddit":
        return len(source.options["subreddits"]) * len(source.queries)
    if platform == "mastodon":
        return len(source.urls) * len(source.options["tags"])
    if platform == "youtube":
        return sum(1 for v in videos() if not v.comments_disabled)
    return len(source.queries)


@pytest.mark.slow
@pytest.mark.parametrize("platform", RATE_LIMITED)
def test_a_429_waits_for_the_announced_reset_then_collects_everything(server, tmp_path, clean_run, platform):
    spider, endpoint, _, env = PLATFORMS[platform]
    server.state["faults"] = {endpoint: ["rate_limit"]}
    run = crawl(server, spider, tmp_path, env=env)
    assert run.stats.get(f"vigia/ratelimit/{platform}/waits") == 1
    assert run.stats.get(f"vigia/ratelimit/{platform}/429") == 1
    assert "retrying in" in run.log
    assert not run.skips(platform).get("rate_limited")
    assert {i["native_id"] for i in run.items} == {i["native_id"] for i in clean_run(platform).items}


@pytest.mark.slow
def test_a_reset_beyond_the_maximum_wait_stops_the_source_until_then(server, tmp_path):
    server.state["faults"] = {"mastodon.tag": ["rate_limit"]}
    run = crawl(server, "mastodon", tmp_path, env={}, settings={"VIGIA_MAX_RATE_WAIT": "0.1"})
    assert run.stats["finish_reason"] == "finished"
    assert run.skips("mastodon")["rate_limited"] == 1
    assert "source stopped for this run" in run.log and "VIGIA_MAX_RATE_WAIT" in run.log
    assert "paused_until" in run.state["mastodon_tags"]
    # The next run before the reset leaves the source alone, without a single request.
    before = len(server.requests)
    again = crawl(server, "mastodon", tmp_path, env={}, state={"mastodon_tags": {"paused_until": "2999-01-01T00:00:00+00:00"}}, name="again")
    assert len(server.requests) == before
    assert again.skips("mastodon") == {"paused": 1}
