"""How far Vigia's share estimates can be trusted, on real labelled sets the heads never trained on.

    .venv/bin/python benchmarks/quantification.py [--samples 300] [--write-readme]

For each set (UMSAB-es test: tweet sentiment; CIC-ES val: stance; STOMPOL with heads trained
without it: sentiment toward a named party), sample size (50, 200, 1000), calibration (0, 100,
300 labels of the same set; 0 means the calibration shipped with the heads, learnt elsewhere)
and protocol (mild shift around the set's natural mix; the artificial prevalence protocol over
the whole simplex), it draws samples, estimates every class share with a 90% interval
(``prevalence.estimate_shares``) and reports, beside raw classify-and-count on the same samples:
mean absolute error per class share, coverage of the 90% intervals, their mean width.

Scoring real texts with the offline model is the slow part: each set is scored once and its
posteriors cached under ``data/bench/quant/`` (never committed); later runs read the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("VIGIA_SHARED_DATA") or REPO.parent / "shared" / "data")
CACHE = REPO / "data" / "bench" / "quant"
NO_STOMPOL_HEADS = CACHE / "heads-no-stompol"


def _no_stompol_heads() -> Path:
    """Heads trained as `make train` trains them but without STOMPOL (the target window head
    learns from the seeds alone), so STOMPOL can measure target sentiment (as nlp/EVALUATION.md)."""
    if (NO_STOMPOL_HEADS / "manifest.json").exists():
        return NO_STOMPOL_HEADS
    shared = CACHE / "shared-no-stompol"
    shared.mkdir(parents=True, exist_ok=True)
    for name in ("umsab-es", "intertass-pe"):
        link = shared / name
        if not link.exists():
            link.symlink_to(SHARED / name)
    subprocess.run([str(REPO / ".venv" / "bin" / "vigia"), "train", "--out", str(NO_STOMPOL_HEADS),
                    "--no-corrections", "--shared-data", str(shared)], check=True)
    return NO_STOMPOL_HEADS


SETS = {
    # name: (task, data, split, campaign file or None for the bundled one, heads)
    "umsab-es test": ("sentiment", lambda: SHARED / "umsab-es", "test", None, lambda: None),
    "cic-es val": ("stance", lambda: SHARED / "cic-es" / "val.jsonl", "test",
                   REPO / "nlp" / "eval_campaigns" / "catalonia_independence.toml", lambda: None),
    "stompol": ("target_sentiment", lambda: SHARED / "stompol" / "train.jsonl", "test",
                REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml", _no_stompol_heads),
}


def posteriors(name: str) -> dict:
    """The set's labels and the scorer's probabilities, scored once and cached."""
    task, data, split, campaign_file, heads = SETS[name]
    path = CACHE / (name.replace(" ", "-") + ".json")
    if path.exists():
        return json.loads(path.read_text())
    from campaigns.model import load_campaign
    from nlp.evaluation import labelled_posteriors

    heads_dir = heads()
    started = time.perf_counter()
    found = labelled_posteriors(task, data(), "offline", load_campaign(campaign_file), split=split, heads_dir=heads_dir)
    out = {"task": task, "classes": found["classes"], "labels": found["labels"], "probs": found["probs"].tolist(),
           "dropped": found["dropped"], "model_set": found["model_set"], "heads": str(heads_dir or ""),
           "seconds": round(time.perf_counter() - started, 1)}
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def bundled_for(name: str) -> dict | None:
    """The calibration shipped with the heads that scored ``name`` (``calibration.json``)."""
    from nlp import calibration
    from nlp.linear_heads import resolve_heads_dir

    task, _, _, _, heads = SETS[name]
    heads_dir = heads() or resolve_heads_dir()
    if not (heads_dir / calibration.FILE).exists():
        calibration.build(heads_dir)
    return calibration.load(heads_dir).get(task)


PROTOCOLS = {
    # Days vary around the set's own mix: Dirichlet with the natural shares times 30 (a share of
    # 1/3 moves by about 0.08 from one sample to the next).
    "mild": lambda natural, rng, n: rng.dirichlet(30 * natural, n),
    # The artificial prevalence protocol: shares uniform over the whole simplex.
    "app": lambda natural, rng, n: rng.dirichlet(np.ones(len(natural)), n),
}
SIZES = (50, 200, 1000)
CALIBRATIONS = (0, 100, 300)


def measure(name: str, protocol: str, size: int, n_cal: int, samples: int, draws: int = 20, seed: int = 0) -> dict:
    """Draw ``samples`` samples (``draws`` calibration draws, each with its own samples), estimate
    every share and count it raw; return the error, coverage and width of both."""
    from prevalence import Calibration, estimate
    from prevalence import cells as cellmod

    found = posteriors(name)
    classes = found["classes"]
    y = np.array([classes.index(v) for v in found["labels"]])
    probs = np.array(found["probs"])
    natural = np.bincount(y, minlength=len(classes)) / len(y)
    shipped = bundled_for(name)
    prior = None
    if shipped is not None:
        rows = np.array(shipped["texts"], dtype=np.float64)
        prior = Calibration.from_labels(classes, rows[:, 1:], [classes[int(i)] for i in rows[:, 0]], source=shipped["source"])
    cell = cellmod.cell_of(probs)
    rng = np.random.default_rng(seed + 1000 * n_cal + size)
    err, raw, covered, width, seconds = [], [], [], [], 0.0
    per_draw = max(1, samples // draws)
    for _ in range(draws if n_cal else 1):
        order = rng.permutation(len(y))
        cal, pool = order[:n_cal], order[n_cal:]
        calibration = Calibration.from_labels(classes, probs[cal], [classes[i] for i in y[cal]], bundled=prior)
        shares = PROTOCOLS[protocol](natural, rng, per_draw if n_cal else samples)
        groups, truths, counted = [], [], []
        for share in shares:
            m = rng.multinomial(size, share)
            items = np.concatenate([rng.choice(pool[y[pool] == c], k, replace=k > (y[pool] == c).sum())
                                    for c, k in enumerate(m)])
            groups.append(cellmod.counts(cell[items], calibration.n_cells))
            truths.append(m / size)
            counted.append(np.bincount(probs[items].argmax(axis=1), minlength=len(classes)) / size)
        started = time.perf_counter()
        est = estimate(calibration, np.array(groups), seed=int(rng.integers(1 << 30)))
        seconds += time.perf_counter() - started
        truths = np.array(truths)
        err.append(np.abs(est.estimate - truths))
        raw.append(np.abs(np.array(counted) - truths))
        covered.append((truths >= est.low - 1e-9) & (truths <= est.high + 1e-9))
        width.append(est.high - est.low)
    n_groups = sum(len(e) for e in err)
    return {"set": name, "protocol": protocol, "size": size, "labels": n_cal,
            "mae": float(np.concatenate(err).mean()), "mae_counting": float(np.concatenate(raw).mean()),
            "coverage": float(np.concatenate(covered).mean()), "width": float(np.concatenate(width).mean()),
            "ms_per_group": 1000 * seconds / n_groups, "samples": n_groups}


def verdict(row: dict) -> str:
    """Which goals of issue 20 a row meets."""
    out = []
    if row["labels"] == 300:
        out.append("cov ok" if row["coverage"] >= 0.88 else "cov MISSED")
        if row["size"] == 200:
            out.append("width ok" if row["width"] <= 0.30 else "width MISSED")
        limit = 1.0 if row["protocol"] == "mild" else 0.7
        out.append("error ok" if row["mae"] <= limit * row["mae_counting"] + 1e-12 else "error MISSED")
    elif row["labels"] == 0:
        out.append("cov ok" if row["coverage"] >= 0.80 else "cov MISSED")
    return ", ".join(out)


def table(rows: list[dict]) -> str:
    lines = ["| set | protocol | texts | labels | MAE | MAE counting | coverage (90%) | width | goals |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['protocol']} | {r['size']} | {r['labels']} | {r['mae']:.3f} | "
                     f"{r['mae_counting']:.3f} | {r['coverage']:.2f} | {r['width']:.2f} | {verdict(r)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300, help="Samples per cell of the table.")
    parser.add_argument("--only", choices=list(SETS), action="append", help="Only this set (repeatable).")
    parser.add_argument("--labels", type=int, choices=CALIBRATIONS, action="append", help="Only these calibration sizes.")
    parser.add_argument("--score-only", action="store_true", help="Only score and cache the sets.")
    parser.add_argument("--write-readme", action="store_true", help="Put the table into benchmarks/README.md.")
    args = parser.parse_args()
    names = args.only or list(SETS)
    for name in names:
        found = posteriors(name)
        print(f"{name}: {len(found['labels'])} texts ({found['dropped']} dropped), model set {found['model_set']}",
              file=sys.stderr)
    if args.score_only:
        return
    rows = []
    for name in names:
        for protocol in PROTOCOLS:
            for size in SIZES:
                for n_cal in args.labels or CALIBRATIONS:
                    row = measure(name, protocol, size, n_cal, args.samples)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    rows.append(row)
    text = table(rows)
    print(text)
    if args.write_readme:
        readme = REPO / "benchmarks" / "README.md"
        body = readme.read_text()
        start, end = "<!-- quantification table -->", "<!-- /quantification table -->"
        if start in body:
            body = body[: body.index(start) + len(start)] + "\n" + text + "\n" + body[body.index(end):]
            readme.write_text(body)


if __name__ == "__main__":
    main()
