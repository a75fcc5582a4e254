"""What a query typed in the page spends on its shares, at a million documents.

    .venv/bin/python benchmarks/query_shares.py [--warehouse data/bench/dashboard-1000000.duckdb]
        [--query "cámaras OR drones"] [--repeat 3] [--repo PATH]

Runs what ``app.load_view`` runs for a query on the warehouse `benchmarks/dashboard_scale.py`
builds and caches (read only): ``series.compare`` (the query's texts, kept), then the shares
over those texts (``warehouse.shares.overview`` with the daily shares of the range and the 28
days before it; for a checkout whose ``overview`` takes ``names``, the headline's three shares
without their weeks, as the page's first tab asks since the page is in tabs), then the spikes
found on those days (``alerts.spikes.find_spikes``, ``spikes_s``). ``--query`` may be given
several times. Prints one JSON line per repeat with the seconds of each part, the counts and
estimates inside them, and the load average. ``--repo``: time another checkout's code (e.g.
the code before a change, from ``git archive``) on the same warehouse, for a before/after on
the same machine; a checkout whose ``overview`` takes no ``days`` gets the two calls the page
made then (``overview``, then ``day_shares`` for the longer range). ``of_which_copy_s``: the
part of ``shares_s`` spent copying the query's rows (``shares.hits``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--warehouse", default=str(Path(__file__).resolve().parents[1] / "data/bench/dashboard-1000000.duckdb"))
parser.add_argument("--campaign", default="miraflores-canales")
parser.add_argument("--query", action="append", help='default: "cámaras OR drones"')
parser.add_argument("--history-days", type=int, default=28)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
args = parser.parse_args()
sys.path.insert(0, args.repo)

import warehouse.shares as shares  # noqa: E402
from alerts.spikes import find_spikes  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402
from warehouse.series import compare, drop_kept  # noqa: E402
from warehouse.trends import day_range  # noqa: E402

spent = {"counts": [0.0, 0], "estimate": [0.0, 0]}


def timed(name: str, function):
    def wrapper(*a, **k):
        started = time.perf_counter()
        try:
            return function(*a, **k)
        finally:
            spent[name][0] += time.perf_counter() - started
            spent[name][1] += 1
    return wrapper


shares.counts = timed("counts", shares.counts)
shares.estimate = timed("estimate", shares.estimate)
takes_days = "days" in inspect.signature(shares.overview).parameters
takes_names = "names" in inspect.signature(shares.overview).parameters
HEADLINE = ("sentiment", "target_sentiment", "stance")  # app.HEADLINE_SHARES

with connect(args.warehouse, read_only=True) as con:
    con.execute("SET enable_progress_bar = false")
    first, last = day_range(con, args.campaign)
    for _, text in [(r, q) for r in range(args.repeat) for q in args.query or ["cámaras OR drones"]]:
        sel = Selection(campaign=args.campaign, query=text, start=first, end=last)
        history = replace(sel, query="", start=first - timedelta(days=args.history_days))
        for part in spent.values():
            part[:] = [0.0, 0]
        started = time.perf_counter()
        found = compare(con, sel, [sel.query], history_days=args.history_days, words=False, profiles=not takes_names,
                        keep=True)
        compared = time.perf_counter() - started
        try:
            started = time.perf_counter()
            copied = None
            if takes_names:
                out = shares.overview(con, replace(sel, query=""), within=found.kept[0], days=history, weekly=False,
                                      names=HEADLINE)
            elif takes_days:
                with shares.hits(con, found.kept[0]) as texts:
                    copied = time.perf_counter() - started
                    out = shares.overview(con, replace(sel, query=""), within=texts, days=history)
            else:
                out = shares.overview(con, replace(sel, query=""), within=found.kept[0])
                out["days"] = shares.day_shares(con, history, within=found.kept[0])
            estimated = time.perf_counter() - started
        finally:
            drop_kept(con, found)
        started = time.perf_counter()
        find_spikes(found.daily.drop(columns="q"), days=(history.start, sel.end), shares=out["days"])
        spiked = time.perf_counter() - started
        print(json.dumps({"repo": args.repo, "query": text, "compare_s": round(compared, 2),
                          "shares_s": round(estimated, 2), "of_which_copy_s": copied and round(copied, 2),
                          "spikes_s": round(spiked, 3),
                          "counts": {"calls": spent["counts"][1], "s": round(spent["counts"][0], 2)},
                          "estimate": {"calls": spent["estimate"][1], "s": round(spent["estimate"][0], 2)},
                          "tasks": len(out["tasks"]), "load": round(os.getloadavg()[0], 1)}), flush=True)
