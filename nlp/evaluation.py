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

import logging
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from campaigns.jsonl import numbered_jsonl
from nlp.documents import SENTIMENTS, DocText, doc_input
from nlp.scoring import load_scorer
from nlp.stance import STANCES
from nlp.training import read_umsab

log = logging.getLogger("vigia.nlp")
TASKS = ("sentiment", "target_sentiment", "topics", "stance")
ABSENT = ("none", None)


STANCE_ALIASES = {"pro": "pro_recall", "anti": "anti_recall"}


def _label_error(data: Path, line: int, task: str, value, allowed) -> ValueError:
    return ValueError(f"{data}:{line}: {task} label {value!r} is not one of {', '.join(map(str, allowed))}")


def _checked(task: str, value, data: Path, line: int, campaign):
    """The label in the scorer's vocabulary; a ValueError naming the line for anything else."""
    if task in ("sentiment", "target_sentiment"):
        if value not in SENTIMENTS:
            raise _label_error(data, line, task, value, SENTIMENTS + (["none", "null"] if task == "target_sentiment" else []))
        return value
    if task == "stance":
        value = STANCE_ALIASES.get(value, value)
        if value not in STANCES:
            raise _label_error(data, line, task, value, [*STANCES, "pro", "anti"])
        return value
    if not isinstance(value, list) or any(t not in campaign.topic_names for t in value):
        raise _label_error(data, line, task, value, [f"a list of {campaign.topic_names}"])
    return value


def _examples(task: str, data: Path, split: str, campaign=None, keep_unlabelled: bool = False
              ) -> tuple[list[DocText], list, list, int]:
    """Documents, their gold labels for ``task``, the actor each target label is about (None: the
    campaign's target), and how many absent-target lines there were (they come last). With
    ``keep_unlabelled`` a line without the task's label is kept with the label None."""
    if data.is_dir():
        if task != "sentiment":
            raise ValueError(f"{data} is a UMSAB-style folder: it only has sentiment labels, not {task}")
        texts, labels = read_umsab(data, split)
        docs = [DocText(f"{split}-{i}", None, t) for i, t in enumerate(texts)]
        return docs, [SENTIMENTS[y] for y in labels], [None] * len(docs), 0
    docs, gold, actors, absent = [], [], [], []
    for n, row in numbered_jsonl(data):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ValueError(f"{data}:{n}: each line needs a 'text' string")
        doc = DocText(str(row.get("doc_id", n)), row.get("title"), row["text"], row.get("lang"))
        actor = None
        if task == "target_sentiment":
            key = "target_sentiment" if "target_sentiment" in row else "sentiment"
            if key not in row and not keep_unlabelled:
                continue
            value = row.get(key, "unlabelled")
            if value in (*ABSENT, "null"):
                absent.append(doc)
                continue
            value = None if value == "unlabelled" else _checked(task, value, data, n, campaign)
            named = row.get("actor") or row.get("target")
            if isinstance(named, str) and campaign is not None and campaign.actors:
                found = campaign.actor(named)
                if found is None and named != campaign.target.name:
                    raise ValueError(f"{data}:{n}: target {named!r} is not an actor of campaign {campaign.id}")
                actor = found.id if found is not None else None
        elif task == "sentiment":
            if "sentiment" not in row and not keep_unlabelled:
                continue
            value = _checked(task, row["sentiment"], data, n, campaign) if "sentiment" in row else None
        else:
            if (task not in row or row[task] is None) and not keep_unlabelled:
                continue
            value = _checked(task, row[task], data, n, campaign) if row.get(task) is not None else None
        docs.append(doc)
        gold.append(value)
        actors.append(actor)
    # Absent-target documents go last so they are scored in the same pass.
    return docs + absent, gold, actors, len(absent)


