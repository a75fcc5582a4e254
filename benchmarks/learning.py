"""Learning curves: how much the models gain from an analyst's labels (was a unit test).

    .venv/bin/python benchmarks/learning.py [--rows 500] [--learn 100 300]

On real labelled tweets (``../shared/data/stompol``: sentiment toward a named Spanish party),
the offline scorer learns from the first N labelled lines as it would from analysts'
corrections (``vigia eval --learn N``) and scores the rest; beside it, TF-IDF + logistic
regression trained on the same N lines and scored on the same rest (the simple baseline).
``tests/nlp/test_real_data.py`` used to run the 300-label point as a unit test (13 minutes on
a loaded machine); a measurement belongs here, and the table goes in benchmarks/README.md.

The bundled heads learnt from STOMPOL (the window head's training set), so with them the curve
is a regression guard, not a quality figure: for that, start from heads trained without it
(``--heads DIR``, e.g. ``vigia train --shared-data`` on a copy of ../shared/data without stompol),
as the README's learning-curve row does.
Prints one JSON line per point, then a Markdown table. Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "stompol" / "train.jsonl"
PARTIES = REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml"
# The goal the unit test held the 300-label point to (the README's learning-curve row).
FLOOR_300 = 0.40


def baseline(rows: list[dict], learn: int) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    train, test = rows[:learn], rows[learn:]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    x = vectorizer.fit_transform([f"{r['target']} {r['text']}" for r in train])
    model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x, [r["target_sentiment"] for r in train])
    predicted = model.predict(vectorizer.transform([f"{r['target']} {r['text']}" for r in test]))
    return float(f1_score([r["target_sentiment"] for r in test], predicted, average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--learn", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--heads", type=Path, default=None,
                        help="heads to start from (default: the bundled ones, which learnt from STOMPOL)")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is absent: the real labelled sets live in ../shared/data beside the checkout")

    from campaigns import load_campaign
    from campaigns.jsonl import numbered_jsonl
    from nlp.evaluation import learning_curve

    rows = [row for _, row in numbered_jsonl(DATA)][: args.rows]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stompol.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
        started = time.perf_counter()
        curve = learning_curve("target_sentiment", path, "offline", load_campaign(PARTIES), args.learn,
                               heads_dir=args.heads)
        seconds = time.perf_counter() - started
    for point in curve:
        point["baseline_tfidf_lr"] = round(baseline(rows, point["learned"]), 3)
        results.append(point)
        print(json.dumps({k: point[k] for k in ("task", "n", "learned", "macro_f1", "baseline_tfidf_lr")}), flush=True)
    print()
    print("| labels learnt | scored | macro-F1 (offline, learns as from corrections) | TF-IDF+LR on the same lines |")
    print("|---|---|---|---|")
    for point in results:
        print(f"| {point['learned']} | {point['n']} | {point['macro_f1']:.3f} | {point['baseline_tfidf_lr']:.3f} |")
    print(f"(STOMPOL, first {len(rows)} spans; {seconds:.0f} s)")
    at_300 = next((p["macro_f1"] for p in results if p["learned"] == 300), None)
    if at_300 is not None and at_300 <= FLOOR_300:
        raise SystemExit(f"300 labels: macro-F1 {at_300:.3f} is not above {FLOOR_300} (it was, as a unit test)")


if __name__ == "__main__":
    main()
