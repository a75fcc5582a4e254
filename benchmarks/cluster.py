"""A local cluster on one machine against the grown sample site, with faults; and one process alone.

    .venv/bin/python benchmarks/cluster.py [--articles 5000] [--posts 5000] [--minutes 5] [--drain-minutes 15]

What runs (every part a real process; "hosts" are working directories sharing nothing but the
PostgreSQL URL):

- PostgreSQL (tests/pg.py: Debian's package), the shared warehouse;
- the grown sample site (``samples.scale``: ``--articles`` pages over 8 outlets' news sitemaps,
  ``--posts`` posts on X's and Reddit's search APIs);
- 3 crawler processes: ``news_sitemaps`` and ``x`` scheduled through **Scrapyd**'s
  ``schedule.json`` on crawler host A, and ``vigia crawl --spider reddit`` on crawler host B;
- 2 scoring workers (``vigia score --profile offline``, the real scorer, in a loop) on host C;
- 2 analyst loops reading through DuckDB (``connect(url, read_only=True)``: their own read
  copies) on hosts D and E, and ``vigia dashboard`` on host F, polled.

Faults: ``kill -9`` of the Scrapyd ``news_sitemaps`` job's process mid-run (scheduled again: its
in-flight pages are fetched again), ``kill -9`` of a scoring worker holding a claim (then started again; its batch
returns when its lease ends, ``VIGIA_CLAIM_SECONDS``=30), and a PostgreSQL restart.

Pass: documents stored = documents a single process stores from the same site (same doc_ids),
0 duplicated, every document scored exactly once by the model set, 0 analyst errors, analyst
counts never going backwards. Throughput: documents stored per second of crawling, cluster
against one process (``vigia crawl`` of the three spiders into an embedded warehouse).
Prints JSON lines and the table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import pg  # noqa: E402
from warehouse import connect  # noqa: E402

VIGIA = [sys.executable, "-m", "cli"]
SCRAPYD_PORT = 6891
DASHBOARD_PORT = 8591


def log(**fields) -> None:
    print(json.dumps({"t": round(time.monotonic() - STARTED, 1), **fields}, default=str), flush=True)


STARTED = time.monotonic()


def environment(folder: Path, url: str | None) -> dict[str, str]:
    from samples.social import sample_credentials

    env = {**os.environ, **sample_credentials(), "PYTHONPATH": str(REPO), "VIGIA_CLAIM_SECONDS": "30",
           "VIGIA_READ_COPY": str(folder / "data" / "vigia.duckdb"), "VIGIA_SYNC_SECONDS": "1"}
    env.pop("VIGIA_DB", None)
    if url:
        env["VIGIA_WAREHOUSE"] = url
    return env


def http(url: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as answer:
        return json.loads(answer.read())


def crawl_command(campaign_file: Path, target: str, base_url: str, spiders: list[str]) -> list[str]:
    """What `vigia crawl --spider ...` runs (crawler.runner.run_crawl), with the sample site's
    base so stored URLs are the real ones, as Scrapyd's jobs store them (VIGIA_LOCAL_BASE)."""
    from tests.crawler.crawl import _DRIVER

    return [sys.executable, "-c", _DRIVER, str(campaign_file), target, base_url, json.dumps(spiders), "{}"]


def doc_ids(target) -> set[str]:
    with connect(target) as con:
        return {r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()}


def baseline(campaign_file: Path, base_url: str, folder: Path) -> tuple[set[str], float]:
    """One process: `vigia crawl` of the three spiders into an embedded warehouse."""
    db = folder / "baseline.duckdb"
    started = time.monotonic()
    done = subprocess.run(crawl_command(campaign_file, str(db), base_url, ["news_sitemaps", "x", "reddit"]),
                          cwd=REPO, env=environment(folder, None), capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"baseline crawl failed: {done.stderr[-3000:]}")
    return doc_ids(db), seconds