def _prediction(task: str, score, actor: str | None, topic_names: list[str]):
    """What a score says for ``task``: a label (or a list of topics), and the (n, classes) probabilities."""
    if task == "sentiment":
        return score.sentiment, [score.p_negative, score.p_neutral, score.p_positive]
    if task == "stance":
        return score.stance, [score.stance_probs.get(s, 0.0) for s in STANCES]
    if task == "topics":
        return score.topics, [score.topic_probs.get(t, 0.0) for t in topic_names]
    if actor is not None:
        found = score.actors.get(actor)
        if found is None:
            return "none", [1 / 3] * 3
        return found.sentiment, list(found.probs)
    if score.target_sentiment is None:
        return "none", [1 / 3] * 3
    probs = score.target_probs or tuple(float(score.target_sentiment == c) for c in SENTIMENTS)
    return score.target_sentiment, list(probs)


def _read_text(task: str, doc, score, actor: str | None) -> str:
    """The text the scorer read for this line's label: the target's (or the actor's) window."""
    text = doc_input(doc.title, doc.text)
    if task != "target_sentiment":
        return text
    if actor is not None:
        found = score.actors.get(actor)
        return (found.text if found is not None else None) or text
    return score.target_text or text


def _learn(task: str, n_learn: int, docs, gold, preds, probs, scores, campaign, actors, scorer) -> tuple[list, list]:
    """Learn from the first ``n_learn`` labelled lines and re-predict the rest: the labels an
    analyst would have given, then the model's answer.

    Target sentiment under the offline profile learns as the product does from corrections:
    the window head is retrained with the lines added (:func:`_learn_window`). Every other task
    (and the hub profile) fits an :class:`~nlp.learning.AnalystHead` on the scorer's outputs."""
    from nlp.encoder import get_encoder
    from nlp.learning import AnalystHead

    if task == "target_sentiment" and getattr(getattr(scorer, "heads", None), "window", None) is not None:
        return _learn_window(n_learn, docs, gold, preds, campaign, actors, scorer)

    texts = [_read_text(task, d, s, a) for d, s, a in zip(docs, scores, actors, strict=True)]
    emb = get_encoder().embed(texts)
    P = np.asarray(probs, dtype=np.float64)
    a, b = slice(0, n_learn), slice(n_learn, len(gold))
    if task == "topics":
        out = [[] for _ in range(len(gold) - n_learn)]
        for j, topic in enumerate(campaign.topic_names):
            base = np.column_stack([1 - P[:, j], P[:, j]])
            y = ["yes" if topic in g else "no" for g in gold]
            head = AnalystHead(["no", "yes"]).fit(base[a], emb[a], texts[a], y[a])
            for k, label in enumerate(head.predict(base[b], emb[b], texts[b])):
                if label == "yes":
                    out[k].append(topic)
        return gold[b], out
    classes = list(STANCES) if task == "stance" else list(SENTIMENTS)
    if task == "target_sentiment":
        # A line whose target the scorer did not find keeps "none": learning cannot find him.
        found = np.array([p != "none" for p in preds])
        head = AnalystHead(classes).fit(P[a][found[a]], emb[a][found[a]], [t for t, f in zip(texts[a], found[a], strict=True) if f],
                                        [g for g, f in zip(gold[a], found[a], strict=True) if f])
        new = head.predict(P[b], emb[b], texts[b])
        return gold[b], [n if f else "none" for n, f in zip(new, found[b], strict=True)]
    head = AnalystHead(classes).fit(P[a], emb[a], texts[a], gold[a])
    return gold[b], head.predict(P[b], emb[b], texts[b])


def _learn_window(n_learn: int, docs, gold, preds, campaign, actors, scorer) -> tuple[list, list]:
    """Target sentiment after ``vigia train`` has learnt the first ``n_learn`` lines as
    corrections: the window head retrained with them (:func:`nlp.training.window_head_with_labels`),
    the rest scored again. A line whose target the scorer did not find keeps "none"."""
    from nlp.training import window_head_with_labels

    rows = [{"title": d.title, "text": d.text, "target": a, "target_sentiment": g, "id": f"learn-{i}"}
            for i, (d, g, a) in enumerate(zip(docs[:n_learn], gold[:n_learn], actors[:n_learn], strict=True))]
    before = scorer.heads.window
    scorer.heads.window = window_head_with_labels(scorer, campaign, rows)
    try:
        rest = scorer.score(docs[n_learn:])
    finally:
        scorer.heads.window = before
    new = [_prediction("target_sentiment", s, a, campaign.topic_names)[0] for s, a in zip(rest, actors[n_learn:], strict=True)]
    return gold[n_learn:], [n if p != "none" else "none" for n, p in zip(new, preds[n_learn:], strict=True)]


