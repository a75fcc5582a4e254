"""`vigia demo` end to end, as a user runs it: real spiders on the sample server, real MiniLM,
a real warehouse file; then the same again (nothing may change), and readers while it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samples.news.corpus import corpus as news_corpus
from samples.social import corpus as social_corpus
from samples.social import platforms, sample_credentials

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
FAKE_SECRETS = sample_credentials()


def vigia(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **FAKE_SECRETS},
    )


def sql(db: Path, query: str) -> list[dict]:
    result = vigia("sql", "--db", str(db), "--format", "json", query)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """The first `vigia demo` run, with `vigia sql` and the dashboard reading the file while it writes."""
    from streamlit.testing.v1 import AppTest

    folder = tmp_path_factory.mktemp("demo")
    db, log_path = folder / "vigia.duckdb", folder / "demo.log"
    readers: dict = {"answers": [], "failures": [], "dashboard_runs": 0, "dashboard_errors": []}
    old_db = os.environ.get("VIGIA_DB")
    os.environ["VIGIA_DB"] = str(db)  # for the AppTest runs in this process
    try:
        with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would block the writer
            writer = subprocess.Popen(
                [sys.executable, "-m", "cli", "demo", "--no-dashboard", "--db", str(db)],
                cwd=REPO, stdout=log, stderr=log, text=True, env={**os.environ, **FAKE_SECRETS},
            )
            while writer.poll() is None:
                if db.exists():
                    result = vigia("sql", "--db", str(db), "--format", "csv", "SELECT count(*) FROM mentions", timeout=120)
                    if result.returncode != 0 and "no warehouse" not in result.stderr:
                        readers["failures"].append(result.stderr)
                    elif result.returncode == 0:
                        readers["answers"].append(int(result.stdout.splitlines()[-1]))
                        if len(readers["answers"]) % 4 == 1:
                            app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
                            app.run()
                            readers["dashboard_runs"] += 1
                            readers["dashboard_errors"] += [str(e.value) for e in app.exception]
                            readers["dashboard_errors"] += [e.value for e in app.error]
                time.sleep(0.2)
    finally:
        if old_db is None:
            os.environ.pop("VIGIA_DB", None)
        else:
            os.environ["VIGIA_DB"] = old_db
    output = log_path.read_text()
    assert writer.returncode == 0, output[-3000:]
    return db, output, readers


def test_demo_fills_mentions_with_scored_unique_documents(demo_db) -> None:
    db, _, _ = demo_db
    row = sql(db, "SELECT count(*) AS n, count(DISTINCT doc_id) AS ids, count(*) FILTER (WHERE sentiment IS NULL "
                  "OR stance IS NULL OR topics IS NULL OR model IS NULL) AS unscored FROM mentions")[0]
    assert row["n"] >= 150
    assert row["ids"] == row["n"]
    assert row["unscored"] == 0


def test_demo_collects_news_from_five_outlets_and_posts_from_all_five_platforms(demo_db) -> None:
    db, _, _ = demo_db
    rows = sql(db, "SELECT source_type, platform, count(*) AS n FROM mentions GROUP BY ALL")
    outlets = {r["platform"] for r in rows if r["source_type"] == "news" and r["n"] > 0}
    networks = {r["platform"] for r in rows if r["source_type"] == "social"}
    assert len(outlets) >= 5, outlets
    assert networks == set(platforms())


def test_no_irrelevant_sample_item_reaches_mentions(demo_db) -> None:
    db, _, _ = demo_db
    stored_urls = {r["url"] for r in sql(db, "SELECT url FROM mentions")}
    irrelevant_news = {a.url for a in news_corpus() if not a.relevant}
    assert irrelevant_news and not stored_urls & irrelevant_news
    stored_ids = {(r["platform"], r["native_id"]) for r in sql(db, "SELECT platform, native_id FROM mentions "
                                                                  "WHERE source_type = 'social'")}
    irrelevant_posts = {(p.platform, str(p.native_id)) for p in social_corpus() if not p.relevant}
    assert irrelevant_posts and not stored_ids & irrelevant_posts
    texts = [r["text"].lower() for r in sql(db, "SELECT title || ' ' || text AS text FROM mentions WHERE source_type = 'news'")]
    assert sum("canales" in t for t in texts) >= 0.85 * len(texts)  # the rest refer to him by office or implicitly
    kinds = sql(db, "SELECT target_match, count(*) AS n FROM documents GROUP BY ALL")
    assert {r["target_match"] for r in kinds} <= {"name", "office", "implicit"}, kinds


def test_the_andina_story_is_one_story_with_two_reprints(demo_db) -> None:
    db, _, _ = demo_db
    rows = sql(db, "SELECT d.platform AS original, count(*) AS copies FROM mentions m JOIN mentions d "
                   "ON m.duplicate_of = d.doc_id WHERE d.platform = 'andina.pe' GROUP BY ALL")
    assert rows and max(r["copies"] for r in rows) >= 2


def test_a_second_demo_run_changes_no_row_count(demo_db) -> None:
    db, _, _ = demo_db
    counts = "SELECT (SELECT count(*) FROM mentions) AS mentions, (SELECT count(*) FROM scores) AS scores"
    before = sql(db, counts)
    again = vigia("demo", "--no-dashboard", "--db", str(db))
    assert again.returncode == 0, again.stderr[-3000:]
    assert sql(db, counts) == before
    runs = sql(db, "SELECT spider, new_documents FROM crawl_log WHERE run_id > (SELECT max(run_id) FROM crawl_log) - "
                   "(SELECT count(DISTINCT spider) FROM crawl_log)")
    assert runs and all(r["new_documents"] == 0 for r in runs)


def test_no_credential_reaches_the_warehouse_or_the_logs(demo_db) -> None:
    db, output, _ = demo_db
    raw = db.read_bytes()
    for secret in FAKE_SECRETS.values():
        assert secret.encode() not in raw
        assert secret not in output


def test_readers_never_fail_while_a_crawl_writes(demo_db) -> None:
    _, _, readers = demo_db
    assert not readers["failures"], readers["failures"][:3]
    answers = readers["answers"]
    assert len(answers) >= 5 and answers == sorted(answers)
    assert readers["dashboard_runs"] >= 2 and not readers["dashboard_errors"], readers["dashboard_errors"][:3]


def test_every_spider_stores_documents_on_whatever_day_the_demo_runs(demo_db) -> None:
    # The demo's server and spiders share the sample newsroom's clock, so sources that list only
    # recent items (news sitemaps: two days) list them today or in a year; the sitemaps also
    # hold stories the feeds do not (samples/news/articles/2026-11c.txt).
    db, _, _ = demo_db
    from campaigns import load_campaign

    first = sql(db, "SELECT spider, new_documents FROM crawl_log WHERE run_id <= (SELECT count(DISTINCT spider) "
                    "FROM crawl_log) ORDER BY run_id")
    assert {r["spider"] for r in first} == set(load_campaign().spiders)
    assert all(r["new_documents"] > 0 for r in first), first


def test_the_demo_is_quiet_without_verbose(demo_db) -> None:
    _, output, _ = demo_db
    for noise in ("DEBUG", "Scraped from", "Crawled (", "Dumping Scrapy stats", "Overridden settings", "deprecated",
                  "Versions:", "Traceback"):
        assert noise not in output, noise
    # a line per batch stored, per spider's summary and per failure mode the samples reproduce
    assert len(output.splitlines()) < 90, len(output.splitlines())
