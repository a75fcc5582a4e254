"""The share sampler alone (``prevalence.bayes.sample_shares``) on a day's groups, on one thread
and on several.

    .venv/bin/python benchmarks/share_sampler.py [--warehouse data/bench/dashboard-1000000.duckdb]
        [--days 200] [--threads 2] [--repeat 3] [--before CHECKOUT]

The groups are the warehouse's (read only): the texts per cell of each day and source type of
the first ``--days`` days, for target sentiment and for stance, with the campaign's calibration
of each (400 + 400 groups at 200 days on the benchmark's 1M warehouse). Each repeat samples them
all with ``threads=1`` and with ``--threads``, and, with ``--before``, with that checkout's
``prevalence/bayes.py`` (e.g. main from ``git archive``), alternated; every run of this
checkout must draw what its first run drew, whatever the threads. Where the two checkouts' draws
differ, it prints how far apart their 5%, 50% and 95% quantiles are, beside how far a change of
seed moves this checkout's (the Monte Carlo noise a reader cannot tell from the estimate). Prints
one JSON line per run (with the load, and the cores other processes kept busy during it, from
`/proc/stat`), then a table of the seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from prevalence import bayes  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse import shares as shares_db  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402
from warehouse.trends import day_range  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--warehouse", default=str(REPO / "data/bench/dashboard-1000000.duckdb"))
parser.add_argument("--campaign", default="miraflores-canales")
parser.add_argument("--days", type=int, default=200)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--before", help="another checkout whose prevalence/bayes.py is timed beside this one")
args = parser.parse_args()

if not Path(args.warehouse).exists():
    sys.exit(f"no warehouse at {args.warehouse}: build it with benchmarks/dashboard_scale.py --docs 1000000")

tasks = []
with connect(args.warehouse, read_only=True) as con:
    first, last = day_range(con, args.campaign)
    sel = Selection(campaign=args.campaign, start=first, end=min(last, first + timedelta(days=args.days - 1)))
    for name in ("target_sentiment", "stance"):
        cal, _ = shares_db.calibration(con, args.campaign, name)
        _, cells, known = shares_db.counts(con, sel, name, "day", by_source_type=True)
        tasks.append((name, cal.concentration(), cells, known))
groups = sum(len(t[2]) for t in tasks)
texts = np.concatenate([t[2].sum(axis=1) + t[3].sum(axis=1) for t in tasks])

samplers = {"after, 1 thread": lambda c, n, k: bayes.sample_shares(c, n, k, threads=1),
            f"after, {args.threads} threads": lambda c, n, k: bayes.sample_shares(c, n, k, threads=args.threads)}
if args.before:
    spec = importlib.util.spec_from_file_location("before_bayes", Path(args.before) / "prevalence" / "bayes.py")
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    samplers = {"before": lambda c, n, k: before.sample_shares(c, n, k), **samplers}



def busy_seconds() -> float:
    """CPU seconds every process has used on this machine (``/proc/stat``; 0 where absent)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


references: dict[bool, list[np.ndarray]] = {}
seconds: dict[str, list[float]] = {name: [] for name in samplers}
loads: dict[str, list[float]] = {name: [] for name in samplers}
others: dict[str, list[float]] = {name: [] for name in samplers}
for sample in samplers.values():  # warm: the calibration's Q draws are cached per process
    for _, cal, cells, known in tasks:
        sample(cal, cells[:1], known[:1])
for _ in range(args.repeat):
    for name, sample in samplers.items():
        busy, own, started = busy_seconds(), own_seconds(), time.perf_counter()
        draws = [sample(cal, cells, known) for _, cal, cells, known in tasks]
        spent = time.perf_counter() - started
        # The cores other processes kept busy meanwhile: the load that matters on a shared machine.
        other = max(0.0, busy_seconds() - busy - (own_seconds() - own)) / spent
        reference = references.setdefault(name == "before", draws)
        same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(reference, draws, strict=True))
        if not same:
            sys.exit(f"{name}: its draws differ from the first run's")
        load = os.getloadavg()[0]
        seconds[name].append(spent)
        loads[name].append(load)
        others[name].append(other)
        print(json.dumps({"sampler": name, "groups": groups, "s": round(spent, 3), "identical": same,
                          "load": round(load, 1), "other_processes_cores": round(other, 2)}), flush=True)

print(f"\n{groups} groups ({', '.join(f'{t[0]} {len(t[2])}' for t in tasks)}), texts per group: "
      f"median {np.median(texts):.0f}, 10-90% {np.quantile(texts, 0.1):.0f}-{np.quantile(texts, 0.9):.0f}; "
      f"{os.cpu_count()} cores\n")
print("| sampler | runs | seconds (min-max) | load (1 min) | cores other processes used |")
print("|---|---|---|---|---|")
for name in samplers:
    s, a, o = seconds[name], loads[name], others[name]
    print(f"| {name} | {len(s)} | {min(s):.2f}-{max(s):.2f} | {min(a):.1f}-{max(a):.1f} | {min(o):.2f}-{max(o):.2f} |")

if len(references) == 2:
    def quantiles(draws: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([np.quantile(d, [0.05, 0.5, 0.95], axis=0).reshape(3, -1) for d in draws], axis=1)

    before_q, after_q = quantiles(references[True]), quantiles(references[False])
    seed_q = quantiles([bayes.sample_shares(cal, cells, known, seed=1) for _, cal, cells, known in tasks])
    print("\n| quantile | mean / largest gap, before to after | mean / largest gap, after to after with another seed |")
    print("|---|---|---|")
    for i, q in enumerate(("5%", "50%", "95%")):
        moved, noise = np.abs(after_q[i] - before_q[i]), np.abs(after_q[i] - seed_q[i])
        print(f"| {q} | {np.nanmean(moved):.4f} / {np.nanmax(moved):.4f} | {np.nanmean(noise):.4f} / {np.nanmax(noise):.4f} |")