def labelled_posteriors(
    task: str,
    data: Path,
    profile: str,
    campaign,
    split: str = "test",
    heads_dir: Path | None = None,
    fields: tuple[str, ...] = (),
    keep_unlabelled: bool = False,
) -> dict:
    """Score ``data`` once and return, per labelled line the scorer could read for ``task``, its
    gold label, the scorer's class probabilities and any ``fields`` of the line (e.g. a
    ``--group-by`` field): what share estimation learns from and is measured on.

    Returns ``{"classes", "labels", "probs" (n, classes), "texts" (what the scorer read for each
    label: the document, or the target's window), "extra" {field: [values]}, "dropped",
    "model_set"}``. For target sentiment, lines whose target the scorer does not find are
    ``dropped`` (they are in no share toward him); absent-target lines are left out.
    """
    if task not in ("sentiment", "target_sentiment", "stance"):
        raise ValueError(f"share estimation is for sentiment, target_sentiment or stance, not {task!r}")
    data = Path(data)
    if not data.exists():
        raise FileNotFoundError(f"no labelled data at {data}")
    docs, gold, actors, _ = _examples(task, data, split, campaign, keep_unlabelled)
    docs = docs[: len(gold)]
    if not gold:
        raise ValueError(f"{data}: no line has a {task} label" if not keep_unlabelled else f"{data}: no text to read")
    extra = {f: _field_values(data, docs, f) for f in fields}
    scorer = load_scorer(profile, campaign, heads_dir)
    scores = scorer.score(docs)
    labels, probs, texts, kept = [], [], [], {f: [] for f in fields}
    dropped = 0
    for i, (doc, score, actor, label) in enumerate(zip(docs, scores, actors, gold, strict=True)):
        predicted, p = _prediction(task, score, actor, campaign.topic_names)
        if predicted == "none" and task == "target_sentiment":
            dropped += 1
            continue
        labels.append(label)
        probs.append(p)
        texts.append(_read_text(task, doc, score, actor))
        for f in fields:
            kept[f].append(extra[f][i])
    classes = list(STANCES) if task == "stance" else list(SENTIMENTS)
    return {"classes": classes, "labels": labels, "probs": np.asarray(probs, dtype=np.float64).reshape(-1, len(classes)),
            "texts": texts, "extra": kept, "dropped": dropped, "model_set": scorer.model_set}