class Analyst(threading.Thread):
    """Reads through DuckDB in a loop (its own read copy); counts errors and any count going back."""

    def __init__(self, name: str, url: str, folder: Path):
        super().__init__(daemon=True)
        self.name_, self.url, self.folder = name, url, folder
        self.reads = self.errors = self.backwards = 0
        self.last = -1
        self.stop = threading.Event()

    def run(self) -> None:
        code = (
            "import sys, time\nfrom warehouse import connect\n"
            "with connect(sys.argv[1], read_only=True) as con:\n"
            "    n = con.execute('SELECT count(*) FROM mentions').fetchall()[0][0]\n"
            "    con.execute('SELECT day, sum(n_docs) FROM daily_trends GROUP BY ALL').fetchall()\n"
            "print(n)\n"
        )
        while not self.stop.is_set():
            done = subprocess.run([sys.executable, "-c", code, self.url], cwd=REPO, capture_output=True, text=True,
                                  env=environment(self.folder, self.url), timeout=120)
            self.reads += 1
            if done.returncode != 0:
                self.errors += 1
                log(event="analyst error", analyst=self.name_, error=done.stderr.strip().splitlines()[-1:])
            else:
                n = int(done.stdout.strip().splitlines()[-1])
                if n < self.last:
                    self.backwards += 1
                self.last = max(self.last, n)
            self.stop.wait(2)


def start_scorer(folder: Path, url: str, n: int) -> subprocess.Popen:
    loop = f"while true; do {' '.join(VIGIA)} score --profile offline --warehouse '{url}' || true; sleep 2; done"
    return subprocess.Popen(["bash", "-c", loop], cwd=REPO, env=environment(folder, url), start_new_session=True,
                            stdout=open(folder / f"scorer{n}.log", "a"), stderr=subprocess.STDOUT)


