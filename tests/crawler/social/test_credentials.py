"""Missing credentials switch a source off with a line that names the variable, not its value."""

from __future__ import annotations

import pytest

from campaigns import load_campaign
from crawler.catalog import required_credentials
from samples.social import platforms
from tests.crawler.social.conftest import FAKE_CREDENTIALS, crawl

# Every platform whose spider declares credentials, with its bundled source.
NEEDS = {
    spider: (load_campaign().sources_for(spider)[0].name, list(required_credentials(spider)))
    for spider in platforms()
    if required_credentials(spider)
}


def test_the_spiders_that_need_credentials_declare_them():
    assert NEEDS["reddit"][1] == ["REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"]
    assert NEEDS["youtube"][1] == ["YOUTUBE_API_KEY"] and NEEDS["x"][1] == ["X_BEARER_TOKEN"]
    assert "bluesky" not in NEEDS and "mastodon" not in NEEDS  # public search and timelines
    # the demo unlocks each of them with the fakes its sample module declares
    assert all(set(variables) <= set(FAKE_CREDENTIALS) for _, variables in NEEDS.values())


@pytest.mark.slow
@pytest.mark.parametrize("spider", NEEDS)
def test_a_source_without_its_credentials_is_skipped_by_name(server, tmp_path, spider):
    source, variables = NEEDS[spider]
    env = {k: v for k, v in FAKE_CREDENTIALS.items() if k != variables[-1]}
    run = crawl(server, spider, tmp_path, env=env)
    assert run.stats["finish_reason"] == "finished"
    assert run.items == [] and not server.requests
    assert variables[-1] in run.skipped[source]
    assert f"source {source} skipped: credentials not set: {variables[-1]}" in run.log
    for name, value in FAKE_CREDENTIALS.items():
        assert value not in run.log, name


@pytest.mark.slow
def test_bluesky_needs_no_credentials(server, tmp_path):
    run = crawl(server, "bluesky", tmp_path, env={})
    assert run.items and run.skipped == {}
