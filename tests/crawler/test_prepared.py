"""The pipelines' answers computed in the extraction worker (crawler/prepared.py) are the ones
the pipelines compute themselves: a crawl stores the same documents, drops the same items and
links the same copies either way."""

from __future__ import annotations

import pytest

from campaigns import load_campaign
from crawler.prepared import Prepared, PreparedCache
from samples import SampleServer
from tests.crawler.crawl import crawl_in_subprocess
from warehouse import connect

COLUMNS = "doc_id, url, title, text, author, published_at, lang, target_match, content_hash, duplicate_of"


def _stored(db) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(f"SELECT {COLUMNS} FROM documents ORDER BY doc_id").fetchall()


@pytest.mark.slow
def test_a_crawl_stores_the_same_whether_the_worker_or_the_pipelines_answer(tmp_path):
    def crawl(name: str, settings: dict) -> tuple[dict, str]:
        with SampleServer(families=["news"]) as server:  # a fresh one: feeds polled again answer 403
            campaign = load_campaign().localized(server.base_url)
            summaries, log = crawl_in_subprocess(campaign, tmp_path / f"{name}.duckdb", server.base_url,
                                                 spiders=["news_feeds"], settings=settings)
        return summaries[0], log

    here, _ = crawl("here", {"VIGIA_EXTRACT_WORKERS": 0})
    worker, log = crawl("worker", {"VIGIA_EXTRACT_WORKERS": 1, "VIGIA_EXTRACT_POOL_AFTER": 0,
                                   "VIGIA_PREPARE_BACKLOG": 1000})
    assert "the pipelines' answers came from the extraction workers" in log  # the path was taken
    stored = _stored(tmp_path / "here.duckdb")
    assert len(stored) > 50
    assert any(row[-1] for row in stored)  # copies across outlets were linked
    assert len({row[6] for row in stored}) > 1 or any(k.startswith("language:") for k in here["dropped"])
    other = _stored(tmp_path / "worker.duckdb")
    # the same fields; which copy of a story is first (duplicate_of's target) follows the order
    # pages come back in, which differs between the two crawls: the same stories are linked
    assert [row[:-1] for row in other] == [row[:-1] for row in stored]
    assert _copy_groups(other) == _copy_groups(stored)
    assert worker["dropped"] == here["dropped"]
    assert worker["items_seen"] == here["items_seen"]


def _copy_groups(rows: list[tuple]) -> set[frozenset[str]]:
    """The stories linked as copies of each other (each doc_id joined to its duplicate_of)."""
    group: dict[str, set[str]] = {}
    for doc, *_, duplicate_of in rows:
        if duplicate_of:
            joined = group.get(doc, {doc}) | group.get(duplicate_of, {duplicate_of})
            for member in joined:
                group[member] = joined
    return {frozenset(g) for g in group.values()}


def _answers(text: str) -> Prepared:
    return Prepared(title="Canales", text=text, content_hash="h", target_match="name", lang_hint=None, lang="es",
                    signature=None)


def test_answers_serve_only_an_item_that_still_holds_their_title_and_text():
    cache = PreparedCache()
    cache.offer("Canales", "raw text", _answers("clean text"))
    assert cache.take("Canales", "other text") is None  # the spider gave the item another body
    prepared = cache.take("Canales", "raw text")
    assert prepared is not None and cache.take("Canales", "raw text") is None  # given once
    cache.hold("d1", prepared)
    assert cache.get({"doc_id": "d1", "title": "Canales", "text": "clean text"}) is prepared
    # a body cut to its cap (or changed by any stage) is answered by the pipeline itself
    assert cache.get({"doc_id": "d1", "title": "Canales", "text": "clean te…"}) is None
    cache.release("d1")
    assert cache.get({"doc_id": "d1", "title": "Canales", "text": "clean text"}) is None
    assert cache.used == 1


def test_answers_never_claimed_are_forgotten_past_the_limit():
    cache = PreparedCache(limit=3)
    for n in range(10):
        cache.offer(None, f"text {n}", _answers(f"text {n}"))
    assert len(cache) == 3
    assert cache.take(None, "text 0") is None and cache.take(None, "text 9") is not None
