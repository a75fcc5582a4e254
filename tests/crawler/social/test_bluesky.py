"""Bluesky: searchPosts paging (logged out and in), permalinks, incremental runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from campaigns import load_campaign
from crawler.spiders.bluesky import permalink, post_fields
from samples.social import corpus, matches_all
from tests.crawler.social.conftest import campaign_for, crawl

FIXTURES = Path(__file__).with_name("fixtures")
LOGIN = {"BLUESKY_HANDLE": "analista.bsky.social", "BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"}
QUERIES = load_campaign().sources_for("bluesky")[0].queries


def expected_uris() -> set[str]:
    return {
        p.native_id for p in corpus("bluesky")
        if any(matches_all(q, p.text) for q in QUERIES) and p.lang_hint in ("es", None)
    }


def test_a_search_page_becomes_items_with_bsky_app_permalinks():
    page = json.loads((FIXTURES / "bluesky_search_page.json").read_text(encoding="utf-8"))
    fields = [post_fields(view) for view in page["posts"]]
    first, no_lang, no_text, no_uri = fields
    assert first["url"] == "https://bsky.app/profile/vecina-de-prueba.bsky.social/post/3m5tq2kxyzz2a"
    assert first["native_id"].startswith("at://") and first["lang"] == "es"
    assert first["published_at"].isoformat() == "2026-10-02T23:14:05.123000+00:00"
    assert first["extra"]["likes"] == 14
    # A broken handle falls back to the DID, which bsky.app resolves too.
    assert no_lang["url"] == "https://bsky.app/profile/did:plc:zyxwvutsrqponmlkjihgfedc/post/3m5tpzzzzzz2b"
    assert no_lang["lang"] is None
    assert no_text is None and no_uri is None


def test_permalink_refuses_what_is_not_a_post():
    assert permalink("at://did:plc:x/app.bsky.feed.like/3abc", "a.bsky.social") is None


@pytest.mark.slow
def test_logged_out_gets_the_first_page_of_each_query_and_counts_the_refused_cursor(server, tmp_path):
    run = crawl(server, "bluesky", tmp_path, env={})
    searches = server.requests_to("public.api.bsky.app", "/xrpc/app.bsky.feed.searchPosts")
    assert all("authorization" not in r.headers for r in searches)
    assert {r.arg("q") for r in searches} == set(QUERIES)
    assert all(r.arg("lang") == "es" and r.arg("sort") == "latest" for r in searches)
    # One cursor was tried and refused; no other query was paged after that.
    assert [r.arg("cursor") for r in searches if r.arg("cursor")] == ["25"]
    assert run.skips("bluesky") == {"cursor_refused": 1}
    assert "cursor_refused" in run.log and "first page" in run.log
    uris = {i["native_id"] for i in run.items}
    assert uris < expected_uris()
    assert all(re.fullmatch(r"https://bsky\.app/profile/[^/]+/post/[a-z2-7]{13}", i["url"]) for i in run.items)
    assert all(i["platform"] == "bluesky" and i["source_type"] == "social" for i in run.items)
    assert run.stats["finish_reason"] == "finished"


@pytest.mark.slow
def test_logged_in_pages_through_everything_and_a_second_run_asks_only_the_newest_page(server, tmp_path):
    first = crawl(server, "bluesky", tmp_path, env=LOGIN, name="first")
    assert len(server.requests_to("bsky.social", "/xrpc/com.atproto.server.createSession")) == 1
    searches = server.requests_to("bsky.social", "/xrpc/app.bsky.feed.searchPosts")
    assert all(r.headers["authorization"].startswith("Bearer sample-access-") for r in searches)
    assert any(r.arg("cursor") for r in searches)
    assert {i["native_id"] for i in first.items} == expected_uris()
    newest = max(p.created_at for p in corpus("bluesky") if p.native_id in expected_uris())
    assert max(first.state["bluesky_search"].values()) == newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    before = len(server.requests)
    second = crawl(server, "bluesky", tmp_path, env=LOGIN, state=first.state, name="second")
    searches = [r for r in server.requests[before:] if r.path.endswith("searchPosts")]
    assert len(searches) == len(QUERIES)
    assert all(r.arg("since") and not r.arg("cursor") for r in searches)
    assert second.items == []
    assert second.state == first.state


@pytest.mark.slow
def test_a_wrong_app_password_falls_back_to_the_logged_out_first_page(server, tmp_path):
    run = crawl(server, "bluesky", tmp_path, env={"BLUESKY_HANDLE": "analista.bsky.social", "BLUESKY_APP_PASSWORD": ""})
    assert not server.requests_to("bsky.social")   # an empty password is no login at all
    assert run.items


@pytest.mark.slow
def test_a_bad_query_string_is_a_counted_skip(server, tmp_path):
    campaign = campaign_for(server, "bluesky", queries=['"Carlos Canales', "Carlos Canales"])
    run = crawl(server, "bluesky", tmp_path, env={}, campaign=campaign)
    assert run.skips("bluesky")["bad_query_string"] == 1
    assert run.items, "the good query still collects"
    assert "newest:q=\"Carlos Canales" not in run.state["bluesky_search"]
