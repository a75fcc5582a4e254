"""Run one crawl in a fresh Python process (Scrapy's reactor cannot restart inside pytest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from campaigns import Campaign

REPO = Path(__file__).resolve().parents[2]
_DRIVER = """
import json, sys
from campaigns import Campaign
from crawler.runner import run_crawl
campaign = Campaign.model_validate_json(open(sys.argv[1], encoding="utf-8").read())
spiders = json.loads(sys.argv[4]) or None
summaries = run_crawl(campaign, sys.argv[2], spiders=spiders, local_base=sys.argv[3], settings=json.loads(sys.argv[5]))
print("SUMMARIES " + json.dumps(summaries, default=str))
"""


def crawl_in_subprocess(
    campaign: Campaign,
    db: Path,
    local_base: str,
    *,
    spiders: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    timeout: float = 300,
    environ: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Summaries returned by ``run_crawl`` (what ``vigia crawl`` runs), and the crawl's log
    (stderr). ``environ``: the process's whole environment (default: this one's)."""
    campaign_file = db.with_suffix(".campaign.json")
    campaign_file.write_text(campaign.model_dump_json(), encoding="utf-8")
    env = {**(os.environ if environ is None else environ), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(campaign_file), str(db), local_base,
         json.dumps(spiders or []), json.dumps(settings or {})],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"crawl failed ({done.returncode}):\n{done.stderr[-6000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("SUMMARIES "))
    return json.loads(line.removeprefix("SUMMARIES ")), done.stderr
