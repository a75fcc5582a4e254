"""A shared warehouse that goes away, or refuses us: nothing crawled is lost, and the user gets one
line. Real PostgreSQL servers (tests/pg.py) and whole crawls of the sample server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawler.crawl import _DRIVER
from tests.warehouse.test_crawl_concurrency import EVERY_RUN, FEEDS, feeds_campaign, server  # noqa: F401
from warehouse import WarehouseError, connect
from warehouse.database import spool_folder
from warehouse.spool import waiting_batches

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def crawl(campaign, target: str, base: str, folder: Path, settings: dict) -> subprocess.Popen:
    campaign_file = folder / "campaign.json"
    campaign_file.write_text(campaign.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "VIGIA_READ_COPY": str(folder / "read-copy.duckdb")}
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(campaign_file), target, base, json.dumps(["news_feeds"]), json.dumps(settings)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def summary(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=400)
    assert process.returncode == 0, err[-4000:]
    return json.loads(next(x for x in out.splitlines() if x.startswith("SUMMARIES ")).removeprefix("SUMMARIES "))[0]


def count(url: str) -> tuple[int, list[str]]:
    with connect(url) as con:
        docs = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
        states = [r[0] for r in con.execute("SELECT DISTINCT source FROM source_state").fetchall()]
    return docs, states


def test_postgresql_down_mid_crawl_keeps_the_batches_here_and_stores_them_when_it_returns(
        server, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    from tests import pg

    try:
        database = pg.Server()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"needs PostgreSQL: {exc}")
    try:
        campaign = feeds_campaign(server)
        clean = database.create_database("clean")
        (tmp_path / "clean").mkdir()
        assert summary(crawl(campaign, clean, server.base_url, tmp_path / "clean", EVERY_RUN))["status"] == "finished"
        clean_docs, clean_states = count(clean)
        assert clean_docs > 20 and set(FEEDS) <= set(clean_states)

        url = database.create_database("faulty")
        folder = tmp_path / "host"
        folder.mkdir()
        monkeypatch.setenv("VIGIA_READ_COPY", str(folder / "read-copy.duckdb"))
        settings = {**EVERY_RUN, "VIGIA_FLUSH_ITEMS": 5, "VIGIA_FLUSH_SECONDS": 1, "VIGIA_CLOSE_WRITER_TIMEOUT": 3}
        running = crawl(campaign, url, server.base_url, folder, settings)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the run is open: now the warehouse goes away
            with connect(url) as con:
                if con.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]:
                    break
            time.sleep(0.05)
        database.stop("immediate")
        try:
            result = summary(running)
            assert result["status"] == "failed" and "not stored" in result["failure"]
            assert waiting_batches(spool_folder(url)), "the crawled batches must be kept on this host"
            with pytest.raises(WarehouseError, match="cannot reach the shared warehouse .*connection refused"):
                with connect(url, timeout=2):
                    pass
        finally:
            database.start()
        pg.wait_until_up(database)
        with connect(url):  # the next writer on this host stores what waited
            pass
        assert not waiting_batches(spool_folder(url))
        docs, states = count(url)
        assert docs == clean_docs and not set(FEEDS) & set(states)  # all kept; marks not saved: refetch next
        again = summary(crawl(campaign, url, server.base_url, folder, EVERY_RUN))
        docs, states = count(url)
        assert again["status"] == "finished" and docs == clean_docs and set(FEEDS) <= set(states)
        with connect(url) as con:
            runs = [r[0] for r in con.execute("SELECT status FROM crawl_runs ORDER BY run_id").fetchall()]
        assert runs == ["interrupted", "finished"]  # the run that could not be closed is closed by the next
    finally:
        database.close()


def test_a_wrong_password_is_refused_before_any_crawling(postgres, tmp_path: Path) -> None:
    from tests.pg import PASSWORD

    url = postgres.url(password="not-" + PASSWORD)
    done = subprocess.run([sys.executable, "-m", "cli", "crawl", "--warehouse", url, "--spider", "news_feeds"],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VIGIA_READ_COPY": str(tmp_path / "rc.duckdb")})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and lines[-1].startswith("vigia: error: cannot reach the shared warehouse")
    assert "password was refused" in lines[-1] and "not-" + PASSWORD not in done.stderr
    assert not [line for line in lines if line.startswith("crawl ")]  # no spider ran
