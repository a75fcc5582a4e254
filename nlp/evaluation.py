"""Scoring a labelled set and reporting macro-F1: what ``vigia eval`` prints.

Labelled data is either JSON Lines (``text``, optional ``title``, and any of ``sentiment``,
``target_sentiment``, ``topics``, ``stance``) or a UMSAB-style folder (``<split>_text.txt`` +
``<split>_labels.txt`` with 0/1/2 = negative/neutral/positive).

Target sentiment: a line labelled negative/neutral/positive whose document the scorer finds no
target passage in counts as a miss for its class (predicted "none"). A line whose label is
``null`` or ``"none"`` says the target is absent; such lines are not part of the macro-F1 but
are counted in ``absent_n``/``absent_correct`` (correct when the scorer also returned no target
sentiment).
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from nlp.scoring import SENTIMENTS, DocText, load_scorer
from nlp.stance import STANCES
from nlp.training import read_jsonl, read_umsab

log = logging.getLogger("vigia.nlp")
TASKS = ("sentiment", "target_sentiment", "topics", "stance")
ABSENT = ("none", None)


def _examples(task: str, data: Path, split: str) -> tuple[list[DocText], list, int]:
    """Documents, their gold labels for ``task``, and how many absent-target lines there were."""
    if data.is_dir():
        if task != "sentiment":
            raise ValueError(f"{data} is a UMSAB-style folder: it only has sentiment labels, not {task}")
        texts, labels = read_umsab(data, split)
        docs = [DocText(f"{split}-{i}", None, t) for i, t in enumerate(texts)]
        return docs, [SENTIMENTS[y] for y in labels], 0
    docs, gold, absent = [], [], []
    for i, row in enumerate(read_jsonl(data)):
        doc = DocText(str(row.get("doc_id", i)), row.get("title"), row["text"], row.get("lang"))
        if task == "target_sentiment":
            key = "target_sentiment" if "target_sentiment" in row else "sentiment"
            if key not in row:
                continue
            value = row[key]
            if value in ABSENT:
                absent.append(doc)
                continue
        elif task == "sentiment":
            if "sentiment" not in row:
                continue
            value = row["sentiment"]
        else:
            if task not in row or row[task] is None:
                continue
            value = row[task]
        docs.append(doc)
        gold.append(value)
    # Absent-target documents go last so they are scored in the same pass.
    return docs + absent, gold, len(absent)


def evaluate(
    task: str,
    data: Path,
    profile: str,
    campaign,
    split: str = "test",
    heads_dir: Path | None = None,
) -> dict:
    """Score ``data`` with ``profile`` and return the task's macro-F1 and per-class F1."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: use one of {', '.join(TASKS)}")
    data = Path(data)
    if not data.exists():
        raise FileNotFoundError(f"no labelled data at {data}")
    docs, gold, n_absent = _examples(task, data, split)
    if not gold:
        raise ValueError(f"{data}: no line has a {task} label")
    scorer = load_scorer(profile, campaign, heads_dir)
    scores = scorer.score(docs)
    labelled, absent = scores[: len(gold)], scores[len(gold) :]
    result: dict = {"task": task, "n": len(gold)}

    if task == "topics":
        per = {}
        for topic in campaign.topic_names:
            y = [int(topic in g) for g in gold]
            p = [int(topic in s.topics) for s in labelled]
            per[topic] = round(float(f1_score(y, p, zero_division=0)), 4)
        result["macro_f1"] = round(float(np.mean(list(per.values()))), 4)
        result["per_class_f1"] = per
        result["exact_match"] = round(float(np.mean([set(g) == set(s.topics) for g, s in zip(gold, labelled, strict=True)])), 4)
    else:
        classes = list(STANCES) if task == "stance" else list(SENTIMENTS)
        if task == "sentiment":
            pred = [s.sentiment for s in labelled]
        elif task == "target_sentiment":
            pred = [s.target_sentiment or "none" for s in labelled]
        else:
            pred = [s.stance for s in labelled]
        f1 = f1_score(gold, pred, labels=classes, average=None, zero_division=0)
        result["macro_f1"] = round(float(np.mean(f1)), 4)
        result["per_class_f1"] = {c: round(float(v), 4) for c, v in zip(classes, f1, strict=True)}
        result["accuracy"] = round(float(np.mean([g == p for g, p in zip(gold, pred, strict=True)])), 4)
        if task == "target_sentiment":
            result["target_found"] = sum(s.target_sentiment is not None for s in labelled)
            result["absent_n"] = n_absent
            result["absent_correct"] = sum(s.target_sentiment is None for s in absent)
    result.update(
        {
            "profile": profile,
            "model_set": scorer.model_set,
            "data": str(data),
            "split": split if data.is_dir() else None,
            "date": date.today().isoformat(),
        }
    )
    return result


def main(argv=None) -> int:
    import argparse

    from campaigns import load_campaign

    parser = argparse.ArgumentParser(prog="python -m nlp.evaluation", description="Score a labelled set.")
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--profile", default="offline", choices=("offline", "hub", "auto"))
    parser.add_argument("--campaign", type=Path, default=None)
    parser.add_argument("--split", default="test")
    parser.add_argument("--heads-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = evaluate(args.task, args.data, args.profile, load_campaign(args.campaign), args.split, args.heads_dir)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
