"""Social crawl fixtures: a sample server with the social platforms, and crawls in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from campaigns import Campaign, load_campaign
from crawler.spiders.bluesky import LOGIN_ENV
from samples import SampleServer
from samples.social import sample_credentials

REPO = Path(__file__).resolve().parents[3]
DRIVER = Path(__file__).with_name("crawl_driver.py")
# What each sample platform declares for the demo (samples/platforms/*.py).
FAKE_CREDENTIALS = sample_credentials()
CREDENTIAL_NAMES = (*FAKE_CREDENTIALS, *LOGIN_ENV)
# Fast, deterministic crawls: the politeness delays are for real platforms.
FAST = {"DOWNLOAD_DELAY": "0", "VIGIA_MAX_RATE_WAIT": "5", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


@dataclass
class Crawl:
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    state: dict[str, dict[str, str]]
    skipped: dict[str, str]
    log: str
    returncode: int

    def skips(self, platform: str) -> dict[str, int]:
        prefix = f"vigia/skipped/{platform}/"
        return {k[len(prefix):]: v for k, v in self.stats.items() if k.startswith(prefix)}


@pytest.fixture
def server() -> Iterator[SampleServer]:
    """A sample server with only the social platforms, with no faults armed."""
    with SampleServer(families=["social"]) as srv:
        srv.state["faults"] = {}
        yield srv


def campaign_for(server: SampleServer, spider: str, **changes: Any) -> Campaign:
    """The bundled campaign, localized, with only ``spider``'s sources (``changes`` update them)."""
    campaign = load_campaign().localized(server.base_url)
    sources = [s.model_copy(update=changes) for s in campaign.sources if s.spider == spider]
    return campaign.model_copy(update={"sources": sources})


def crawl(
    server: SampleServer,
    spider: str,
    tmp_path: Path,
    *,
    campaign: Campaign | None = None,
    env: dict[str, str] | None = None,
    state: dict[str, dict[str, str]] | None = None,
    settings: dict[str, str] | None = None,
    name: str = "run",
    pipelines: bool = False,
) -> Crawl:
    """Run ``spider`` against ``server`` in a subprocess; return its items, stats and log."""
    out = tmp_path / name
    out.mkdir(parents=True, exist_ok=True)
    campaign_file = out / "campaign.json"
    campaign_file.write_text((campaign or campaign_for(server, spider)).model_dump_json(), encoding="utf-8")
    command = [sys.executable, str(DRIVER), "--campaign", str(campaign_file), "--spider", spider, "--out", str(out)]
    if state is not None:
        (out / "state_in.json").write_text(json.dumps(state), encoding="utf-8")
        command += ["--state", str(out / "state_in.json")]
    if pipelines:
        command.append("--pipelines")
    for key, value in {**FAST, "VIGIA_LOCAL_BASE": server.base_url, **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    environ = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_NAMES}
    environ.update(FAKE_CREDENTIALS if env is None else env)
    done = subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=180)
    log = (out / "log.txt").read_text(encoding="utf-8") if (out / "log.txt").exists() else ""
    if done.returncode != 0 or not (out / "stats.json").exists():
        raise AssertionError(f"crawl failed ({done.returncode}):\n{done.stderr[-4000:]}\n{log[-4000:]}")
    items = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    return Crawl(
        items=items,
        stats=json.loads((out / "stats.json").read_text(encoding="utf-8")),
        state=json.loads((out / "state.json").read_text(encoding="utf-8")),
        skipped=json.loads((out / "skipped.json").read_text(encoding="utf-8")),
        log=log + done.stderr,
        returncode=done.returncode,
    )
