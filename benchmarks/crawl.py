"""How fast does Vigia crawl? A backfill of the grown sample site, beside a plain Scrapy baseline.

    .venv/bin/python benchmarks/crawl.py [--articles 10000] [--posts 10000] [--profile N]

1. The grown sample site (:mod:`samples.scale`: article pages behind news sitemaps on eight
   outlet hosts, X and Reddit search pages) is served by its own process.
2. **vigia, articles**: the real ``news_sitemaps`` spider and pipelines (extraction, language,
   recognition, duplicates, warehouse writes, crawl-run record, source states) crawl every
   article page into a fresh warehouse, through ``crawler.runner.run_crawl``.
3. **plain, articles**: the same pages through a plain Scrapy spider that reads the same
   sitemaps, runs ``trafilatura.extract`` on each page and inserts ``(url, text)`` into DuckDB
   in batches: the baseline, in the same run, with the same concurrency.
4. **vigia, posts**: the real ``x`` and ``reddit`` spiders over every post.

Politeness delays are off for all three (``DOWNLOAD_DELAY`` 0, no AutoThrottle, the
platforms' request intervals off); concurrency is the project's own (16 requests, 2 per
outlet host). Each crawl runs in its own process, whose memory is sampled every 0.5 s; the
table reports it at a tenth, half and the end of the run, with the CPU time a page took in the
crawl's process and in its extraction workers (from /proc: on a loaded machine the steadier figure,
and a crawl cannot be faster than its busiest process allows). ``--profile N`` adds a cProfile
of the vigia article crawl over N pages and prints where the time goes.

Prints one JSON line per measurement, then a Markdown table (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# What the benchmark turns off (politeness delays) and keeps (the project's concurrency).
BENCH_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    # vigia's own setting (crawler/settings.py), given to the baseline too: it is Scrapy's
    # overhead per answer, not work either side does for its pages
    "CONCURRENT_ITEMS": 4,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
    "VIGIA_FEED_MIN_INTERVAL": 0,
}
SAMPLE_CREDENTIALS = {"X_BEARER_TOKEN": "bench", "REDDIT_CLIENT_ID": "bench", "REDDIT_CLIENT_SECRET": "bench"}


# --------------------------------------------------------------------------- children
def child_vigia(base: str, db: str, kind: str, articles: int, posts: int, profile: str | None) -> dict[str, Any]:
    """One vigia crawl of the site (``kind``: articles or posts), in this process."""
    from crawler.runner import run_crawl
    from samples.scale import Scale, ScaleSite

    os.environ.update(SAMPLE_CREDENTIALS)
    site = ScaleSite(Scale(articles=articles, posts=posts))
    campaign = site.campaign(base, news=kind == "articles", social=kind == "posts")
    spiders = ["news_sitemaps"] if kind == "articles" else ["x", "reddit"]
    started = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        # extraction on the crawl's own thread, so the profile sees all of a page's work
        summaries = profiler.runcall(run_crawl, campaign, db, spiders, local_base=base,
                                     settings={**BENCH_SETTINGS, "VIGIA_EXTRACT_WORKERS": 0})
        profiler.dump_stats(profile)
    else:
        summaries = run_crawl(campaign, db, spiders, local_base=base, settings=BENCH_SETTINGS)
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "items_seen": sum(s["items_seen"] for s in summaries),
        "stored": sum(s["new_documents"] for s in summaries),
        "dropped": _merge(s["dropped"] for s in summaries),
        "errors": _merge(s["errors"] for s in summaries),
        "status": [s["status"] for s in summaries],
    }


def child_plain(base: str, db: str, articles: int, posts: int) -> dict[str, Any]:
    """The baseline: a plain Scrapy spider, trafilatura.extract, DuckDB inserts."""
    import duckdb
    import scrapy
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.sitemap import Sitemap

    from campaigns.localize import to_local
    from samples.scale import Scale, ScaleSite

    site = ScaleSite(Scale(articles=articles, posts=posts))
    starts = [to_local(f"https://{host}/sitemaps/bench-index.xml", base) for host in site.hosts]
    counts = {"items_seen": 0, "stored": 0}

    class PlainSpider(scrapy.Spider):
        name = "plain"

        async def start(self):
            for url in starts:
                yield scrapy.Request(url, callback=self.parse_sitemap)

        def parse_sitemap(self, response):
            for entry in Sitemap(response.body):
                loc = to_local(entry["loc"], base)
                # the same per-outlet download slots as vigia's sample mode
                slot = entry["loc"].split("/")[2]
                if response.url.endswith("index.xml"):
                    yield scrapy.Request(loc, callback=self.parse_sitemap, meta={"download_slot": slot})
                else:
                    yield scrapy.Request(loc, callback=self.parse_page, meta={"download_slot": slot})

        def parse_page(self, response):
            counts["items_seen"] += 1
            yield {"url": response.url, "text": trafilatura.extract(response.text) or ""}

    class DuckDBPipeline:
        def open_spider(self, spider=None):
            self.con = duckdb.connect(db)
            self.con.execute("CREATE TABLE pages (url VARCHAR PRIMARY KEY, text VARCHAR)")
            self.batch: list[tuple[str, str]] = []

        def process_item(self, item, spider=None):
            self.batch.append((item["url"], item["text"]))
            if len(self.batch) >= 100:
                self.flush()
            return item

        def flush(self):
            if self.batch:
                self.con.executemany("INSERT INTO pages VALUES (?, ?)", self.batch)
                counts["stored"] += len(self.batch)
                self.batch = []

        def close_spider(self, spider=None):
            self.flush()
            self.con.close()

    module = type(sys)("bench_plain")
    module.DuckDBPipeline = DuckDBPipeline
    sys.modules["bench_plain"] = module
    settings = {
        **BENCH_SETTINGS,
        # Scrapy 2.19's own downloader lets a host exceed CONCURRENT_REQUESTS_PER_DOMAIN under the
        # asyncio reactor (crawler/politeness.py); the baseline gets the same, correct limit as vigia.
        "DOWNLOADER": "crawler.politeness.Downloader",
        # and the same scheduler queue (crawler/settings.py): requests go to the least busy outlet
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "ITEM_PIPELINES": {"bench_plain.DuckDBPipeline": 100},
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }
    settings.pop("VIGIA_FEED_MIN_INTERVAL")
    process = CrawlerProcess(settings)
    process.crawl(PlainSpider)
    started = time.perf_counter()
    process.start()
    return {"wall_s": time.perf_counter() - started, **counts}


def _median_run(found: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (all of its figures, so they belong together)."""
    ordered = sorted(found, key=lambda r: r["wall_s"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["rounds"] = [round(r["wall_s"], 1) for r in found]
    return median


def _merge(dicts: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


# --------------------------------------------------------------------------- the parent
def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except OSError:
        pass
    return found


def run_child(args: list[str]) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """Run this script as a child with ``args``; its JSON result, its memory over time, and the
    CPU time of the crawl's process and of its worker processes (the load-independent part:
    on a quiet machine a crawl cannot be faster than its busiest process allows)."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=REPO)
    samples: list[tuple[float, float]] = []
    cpu: dict[int, float] = {}
    started = time.perf_counter()

    def sample() -> None:
        while proc.poll() is None:
            rss = _rss_mb(proc.pid)
            if rss is not None:
                samples.append((time.perf_counter() - started, rss))
            for pid in [proc.pid, *_descendants(proc.pid)]:
                used = _cpu_s(pid)
                if used is not None:
                    cpu[pid] = used
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {args[:2]} failed with status {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    # the multiprocessing resource tracker is a descendant too, idle: only processes that worked count
    result["cpu_crawl_s"] = round(cpu.pop(proc.pid, 0.0), 1)
    result["cpu_workers_s"] = round(sum(v for v in cpu.values() if v > 1.0), 1)
    return result, samples


def memory_profile(samples: list[tuple[float, float]]) -> dict[str, float]:
    """RSS at a tenth, half and the end of the run, and the peak."""
    if not samples:
        return {}
    end = samples[-1][0]

    def at(share: float) -> float:
        return next(rss for t, rss in samples if t >= share * end)

    return {"rss_10pct_mb": round(at(0.1)), "rss_50pct_mb": round(at(0.5)), "rss_end_mb": round(samples[-1][1]),
            "rss_peak_mb": round(max(r for _, r in samples))}


def start_server(articles: int, posts: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "samples.scale", "--articles", str(articles), "--posts", str(posts)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    base = proc.stdout.readline().strip() if proc.stdout else ""
    if not base.startswith("http"):
        proc.kill()
        raise SystemExit("the sample site did not start")
    return proc, base


def profile_summary(path: str, top: int = 25) -> list[str]:
    """Where the time went: own time grouped by area, then the top functions."""
    import pstats

    stats = pstats.Stats(path)
    areas = {
        "trafilatura": ("trafilatura/", "justext", "courlan", "htmldate"),
        "lxml / parsel (HTML parsing, selectors)": ("lxml", "parsel", "cssselect"),
        "page extraction (crawler/articles.py)": ("crawler/articles.py",),
        "language (lingua)": ("lingua", "crawler/language.py"),
        "recognition (campaigns/recognition.py)": ("campaigns/recognition.py",),
        "duplicates (MinHash)": ("datasketch", "crawler/duplicates.py"),
        "warehouse writes (DuckDB)": ("warehouse/", "duckdb"),
        "dates (dateparser)": ("dateparser", "crawler/dates.py", "dateutil"),
        "pipelines, items, text": ("crawler/pipelines.py", "crawler/text.py", "crawler/items.py", "ftfy", "crawler/urls.py"),
        "spiders": ("crawler/spiders/", "crawler/feeds.py"),
        "Scrapy and Twisted": ("scrapy/", "twisted/", "w3lib"),
        "regular expressions": ("{method 'sub' of 're.Pattern'", "{method 'search'", "{method 'findall'", "{method 'match'", "re/"),
    }
    grouped: dict[str, float] = {}
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        label = f"{filename}:{name}"
        area = next((a for a, keys in areas.items() if any(k in label for k in keys)), "other")
        grouped[area] = grouped.get(area, 0.0) + tottime
    lines = [f"cProfile: {total:.1f} s of own time", "", "| area | own time | share |", "|---|---|---|"]
    for area, seconds in sorted(grouped.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {area} | {seconds:.1f} s | {100 * seconds / total:.1f} % |")
    lines += ["", "top functions by cumulative time:"]
    import io

    buffer = io.StringIO()
    pstats.Stats(path, stream=buffer).sort_stats("cumulative").print_stats(top)
    lines += [line for line in buffer.getvalue().splitlines() if line.strip()][-top - 1:]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0, help="also profile the vigia article crawl over N pages")
    parser.add_argument("--only", choices=["articles", "plain", "posts"], action="append")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the crawls this many times and report medians (a shared machine's load moves)")
    parser.add_argument("--child", choices=["vigia-articles", "vigia-posts", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "plain":
            result = child_plain(args.base, args.db, args.articles, args.posts)
        else:
            kind = args.child.split("-")[1]
            result = child_vigia(args.base, args.db, kind, args.articles, args.posts, args.profile_out)
        print(json.dumps(result))
        return

    wanted = args.only or ["articles", "plain", "posts"]
    runs: dict[str, list[dict[str, Any]]] = {}
    server, base = start_server(args.articles, args.posts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            common = ["--base", base, "--articles", str(args.articles), "--posts", str(args.posts)]
            order = [("articles", "vigia-articles"), ("plain", "plain"), ("posts", "vigia-posts")]
            for round_ in range(args.rounds):
                for name, child in order:
                    if name not in wanted:
                        continue
                    db = f"{tmp}/{name}-{round_}.duckdb"
                    result, samples = run_child(["--child", child, "--db", db, *common])
                    result.update(memory_profile(samples))
                    result["round"] = round_ + 1
                    runs.setdefault(name, []).append(result)
                    print(json.dumps({"measurement": name, **result}), flush=True)
            results = {name: _median_run(found) for name, found in runs.items()}
            profile_lines = []
            if args.profile:
                # its own small site, so the profile covers exactly N pages
                small_server, small_base = start_server(args.profile, 0)
                try:
                    out = f"{tmp}/crawl.prof"
                    run_child(["--child", "vigia-articles", "--db", f"{tmp}/profile.duckdb", "--profile-out", out,
                               "--base", small_base, "--articles", str(args.profile), "--posts", "0"])
                    profile_lines = profile_summary(out)
                finally:
                    small_server.terminate()
                    small_server.wait()
    finally:
        server.terminate()
        server.wait()
    print()
    print(table(results, args))
    for line in profile_lines:
        print(line)


def table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    rows = ["| crawl | pages or posts | stored | wall | pages/s (posts/s) | stored/s | memory at 10% / 50% / end (peak) "
            "| CPU ms a page: crawl's process / workers |",
            "|---|---|---|---|---|---|---|---|"]
    for name, label in (("articles", "vigia: article pages, everything"), ("plain", "plain Scrapy + trafilatura.extract + DuckDB"),
                        ("posts", "vigia: X and Reddit posts, everything")):
        r = results.get(name)
        if not r:
            continue
        rate = r["items_seen"] / r["wall_s"]
        label = label + (f" (median of {len(r['rounds'])}: {', '.join(f'{w} s' for w in r['rounds'])})"
                         if len(r.get("rounds", [])) > 1 else "")
        rows.append(
            f"| {label} | {r['items_seen']:,} | {r['stored']:,} | {r['wall_s']:.1f} s | {rate:.1f} | "
            f"{r['stored'] / r['wall_s']:.1f} | {r.get('rss_10pct_mb', '?')} / {r.get('rss_50pct_mb', '?')} / "
            f"{r.get('rss_end_mb', '?')} MB ({r.get('rss_peak_mb', '?')}) | "
            f"{1000 * r.get('cpu_crawl_s', 0) / r['items_seen']:.1f} / {1000 * r.get('cpu_workers_s', 0) / r['items_seen']:.1f} |"
        )
    if "articles" in results and "plain" in results:
        ours = results["articles"]["items_seen"] / results["articles"]["wall_s"]
        plain = results["plain"]["items_seen"] / results["plain"]["wall_s"]
        rows.append("")
        rows.append(f"vigia / plain pages per second: {ours / plain:.2f}x (goal >= 0.8x); "
                    f"vigia {ours:.1f} pages/s (goal >= 50)")
        walls = results["articles"].get("rounds", []), results["plain"].get("rounds", [])
        if len(walls[0]) > 1:  # each round's own ratio: vigia and the baseline ran back to back
            rows.append("per round: " + ", ".join(f"{p / v:.2f}x" for v, p in zip(*walls, strict=False)))
    if "posts" in results:
        rows.append(f"posts: {results['posts']['items_seen'] / results['posts']['wall_s']:.0f}/s (goal >= 500)")
    load = os.getloadavg()
    rows.append(f"({args.articles:,} article pages, {args.posts:,} posts; load average at the end "
                f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores)")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