def kill_tree(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--drain-minutes", type=float, default=15.0)
    args = parser.parse_args()
    from samples.scale import Scale, ScaleSite

    root = Path(tempfile.mkdtemp(prefix="vigia-cluster-"))
    hosts = {name: root / name for name in ("crawler_a", "crawler_b", "scorers", "analyst_d", "analyst_e", "dashboard", "one")}
    for folder in hosts.values():
        folder.mkdir()
    site = ScaleSite(Scale(articles=args.articles, posts=args.posts))
    site.articles, site.posts  # noqa: B018 - built before the first request
    server = site.server()
    server.record_requests = False
    server.start()
    campaign_file = root / "campaign.json"
    campaign = site.campaign(server.base_url)
    if campaign.figures is not None:  # its CSV is read from the campaign file's folder: name it in full
        campaign = campaign.model_copy(update={"figures": campaign.figures.model_copy(
            update={"path": str(campaign.figures_path)})})
    campaign_file.write_text(campaign.model_dump_json(), encoding="utf-8")
    log(event="site", base=server.base_url, **site.expected())

    reference, one_seconds = baseline(campaign_file, server.base_url, hosts["one"])
    log(event="one process", documents=len(reference), seconds=round(one_seconds, 1))

    database = pg.Server()
    url = database.create_database("cluster")
    with connect(url):  # migrated once, before the hosts start
        pass
    (hosts["crawler_a"] / "scrapy.cfg").write_text(
        "[settings]\nvigia = crawler.settings\n\n[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {SCRAPYD_PORT}\npoll_interval = 0.5\nlogs_dir = logs\neggs_dir = eggs\ndbs_dir = dbs\n",
        encoding="utf-8")
    scrapyd = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=hosts["crawler_a"], start_new_session=True,
                               env=environment(hosts["crawler_a"], url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scrapyd_url = f"http://127.0.0.1:{SCRAPYD_PORT}"
    for _ in range(100):
        try:
            http(f"{scrapyd_url}/daemonstatus.json")
            break
        except OSError:
            time.sleep(0.3)

    # The settings `vigia crawl` (run_crawl) uses against the sample server, as the single process and the
    # Reddit crawler get them: without them a Scrapyd job keeps the production politeness delays (1-30 s a
    # page per outlet), and "throughput against one process" would compare delays, not processes.
    from crawler.runner import SAMPLE_SETTINGS

    def schedule(spider: str) -> str:
        return http(f"{scrapyd_url}/schedule.json", {
            "project": "vigia", "spider": spider, "campaign": str(campaign_file),
            "setting": [f"VIGIA_LOCAL_BASE={server.base_url}",
                        *(f"{name}={value}" for name, value in SAMPLE_SETTINGS.items())]})["jobid"]

    def reddit_crawler() -> subprocess.Popen:
        return subprocess.Popen(crawl_command(campaign_file, url, server.base_url, ["reddit"]),
                                cwd=REPO, env=environment(hosts["crawler_b"], url),
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=open(hosts["crawler_b"] / "crawl.log", "a"))

    crawl_started = time.monotonic()
    jobs = [schedule("news_sitemaps"), schedule("x")]
    reddit = reddit_crawler()
    scorers = [start_scorer(hosts["scorers"], url, n) for n in (1, 2)]
    analysts = [Analyst("d", url, hosts["analyst_d"]), Analyst("e", url, hosts["analyst_e"])]
    for analyst in analysts:
        analyst.start()
    dashboard = subprocess.Popen([*VIGIA, "dashboard", "--warehouse", url, "--port", str(DASHBOARD_PORT)], cwd=REPO,
                                 env=environment(hosts["dashboard"], url), start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dashboard_ok = dashboard_fail = 0
    faults: list[str] = []
    done_faults: set[str] = set()
    crawls_done_at = complete_at = None
    deadline = crawl_started + args.minutes * 60
    while True:
        elapsed = time.monotonic() - crawl_started
        with connect(url) as con:
            stored = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
            scored = con.execute("SELECT count(*) FROM scores").fetchall()[0][0]
            claims = con.execute("SELECT claimed_by FROM score_claims LIMIT 1").fetchall()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{DASHBOARD_PORT}/_stcore/health", timeout=5) as answer:
                dashboard_ok += answer.status == 200
        except OSError as exc:
            dashboard_fail += 1
            log(event="dashboard not answering", error=str(exc))
        running = http(f"{scrapyd_url}/listjobs.json?project=vigia")
        if complete_at is None and stored >= len(reference):
            complete_at = time.monotonic()
        sitemaps = [j for j in running["running"] if j["spider"] == "news_sitemaps"]
        if "crawler" not in done_faults and stored > len(reference) // 5 and sitemaps:
            os.kill(int(sitemaps[0]["pid"]), signal.SIGKILL)  # the Scrapyd job's own process, mid-batch
            done_faults.add("crawler")
            faults.append(f"kill -9 crawler (Scrapyd job news_sitemaps, pid {sitemaps[0]['pid']}) at {elapsed:.0f}s, "
                          f"{stored} stored")
            jobs.append(schedule("news_sitemaps"))  # the next run fetches again what it had in flight
        if "scorer" not in done_faults and claims:
            kill_tree(scorers[0])
            done_faults.add("scorer")
            faults.append(f"kill -9 scoring worker at {elapsed:.0f}s holding claims ({claims[0][0]})")
            scorers[0] = start_scorer(hosts["scorers"], url, 1)
        if "restart" not in done_faults and elapsed > 120:
            database.stop("fast")
            time.sleep(3)
            database.start()
            done_faults.add("restart")
            faults.append(f"PostgreSQL restart at {elapsed:.0f}s")
        finished = {j["id"] for j in running["finished"]}
        if crawls_done_at is None and set(jobs) <= finished and reddit.poll() is not None:
            crawls_done_at = time.monotonic()
            log(event="crawls done", seconds=round(crawls_done_at - crawl_started, 1), stored=stored)
        log(event="tick", stored=stored, scored=scored, faults=len(faults))
        if time.monotonic() > deadline and crawls_done_at is not None:
            break
        if time.monotonic() > deadline + args.drain_minutes * 60:
            break
        time.sleep(5)
    # Crawls that failed (the PostgreSQL restart, the kill) are run again, as the next scheduled run would.
    again = [schedule("news_sitemaps"), schedule("x")]
    rerun = reddit_crawler()
    rerun.wait()
    while not set(again) <= {j["id"] for j in http(f"{scrapyd_url}/listjobs.json?project=vigia")["finished"]}:
        time.sleep(2)
    if complete_at is None and len(doc_ids(url)) >= len(reference):
        complete_at = time.monotonic()
    drain_deadline = time.monotonic() + args.drain_minutes * 60
    while time.monotonic() < drain_deadline:
        with connect(url) as con:
            left = con.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                               "(SELECT 1 FROM scores s WHERE s.doc_id = d.doc_id)").fetchall()[0][0]
        log(event="drain", unscored=left)
        if left == 0:
            break
        time.sleep(10)
    total_seconds = time.monotonic() - crawl_started
    for analyst in analysts:
        analyst.stop.set()
    for analyst in analysts:
        analyst.join(timeout=150)
    for process in (*scorers, dashboard, scrapyd):
        kill_tree(process, signal.SIGTERM)
    with connect(url) as con:
        stored_ids = {r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()}
        urls = con.execute("SELECT count(*), count(DISTINCT url) FROM documents").fetchall()[0]
        per_set = con.execute("SELECT model_set, count(*), count(DISTINCT doc_id) FROM scores GROUP BY 1").fetchall()
        not_once = con.execute(
            "SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM scores s WHERE s.doc_id = d.doc_id "
            "AND s.model_set = (SELECT max(model_set) FROM scores)) <> 1").fetchall()[0][0]
        runs = con.execute("SELECT spider, status, count(*) FROM crawl_runs GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    database.close()
    server.stop()
    # until every document the single process stored was stored (faults, restarts and reruns included)
    crawl_seconds = (complete_at or time.monotonic()) - crawl_started
    result = {
        "event": "result", "site": site.expected(), "faults": faults,
        "one_process": {"documents": len(reference), "seconds": round(one_seconds, 1),
                        "docs_per_s": round(len(reference) / one_seconds, 1)},
        "cluster": {"documents": len(stored_ids), "crawl_seconds": round(crawl_seconds, 1),
                    "docs_per_s": round(len(stored_ids) / crawl_seconds, 1), "total_seconds": round(total_seconds, 1)},
        "missing": len(reference - stored_ids), "extra": len(stored_ids - reference),
        "duplicated": urls[0] - urls[1], "scores": per_set, "not_scored_exactly_once": not_once,
        "analysts": [{"reads": a.reads, "errors": a.errors, "backwards": a.backwards, "last": a.last} for a in analysts],
        "dashboard_health": {"ok": dashboard_ok, "failed": dashboard_fail}, "runs": runs,
    }
    log(**result)
    print(f"| documents (one process / cluster) | {len(reference)} / {len(stored_ids)} (missing {result['missing']}, "
          f"extra {result['extra']}, duplicated {result['duplicated']}) |")
    print(f"| crawl throughput | one process {result['one_process']['docs_per_s']} docs/s, "
          f"cluster {result['cluster']['docs_per_s']} docs/s |")
    print(f"| scored exactly once by the model set | {len(stored_ids) - not_once} of {len(stored_ids)} |")
    print(f"| analyst reads (errors, backwards) | {[(a['reads'], a['errors'], a['backwards']) for a in result['analysts']]} |")
    print(f"| dashboard health checks ok / failed | {dashboard_ok} / {dashboard_fail} |")
    print(f"| faults | {'; '.join(faults)} |")


if __name__ == "__main__":
    main()
