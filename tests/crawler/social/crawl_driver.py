"""Run one spider in a fresh process (Scrapy's reactor cannot restart) and write what it did.

``python tests/crawler/social/crawl_driver.py --campaign C.json --spider NAME --out DIR
[--state S.json] [--pipelines] [-s KEY=VALUE]...`` writes ``DIR/items.jsonl`` (every item the
spider yielded), ``DIR/stats.json``, ``DIR/state.json`` (the sources' high-water marks after
the run) and ``DIR/log.txt``. Without ``--pipelines`` the project's item pipelines are off,
so the spider's own output is checked; the incremental state then travels via the files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from campaigns import Campaign


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--spider", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--state")
    parser.add_argument("--pipelines", action="store_true")
    parser.add_argument("-s", dest="settings", action="append", default=[])
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    settings = get_project_settings()
    settings.set("LOG_FILE", str(out / "log.txt"), priority="cmdline")
    settings.set("LOG_LEVEL", "DEBUG", priority="cmdline")
    if not args.pipelines:
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    for pair in args.settings:
        key, _, value = pair.partition("=")
        settings.set(key, value, priority="cmdline")

    campaign = Campaign.model_validate_json(Path(args.campaign).read_text(encoding="utf-8"))
    items: list[dict] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(process.spider_loader.load(args.spider))

    def opened(spider) -> None:
        if args.state and not args.pipelines and Path(args.state).exists():
            spider.source_states.update(json.loads(Path(args.state).read_text(encoding="utf-8")))

    def scraped(item, spider) -> None:
        items.append(dict(item))

    def closed(spider, reason) -> None:
        (out / "state.json").write_text(json.dumps(spider.source_states, indent=1), encoding="utf-8")
        (out / "skipped.json").write_text(json.dumps(spider.skipped), encoding="utf-8")
        stats = dict(crawler.stats.get_stats())
        stats["finish_reason"] = reason
        (out / "stats.json").write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")

    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, campaign=campaign)
    process.start()
    with (out / "items.jsonl").open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
