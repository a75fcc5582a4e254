"""Missing credentials switch a source off with a line that names the variable, not its value."""

from __future__ import annotations

import pytest

from tests.crawler.social.conftest import FAKE_CREDENTIALS, crawl

NEEDS = {
    "reddit": ("reddit_peru", ["REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"], "oauth.reddit.com"),
    "youtube": ("youtube_comments", ["YOUTUBE_API_KEY"], "www.googleapis.com"),
    "x": ("x_search", ["X_BEARER_TOKEN"], "api.x.com"),
}


@pytest.mark.slow
@pytest.mark.parametrize("spider", NEEDS)
def test_a_source_without_its_credentials_is_skipped_by_name(server, tmp_path, spider):
    source, variables, host = NEEDS[spider]
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
