"""Whole crawls of the sample server with readers, a writer-file holder and other crawls at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from campaigns import Campaign, load_campaign
from samples import SampleServer
from tests.crawler.crawl import _DRIVER, crawl_in_subprocess
from tests.warehouse.holders import hold, release
from warehouse import connect
from warehouse.database import spool_folder, writer_path
from warehouse.spool import waiting_batches

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
FEEDS = ("exitosa", "andina", "ojopublico")
# Poll the feeds every run (the sample server's heavy-polling 403 is off too).
EVERY_RUN = {"VIGIA_FEED_MIN_INTERVAL": 0}
SMALL_BATCHES = {**EVERY_RUN, "VIGIA_FLUSH_ITEMS": 5, "VIGIA_FLUSH_SECONDS": 1, "VIGIA_WRITER_TIMEOUT": 1,
                 "VIGIA_CLOSE_WRITER_TIMEOUT": 3}


@pytest.fixture(scope="module")
def server() -> Iterator[SampleServer]:
    with SampleServer() as running:
        running.state["feed_poll_window"] = 0
        yield running


def feeds_campaign(server: SampleServer) -> Campaign:
    bundled = load_campaign()
    sources = [s for s in bundled.sources if s.name in FEEDS]
    return bundled.model_copy(update={"sources": sources}).localized(server.base_url)


def start_crawl(campaign: Campaign, db: Path, base: str, spiders: list[str], settings: dict[str, Any]) -> subprocess.Popen:
    campaign_file = db.with_suffix(f".{'-'.join(spiders)}.json")
    campaign_file.write_text(campaign.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "REDDIT_CLIENT_ID": "sample-reddit-client-id",
           "REDDIT_CLIENT_SECRET": "sample-reddit-client-secret"}
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(campaign_file), str(db), base, json.dumps(spiders), json.dumps(settings)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def summaries_of(crawl: subprocess.Popen, timeout: float = 400) -> list[dict[str, Any]]:
    out, err = crawl.communicate(timeout=timeout)
    assert crawl.returncode == 0, err[-4000:]
    line = next(x for x in out.splitlines() if x.startswith("SUMMARIES "))
    return json.loads(line.removeprefix("SUMMARIES "))


def stored(db: Path) -> tuple[int, dict[str, int]]:
    with connect(db, read_only=True) as con:
        n = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
        states = dict(con.execute("SELECT source, count(*) FROM source_state GROUP BY 1").fetchall())
    return n, states


def runs(db: Path) -> list[str]:
    with connect(db, read_only=True) as con:
        return [s for (s,) in con.execute("SELECT status FROM crawl_runs ORDER BY run_id").fetchall()]


def test_long_reader_and_writer_file_holder_during_a_crawl_lose_nothing(
        server: SampleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = feeds_campaign(server)
    # The crawl lets go of the writer file after each batch (by default it keeps it open while
    # it writes, warehouse/writer.py), so the outsider below gets it between two batches and
    # the crawl's next batches must wait in the spool.
    monkeypatch.setenv("VIGIA_WRITER_HOLD_SECONDS", "0")
    clean_db, held_db = tmp_path / "clean.duckdb", tmp_path / "held.duckdb"
    crawl_in_subprocess(campaign, clean_db, server.base_url, spiders=["news_feeds"], settings=EVERY_RUN)
    clean_count, clean_states = stored(clean_db)
    assert clean_count > 20 and set(FEEDS) <= set(clean_states)

    with connect(held_db):
        pass
    reader, _ = hold(held_db, "read", "SELECT count(*) FROM documents")  # an analyst's long session
    crawl = start_crawl(campaign, held_db, server.base_url, ["news_feeds"], SMALL_BATCHES)
    deadline = time.monotonic() + 120
    while not runs(held_db) and time.monotonic() < deadline:  # the crawl has opened its run
        time.sleep(0.05)
    holder, _ = hold(writer_path(held_db), "write")  # someone opens the writer file itself
    try:
        summary = summaries_of(crawl)[0]
        assert summary["status"] == "finished" and summary["spooled_pending"] > 0
        assert waiting_batches(spool_folder(held_db))
        # Nothing is lost, but the feeds' ETags and poll times were not saved: not all is stored.
        _, states = stored(held_db)
        assert not set(FEEDS) & set(states)
    finally:
        release(holder)
        release(reader)
    with connect(held_db):  # the next writer stores the spooled batches
        pass
    assert stored(held_db)[0] == clean_count and not waiting_batches(spool_folder(held_db))

    again = summaries_of(start_crawl(campaign, held_db, server.base_url, ["news_feeds"], EVERY_RUN))[0]
    assert again["status"] == "finished"
    count, states = stored(held_db)
    assert count == clean_count and set(FEEDS) <= set(states)
    assert runs(held_db) == ["interrupted", "finished"]  # the run whose record could not be written is closed


def test_three_crawls_at_once_on_one_warehouse_all_succeed(server: SampleServer, tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    campaign = load_campaign().localized(server.base_url)
    settings = {**EVERY_RUN, "VIGIA_FLUSH_ITEMS": 10, "VIGIA_FLUSH_SECONDS": 1}
    spiders = ["news_sitemaps", "mastodon", "bluesky"]
    crawls = [start_crawl(campaign, db, server.base_url, [name], settings) for name in spiders]
    summaries = [summaries_of(crawl)[0] for crawl in crawls]
    assert [s["status"] for s in summaries] == ["finished"] * 3, summaries
    assert not any(s.get("spooled_pending") for s in summaries)
    with connect(db, read_only=True) as con:
        runs = con.execute("SELECT spider, status FROM crawl_runs ORDER BY spider").fetchall()
        per_spider = dict(con.execute("SELECT source, count(*) FROM documents GROUP BY 1").fetchall())
    assert runs == sorted((name, "finished") for name in spiders)
    assert sum(s["new_documents"] for s in summaries) == sum(per_spider.values()) > 0
