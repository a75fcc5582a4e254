"""What the top words cost at a million documents: a compared query's box of top words, outlets
and accounts (``series.compare`` with its words), the same without words (what a query typed in
the box reads), and "why did it spike" (``explain.what_changed``); best of three each.

    .venv/bin/python benchmarks/top_words.py [--warehouse data/bench/dashboard-1000000.duckdb]

Read-only on the warehouse of ``benchmarks/dashboard_scale.py`` (or ``crawled_warehouse.py``'s
with ``--warehouse``). Its copy in another checkout times that checkout's code on the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.timing import best  # noqa: E402
from campaigns.model import load_campaign  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.explain import what_changed  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402
from warehouse.series import compare  # noqa: E402

CAMPAIGN = "miraflores-canales"
QUERY = "cámaras OR drones"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "bench" / "dashboard-1000000.duckdb")
    parser.add_argument("--day", help="the spike day explained (default: the busiest day)")
    args = parser.parse_args()
    campaign = load_campaign()
    stop = [campaign.target.name, *campaign.target.aliases, campaign.target.district or ""]
    everything = Selection(campaign=CAMPAIGN)
    out: dict = {"warehouse": str(args.warehouse), "load": os.getloadavg()}
    with connect(args.warehouse, read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        day = args.day or str(con.execute("SELECT day FROM daily_trends WHERE campaign = ? GROUP BY day "
                                          "ORDER BY sum(n_docs) DESC LIMIT 1", [CAMPAIGN]).fetchall()[0][0])
        out["profile_s"], found = best(lambda: compare(con, everything, [QUERY], extra_stop=stop).profiles[0])
        out["no_words_s"], _ = best(lambda: compare(con, Selection(campaign=CAMPAIGN, query=QUERY), [QUERY], words=False))
        out["why_s"], why = best(lambda: what_changed(con, everything, date.fromisoformat(day), extra_stop=stop))
    column = "written" if "written" in found["words"] else "term"
    out["profile_words"] = found["words"][column].head(8).tolist()
    out["why_words"] = why.words[column].head(8).tolist() if column in why.words else why.words["term"].head(8).tolist()
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
