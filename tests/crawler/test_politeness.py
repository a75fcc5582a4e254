"""Politeness at the benchmark's concurrency: no outlet ever sees more requests at once than its
limit, a 429's Retry-After is waited for (that host only), each outlet's robots.txt is obeyed.

Crawls the grown sample site (samples/scale.py) with benchmarks/crawl.py's settings: 16 requests
at once, 2 per outlet, no delays. Pages take 0.2 s to answer, so requests do overlap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.scale import Scale, ScaleSite
from tests.crawler.crawl import crawl_in_subprocess

pytestmark = pytest.mark.slow  # a whole crawl in its own process

BENCH = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
         "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "VIGIA_EXTRACT_WORKERS": 0}


def test_no_outlet_sees_more_than_its_limit_and_retry_after_is_waited_for(tmp_path: Path) -> None:
    site = ScaleSite(Scale(articles=96, posts=0, outlets=8), latency=0.2, too_many={"gestion.pe": 2}, retry_after=1.5)
    with site.server() as server:
        server.record_requests = True
        summaries, log = crawl_in_subprocess(site.campaign(server.base_url, social=False), tmp_path / "w.duckdb",
                                             server.base_url, settings=BENCH)
        peaks = dict(server.peak_inflight)
        started = {host: sorted(times) for host, times in server.started_at.items()}
    assert [s["status"] for s in summaries] == ["finished"], summaries
    assert summaries[0]["items_seen"] == 96  # every page, the two refused ones included, once retried
    assert summaries[0]["errors"] == {}       # a 429 waited for and asked again is no error
    outlets = {host: peak for host, peak in peaks.items() if host in site.hosts}
    assert len(outlets) == 8
    assert max(outlets.values()) == 2, outlets  # the limit, reached and never passed
    # ... while the crawl as a whole ran more at once than any outlet may
    assert sum(outlets.values()) > 2
    # gestion.pe answered 429 to its first two pages, "Retry-After: 1.5": once the crawl had the
    # answer (0.1 s for requests already on their way), nothing went to gestion.pe for 1.5 s
    refusals = site.answered_429["gestion.pe"]
    assert len(refusals) == 2
    for refused in refusals:
        too_soon = [t for t in started["gestion.pe"] if refused + 0.1 < t < refused + 1.4]
        assert not too_soon, (refused, too_soon)
    assert "gestion.pe answered 429: waiting" in log


def test_each_outlets_own_robots_txt_is_obeyed_on_the_sample_server(tmp_path: Path) -> None:
    site = ScaleSite(Scale(articles=16, posts=0, outlets=2))
    with site.server() as server:
        disallowed = site.articles[0].url.split("/")[3]  # that article's section, on its outlet only
        host = site.articles[0].url.split("/")[2]

        @server.route(r"elcomercio\.pe|gestion\.pe", r"/robots\.txt")
        def robots(request):
            from samples.server import Response

            rules = f"User-agent: *\nDisallow: /{disallowed}/\n" if request.host == host else "User-agent: *\nAllow: /\n"
            return Response(200, rules, "text/plain")

        server.routes.insert(0, server.routes.pop())  # before the site's catch-all robots route
        summaries, _ = crawl_in_subprocess(site.campaign(server.base_url, social=False), tmp_path / "w.duckdb",
                                           server.base_url, settings=BENCH)
    expected = [a for a in site.articles if not (a.url.split("/")[2] == host and a.url.split("/")[3] == disallowed)]
    assert 0 < len(expected) < len(site.articles)
    assert summaries[0]["items_seen"] == len(expected)


def test_a_backfill_keeps_every_outlet_busy_not_two_at_a_time(tmp_path: Path) -> None:
    """Scrapy's default scheduler queue hands a sitemap's URLs out last in, first out, so the 16
    requests allowed wait on one or two outlets' 2 slots while the others idle (measured: 4
    downloads under way of 16 allowed, the crawl waiting on them half its time). Requests now
    leave the scheduler for the least busy outlet: article pages of most outlets download at once."""
    site = ScaleSite(Scale(articles=160, posts=0, outlets=8), latency=0.2)
    with site.server() as server:
        server.record_requests = True
        summaries, _ = crawl_in_subprocess(site.campaign(server.base_url, social=False), tmp_path / "w.duckdb",
                                           server.base_url, settings=BENCH)
        intervals = [(host, start, end) for host, path, start, end in server.intervals
                     if host in site.hosts and "sitemap" not in path and "robots" not in path]
    assert summaries[0]["items_seen"] == 160
    # how many outlets had an article request under way as each article request arrived, on average
    busy = [len({host for host, start, end in intervals if start <= moment < end}) for _, moment, _ in intervals]
    assert sum(busy) / len(busy) >= 5, busy  # 2.6 with the default queue, 6.3 with this one
