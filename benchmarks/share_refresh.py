"""What storing the share estimates costs after a write, at a million documents.

    .venv/bin/python benchmarks/share_refresh.py [--docs 1000000] [--new 2000]

On a copy of the warehouse `benchmarks/dashboard_scale.py` builds and caches under data/bench/
(built first if missing), it times what the end of `vigia score` does (``warehouse.shares``:
``refresh`` and ``trust`` on the published snapshot, then ``store``):

- *full*: no estimate stored yet (every day, week and total of every share estimated);
- *after a scoring job*: ``--new`` documents of the warehouse's latest day written and scored
  through the project's write path, then the refresh (only the groups whose texts changed are
  estimated again: that day, its week, the totals, the last 7 days);
- *nothing changed*: a refresh right after the previous one.

It checks that the incremental result equals a full recomputation of the same warehouse, and
prints one JSON line with the times and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import dashboard_scale as scale  # noqa: E402

from nlp.calibration import load as load_calibration  # noqa: E402
from warehouse import connect, shares  # noqa: E402
from warehouse.database import writer_folder  # noqa: E402
from warehouse.documents import insert_document_frame  # noqa: E402
from warehouse.scores import write_score_frame  # noqa: E402


def timed_refresh(path: Path) -> dict:
    """What `vigia score` runs at its end; seconds for each part and the rows stored."""
    started = time.perf_counter()
    began = pd.Timestamp.now(tz="UTC")
    with connect(path, read_only=True) as con:
        frame = shares.refresh(con, scale.CAMPAIGN)
        computed = time.perf_counter() - started
        trusted = shares.trust(con, scale.CAMPAIGN)
    trust_s = time.perf_counter() - started - computed
    with connect(path) as con:
        stored = shares.store(con, scale.CAMPAIGN, frame, trusted)
    fresh = int((pd.to_datetime(frame["computed_at"], utc=True) >= began).sum()) if len(frame) else 0
    return {"rows": stored, "rows_estimated_again": fresh, "refresh_s": round(computed, 2), "trust_s": round(trust_s, 2),
            "total_s": round(time.perf_counter() - started, 2), "load": round(os.getloadavg()[0], 1)}


def write_new_day(path: Path, n: int) -> tuple[int, float]:
    """``n`` new documents published on the warehouse's latest day, inserted and scored."""
    with connect(path, read_only=True) as con:
        last, total = con.execute("SELECT max(day), count(*) FROM mention_rows WHERE campaign = ?",
                                  [scale.CAMPAIGN]).fetchall()[0]
    start = pd.Timestamp(last).tz_localize("America/Lima").replace(hour=10).tz_convert("UTC").to_pydatetime()
    docs, scores = scale.synthetic_frames(n, total + 10_000_000, seed=99, start=start, days=365)
    docs["published_at"] = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) % 36000, unit="s")
    docs["duplicate_of"] = None
    t = time.perf_counter()
    with connect(path) as con:
        insert_document_frame(con, docs)
        write_score_frame(con, scores)
    return len(docs), round(time.perf_counter() - t, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=2000, help="Documents the scoring job writes.")
    args = parser.parse_args()
    cached = REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb"
    if not cached.exists():
        scale.build(cached, args.docs)
    work = Path(tempfile.mkdtemp(prefix="vigia-share-refresh-"))
    path = work / "vigia.duckdb"
    try:
        shutil.copy(cached, path)
        with connect(path) as con:  # this code's migrations and views, the bundled calibration; nothing stored
            shares.store_calibration(con, shares.heads_of(scale.MODEL_SET), load_calibration(REPO / "nlp" / "heads"))
            con.execute("DELETE FROM share_estimates")
            con.execute("DELETE FROM share_groups")
            con.execute("DELETE FROM share_trust")
        report: dict = {"bench": "share_refresh", "docs": args.docs}
        report["full"] = timed_refresh(path)
        report["nothing_changed"] = timed_refresh(path)
        report["new_docs"], report["write_s"] = write_new_day(path, args.new)
        report["after_scoring_job"] = timed_refresh(path)
        with connect(path, read_only=True) as con:
            incremental = con.execute("SELECT * EXCLUDE (computed_at) FROM share_estimates ORDER BY ALL").df()
        with connect(path) as con:
            con.execute("DELETE FROM share_groups")
        report["full_again"] = timed_refresh(path)
        with connect(path, read_only=True) as con:
            full = con.execute("SELECT * EXCLUDE (computed_at) FROM share_estimates ORDER BY ALL").df()
        report["incremental_equals_full"] = bool(incremental.equals(full))
        print(json.dumps(report))
    finally:
        shutil.rmtree(writer_folder(path), ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
