"""The bundled share calibration: how each head's errors look on labelled texts it never
trained on, written beside the heads as ``calibration.json`` (derived numbers only: each text's
probabilities and label, no text).

Share estimates (``prevalence``) learn a head's errors from labels it did not train on. A
campaign's own analyst corrections are the best such labels; before it has any, these are used
(counted as few labels, since they come from other texts):

| task | texts | why they are held out |
|---|---|---|
| sentiment | InterTASS PE (1,050 real Peruvian tweets), 5-fold out of fold | the sentiment head's own CV folds: each text scored by a fold model that did not see it |
| target_sentiment, stance, topics | the project's two self-written evaluation sets (`tests/data/domain_eval.jsonl`, `domain_holdout.jsonl`, 354 texts about the bundled campaign), scored by the heads as they are | no head trains on them |

UMSAB-es test is for reporting only and CIC-ES is for measurement only: neither is ever part of
a calibration. Built by ``vigia calibrate`` (and at the end of ``vigia train``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from nlp.documents import SENTIMENTS, DocText
from nlp.stance import STANCES

log = logging.getLogger("vigia.nlp")
REPO = Path(__file__).resolve().parents[1]
DOMAIN_SETS = (REPO / "tests" / "data" / "domain_eval.jsonl", REPO / "tests" / "data" / "domain_holdout.jsonl")
FILE = "calibration.json"


def _entry(classes: list[str], probs: np.ndarray, labels: list[str], source: str) -> dict:
    """One task's calibration: classes, where it comes from, and per text [label index, probs...]."""
    rows = [[classes.index(y), *(round(float(v), 4) for v in p)] for p, y in zip(probs, labels, strict=True)]
    return {"classes": classes, "source": source, "n": len(rows), "texts": rows}


def _sentiment(heads_dir: Path, shared_data: Path) -> dict | None:
    from nlp.encoder import get_encoder
    from nlp.offline import FeatureBuilder
    from nlp.training import sentiment_oof_probs

    manifest = json.loads((heads_dir / "manifest.json").read_text()) if (heads_dir / "manifest.json").exists() else {}
    spec = manifest.get("sentiment", {})
    peru = shared_data / "intertass-pe" / "train.jsonl"
    if "weights" not in spec or not peru.exists() or not (shared_data / "umsab-es" / "train_text.txt").exists():
        log.warning("no sentiment calibration: the head's manifest lacks its mixing weights, or %s is missing", peru)
        return None
    from campaigns.model import load_campaign

    fb = FeatureBuilder(get_encoder(), load_campaign())
    probs, y = sentiment_oof_probs(fb, shared_data / "umsab-es", peru, spec["weights"], spec["offsets"])
    return _entry(list(SENTIMENTS), probs, [SENTIMENTS[i] for i in y],
                  f"InterTASS PE, {len(y):,} real Peruvian tweets, out of fold (5-fold CV of the sentiment head)")


def _domain(heads_dir: Path) -> dict[str, dict]:
    """Target sentiment, stance and each topic on the self-written held-out sets, scored by the
    heads in ``heads_dir`` for the bundled campaign."""
    from campaigns.model import load_campaign
    from nlp.scoring import load_scorer

    rows = [json.loads(line) for path in DOMAIN_SETS if path.exists()
            for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    if not rows:
        log.warning("no self-written evaluation sets at %s: no target/stance/topic calibration", DOMAIN_SETS[0].parent)
        return {}
    campaign = load_campaign()
    scores = load_scorer("offline", campaign, heads_dir).score(
        [DocText(f"cal-{i}", r.get("title"), r["text"]) for i, r in enumerate(rows)])
    where = f"{len(rows)} self-written texts about the bundled campaign held out from training"
    out: dict[str, dict] = {}
    target = [(s.target_probs, r["target_sentiment"]) for s, r in zip(scores, rows, strict=True)
              if s.target_probs is not None and r.get("target_sentiment") in SENTIMENTS]
    if target:
        out["target_sentiment"] = _entry(list(SENTIMENTS), np.array([p for p, _ in target]), [y for _, y in target],
                                         f"{len(target)} of {where}, the target found")
    stance = [([s.stance_probs.get(c, 0.0) for c in STANCES], r["stance"]) for s, r in zip(scores, rows, strict=True)
              if r.get("stance") in STANCES]
    if stance:
        out["stance"] = _entry(list(STANCES), np.array([p for p, _ in stance]), [y for _, y in stance], where)
    for topic in campaign.topic_names:
        labelled = [(s.topic_probs.get(topic, 0.0), topic in (r.get("topics") or []))
                    for s, r in zip(scores, rows, strict=True) if isinstance(r.get("topics"), list)]
        if labelled:
            p = np.array([[1 - v, v] for v, _ in labelled])
            out[f"topic:{topic}"] = _entry(["no", "yes"], p, ["yes" if y else "no" for _, y in labelled], where)
    return out


def _window(heads_dir: Path, shared_data: Path) -> dict | None:
    """Target sentiment from the real spans the window head trained on (STOMPOL), each scored by
    the fold model of its grouped cross-validation that never saw its tweet."""
    from nlp.training import window_oof_calibration

    found = window_oof_calibration(heads_dir, shared_data)
    if found is None:
        return None
    probs, labels = found
    return _entry(list(SENTIMENTS), probs, labels,
                  f"STOMPOL, {len(labels):,} real spans about Spanish parties, out of fold "
                  "(the window head's grouped cross-validation)")


def build(heads_dir: Path, shared_data: Path | None = None) -> dict:
    """Write ``heads_dir/calibration.json`` for the heads in ``heads_dir`` and return it."""
    from nlp.linear_heads import BUNDLED_HEADS
    from nlp.training import default_shared_data

    heads_dir = Path(heads_dir)
    tasks: dict[str, dict] = {}
    bundled = Path(BUNDLED_HEADS)
    same_head = (heads_dir.resolve() != bundled.resolve() and (heads_dir / "sentiment.npz").exists()
                 and (heads_dir / "sentiment.npz").read_bytes() == (bundled / "sentiment.npz").read_bytes())
    # `vigia train` keeps the bundled sentiment head unless told otherwise: its calibration is the same.
    sentiment = load(bundled).get("sentiment") if same_head else None
    if sentiment is None:
        sentiment = _sentiment(heads_dir, Path(shared_data or default_shared_data()))
    if sentiment is not None:
        tasks["sentiment"] = sentiment
    tasks.update(_domain(heads_dir))
    out = {"heads": heads_dir.name, "tasks": tasks}
    (heads_dir / FILE).write_text(json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n")
    log.info("calibration for %s: %s", heads_dir, {t: v["n"] for t, v in tasks.items()})
    return out


def load(heads_dir: Path) -> dict[str, dict]:
    """The bundled calibration beside the heads, per task (``{}`` when there is none)."""
    path = Path(heads_dir) / FILE
    return json.loads(path.read_text())["tasks"] if path.exists() else {}
