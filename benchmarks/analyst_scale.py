"""The analyst's own questions at a million documents: the warehouse side of each, timed.

    .venv/bin/python benchmarks/analyst_scale.py [--docs 1000000]

Uses the warehouse of ``benchmarks/dashboard_scale.py`` (built through the write path, cached
under data/bench/); the first run adds actor scores to it (30% of texts name one of three actors,
written straight into ``actor_scores``, which the synthetic build leaves empty). Measures, best of
three, what the page will read for: one query typed in the box (every chart of the query, its
spikes against the trailing baseline, its top words, outlets and accounts), three queries side by
side, share of voice with the target, "why did it spike", freshness, and the briefing PDF. The
browser's own drawing time comes on top (see dashboard_scale.py for the page's floor).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from alerts.spikes import METRICS, Watch, in_range, spikes_in_view  # noqa: E402
from benchmarks.dashboard_scale import CAMPAIGN, build  # noqa: E402
from benchmarks.timing import best, scan_only  # noqa: E402
from campaigns.model import load_campaign  # noqa: E402
from dashboard.briefing import gather, render  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.explain import what_changed  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402
from warehouse.freshness import freshness  # noqa: E402
from warehouse.series import compare  # noqa: E402
from warehouse.trends import day_range  # noqa: E402
from warehouse.voice import daily_voice, display_names, voice_totals  # noqa: E402

ONE = "cámaras OR drones"
THREE = ["cámaras OR drones", "serenazgo", "presupuesto"]


def add_actor_scores(path: Path) -> None:
    with connect(path) as con:
        if con.execute("SELECT count(*) FROM actor_scores").fetchall()[0][0]:
            return
        con.execute(
            "INSERT INTO actor_scores (doc_id, model_set, actor, sentiment, score, confidence, match) "
            "SELECT doc_id, model, ['lucia_carranza', 'renovacion_popular', 'promotores'][CAST(1 + hash(doc_id) % 3 AS BIGINT)], "
            "['negative', 'neutral', 'positive'][CAST(1 + hash(doc_id || 's') % 3 AS BIGINT)], 0.0, 0.8, 'name' "
            "FROM mention_rows WHERE hash(doc_id) % 10 < 3")


def measure(path: Path) -> dict:
    campaign = load_campaign()
    stop = [campaign.target.name, *campaign.target.aliases, campaign.target.district or ""]
    out: dict = {}
    with connect(path, read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        first, last = day_range(con, CAMPAIGN)
        everything = Selection(campaign=CAMPAIGN)
        one = Selection(campaign=CAMPAIGN, query=ONE)

        def one_query():
            result = compare(con, one, [ONE], history_days=28, extra_stop=stop)
            spikes = [s for m in METRICS for s in in_range(result.daily, Watch(m), first, last, first)]
            return result, spikes

        out["one_query_all_charts_s"], (result, spikes) = best(one_query)
        out["one_query_hits"] = int(result.totals["n_docs"].iloc[0])
        out["one_query_spikes"] = len(spikes)
        out["one_query_no_words_s"], _ = best(lambda: compare(con, one, [ONE], history_days=28, profiles=False))
        out["three_queries_s"], three = best(lambda: compare(con, everything, THREE, extra_stop=stop))
        out["three_queries_hits"] = three.totals["n_docs"].tolist()
        out["share_of_voice_s"], voice = best(lambda: voice_totals(daily_voice(con, everything, display_names(campaign))))
        out["share_of_voice_names"] = len(voice)
        out["spikes_in_view_s"], spikes = best(lambda: spikes_in_view(con, everything))
        day = max((s for s in spikes if s.metric == "volume"), key=lambda s: s.value).day
        out["why_spike_s"], why = best(lambda: what_changed(con, everything, day, extra_stop=stop))
        out["why_spike_day"] = str(day)
        out["freshness_s"], _ = best(lambda: freshness(con, CAMPAIGN, {s.name: s.spider for s in campaign.sources}, path))

        def briefing() -> bytes:
            data = gather(con, everything, campaign_name=campaign.name, timezone=campaign.timezone, lang="es",
                          spikes=spikes_in_view(con, everything), queries=THREE, campaign=campaign)
            return render(data)

        out["briefing_pdf_s"], pdf = best(briefing, repeat=2)
        out["briefing_pdf_kb"] = round(len(pdf) / 1024)
    return out


GOALS = [
    ("one_query_all_charts_s", "a query typed: every chart's reads, spikes, words, outlets, accounts", 1.5),
    ("three_queries_s", "three queries side by side, with their words, outlets, accounts", 2.5),
    ("briefing_pdf_s", "the briefing PDF (reads, 4 charts rendered, 5 spikes explained)", 10.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--warehouse", type=Path, help="Measure this warehouse instead (benchmarks/crawled_warehouse.py's).")
    args = parser.parse_args()
    path = args.warehouse or REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb"
    if not path.exists():
        build(path, args.docs)
    add_actor_scores(path)
    # Today's reads, then the same with every query a scan of the text (before the term index of
    # migration 053), same file, same run: the hits must agree.
    report = {"bench": "analyst", "docs": args.docs, "load": os.getloadavg(), **measure(path)}
    with scan_only():
        scanned = measure(path)
    for key in ("one_query_hits", "three_queries_hits"):
        assert report[key] == scanned[key], (key, report[key], scanned[key])
    report["scan"] = scanned
    report["load_after"] = os.getloadavg()
    print(json.dumps(report))
    print(f"\nload average {report['load']} -> {report['load_after']}", file=sys.stderr)
    print(f"{'measurement (warehouse side; the browser draws on top)':<78} {'index':>7} {'scan':>7}  goal", file=sys.stderr)
    for key, label, goal in GOALS:
        print(f"{label:<78} {report[key]:>7} {scanned[key]:>7}  < {goal} s {'ok' if report[key] < goal else 'MISSED'}",
              file=sys.stderr)
    for key in ("one_query_no_words_s", "share_of_voice_s", "spikes_in_view_s", "why_spike_s", "freshness_s"):
        print(f"{key:<78} {report[key]:>7} {scanned[key]:>7}", file=sys.stderr)


if __name__ == "__main__":
    main()
