"""Vigia benchmarks: warehouse writes and views, scoring throughput, a full sample crawl,
and readers during a crawl (a long session on the snapshot, `vigia sql`-style reads).

    .venv/bin/python benchmarks/run.py [--only warehouse|scoring|crawl|readers] [--docs N]

Prints one JSON object per measurement and a summary table; results go in benchmarks/README.md.
Each measurement runs in its own process so peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_warehouse(n_docs: int) -> dict:
    from tests.conftest import synthetic_documents, synthetic_scores
    from warehouse import connect
    from warehouse.campaigns import register_campaign
    from warehouse.database import writer_path
    from warehouse.documents import insert_documents
    from warehouse.scores import write_scores

    docs = synthetic_documents(n_docs)
    for i, doc in enumerate(docs):
        doc["text"] = doc["text"] * 20  # news-length bodies (~1.4 KB)
        doc["doc_id"] = f"d{i:07d}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with connect(path) as con:
            register_campaign(con, "miraflores-canales", "bench", ["security", "politics", "recall"], "America/Lima", False)
        started = time.perf_counter()
        for i in range(0, n_docs, 500):  # the crawler flushes in batches of this order
            with connect(path, publish_when="due") as con:  # and publishes at most every 30 s
                insert_documents(con, docs[i : i + 500])
        insert_s = time.perf_counter() - started
        from warehouse.database import publish, writer_lock

        started = time.perf_counter()
        with writer_lock(path):
            os.utime(writer_path(path))  # as if changed: measure one full publish (copy + rename)
            publish(path)
        publish_s = time.perf_counter() - started
        started = time.perf_counter()
        with connect(path) as con:
            insert_documents(con, docs)  # a full re-crawl: nothing new
        recrawl_s = time.perf_counter() - started
        scores = synthetic_scores([d["doc_id"] for d in docs])
        started = time.perf_counter()
        with connect(path) as con:
            write_scores(con, scores)
        score_s = time.perf_counter() - started
        timings = {}
        with connect(path, read_only=True) as con:
            for name, query in {
                "mentions_count": "SELECT count(*) FROM mentions",
                "daily_trends_all": "SELECT * FROM daily_trends",
                "dashboard_load": "SELECT doc_id, platform, published_at, sentiment_score, topics, stance FROM mentions",
            }.items():
                started = time.perf_counter()
                con.execute(query).fetchall()
                timings[name] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        with connect(path, read_only=True):
            pass
        open_s = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
    return {
        "bench": "warehouse", "docs": n_docs,
        "insert_docs_per_s": round(n_docs / insert_s), "recrawl_s": round(recrawl_s, 2),
        "write_scores_per_s": round(n_docs / score_s), "query_s": timings,
        "open_read_only_s": round(open_s, 3), "publish_snapshot_s": round(publish_s, 3), "file_mb": round(size_mb, 1), "peak_rss_mb": round(peak_rss_mb()),
    }


def bench_scoring(n_docs: int) -> dict:
    from campaigns import load_campaign
    from nlp import DocText, load_scorer

    campaign = load_campaign()
    started = time.perf_counter()
    scorer = load_scorer("offline", campaign)
    load_s = time.perf_counter() - started
    tweet = "El alcalde Carlos Canales no ejecuta el presupuesto de seguridad y los robos siguen en Larco #RevocatoriaYa"
    article = (
        "El alcalde de Miraflores, Carlos Canales, defendió su gestión en seguridad ciudadana. "
        "Según la municipalidad, los robos bajaron 27 %, pero los vecinos denuncian más asaltos. "
        "Los promotores de la revocatoria compraron el kit electoral en la ONPE. "
    ) * 6
    result = {"bench": "scoring", "profile": "offline", "model_set": scorer.model_set, "load_s": round(load_s, 1)}
    for kind, text in (("tweet", tweet), ("article", article)):
        docs = [DocText(f"{kind}{i}", None if kind == "tweet" else "Titular", f"{text} ({i})", "es") for i in range(n_docs)]
        scorer.score(docs[:8])  # warm-up
        started = time.perf_counter()
        scorer.score(docs)
        result[f"{kind}_docs_per_s"] = round(n_docs / (time.perf_counter() - started), 1)
    result["peak_rss_mb"] = round(peak_rss_mb())
    return result


def bench_crawl() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        timings = {}
        for attempt in ("first", "second"):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "cli", "demo", "--no-dashboard", "--db", str(db)],
                cwd=REPO, env=env, capture_output=True, text=True,
            )
            timings[attempt] = round(time.perf_counter() - started, 1)
            if proc.returncode != 0:
                return {"bench": "crawl", "error": proc.stderr.strip().splitlines()[-1:]}
        out = subprocess.run(
            [sys.executable, "-m", "cli", "sql", "--db", str(db), "--format", "json",
             "SELECT count(*) AS mentions, count(DISTINCT platform) AS platforms FROM mentions"],
            cwd=REPO, capture_output=True, text=True,
        )
        counts = json.loads(out.stdout)[0]
    return {"bench": "crawl", "demo_first_run_s": timings["first"], "demo_second_run_s": timings["second"], **counts}


def bench_readers() -> dict:
    """`vigia demo` on a fresh warehouse, clean; then again while an analyst's read-only session
    holds the snapshot for the whole run and a `vigia sql`-style read runs every 0.25 s."""
    import statistics

    from tests.warehouse.holders import hold, release
    from warehouse import connect
    from warehouse.console import run_query

    def demo(db: Path) -> subprocess.Popen:
        log = open(db.with_suffix(".log"), "w+")  # noqa: SIM115 - a file, not a pipe: a full pipe blocks the demo
        return subprocess.Popen([sys.executable, "-m", "cli", "demo", "--no-dashboard", "--db", str(db)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=log, text=True)

    def last_line(db: Path) -> list[str]:
        return db.with_suffix(".log").read_text().strip().splitlines()[-1:]

    def documents(db: Path) -> int:
        return run_query(db, "SELECT count(*) FROM documents")[1][0][0]

    with tempfile.TemporaryDirectory() as tmp:
        clean_db, held_db = Path(tmp) / "clean.duckdb", Path(tmp) / "held.duckdb"
        clean = demo(clean_db)
        clean.wait()
        if clean.returncode != 0:
            return {"bench": "readers", "error": last_line(clean_db)}
        with connect(held_db):  # the snapshot exists before the analyst opens it
            pass
        holder, _ = hold(held_db, "read", "SELECT count(*) FROM documents")
        held_since = time.perf_counter()
        run = demo(held_db)
        waits, failures = [], 0
        while run.poll() is None:
            started = time.perf_counter()
            try:
                run_query(held_db, "SELECT count(*) AS n, max(fetched_at) FROM mentions")
            except Exception:  # counted: a read that failed is what this measures
                failures += 1
            waits.append(time.perf_counter() - started)
            time.sleep(0.25)
        held_s = time.perf_counter() - held_since
        release(holder)
        if run.returncode != 0:
            return {"bench": "readers", "error": last_line(held_db)}
        clean_n, held_n = documents(clean_db), documents(held_db)
    return {
        "bench": "readers", "clean_run_documents": clean_n, "held_run_documents": held_n,
        "documents_lost": clean_n - held_n, "long_reader_held_s": round(held_s, 1),
        "reads": len(waits), "read_failures": failures,
        "read_wait_p50_s": round(statistics.median(waits), 3) if waits else None,
        "read_wait_max_s": round(max(waits), 3) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["warehouse", "scoring", "crawl", "readers"])
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fn = {"warehouse": lambda: bench_warehouse(args.docs or 50_000),
              "scoring": lambda: bench_scoring(args.docs or 256),
              "crawl": bench_crawl, "readers": bench_readers}[args.child]
        print(json.dumps(fn()))
        return
    for name in [args.only] if args.only else ["warehouse", "scoring", "crawl", "readers"]:
        cmd = [sys.executable, __file__, "--child", name] + (["--docs", str(args.docs)] if args.docs else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else json.dumps(
            {"bench": name, "error": proc.stderr.strip().splitlines()[-1:] if proc.stderr else "no output"})
        print(line, flush=True)


if __name__ == "__main__":
    main()
