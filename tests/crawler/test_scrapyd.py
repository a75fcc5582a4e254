"""A crawler host as the README sets it up: Scrapyd started in a working directory holding only a
scrapy.cfg, the shared warehouse's URL in its environment, and a spider scheduled through
Scrapyd's own `schedule.json`, writing into the shared warehouse."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from samples import SampleServer
from warehouse import connect

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, endpoint: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=10) as answer:
        return json.loads(answer.read())


def test_a_spider_scheduled_through_scrapyd_writes_into_the_shared_warehouse(postgres, tmp_path: Path) -> None:
    url = postgres.create_database("scrapyd")
    host = tmp_path / "crawler-host"
    host.mkdir()
    port = free_port()
    (host / "scrapy.cfg").write_text(
        "[settings]\nvigia = crawler.settings\n\n"
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        "logs_dir = logs\neggs_dir = eggs\ndbs_dir = dbs\n", encoding="utf-8")
    env = {**os.environ, "VIGIA_WAREHOUSE": url, "VIGIA_READ_COPY": str(host / "data" / "vigia.duckdb")}
    env.pop("VIGIA_DB", None)
    scrapyd = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=host, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with SampleServer() as server:
            deadline = time.monotonic() + 60
            while True:
                try:
                    projects = call(base, "listprojects.json")["projects"]
                    break
                except OSError:
                    if time.monotonic() > deadline or scrapyd.poll() is not None:
                        raise
                    time.sleep(0.3)
            assert projects == ["vigia"]
            assert "news_feeds" in call(base, "listspiders.json?project=vigia")["spiders"]
            job = call(base, "schedule.json", {
                "project": "vigia", "spider": "news_feeds", "source": "andina",
                "campaign": str(REPO / "campaigns" / "miraflores.toml"), "local_base": server.base_url,
                "setting": [f"VIGIA_LOCAL_BASE={server.base_url}", "VIGIA_FEED_MIN_INTERVAL=0"],
            })
            assert job["status"] == "ok", job
            deadline = time.monotonic() + 240
            while True:
                jobs = call(base, "listjobs.json?project=vigia")
                if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                    break
                assert time.monotonic() < deadline, jobs
                time.sleep(1)
        with connect(url) as con:
            runs = con.execute("SELECT spider, status, new_documents FROM crawl_runs").fetchall()
            stored = con.execute("SELECT count(*), count(DISTINCT source) FROM documents").fetchall()[0]
            marks = con.execute("SELECT count(*) FROM source_state WHERE source = 'andina'").fetchall()[0][0]
        assert runs == [("news_feeds", "finished", stored[0])] and stored[0] > 0 and stored[1] == 1
        assert marks > 0  # the feed's ETag and poll time are shared with every other host
    finally:
        scrapyd.terminate()
        scrapyd.wait(timeout=30)