def _learn_reader(classes: list[str], cal: dict, found: dict, notes: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Learn from the calibration lines to read the data's (``nlp.learning.cross_fitted``): the
    calibration's out-of-fold readings and the data's readings by the same fold heads;
    ``(the calibration's own probabilities, None)`` when the learnt head does not beat the scorer
    out of fold."""
    from nlp.encoder import get_encoder
    from nlp.learning import cross_fitted

    encoder = get_encoder()
    out = cross_fitted(classes, (cal["probs"], encoder.embed(cal["texts"]), cal["texts"]), cal["labels"],
                       (found["probs"], encoder.embed(found["texts"]), found["texts"]))
    ba = out["balanced_accuracy"]
    if out["learnt"]:
        how = "alone" if out["reader"] == "head" else "times a words-only head"
        notes.append(f"read by a head learnt from the calibration lines ({how}): balanced accuracy out of fold {ba['learnt']:.3f} "
                     f"against the scorer's {ba['scorer']:.3f}")
        return out["calibration"], out["probs"]
    if ba["learnt"] is not None:
        notes.append(f"the scorer's own reading kept: a head learnt from the calibration lines did no better out of fold "
                     f"(balanced accuracy {ba['learnt']:.3f} against {ba['scorer']:.3f}; nor surer of the right class)")
    return cal["probs"], None


def _field_values(data: Path, docs: list[DocText], field: str) -> list:
    """The value of ``field`` on each document's line (read again by line number, which
    :func:`_examples` keeps as the doc_id when a line has none of its own)."""
    if data.is_dir():
        raise ValueError(f"--group-by needs a JSON Lines file; {data} is a folder")
    rows: dict[str, dict] = {}
    for n, row in numbered_jsonl(data):
        rows[str(row.get("doc_id", n))] = row
    values = []
    for doc in docs:
        row = rows.get(doc.doc_id, {})
        if field not in row or row[field] is None:
            raise ValueError(f"{data}: line {doc.doc_id!r} has no {field!r} to group by")
        values.append(str(row[field]))
    return values


def evaluate(
    task: str,
    data: Path,
    profile: str,
    campaign,
    split: str = "test",
    heads_dir: Path | None = None,
    learn: int = 0,
) -> dict:
    """Score ``data`` with ``profile`` and return the task's macro-F1 and per-class F1.

    With ``learn`` = N > 0 the model learns from the first N labelled lines as it would from an
    analyst's corrections (:func:`_learn`) and only the rest are scored; the result then has
    ``learned: N``."""
    return learning_curve(task, data, profile, campaign, [learn], split, heads_dir)[0]


def learning_curve(
    task: str,
    data: Path,
    profile: str,
    campaign,
    learns: list[int],
    split: str = "test",
    heads_dir: Path | None = None,
) -> list[dict]:
    """:func:`evaluate` for several ``learn`` values, scoring the file once."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: use one of {', '.join(TASKS)}")
    data = Path(data)
    if not data.exists():
        raise FileNotFoundError(f"no labelled data at {data}")
    docs, all_gold, actors, n_absent = _examples(task, data, split, campaign)
    if not all_gold:
        raise ValueError(f"{data}: no line has a {task} label")
    for learn in learns:
        if learn < 0 or learn >= len(all_gold):
            raise ValueError(
                f"--learn {learn}: must be between 0 and {len(all_gold) - 1} (the file has {len(all_gold)} labelled lines)"
            )
    scorer = load_scorer(profile, campaign, heads_dir)
    scores = scorer.score(docs)
    all_labelled, absent = scores[: len(all_gold)], scores[len(all_gold) :]
    predicted = [_prediction(task, s, a, campaign.topic_names) for s, a in zip(all_labelled, actors, strict=True)]
    all_preds, probs = [p for p, _ in predicted], [q for _, q in predicted]
    return [
        _result(task, learn, docs, all_gold, all_preds, probs, all_labelled, absent, n_absent, campaign, scorer, data, split,
                profile, actors)
        for learn in learns
    ]


def _result(task, learn, docs, gold, preds, probs, labelled, absent, n_absent, campaign, scorer, data, split, profile,
            actors) -> dict:
    """One result object (what `vigia eval` prints) for one ``learn`` value."""
    if learn:
        gold, preds = _learn(task, learn, docs[: len(gold)], gold, preds, probs, labelled, campaign, actors, scorer)
    result: dict = {"task": task, "n": len(gold)}
    if learn:
        result["learned"] = learn

    if task == "topics":
        per = {}
        for topic in campaign.topic_names:
            y = [int(topic in g) for g in gold]
            p = [int(topic in s) for s in preds]
            per[topic] = round(float(f1_score(y, p, zero_division=0)), 4)
        result["macro_f1"] = round(float(np.mean(list(per.values()))), 4)
        result["per_class_f1"] = per
        result["exact_match"] = round(float(np.mean([set(g) == set(s) for g, s in zip(gold, preds, strict=True)])), 4)
    else:
        classes = list(STANCES) if task == "stance" else list(SENTIMENTS)
        f1 = f1_score(gold, preds, labels=classes, average=None, zero_division=0)
        result["macro_f1"] = round(float(np.mean(f1)), 4)
        result["per_class_f1"] = {c: round(float(v), 4) for c, v in zip(classes, f1, strict=True)}
        result["accuracy"] = round(float(np.mean([g == p for g, p in zip(gold, preds, strict=True)])), 4)
        if task == "target_sentiment":
            result["target_found"] = sum(p != "none" for p in preds)
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


