"""What running each console query in its own process costs, and what it buys.

    .venv/bin/python benchmarks/console.py [--docs 20000] [--repeat 7]

On a warehouse of synthetic documents (built once under data/bench/), prints one table:

- a small query (``count(*)``) and an aggregate (`daily_trends`-style GROUP BY) answered in the
  caller's process (a read-only connection, as before issue 19) and through the console's own
  process (``warehouse.console.run_query``): the price of the isolation;
- what the page reads for its charts (``warehouse.trends.daily``) alone, and while a runaway
  console query (a four-way self-join) runs beside it: what another visitor feels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import synthetic_documents, synthetic_scores  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.campaigns import register_campaign  # noqa: E402
from warehouse.console import Limits, RunningQuery, run_query  # noqa: E402
from warehouse.documents import insert_documents  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402
from warehouse.scores import write_scores  # noqa: E402
from warehouse.trends import daily  # noqa: E402

RUNAWAY = ("SELECT count(*) FROM mentions a, mentions b, mentions c, mentions d "
           "WHERE a.title || b.text || c.text || d.text LIKE '%no such words%'")
QUERIES = {
    "count(*)": "SELECT count(*) FROM mentions",
    "GROUP BY day, platform": "SELECT day, platform, count(*), avg(sentiment_score) FROM mentions GROUP BY ALL",
}


def warehouse(n: int) -> Path:
    path = REPO / "data" / "bench" / f"console-{n}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        docs = synthetic_documents(n)
        with connect(path) as con:
            register_campaign(con, "miraflores-canales", "Canales", ["security", "politics", "recall"], "America/Lima", True)
            insert_documents(con, docs)
            write_scores(con, synthetic_scores([d["doc_id"] for d in docs]))
    return path


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(db: Path, sql: str) -> None:
    with connect(db, read_only=True) as con:
        con.execute(sql).fetchall()


def page_read(db: Path) -> None:
    with connect(db, read_only=True) as con:
        daily(con, Selection(campaign="miraflores-canales"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    db = warehouse(args.docs)
    rows = []
    for name, sql in QUERIES.items():
        before = median_seconds(lambda sql=sql: in_process(db, sql), args.repeat)
        after = median_seconds(lambda sql=sql: run_query(db, sql), args.repeat)
        rows.append((f"{name}: in the caller's process", before))
        rows.append((f"{name}: in the console's own process", after))
    alone = median_seconds(lambda: page_read(db), args.repeat)
    with RunningQuery(db, RUNAWAY, limits=Limits(seconds=600)) as runaway:
        runaway.wait(timeout=1.0)
        beside = median_seconds(lambda: page_read(db), args.repeat)
        still = runaway.process.poll() is None
        started = time.perf_counter()
        runaway.cancel()
        cancelled = time.perf_counter() - started
    rows.append(("the page's chart read, alone", alone))
    rows.append(("the page's chart read, beside a runaway console query" + ("" if still else " (it ended early!)"), beside))
    rows.append(("cancelling the runaway query (process gone)", cancelled))
    print(f"warehouse: {args.docs:,} documents; median of {args.repeat} runs; seconds")
    print("| measurement | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
