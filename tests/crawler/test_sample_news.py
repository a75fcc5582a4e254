"""news_feeds against the full sample news family (samples.news), run twice.

The sample corpus knows the truth about every article (relevant or not, its date, authors
and copies), so this checks extraction and filtering across every outlet format at once.
"""

from __future__ import annotations

import pytest

from campaigns import load_campaign
from crawler.text import normalise_text
from samples import SampleServer
from tests.crawler.crawl import crawl_in_subprocess
from warehouse import connect

pytestmark = pytest.mark.slow
news_corpus = pytest.importorskip("samples.news.corpus")


@pytest.fixture(scope="module")
def sample_crawl(tmp_path_factory):
    db = tmp_path_factory.mktemp("samples") / "vigia.duckdb"
    with SampleServer(families=["news"]) as server:
        campaign = load_campaign().localized(server.base_url)
        first, _ = crawl_in_subprocess(campaign, db, server.base_url, spiders=["news_feeds"])
        second, _ = crawl_in_subprocess(campaign, db, server.base_url, spiders=["news_feeds"])
    with connect(db, read_only=True) as con:
        cur = con.execute("SELECT url, title, published_at, author, lang, text, duplicate_of, doc_id FROM documents")
        names = [d[0] for d in cur.description]
        docs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {"first": first[0], "second": second[0], "docs": docs, "campaign": campaign}


def test_every_stored_article_is_a_relevant_one_with_its_true_fields(sample_crawl):
    truth = news_corpus.by_url()
    docs = sample_crawl["docs"]
    assert docs, "nothing was stored"
    for doc in docs:
        article = truth.get(doc["url"])
        assert article is not None, f"not a canonical sample URL: {doc['url']}"
        assert article.relevant, f"kept an article that is not about the mayor: {doc['url']}"
        assert doc["title"] == normalise_text(article.title)
        assert doc["published_at"] == article.published_at, doc["url"]
        assert doc["author"] == ", ".join(article.authors)
        assert doc["lang"] == article.lang
        assert len(doc["text"]) >= 0.8 * len(article.text), f"body cut short: {doc['url']}"


def test_the_sample_traps_are_dropped_as_not_about_him(sample_crawl):
    # articles that only look like his: "canales digitales", "algunos canales", "el alcalde
    # sanisidrino", "el alcalde del distrito" in a San Isidro story, a JNE notice on the franja
    traps = {"ec-101", "p21-101", "rpp-101", "ge-101", "ib-102"}
    irrelevant = {a.key: a.url for a in news_corpus.corpus() if not a.relevant}
    assert traps <= set(irrelevant)
    stored = {d["url"] for d in sample_crawl["docs"]}
    assert not stored & set(irrelevant.values())
    assert sample_crawl["first"]["dropped"].get("no_target", 0) >= len(traps)


def test_nearly_every_relevant_article_is_collected(sample_crawl):
    platforms = {s.platform for s in sample_crawl["campaign"].sources_for("news_feeds")}
    stored = {d["url"] for d in sample_crawl["docs"]}
    relevant = [a for a in news_corpus.corpus() if a.relevant and a.outlet in platforms]
    found = [a for a in relevant if a.url in stored]
    # a few items sit in deliberately truncated feeds
    assert len(found) >= 0.9 * len(relevant)


def test_copies_across_outlets_are_linked(sample_crawl):
    truth = news_corpus.by_url()
    by_url = {d["url"]: d for d in sample_crawl["docs"]}
    pairs = [(url, truth[url].duplicate_of) for url in by_url if truth[url].duplicate_of in by_url]
    for copy_url, original_url in pairs:
        # whichever copy was held first, one of the two points at the other's story
        copy, original = by_url[copy_url], by_url[original_url]
        assert copy["duplicate_of"] is not None or original["duplicate_of"] is not None


def test_second_run_adds_nothing(sample_crawl):
    assert sample_crawl["first"]["status"] == "finished"
    assert sample_crawl["second"]["status"] == "finished"
    assert sample_crawl["second"]["new_documents"] == 0
    assert sample_crawl["first"]["new_documents"] == len(sample_crawl["docs"])