def prevalence(
    task: str,
    data: Path,
    profile: str,
    campaign,
    split: str = "test",
    heads_dir: Path | None = None,
    group_by: str | None = None,
    calibration: Path | None = None,
    level: float | None = None,
) -> dict:
    """Estimate each label's share of ``data`` (per value of ``group_by``, else one group
    ``"all"``) with an interval: what ``vigia eval --prevalence`` prints.

    The models' errors are learnt from ``calibration`` (a labelled file of the same task, used
    for nothing else) on top of the calibration bundled with the heads (``nlp/calibration.py``),
    which counts for few labels. ``true`` is each group's labelled share when its lines carry
    labels (lines without one are estimated, not counted)."""
    from nlp import calibration as bundled
    from nlp.linear_heads import resolve_heads_dir
    from prevalence import LEVEL, Calibration

    found = labelled_posteriors(task, data, profile, campaign, split, heads_dir,
                                fields=(group_by,) if group_by else (), keep_unlabelled=True)
    classes = found["classes"]
    prior = None
    shipped = bundled.load(resolve_heads_dir(heads_dir)).get(task) if profile != "hub" else None
    if shipped is not None:
        rows = np.array(shipped["texts"], dtype=np.float64)
        prior = Calibration.from_labels(shipped["classes"], rows[:, 1:], [shipped["classes"][int(i)] for i in rows[:, 0]],
                                        source=shipped["source"])
    notes: list[str] = []
    probs = found["probs"]
    reader = "scorer"
    if calibration is not None:
        cal = labelled_posteriors(task, calibration, profile, campaign, split, heads_dir)
        labels = [y for y in cal["labels"] if y is not None]
        if not labels:
            raise ValueError(f"{calibration}: no line has a {task} label to learn the errors from")
        unknown = sorted({str(y) for y in labels} - set(classes))
        if unknown:
            raise ValueError(f"{calibration}: labels {', '.join(unknown)} are not classes of {task}")
        cal_probs, learnt = _learn_reader(classes, cal, found, notes)
        if learnt is not None:
            probs, prior, reader = learnt, None, "learnt"  # the bundled rows describe the shipped heads, not this reader
        cal_model = Calibration.from_labels(classes, cal_probs, cal["labels"], bundled=prior,
                                            source=f"{len(labels)} labelled lines of {Path(calibration).name}"
                                                   + (", read by a head learnt from them (cross-fitted)" if learnt is not None else ""))
        if cal["dropped"]:
            notes.append(f"{cal['dropped']} calibration lines had no target the scorer found: not used")
    else:
        cal_model = Calibration.from_labels(classes, np.zeros((0, len(classes))), [], bundled=prior)
    notes.extend(cal_model.notes)
    groups = found["extra"][group_by] if group_by else ["all"] * len(found["labels"])
    from prevalence import estimate_texts

    estimated = estimate_texts(cal_model, probs, groups, level=level or LEVEL)
    out: dict = {}
    for name, shares in estimated.items():
        members = [y for y, g in zip(found["labels"], groups, strict=True) if g == name]
        labelled = [y for y in members if y is not None]
        for label in classes:
            entry = {k: (None if np.isnan(v) else round(v, 4)) for k, v in shares[label].items()}
            entry["true"] = round(labelled.count(label) / len(labelled), 4) if labelled else None
            shares[label] = entry
        out[name] = shares
        if len(members) < 20:
            notes.append(f"group {name!r} has {len(members)} texts: its interval is wide because so few texts say little")
    if found["dropped"]:
        notes.append(f"{found['dropped']} lines had no target the scorer found: they are in no share toward the target")
    return {"task": task, "n": len(found["labels"]), "prevalence": out, "level": level or LEVEL,
            "calibration": {"labels": cal_model.n_labels, "bundled": cal_model.n_bundled, "source": cal_model.describe(),
                            "reader": reader},
            "notes": notes, "profile": profile, "model_set": found["model_set"], "data": str(data),
            "date": date.today().isoformat()}

