"""Every way a platform API misbehaves ends as a logged, counted skip or a successful retry.

Each fault is served once (``server.state["faults"]``) by the first request to the endpoint;
the run still finishes, collects only well-formed posts from the sample corpus, and a query
whose page was lost keeps its old high-water mark, so the next run asks for it again.
"""

from __future__ import annotations

import pytest

from crawler.samples import SampleServer
from crawler.samples.social import corpus
from tests.crawler.social.conftest import crawl

# platform -> (spider, faulted endpoint, source, environment)
PLATFORMS = {
    "bluesky": ("bluesky", "bluesky.search", "bluesky_search", {}),
    "mastodon": ("mastodon", "mastodon.tag", "mastodon_tags", {}),
}
# fault -> the skip it must be counted as (None: nothing is skipped)
FAULTS = {
    "cloudflare_403": {"html_instead_of_json": 1},
    "malformed_json": {"malformed_json": 1},
    "empty_page": {"empty_page": 1},
    "null_fields": {"missing_field": 2},
}


def clean_run(platform: str, tmp_path) -> set[str]:
    spider, _, _, env = PLATFORMS[platform]
    with SampleServer(families=["social"]) as fresh:
        fresh.state["faults"] = {}
        return {i["native_id"] for i in crawl(fresh, spider, tmp_path, env=env, name="clean").items}


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_bad_answer_is_a_counted_skip_and_the_run_completes(server, tmp_path, platform, fault):
    spider, endpoint, source, env = PLATFORMS[platform]
    server.state["faults"] = {endpoint: [fault]}
    run = crawl(server, spider, tmp_path, env=env)
    assert run.stats["finish_reason"] == "finished"
    skips = run.skips(platform)
    for reason, count in FAULTS[fault].items():
        assert skips.get(reason) == count, skips
        assert f"skipped ({reason})" in run.log
    assert "Traceback" not in run.log
    known = {p.native_id for p in corpus(platform)}
    assert {i["native_id"] for i in run.items} <= known
    assert all(i["text"] and i["url"].startswith("https://") for i in run.items)
    if fault in ("cloudflare_403", "malformed_json"):
        # The lost page's query keeps no new mark: the next run asks for it again.
        assert len(run.state.get(source, {})) < len(clean_state_keys(platform))


def clean_state_keys(platform: str) -> set[str]:
    if platform == "bluesky":
        return {"newest:q=Carlos Canales", "newest:q=revocatoria Miraflores"}
    return {f"newest:{h}#{t}" for h in ("mastodon.social", "mastodon.lat")
            for t in ("Miraflores", "RevocatoriaMiraflores", "CarlosCanales")}


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_429_waits_for_the_announced_reset_then_collects_everything(server, tmp_path, platform):
    spider, endpoint, _, env = PLATFORMS[platform]
    server.state["faults"] = {endpoint: ["rate_limit"]}
    run = crawl(server, spider, tmp_path, env=env)
    assert run.stats.get(f"vigia/ratelimit/{platform}/waits") == 1
    assert run.stats.get(f"vigia/ratelimit/{platform}/429") == 1
    assert "retrying in" in run.log
    assert not run.skips(platform).get("rate_limited")
    assert {i["native_id"] for i in run.items} == clean_run(platform, tmp_path)


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
