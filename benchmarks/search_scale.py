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
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.dashboard_scale import CAMPAIGN, build  # noqa: E402
from benchmarks.timing import best  # noqa: E402
from warehouse import connect, explorer, trends  # noqa: E402
from warehouse import query as ql  # noqa: E402
from warehouse.database import writer_folder  # noqa: E402
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


def measure_2(path: Path) -> dict:
    out: dict = {}
    with connect(path, read_only=True) as con:
        for q in QUERIES:
            row: dict = {}
            where, params = old_substring_where(q)
            row["substring_s"], n = best(lambda w=where, p=params: con.execute(f"SELECT count(*) FROM mentions WHERE {w}", p).fetchall())
            row["substring_hits"] = n[0][0]
            sel = Selection(campaign=CAMPAIGN, query=q)
            where, params = sel.where()
            row["count_s"], n = best(lambda w=where, p=params: con.execute(f"SELECT count(*) FROM mentions WHERE {w}", p).fetchall())
            row["hits"] = n[0][0]
            row["find_s"], _ = best(lambda s=sel: explorer.find(con, s))
            row["daily_s"], _ = best(lambda s=sel: trends.daily(con, s))
            out[q] = row
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
    args = parser.parse_args()
    path = REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb"
    if not path.exists():
        build(path, args.docs)
    with connect(path):  # the views of this code
        pass
    import shutil

    shutil.rmtree(writer_folder(path), ignore_errors=True)
    now = measure_2(path)
    fts = measure_15(path.with_name(path.stem + "-search.parquet"))
    print(json.dumps({"bench": "search", "docs": args.docs, "duckdb_2": now, "duckdb_15_fts": fts}))
    print(f"\nfts index build at {fts['rows']:,} texts (DuckDB {fts['duckdb']}): {fts['index_build_s']} s", file=sys.stderr)
    head = (f"{'query':<34} {'hits':>8} {'old substr':>10} {'count':>7} {'page':>7} {'charts':>7} |"
            f" {'1.5 scan':>8} {'fts cand':>9} {'fts+scan':>8}")
    print(head, file=sys.stderr)
    for q in QUERIES:
        a, b = now[q], fts[q]
        print(f"{q:<34} {a['hits']:>8,} {a['substring_s']:>10} {a['count_s']:>7} {a['find_s']:>7} {a['daily_s']:>7} |"
              f" {b['scan_s']:>8} {b.get('fts_candidates_s', '-')!s:>9} {b.get('fts_then_scan_s', '-')!s:>8}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
