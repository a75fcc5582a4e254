"""Reddit: app-only OAuth, subreddit search paging by ``after``, permalinks, incremental runs."""

from __future__ import annotations

import base64
import re

import pytest

from campaigns import load_campaign
from crawler.spiders.reddit import submission_fields
from samples.social import corpus, matches_all
from tests.crawler.social.conftest import FAKE_CREDENTIALS, campaign_for, crawl

SOURCE = load_campaign().sources_for("reddit")[0]


def expected_ids() -> set[str]:
    subs = {s.lower() for s in SOURCE.options["subreddits"]}
    return {
        p.native_id for p in corpus("reddit")
        if p.extra["subreddit"].lower() in subs
        and any(matches_all(q, f"{p.extra['title']} {p.extra['selftext']}") for q in SOURCE.queries)
    }


def test_a_listing_child_becomes_an_item_with_its_permalink():
    child = {"kind": "t3", "data": {
        "id": "1abc2de", "name": "t3_1abc2de", "subreddit": "PERU", "title": "Carlos Canales y el 0%",
        "selftext": "", "author": "[deleted]", "created_utc": 1790000000.0, "score": 12, "num_comments": 3,
        "permalink": "/r/PERU/comments/1abc2de/carlos_canales_y_el_0/", "url": "https://i.redd.it/x.jpeg",
        "is_self": False,
    }}
    fields = submission_fields(child)
    assert fields["url"] == "https://www.reddit.com/r/PERU/comments/1abc2de/carlos_canales_y_el_0/"
    assert fields["title"] == "Carlos Canales y el 0%"
    assert fields["text"] == "Carlos Canales y el 0%", "a link post's text is its title"
    assert fields["author"] is None, "deleted accounts have no author"
    assert fields["published_at"].isoformat() == "2026-09-21T14:13:20+00:00"
    assert fields["extra"]["link"] == "https://i.redd.it/x.jpeg"
    removed = {"kind": "t3", "data": {**child["data"], "selftext": "[removed]", "is_self": True}}
    assert submission_fields(removed)["text"] == "Carlos Canales y el 0%"
    assert submission_fields({"kind": "t3", "data": {"id": None}}) is None
    assert submission_fields({"kind": "t3", "data": None}) is None


@pytest.mark.slow
def test_token_then_search_every_subreddit_and_query_paging_by_after(server, tmp_path):
    campaign = campaign_for(server, "reddit", options={**SOURCE.options, "page_size": 5})
    first = crawl(server, "reddit", tmp_path, campaign=campaign, name="first")
    token, *_ = server.requests_to("www.reddit.com", "/api/v1/access_token")
    assert token.method == "POST" and token.body == b"grant_type=client_credentials"
    expected = base64.b64encode(b"sample-reddit-client-id:sample-reddit-client-secret").decode()
    assert token.headers["authorization"] == f"Basic {expected}"
    searches = server.requests_to("oauth.reddit.com")
    assert all(r.headers["authorization"].startswith("bearer sample-reddit-token-") for r in searches)
    assert all(r.arg("restrict_sr") == "1" and r.arg("sort") == "new" and r.arg("limit") == "5" for r in searches)
    assert any(r.arg("after", "").startswith("t3_") for r in searches), "paged with after"
    assert {i["native_id"] for i in first.items} == expected_ids()
    assert all(re.fullmatch(r"https://www\.reddit\.com/r/(PERU|lima)/comments/[0-9a-z]+/\w+/", i["url"]) for i in first.items)
    assert all(i["title"] for i in first.items)
    assert len(first.state["reddit_peru"]) == len(SOURCE.options["subreddits"]) * len(SOURCE.queries)

    before = len(server.requests)
    second = crawl(server, "reddit", tmp_path, campaign=campaign, state=first.state, name="second")
    searches = [r for r in server.requests[before:] if r.host == "oauth.reddit.com"]
    assert len(searches) == len(SOURCE.options["subreddits"]) * len(SOURCE.queries)
    assert not any(r.arg("after") for r in searches)
    assert second.items == [] and second.state == first.state


@pytest.mark.slow
def test_refused_client_credentials_are_a_counted_skip(server, tmp_path):
    run = crawl(server, "reddit", tmp_path, env={**FAKE_CREDENTIALS, "REDDIT_CLIENT_SECRET": " "})
    # A blank secret is "set" for the base spider but the token endpoint refuses it.
    assert run.stats["finish_reason"] == "finished"
    assert run.items == [] and not server.requests_to("oauth.reddit.com")
    assert run.skips("reddit") == {"unauthorized": 1}
