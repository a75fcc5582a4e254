"""Scrapy settings for Vigia (``scrapy.cfg`` points here).

Vigia's own keys:

- ``VIGIA_DB``: the warehouse file the pipelines write (default ``$VIGIA_DB`` or
  ``data/vigia.duckdb``).
- ``VIGIA_LOCAL_BASE``: base URL of the sample server when crawling samples; stored URLs are
  mapped back to the real ones (``campaigns.from_local``) so doc_ids do not depend on the port.
- ``VIGIA_NOW``: an ISO-8601 time that pins "now" for relative dates and sitemap windows
  (tests and demos); unset means the real clock.
- ``VIGIA_FLUSH_ITEMS`` / ``VIGIA_FLUSH_SECONDS``: how often buffered documents are written.
- ``VIGIA_WRITER_TIMEOUT``: seconds a batch waits for the warehouse writer before it is spooled
  (default 10); ``VIGIA_CLOSE_WRITER_TIMEOUT``: how long the run record waits (default 60).
- ``VIGIA_EXTRACT_WORKERS`` / ``VIGIA_EXTRACT_POOL_AFTER``: worker processes that extract article
  pages once a run has fetched that many (``auto``: one per core beyond the first; ``0``: none;
  see ``crawler/extraction.py``). ``VIGIA_PREPARE_BACKLOG``: pages waiting per worker up to which a
  worker also computes the pipelines' answers (cleaning, recognition, language, MinHash;
  ``crawler/prepared.py``; default 64: past it the crawl's thread computes them, so neither idles).
- ``VIGIA_FEED_MIN_INTERVAL``: seconds before a news feed is polled again (default
  ``$VIGIA_FEED_MIN_INTERVAL`` or 900; 0 polls every run).
"""

import os

BOT_NAME = "vigia"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Say who we are and where to complain; publishers block anonymous default agents.
VIGIA_CONTACT_URL = os.environ.get("VIGIA_CONTACT_URL", "https://github.com/vigia-monitor/vigia#crawler")
USER_AGENT = f"VigiaBot/0.1 (public-interest news monitor; +{VIGIA_CONTACT_URL})"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,*/*;q=0.8",
    "Accept-Language": "es-PE,es;q=0.9,en;q=0.6",
}

ROBOTSTXT_OBEY = True

# crawler/politeness.py: CONCURRENT_REQUESTS_PER_DOMAIN held under the asyncio reactor (Scrapy
# 2.19's own downloader lets a host exceed it), a news site's Retry-After is waited for, per host; on the sample server
# each real host gets its own download slot and robots.txt, as in a real crawl.
DOWNLOADER = "crawler.politeness.Downloader"
DOWNLOADER_MIDDLEWARES = {
    "crawler.politeness.SampleHostSlots": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.RobotsTxtMiddleware": 100,
    "crawler.politeness.RetryAfterMiddleware": 565,
}

# Politeness: a couple of requests per outlet at a time, adapted to how fast it answers.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many tasks for every answer's output (default 100); our pipelines run one
# item at a time anyway, and an article page yields one item: 100 tasks a page was measurable.
CONCURRENT_ITEMS = 4
# Requests leave the scheduler for the hosts with the fewest downloads under way. Scrapy's default
# queue hands them out last in, first out: a sitemap's hundreds of URLs of one outlet come out
# together, fill CONCURRENT_REQUESTS waiting on that outlet's 2 slots, and the other outlets sit
# idle (measured on a backfill of eight outlets: 4 downloads under way of 16 allowed).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
# A page this big is logged (Scrapy warns at it); past DOWNLOAD_MAXSIZE it is refused, also when
# a gzip-encoded body would unpack past it.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5

HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

LOG_LEVEL = "INFO"
# Irrelevant and duplicate items are the normal case; the run's summary counts them.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"

ITEM_PIPELINES = {
    "crawler.pipelines.CleanPipeline": 100,
    "crawler.pipelines.TargetPipeline": 200,
    "crawler.pipelines.LanguagePipeline": 300,
    "crawler.pipelines.DuplicatesPipeline": 400,
    "crawler.pipelines.WarehousePipeline": 500,
}

VIGIA_DB = os.environ.get("VIGIA_DB") or None
VIGIA_LOCAL_BASE = None
VIGIA_NOW = None
VIGIA_FLUSH_ITEMS = 500
VIGIA_EXTRACT_WORKERS = os.environ.get("VIGIA_EXTRACT_WORKERS") or "auto"
VIGIA_EXTRACT_POOL_AFTER = 50
VIGIA_FLUSH_SECONDS = 10.0
VIGIA_WRITER_TIMEOUT = 10.0
VIGIA_CLOSE_WRITER_TIMEOUT = 60.0
# Outlets answer 403 to a client polling a feed more often than every 15 minutes.
VIGIA_FEED_MIN_INTERVAL = os.environ.get("VIGIA_FEED_MIN_INTERVAL") or 900
