"""The query language at a million documents: today's folded scan against DuckDB's fts index.

    .venv/bin/python benchmarks/search_scale.py [--docs 1000000]

Uses the warehouse of ``benchmarks/dashboard_scale.py`` (built through the write path, cached
under data/bench/). For each query it measures, best of three:

- on DuckDB 2.0.1 (the project's), the page's own reads: today's substring test per word
  (``contains``, what the search did before the query language), the query language's whole-word
  predicate for the hit count, the explorer's count + first page, and the daily aggregate every
  chart is drawn from;
- on DuckDB 1.5.5 (the newest with an offline ``fts`` package), the same title+text column
  copied over through Parquet (1.5.5 cannot open a 2.0.1 file): the index build, the whole-word
  scan on that table, and the fts BM25 lookup of the query's words used to narrow the rows
  before the same whole-word test. A virtual environment with ``duckdb==1.5.5`` and
  ``duckdb-extension-fts==1.5.5`` is made under data/bench/fts-venv on first use.

Prints one JSON line and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.dashboard_scale import CAMPAIGN, build  # noqa: E402
from benchmarks.timing import best, scan_only  # noqa: E402
from warehouse import connect, explorer, trends  # noqa: E402
from warehouse import query as ql  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402

QUERIES = [
    "inseguridad",
    "cámaras OR drones",
    '"avenida larco"',
    "serenazgo -revocatoria",
    "revoca*",
    "(cámaras OR drones) presupuesto",
    "huelga",  # in no text: an index's best case
]
FTS_VENV = REPO / "data" / "bench" / "fts-venv"


def old_substring_where(query: str) -> tuple[str, list]:
    """The search before the query language: every word (or quoted phrase) a substring."""
    import re

    from campaigns.recognition import fold

    terms = [fold(p).strip() for p in re.findall(r'"([^"]+)"', query)]
    terms += [fold(w) for w in re.sub(r'"[^"]*"', " ", query).split()]
    terms = [t for t in dict.fromkeys(terms) if t]
    return " AND ".join(["campaign = ?", "duplicate_of IS NULL"] + ["contains(search_text, ?)"] * len(terms)), [CAMPAIGN, *terms]


def index_size(con) -> dict:
    """The term index's rows and its share of the file (DuckDB's own per-table block count)."""
    postings, terms = con.execute("SELECT count(*), count(DISTINCT term) FROM mention_terms").fetchall()[0]
    blocks = dict(con.execute("SELECT table_name, count(DISTINCT block_id) FROM pragma_storage_info('mention_terms') "
                              "CROSS JOIN (SELECT 'mention_terms' AS table_name) GROUP BY ALL").fetchall())
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    return {"postings": postings, "terms": terms, "mb": round(blocks.get("mention_terms", 0) * block_size / 1e6, 1)}


def measure_2(path: Path) -> dict:
    out: dict = {}
    with connect(path, read_only=True) as con:
        for q in QUERIES:
            row: dict = {}
            where, params = old_substring_where(q)
            row["substring_s"], n = best(lambda w=where, p=params: con.execute(f"SELECT count(*) FROM mentions WHERE {w}", p).fetchall())
            row["substring_hits"] = n[0][0]
            sel = Selection(campaign=CAMPAIGN, query=q)
            # The scan (today's predicate over search_text), then the same reads through the
            # term index (migration 053): the hits must be the same.
            with scan_only():
                where, params = sel.where()
                row["count_s"], n = best(lambda w=where, p=params: con.execute(f"SELECT count(*) FROM mentions WHERE {w}", p).fetchall())
                row["hits"] = n[0][0]
                row["find_s"], scanned = best(lambda s=sel: explorer.find(con, s))
                row["daily_s"], _ = best(lambda s=sel: trends.daily(con, s))
            where, params = sel.where()
            row["index_count_s"], n = best(lambda w=where, p=params: con.execute(f"SELECT count(*) FROM mentions WHERE {w}", p).fetchall())
            assert n[0][0] == row["hits"], (q, n, row["hits"])
            row["index_find_s"], found = best(lambda s=sel: explorer.find(con, s))
            assert found[0] == scanned[0] and list(found[1]["doc_id"]) == list(scanned[1]["doc_id"]), q
            row["index_daily_s"], _ = best(lambda s=sel: trends.daily(con, s))
            out[q] = row
        out["_index"] = index_size(con)
        t = time.perf_counter()
        parquet = path.with_name(path.stem + "-search.parquet")
        if not parquet.exists():
            con.execute(f"COPY (SELECT doc_id, search_text FROM mentions WHERE duplicate_of IS NULL) TO '{parquet}' (FORMAT parquet)")
        out["_export_parquet_s"] = round(time.perf_counter() - t, 1)
    return out


FTS_SCRIPT = r'''
import json, sys, time, glob, os
import duckdb
parquet, queries = sys.argv[1], json.loads(sys.argv[2])
ext = glob.glob(os.path.join(os.path.dirname(duckdb.__file__), "..", "duckdb_extension_fts", "extensions", "*", "fts.duckdb_extension"))[0]
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")
con.execute(f"CREATE TABLE docs AS SELECT * FROM read_parquet('{parquet}')")
out = {"duckdb": duckdb.__version__, "rows": con.execute("SELECT count(*) FROM docs").fetchall()[0][0]}
t = time.perf_counter()
con.execute("PRAGMA create_fts_index('docs', 'doc_id', 'search_text', stemmer='none', stopwords='none', "
            "ignore='(\\.|[^a-z0-9])+', strip_accents=1, lower=1, overwrite=1)")
out["index_build_s"] = round(time.perf_counter() - t, 1)
def best(sql, params):
    fastest, rows = 1e9, None
    for _ in range(3):
        t = time.perf_counter(); rows = con.execute(sql, params).fetchall(); fastest = min(fastest, time.perf_counter() - t)
    return round(fastest, 3), rows[0][0]
for q in queries:
    row = {}
    row["scan_s"], row["hits"] = best(f"SELECT count(*) FROM docs WHERE {q['where']}", q["params"])
    if q["words"] is not None:
        words = " ".join(q["words"])
        cand = ("SELECT doc_id FROM (SELECT doc_id, fts_main_docs.match_bm25(doc_id, ?) AS score FROM docs) "
                "WHERE score IS NOT NULL")
        row["fts_candidates_s"], row["candidates"] = best(f"SELECT count(*) FROM ({cand})", [words])
        row["fts_then_scan_s"], hits = best(
            f"SELECT count(*) FROM docs WHERE doc_id IN ({cand}) AND {q['where']}", [words, *q["params"]])
        assert hits == row["hits"], (q, hits, row)
    out[q["query"]] = row
print(json.dumps(out))
'''


def fts_python() -> Path:
    python = FTS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(FTS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "duckdb==1.5.5", "duckdb-extension-fts==1.5.5"],
                       check=True)
    return python


def measure_15(parquet: Path) -> dict:
    queries = []
    for q in QUERIES:
        where, params = ql.where(q, "search_text")
        queries.append({"query": q, "where": where, "params": params, "words": ql.index_lookup_words(q)})
    done = subprocess.run([str(fts_python()), "-c", FTS_SCRIPT, str(parquet), json.dumps(queries)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--no-fts", action="store_true", help="Skip DuckDB 1.5's fts columns (their own venv, 2 min).")
    parser.add_argument("--warehouse", type=Path, help="Measure this warehouse instead (the queries must hit it).")
    args = parser.parse_args()
    path = args.warehouse or REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb"
    if not path.exists():
        build(path, args.docs)
    with connect(path):  # the views of this code
        pass
    now = measure_2(path)
    fts = {} if args.no_fts else measure_15(path.with_name(path.stem + "-search.parquet"))
    print(json.dumps({"bench": "search", "docs": args.docs, "load": os.getloadavg(), "duckdb_2": now, "duckdb_15_fts": fts}))
    if fts:
        print(f"\nfts index build at {fts['rows']:,} texts (DuckDB {fts['duckdb']}): {fts['index_build_s']} s", file=sys.stderr)
    print(f"term index: {now['_index']}; load average {os.getloadavg()}", file=sys.stderr)
    head = (f"{'query':<34} {'hits':>8} {'old substr':>10} | {'count':>7} {'page':>7} {'charts':>7} |"
            f" {'idx count':>9} {'idx page':>8} {'idx charts':>10} |"
            f" {'1.5 scan':>8} {'fts cand':>9} {'fts+scan':>8}")
    print(head, file=sys.stderr)
    for q in QUERIES:
        a, b = now[q], fts.get(q, {})
        print(f"{q:<34} {a['hits']:>8,} {a['substring_s']:>10} | {a['count_s']:>7} {a['find_s']:>7} {a['daily_s']:>7} |"
              f" {a['index_count_s']:>9} {a['index_find_s']:>8} {a['index_daily_s']:>10} |"
              f" {b.get('scan_s', '-')!s:>8} {b.get('fts_candidates_s', '-')!s:>9} {b.get('fts_then_scan_s', '-')!s:>8}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
