"""Run spiders through ``crawler.runner.run_crawl`` (what ``vigia crawl`` does) in a fresh process.

``python tests/crawler/social/runner_driver.py CAMPAIGN.json DB BASE LOG SPIDER[,SPIDER...]``
prints the run summaries as JSON on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from campaigns import Campaign
from crawler.runner import run_crawl


def main() -> None:
    campaign_file, db, base, log_file, spiders = sys.argv[1:6]
    campaign = Campaign.model_validate_json(Path(campaign_file).read_text(encoding="utf-8"))
    settings = {"LOG_FILE": log_file, "LOG_LEVEL": "DEBUG", "VIGIA_MAX_RATE_WAIT": "5"}
    summaries = run_crawl(campaign, db, spiders=spiders.split(","), local_base=base, settings=settings)
    print(json.dumps(summaries, default=str))


if __name__ == "__main__":
    main()
