"""Mastodon: hashtag timelines on several instances, Link-header paging, HTML to text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaigns import load_campaign
from crawler.spiders.mastodon import next_link, status_fields
from crawler.spiders.social import plain_text
from samples.platforms.mastodon import mastodon_html
from samples.social import corpus
from tests.crawler.social.conftest import campaign_for, crawl

FIXTURES = Path(__file__).with_name("fixtures")
TAG_NAMES = load_campaign().sources_for("mastodon")[0].options["tags"]
TAGS = {t.lower() for t in TAG_NAMES}


def test_status_html_becomes_plain_text_with_links_mentions_and_tags_spelled_out():
    page = json.loads((FIXTURES / "mastodon_tag_page.json").read_text(encoding="utf-8"))
    fields = status_fields(page[0], "mastodon.lat")
    assert fields["text"] == (
        "¿Y los 17.5 millones? @carloscanalesa & compañía deberían explicar.\n\n"
        "Dato: https://www.mef.gob.pe/es/seguimiento-de-la-ejecucion-presupuestal-consulta-amigable\n"
        "Ejecución: 0% 😡 #Miraflores"
    )
    assert fields["url"] == "https://mastodon.lat/@vecina_de_prueba/113554433221100998"
    assert fields["author"] == "vecina_de_prueba@mastodon.lat"
    assert fields["lang"] == "es" and fields["mark"] == "113554433221100998"


def test_a_boost_is_unwrapped_to_the_status_it_shares_but_pages_by_its_own_id():
    page = json.loads((FIXTURES / "mastodon_tag_page.json").read_text(encoding="utf-8"))
    fields = status_fields(page[1], "mastodon.lat")
    assert fields["native_id"] == "https://mastodon.social/users/otra_cuenta/statuses/113550000000000001"
    assert fields["text"] == "El alcalde Canales inauguró otra pileta. #RevocatoriaMiraflores"
    assert fields["author"] == "otra_cuenta@mastodon.social"
    assert fields["extra"]["boosted_by"] == "booster_de_prueba"
    assert fields["mark"] == "113554433221100500"
    assert status_fields(page[2], "mastodon.lat") is None


def test_sample_html_round_trips_to_the_written_text():
    for post in corpus("mastodon"):
        assert plain_text(mastodon_html(post.text, "mastodon.social")) == post.text


def test_next_link_reads_only_rel_next():
    header = ('<https://mastodon.social/api/v1/timelines/tag/x?max_id=5>; rel="next", '
              '<https://mastodon.social/api/v1/timelines/tag/x?min_id=9>; rel="prev"')
    assert next_link(header) == "https://mastodon.social/api/v1/timelines/tag/x?max_id=5"
    assert next_link('<https://a/b?min_id=9>; rel="prev"') is None
    assert next_link(None) is None


@pytest.mark.slow
def test_every_tagged_status_on_both_instances_is_collected_paging_by_link(server, tmp_path):
    # Pages of 10 (the real default is 40, more than the sample holds per tag) so paging shows.
    campaign = campaign_for(server, "mastodon", options={"tags": TAG_NAMES, "page_size": 10})
    first = crawl(server, "mastodon", tmp_path, env={}, campaign=campaign, name="first")
    expected = {p.native_id for p in corpus("mastodon") if TAGS & set(p.extra["tags"])}
    assert {i["native_id"] for i in first.items} == expected
    timelines = [r for r in server.requests if "/api/v1/timelines/tag/" in r.path]
    assert {r.host for r in timelines} == {"mastodon.social", "mastodon.lat"}
    followed = [r for r in timelines if r.arg("max_id")]
    assert followed and all(r.arg("limit") == "10" for r in followed), "full pages are followed via Link"
    assert all("<" not in i["text"] and "&amp;" not in i["text"] for i in first.items)
    assert all(i["url"].startswith(("https://mastodon.social/@", "https://mastodon.lat/@")) for i in first.items)
    assert any(i["extra"]["boosted_by"] for i in first.items), "boosts are unwrapped, not dropped"
    assert set(first.state["mastodon_tags"]) == {
        f"newest:{host}#{tag}" for host in ("mastodon.social", "mastodon.lat")
        for tag in TAG_NAMES
    }

    before = len(server.requests)
    second = crawl(server, "mastodon", tmp_path, env={}, campaign=campaign, state=first.state, name="second")
    timelines = server.requests[before:]
    assert len(timelines) == 2 * len(TAG_NAMES), "one request per instance and tag"
    assert all(r.arg("since_id") for r in timelines)
    assert second.items == []
