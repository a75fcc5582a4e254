"""How far Vigia's share estimates can be trusted, on real labelled sets the heads never trained on.

    .venv/bin/python benchmarks/quantification.py [--samples 400] [--write-readme]

For each set (UMSAB-es test: tweet sentiment; CIC-ES val: stance; STOMPOL with heads trained
without it: sentiment toward a named party), sample size (50, 200, 1000), calibration (0, 100,
300 labels of the same set; 0 means the calibration shipped with the heads, learnt elsewhere)
and protocol (mild shift around the set's natural mix; the artificial prevalence protocol over
the whole simplex), it draws samples and estimates every class share with a 90% interval two
ways, on the same samples, beside raw classify-and-count:

- *before*: the scorer's probabilities, their cells calibrated on the labels (issue 20's first
  estimator, ``prevalence.estimate``);
- *after*: the same estimator on a reader learnt from the labels, cross-fitted
  (``nlp.learning.cross_fitted``: each label's out-of-fold reading calibrates, and each sampled
  text is read by one of the same fold heads drawn at random, so both are read alike; kept only
  where it beats the scorer out of fold, else the scorer reads both). With 0
  labels there is nothing to learn: *after* differs from *before* only by the calibration
  bundled with the heads.

Reported: mean absolute error per class share, coverage of the 90% intervals, their mean width,
and counting's error (the shipped heads' labels, and the learnt reader's). A second table
measures the bundled calibration for target sentiment (self-written texts, or the window head's
out-of-fold readings of the real spans it trained on) on STOMPOL half B, with heads that learnt
half A.

Scoring real texts is the slow part: each set is scored once (probabilities, what the scorer
read, its embedding) and cached under ``data/bench/quant/`` (never committed); the learnt
readings per calibration draw are cached there too. Single-threaded BLAS is forced: on a loaded
2-core machine, threaded BLAS made one logistic fit take 30 s instead of 2.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("VIGIA_SHARED_DATA") or REPO.parent / "shared" / "data")
CACHE = REPO / "data" / "bench" / "quant"
NO_STOMPOL_HEADS = CACHE / "heads-no-stompol"
HALF_A_HEADS = CACHE / "heads-stompol-a"
VIGIA = str(REPO / ".venv" / "bin" / "vigia")


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
    subprocess.run([VIGIA, "train", "--out", str(NO_STOMPOL_HEADS), "--no-corrections", "--shared-data", str(shared)],
                   check=True)
    return NO_STOMPOL_HEADS


def _stompol_halves() -> tuple[Path, Path]:
    """STOMPOL split by tweet into half A (a shared-data folder the window head learns from) and
    half B (measured), the same split every run."""
    a_dir, b_file = CACHE / "shared-stompol-a", CACHE / "stompol-b.jsonl"
    if not b_file.exists():
        lines = [line for line in (SHARED / "stompol" / "train.jsonl").read_text(encoding="utf-8").split("\n")
                 if line.strip()]
        half_a = [line for line in lines if zlib.crc32(json.loads(line)["id"].encode()) % 2 == 0]
        half_b = [line for line in lines if zlib.crc32(json.loads(line)["id"].encode()) % 2 == 1]
        (a_dir / "stompol").mkdir(parents=True, exist_ok=True)
        (a_dir / "stompol" / "train.jsonl").write_text("\n".join(half_a) + "\n", encoding="utf-8")
        b_file.write_text("\n".join(half_b) + "\n", encoding="utf-8")
    return a_dir, b_file


def _half_a_heads() -> Path:
    """The heads without STOMPOL, their window head retrained on STOMPOL half A (as `vigia train
    --window-only` does), and their bundled calibration built (`vigia calibrate`)."""
    if (HALF_A_HEADS / "calibration.json").exists():
        return HALF_A_HEADS
    import shutil

    a_dir, _ = _stompol_halves()
    shutil.copytree(_no_stompol_heads(), HALF_A_HEADS, dirs_exist_ok=True)
    (HALF_A_HEADS / "calibration.json").unlink(missing_ok=True)
    subprocess.run([VIGIA, "train", "--window-only", "--out", str(HALF_A_HEADS), "--shared-data", str(a_dir)], check=True)
    from nlp import calibration

    calibration.build(HALF_A_HEADS, a_dir)
    return HALF_A_HEADS


SETS = {
    # name: (task, data, split, campaign file or None for the bundled one, heads)
    "umsab-es test": ("sentiment", lambda: SHARED / "umsab-es", "test", None, lambda: None),
    "cic-es val": ("stance", lambda: SHARED / "cic-es" / "val.jsonl", "test",
                   REPO / "nlp" / "eval_campaigns" / "catalonia_independence.toml", lambda: None),
    "stompol": ("target_sentiment", lambda: SHARED / "stompol" / "train.jsonl", "test",
                REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml", _no_stompol_heads),
    "stompol half B": ("target_sentiment", lambda: _stompol_halves()[1], "test",
                       REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml", _half_a_heads),
}
MAIN_SETS = ("umsab-es test", "cic-es val", "stompol")


def posteriors(name: str) -> dict:
    """The set's labels, the scorer's probabilities and what it read, scored once and cached."""
    task, data, split, campaign_file, heads = SETS[name]
    path = CACHE / (name.replace(" ", "-") + ".json")
    if path.exists():
        cached = json.loads(path.read_text())
        if "texts" in cached:  # older caches lack what the scorer read, which the learnt reader needs
            return cached
    from campaigns.model import load_campaign
    from nlp.evaluation import labelled_posteriors

    heads_dir = heads()
    started = time.perf_counter()
    found = labelled_posteriors(task, data(), "offline", load_campaign(campaign_file), split=split, heads_dir=heads_dir)
    out = {"task": task, "classes": found["classes"], "labels": found["labels"], "probs": found["probs"].tolist(),
           "texts": found["texts"], "dropped": found["dropped"], "model_set": found["model_set"],
           "heads": str(heads_dir or ""), "seconds": round(time.perf_counter() - started, 1)}
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def embeddings(name: str) -> np.ndarray:
    """The MiniLM embedding of what the scorer read for each label (cached beside the posteriors)."""
    path = CACHE / (name.replace(" ", "-") + ".emb.npy")
    if path.exists():
        return np.load(path)
    from nlp.encoder import get_encoder

    emb = np.asarray(get_encoder().embed(posteriors(name)["texts"]), dtype=np.float32)
    np.save(path, emb)
    return emb


def bundled_for(name: str, source: str = "shipped") -> dict | None:
    """The calibration shipped with the heads that scored ``name`` (``calibration.json``), or for
    target sentiment with ``source="window"`` the window head's out-of-fold readings of the real
    spans it trained on (None where it trained on none)."""
    from nlp import calibration
    from nlp.linear_heads import resolve_heads_dir

    task, _, _, _, heads = SETS[name]
    heads_dir = heads() or resolve_heads_dir()
    if source == "window":
        path = CACHE / f"{heads_dir.name}-window-oof.json"
        if not path.exists():
            entry = calibration._window(heads_dir, _stompol_halves()[0] if heads_dir == HALF_A_HEADS else SHARED)
            path.write_text(json.dumps(entry))
        return json.loads(path.read_text())
    if not (heads_dir / calibration.FILE).exists():
        calibration.build(heads_dir)
    return calibration.load(heads_dir).get(task)


def _prior(classes: list[str], shipped: dict | None):
    from prevalence import Calibration

    if shipped is None:
        return None
    rows = np.array(shipped["texts"], dtype=np.float64)
    return Calibration.from_labels(classes, rows[:, 1:], [classes[int(i)] for i in rows[:, 0]], source=shipped["source"])


PROTOCOLS = {
    # Days vary around the set's own mix: Dirichlet with the natural shares times 30 (a share of
    # 1/3 moves by about 0.08 from one sample to the next).
    "mild": lambda natural, rng, n: rng.dirichlet(30 * natural, n),
    # The artificial prevalence protocol: shares uniform over the whole simplex.
    "app": lambda natural, rng, n: rng.dirichlet(np.ones(len(natural)), n),
}
SIZES = (50, 200, 1000)
CALIBRATIONS = (0, 100, 300)
DRAWS = 20


def learnt(name: str, n_cal: int, draw: int, cal: np.ndarray, pool: np.ndarray) -> dict:
    """The cross-fitted reader for one calibration draw (its readings cached; the choice between
    it and the scorer made again each run, by ``nlp.learning.learnt_is_better``)."""
    from nlp.learning import READER, balanced_accuracy, cross_fitted, learnt_is_better

    found = posteriors(name)
    classes = found["classes"]
    probs = np.array(found["probs"])
    labels = [found["labels"][i] for i in cal]
    path = CACHE / "learnt" / f"{name.replace(' ', '-')}-{n_cal}-{draw}.npz"
    cached = dict(np.load(path)) if path.exists() else {}
    if not (cached and np.array_equal(cached["cal"], cal) and str(cached.get("design")) == READER):
        texts, emb = found["texts"], embeddings(name)
        out = cross_fitted(classes, (probs[cal], emb[cal], [texts[i] for i in cal]), labels,
                           (probs[pool], emb[pool], [texts[i] for i in pool]))
        if out["out_of_fold"] is None:  # nothing to cross-fit: the scorer reads
            out["out_of_fold"], out["fold_read"] = probs[cal], probs[pool]
        cached = {"cal": cal, "out_of_fold": out["out_of_fold"], "fold_read": out["fold_read"], "design": READER,
                  "reader": str(out["reader"] or "scorer")}
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **cached)
    kept = learnt_is_better(classes, labels, probs[cal], cached["out_of_fold"])
    names = np.asarray(classes)
    return {"learnt": kept, "words": str(cached["reader"]) == "head x words",
            "calibration": cached["out_of_fold"] if kept else probs[cal],
            "probs": cached["fold_read"] if kept else probs[pool],
            "ba_scorer": balanced_accuracy(labels, names[probs[cal].argmax(axis=1)]),
            "ba_learnt": balanced_accuracy(labels, names[cached["out_of_fold"].argmax(axis=1)])}


def _split(n: int, n_cal: int, draw: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng([seed, n_cal, draw]).permutation(n)
    return order[:n_cal], order[n_cal:]


def _accumulate(acc: dict, key: tuple, truth: np.ndarray, shares, counted: np.ndarray) -> None:
    r = acc.setdefault(key, {"err": [], "covered": [], "width": [], "raw": []})
    r["err"].append(np.abs(shares.estimate - truth))
    r["covered"].append((truth >= shares.low - 1e-9) & (truth <= shares.high + 1e-9))
    r["width"].append(shares.high - shares.low)
    r["raw"].append(np.abs(counted - truth))


def _summary(r: dict) -> dict:
    return {"mae": float(np.concatenate(r["err"]).mean()), "coverage": float(np.concatenate(r["covered"]).mean()),
            "width": float(np.concatenate(r["width"]).mean()), "mae_counting": float(np.concatenate(r["raw"]).mean())}


def measure(name: str, n_cal: int, samples: int, seed: int = 0, bundled: dict | None = None,
            estimators: tuple[str, ...] = ("before", "after"), draws: int = DRAWS) -> list[dict]:
    """Every protocol and size for one set and calibration size; ``samples`` samples per row
    (``DRAWS`` calibration draws, each with its own samples). ``bundled``: the bundled
    calibration per estimator (default: the one shipped with the heads, for both)."""
    from prevalence import Calibration, estimate
    from prevalence import cells as cellmod

    found = posteriors(name)
    classes = found["classes"]
    y = np.array([classes.index(v) for v in found["labels"]])
    probs = np.array(found["probs"])
    natural = np.bincount(y, minlength=len(classes)) / len(y)
    bundled = bundled or {e: bundled_for(name) for e in estimators}
    priors = {e: _prior(classes, bundled[e]) for e in estimators}
    draws = draws if n_cal else 1
    per_draw = max(1, samples // draws)
    acc: dict = {}
    kept, words, seconds, ba = [], [], 0.0, []
    for draw in range(draws):
        cal, pool = _split(len(y), n_cal, draw, seed)
        readers = {}
        for e in estimators:
            if e == "after" and n_cal:
                found_l = learnt(name, n_cal, draw, cal, pool)
                kept.append(bool(found_l["learnt"]))
                words.append(bool(found_l["learnt"] and found_l["words"]))
                ba.append((float(found_l["ba_scorer"]), float(found_l["ba_learnt"])))
                cal_p, pool_p = found_l["calibration"], found_l["probs"]
                prior = priors[e] if not found_l["learnt"] else None  # the bundled rows describe the shipped heads only
            else:
                cal_p, pool_p, prior = probs[cal], probs[pool], priors[e]
            calibration = Calibration.from_labels(classes, cal_p, [classes[i] for i in y[cal]], bundled=prior)
            readers[e] = (calibration, cellmod.cell_of(pool_p), pool_p.argmax(axis=1))
        for p_index, protocol in enumerate(PROTOCOLS):
            for size in SIZES:
                rng = np.random.default_rng([seed, n_cal, draw, p_index, size])
                where = [np.flatnonzero(y[pool] == c) for c in range(len(classes))]
                picks, truths = [], []
                for share in PROTOCOLS[protocol](natural, rng, per_draw):
                    m = rng.multinomial(size, share)
                    picks.append(np.concatenate([rng.choice(where[c], k, replace=k > len(where[c]))
                                                 for c, k in enumerate(m)]))
                    truths.append(m / size)
                truth = np.array(truths)
                for e, (calibration, cell, label) in readers.items():
                    groups = np.array([cellmod.counts(cell[i], calibration.n_cells) for i in picks])
                    counted = np.array([np.bincount(label[i], minlength=len(classes)) / size for i in picks])
                    started = time.perf_counter()
                    shares = estimate(calibration, groups, seed=draw)
                    seconds += time.perf_counter() - started
                    _accumulate(acc, (protocol, size, e), truth, shares, counted)
    rows = []
    for protocol in PROTOCOLS:
        for size in SIZES:
            row = {"set": name, "protocol": protocol, "size": size, "labels": n_cal, "samples": per_draw * draws}
            for e in estimators:
                s = _summary(acc[(protocol, size, e)])
                row.update({f"{k}_{e}": v for k, v in s.items()})
            row["learnt_share"] = float(np.mean(kept)) if kept else 0.0
            row["words_share"] = float(np.mean(words)) if words else 0.0
            if ba:
                row["balanced_accuracy_scorer"], row["balanced_accuracy_learnt"] = (float(np.nanmean(v)) for v in zip(*ba, strict=True))
            rows.append(row)
    return rows


def verdict(row: dict, e: str = "after") -> str:
    """Which goals of issue 20 a row meets (error against the shipped heads' counting)."""
    out = []
    cov, width, mae, raw = row[f"coverage_{e}"], row[f"width_{e}"], row[f"mae_{e}"], row["mae_counting_before"]
    if row["labels"] == 300:
        out.append("cov ok" if cov >= 0.88 else "cov MISSED")
        if row["size"] == 200:
            out.append("width ok" if width <= 0.30 else "width MISSED")
        limit = 1.0 if row["protocol"] == "mild" else 0.7
        out.append("error ok" if mae <= limit * raw + 1e-12 else "error MISSED")
    elif row["labels"] == 0:
        out.append("cov ok" if cov >= 0.80 else "cov MISSED")
    return ", ".join(out)


def table(rows: list[dict]) -> str:
    lines = ["| set | protocol | texts | labels | MAE before / after | MAE counting (shipped / learnt) | "
             "coverage before / after | width before / after | learnt kept | goals (after) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        counting = f"{r['mae_counting_before']:.3f}" + (f" / {r['mae_counting_after']:.3f}" if r["labels"] else "")
        kept = f"{100 * r['learnt_share']:.0f} %" if r["labels"] else "-"
        lines.append(
            f"| {r['set']} | {r['protocol']} | {r['size']} | {r['labels']} | {r['mae_before']:.3f} / {r['mae_after']:.3f} | "
            f"{counting} | {r['coverage_before']:.2f} / {r['coverage_after']:.2f} | "
            f"{r['width_before']:.2f} / {r['width_after']:.2f} | {kept} | {verdict(r)} |")
    return "\n".join(lines)


def bundled_table(samples: int) -> tuple[str, list[dict]]:
    """STOMPOL half B, no in-domain label, heads that learnt half A: the bundled target-sentiment
    calibration from the self-written texts (before) or the window head's out-of-fold readings
    of half A's real spans (after)."""
    name = "stompol half B"
    rows = measure(name, 0, samples, bundled={"before": bundled_for(name), "after": bundled_for(name, "window")})
    lines = ["| protocol | texts | MAE self-written / STOMPOL A out of fold | MAE counting | coverage | width |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['protocol']} | {r['size']} | {r['mae_before']:.3f} / {r['mae_after']:.3f} | "
                     f"{r['mae_counting_before']:.3f} | {r['coverage_before']:.2f} / {r['coverage_after']:.2f} | "
                     f"{r['width_before']:.2f} / {r['width_after']:.2f} |")
    return "\n".join(lines), rows


def _replace(body: str, marker: str, text: str) -> str:
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in body:
        return body
    return body[: body.index(start) + len(start)] + "\n" + text + "\n" + body[body.index(end):]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400, help="Samples per row of the table.")
    parser.add_argument("--only", choices=MAIN_SETS, action="append", help="Only this set (repeatable).")
    parser.add_argument("--labels", type=int, choices=CALIBRATIONS, action="append", help="Only these calibration sizes.")
    parser.add_argument("--draws", type=int, default=DRAWS, help="Calibration draws per row (each with its own samples).")
    parser.add_argument("--no-bundled-table", action="store_true", help="Skip the STOMPOL half B table.")
    parser.add_argument("--score-only", action="store_true", help="Only score and cache the sets.")
    parser.add_argument("--write-readme", action="store_true", help="Put the tables into benchmarks/README.md.")
    parser.add_argument("--drift", type=float, help="Try another prevalence.shares.DRIFT (labels; 1e9: none).")
    parser.add_argument("--pull", type=float, help="Try another prevalence.shares.PULL (labels' worth per cell).")
    args = parser.parse_args()
    if args.write_readme and (args.drift is not None or args.pull is not None):
        parser.error("--drift and --pull try other settings: the README's table is the shipped ones'")
    import prevalence.shares

    if args.drift is not None:
        prevalence.shares.DRIFT = args.drift
    if args.pull is not None:
        prevalence.shares.PULL = args.pull
    names = args.only or list(MAIN_SETS)
    for name in [*names, *(() if args.no_bundled_table else ("stompol half B",))]:
        found = posteriors(name)
        embeddings(name)
        print(f"{name}: {len(found['labels'])} texts ({found['dropped']} dropped), model set {found['model_set']}",
              file=sys.stderr)
    if args.score_only:
        return
    started = time.time()
    rows = []
    for name in names:
        for n_cal in args.labels or CALIBRATIONS:
            for row in measure(name, n_cal, args.samples, draws=args.draws):
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows.append(row)
    text = table(rows)
    print(text)
    second = ""
    if not args.no_bundled_table:
        second, extra = bundled_table(args.samples)
        for row in extra:
            print(json.dumps(row), file=sys.stderr, flush=True)
        print("\n" + second)
    print(f"\n{time.time() - started:.0f} s, load average {os.getloadavg()[0]:.1f} at the end", file=sys.stderr)
    if args.write_readme:
        readme = REPO / "benchmarks" / "README.md"
        body = _replace(readme.read_text(), "quantification table", text)
        if second:
            body = _replace(body, "bundled calibration table", second)
        readme.write_text(body)


if __name__ == "__main__":
    main()
