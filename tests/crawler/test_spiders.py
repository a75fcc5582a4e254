"""The news spiders end to end against saved outlets served on 127.0.0.1, run twice.

One module-scoped crawl (in a subprocess: Scrapy's reactor cannot restart in pytest)
feeds every test here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from samples import Response, SampleServer
from tests.crawler import news_sources
from tests.crawler.crawl import REPO, crawl_in_subprocess
from warehouse import connect

pytestmark = pytest.mark.slow

EC_URL = "https://elcomercio.pe" + news_sources.EC_ARTICLE
ANDINA_URL = "https://andina.pe/agencia/noticia-miraflores-instala-120-camaras-videovigilancia-inteligencia-artificial-1045321.aspx"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db = tmp_path_factory.mktemp("crawl") / "vigia.duckdb"
    with SampleServer(families=[]) as server:
        news_sources.register(server)
        campaign = news_sources.campaign(server.base_url)
        # The second run reads every feed again (these fixture feeds send no ETag to answer 304 to).
        settings = {"VIGIA_NOW": news_sources.NOW, "VIGIA_FEED_MIN_INTERVAL": 0}
        first, log = crawl_in_subprocess(campaign, db, server.base_url, settings=settings)
        requests_after_first = list(server.requests)
        second, _ = crawl_in_subprocess(campaign, db, server.base_url, settings=settings)
        requests = list(server.requests)
    with connect(db, read_only=True) as con:
        cur = con.execute("SELECT * FROM documents ORDER BY url")
        names = [d[0] for d in cur.description]
        docs = {row[names.index("url")]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
        cur = con.execute("SELECT * FROM crawl_runs ORDER BY run_id")
        names = [d[0] for d in cur.description]
        runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {
        "first": {s["spider"]: s for s in first}, "second": {s["spider"]: s for s in second},
        "docs": docs, "runs": runs, "log": log, "campaign": campaign,
        "requests_first": requests_after_first, "requests": requests,
    }


def requested(requests, host: str, path_part: str) -> int:
    return sum(1 for r in requests if r.host == host and path_part in r.path)


def test_relevant_articles_are_stored_with_real_canonical_urls(crawled):
    docs = crawled["docs"]
    assert EC_URL in docs
    ec = docs[EC_URL]
    assert ec["title"] == "Carlos Canales responde a promotores de la revocatoria: “Es una campaña política”"
    assert ec["author"] == "Redacción EC, Lucía Quispe Rojas"
    assert ec["platform"] == "elcomercio.pe" and ec["source_type"] == "news" and ec["source"] == "elcomercio"
    assert ec["published_at"] == datetime(2026, 11, 23, 21, 13, 54, tzinfo=UTC)
    assert ec["lang"] == "es"
    assert all("127.0.0.1" not in url for url in docs)
    expected_id = hashlib.sha1(f"{crawled['campaign'].id}|{EC_URL}".encode()).hexdigest()[:20]
    assert ec["doc_id"] == expected_id
    platforms = {d["platform"] for d in docs.values()}
    assert {"elcomercio.pe", "gestion.pe", "larepublica.pe", "andina.pe", "exitosanoticias.pe",
            "ojo-publico.com", "rpp.pe", "diariocorreo.pe", "canaln.pe"} <= platforms


def test_the_same_article_in_several_feeds_is_fetched_and_stored_once(crawled):
    # home feed, category feed with ?ref=ecr, and the AMP copy all name the same article
    assert [url for url in crawled["docs"] if "carlos-canales-responde" in url] == [EC_URL]
    assert requested(crawled["requests_first"], "elcomercio.pe", "carlos-canales-responde") == 1


def test_irrelevant_articles_are_dropped(crawled):
    docs = crawled["docs"]
    assert not any("canales-de-television" in url or "via-expresa" in url for url in docs)
    assert crawled["first"]["news_feeds"]["dropped"]["no_target"] == 2
    # a feed item whose full text does not name the target is not even fetched
    assert requested(crawled["requests"], "elcomercio.pe", "via-expresa") == 0


def test_paywalled_article_keeps_the_feeds_full_text(crawled):
    doc = next(d for d in crawled["docs"].values() if d["platform"] == "gestion.pe")
    assert doc["author"] == "Jorge Mendoza"
    assert "primer trimestre del próximo año" in doc["text"]
    extra = json.loads(doc["extra"])
    assert extra["paywalled"] is True and extra["body_from"] == "feed"


def test_agency_story_reprinted_by_two_outlets_is_one_story_with_two_copies(crawled):
    copies = [d for d in crawled["docs"].values() if "120 cámaras" in d["text"]]
    assert len(copies) == 3
    firsts = [d for d in copies if d["duplicate_of"] is None]
    assert len(firsts) == 1
    assert sorted(d["duplicate_of"] for d in copies if d["duplicate_of"]) == [firsts[0]["doc_id"]] * 2


def test_encodings_and_mojibake_come_out_clean(crawled):
    docs = crawled["docs"]
    andina = docs[ANDINA_URL]
    assert "inició la instalación" in andina["text"]
    ojo = docs["https://ojo-publico.com/politica/miraflores-los-dias-de-la-revocatoria"]
    assert ojo["title"] == "Miraflores: los días de la revocatoria y la campaña de Carlos Canales"
    assert not any("Ã" in (d["text"] + (d["title"] or "")) for d in docs.values())


def test_redirected_malformed_feed_still_yields_its_articles(crawled):
    rpp = [d for d in crawled["docs"].values() if d["platform"] == "rpp.pe"]
    assert len(rpp) == 1 and "oposición" in rpp[0]["text"]
    assert requested(crawled["requests_first"], "rpp.pe", "/rss") == 1


def test_html_and_unreadable_feeds_are_counted_skips_and_the_run_completes(crawled):
    summary = crawled["first"]["news_feeds"]
    assert summary["status"] == "finished"
    assert summary["skipped"]["elcomercio"].startswith("html_instead_of_feed: https://elcomercio.pe/feed")
    assert summary["skipped"]["peru21"].startswith("unreadable_feed")
    assert "source elcomercio skipped (html_instead_of_feed)" in crawled["log"]
    assert summary["errors"] == {"http_404": 1}  # the RPP sports article


def test_sitemaps_follow_only_recent_urls(crawled):
    requests = crawled["requests"]
    assert "https://diariocorreo.pe/edicion/lima/vecinos-de-miraflores-denuncian-robos-pese-a-camaras-noticia/" in crawled["docs"]
    assert requested(requests, "diariocorreo.pe", "/sitemap/2026/09/") == 0
    assert requested(requests, "diariocorreo.pe", "antigua-noticia") == 0


def test_news_search_keeps_only_new_leads(crawled):
    leads = [d for d in crawled["docs"].values() if d["source"] == "google_news"]
    assert len(leads) == 1
    lead = leads[0]
    assert lead["platform"] == "canaln.pe"
    assert lead["url"].startswith("https://news.google.com/rss/articles/") and "oc=" not in lead["url"]
    assert lead["title"] == "Carlos Canales anuncia la contratación de 80 nuevos serenos"
    assert json.loads(lead["extra"])["lead"] is True
    # the El Comercio and RPP leads were already collected from their feeds; Perú21's is irrelevant
    assert crawled["first"]["news_search"]["dropped"] == {"no_target": 1}
    assert requested(crawled["requests"], "news.google.com", "/rss/articles") == 0


def test_second_run_stores_nothing_new_and_is_recorded(crawled):
    second = crawled["second"]
    assert sum(s["new_documents"] for s in second.values()) == 0
    assert sum(s["new_documents"] for s in crawled["first"].values()) == len(crawled["docs"])
    # stored articles are not fetched again
    assert requested(crawled["requests"], "elcomercio.pe", "carlos-canales-responde") == 1
    runs = crawled["runs"]
    assert [r["spider"] for r in runs] == ["news_feeds", "news_sitemaps", "news_search"] * 2
    assert all(r["status"] == "finished" and r["finished_at"] is not None for r in runs)
    last_feeds = runs[3]
    assert json.loads(last_feeds["dropped"]) == {"no_target": 2}
    assert last_feeds["new_documents"] == 0


def test_scrapy_list_and_crawl_work_from_the_repo_root(tmp_path):
    scrapy = [sys.executable, "-m", "scrapy"]
    listed = subprocess.run([*scrapy, "list"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert {"news_feeds", "news_search", "news_sitemaps"} <= set(listed.stdout.split())
    db = tmp_path / "x.duckdb"
    with SampleServer(families=[]) as server:
        news_sources.register(server)
        done = subprocess.run(
            [*scrapy, "crawl", "news_feeds", "-a", "campaign=campaigns/miraflores.toml", "-a", "source=elcomercio",
             "-s", f"VIGIA_DB={db}", "-s", f"VIGIA_LOCAL_BASE={server.base_url}", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=REPO, capture_output=True, text=True, timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        # the campaign's real addresses were asked of the sample server, never of the real site
        assert requested(server.requests, "elcomercio.pe", "/arc/outboundfeeds/rss/category/politica/") == 1
    with connect(db, read_only=True) as con:
        urls = [row[0] for row in con.execute("SELECT url FROM documents").fetchall()]
    assert urls == [EC_URL]


def test_source_states_are_saved_only_after_a_finished_run(tmp_path):
    db = tmp_path / "state.duckdb"
    with SampleServer(families=[]) as server:

        @server.route(r"probe\.pe", r"/")
        def probe(request):
            return Response(200, "<html></html>")

        campaign = news_sources.campaign(server.base_url)
        settings = {"SPIDER_MODULES": ["crawler.spiders", "tests.crawler.state_probe"]}
        for _ in range(2):
            crawl_in_subprocess(campaign, db, server.base_url, spiders=["state_probe"], settings=settings)
        summaries, _ = crawl_in_subprocess(
            campaign, db, server.base_url, spiders=["state_probe"], settings={**settings, "PROBE_FAIL": True}
        )
    assert summaries[0]["status"] == "failed" and summaries[0]["finish_reason"] == "probe_failed"
    with connect(db, read_only=True) as con:
        state = con.execute("SELECT value FROM source_state WHERE source = 'probe' AND key = 'runs'").fetchone()
    assert state == ("2",)
