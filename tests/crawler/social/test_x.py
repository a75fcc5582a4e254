"""X: recent search with a bearer token, next_token paging, since_id on incremental runs."""

from __future__ import annotations

import pytest

from campaigns import load_campaign
from crawler.spiders.x import EXPANSIONS, TWEET_FIELDS, tweet_fields
from samples.platforms.x import x_query_matches
from samples.social import corpus
from tests.crawler.social.conftest import campaign_for, crawl

QUERY = load_campaign().sources_for("x")[0].queries[0]


def test_a_tweet_and_its_author_become_an_item_with_an_x_permalink():
    users = {"42": {"id": "42", "username": "vecina_pe", "name": "Vecina"}}
    tweet = {"id": "2100000000000000000", "text": "Carlos Canales y el 0%", "author_id": "42",
             "created_at": "2026-10-01T12:00:00.000Z", "lang": "es",
             "public_metrics": {"like_count": 3, "retweet_count": 1}}
    fields = tweet_fields(tweet, users)
    assert fields["url"] == "https://x.com/vecina_pe/status/2100000000000000000"
    assert fields["author"] == "vecina_pe" and fields["lang"] == "es"
    assert fields["extra"]["like_count"] == 3
    assert tweet_fields({**tweet, "author_id": "7"}, users)["url"] == "https://x.com/i/web/status/2100000000000000000"
    assert tweet_fields({"id": None, "text": "x"}, users) is None
    assert tweet_fields({"id": "1", "text": None}, users) is None


def test_the_campaign_query_keeps_spanish_originals_only():
    kept = [p for p in corpus("x") if x_query_matches(QUERY, p)]
    assert kept and not any(p.extra["retweet"] for p in kept)
    # Without parentheses AND binds first, and reposts naming the mayor slip through.
    loose = QUERY.replace("(", "").replace(")", "")
    assert any(p.extra["retweet"] for p in corpus("x") if x_query_matches(loose, p))


@pytest.mark.slow
def test_search_pages_by_next_token_and_a_second_run_asks_since_the_newest_id(server, tmp_path):
    campaign = campaign_for(server, "x", options={"page_size": 20})
    first = crawl(server, "x", tmp_path, campaign=campaign, name="first")
    calls = server.requests_to("api.x.com")
    assert all(r.headers["authorization"] == "Bearer sample-x-bearer-token" for r in calls)
    assert all(r.arg("tweet.fields") == TWEET_FIELDS and r.arg("expansions") == EXPANSIONS for r in calls)
    assert "referenced_tweets" in TWEET_FIELDS and "referenced_tweets.id" in EXPANSIONS
    assert sum(1 for r in calls if r.arg("next_token")) >= 2
    expected = {p.native_id for p in corpus("x") if x_query_matches(QUERY, p)}
    assert {i["native_id"] for i in first.items} == expected
    assert all(i["url"].startswith("https://x.com/") and "/status/" in i["url"] for i in first.items)
    newest = max(expected, key=int)
    assert first.state["x_search"] == {f"newest:q={QUERY}": newest}

    before = len(server.requests)
    second = crawl(server, "x", tmp_path, campaign=campaign, state=first.state, name="second")
    call, = server.requests[before:]
    assert call.arg("since_id") == newest
    assert second.items == [] and second.skips("x") == {}


@pytest.mark.slow
def test_a_query_with_no_match_is_a_quiet_empty_answer(server, tmp_path):
    campaign = campaign_for(server, "x", queries=['"Canales Anchorena" lang:pt'])
    run = crawl(server, "x", tmp_path, campaign=campaign)
    assert run.items == [] and run.skips("x") == {}
    assert run.state.get("x_search", {}) == {}
