"""Reproducible training of the offline heads (fixed seeds, deterministic solvers).

Reached through ``vigia train`` (``make train`` rebuilds the bundled heads in ``nlp/heads/``):

    vigia train --out nlp/heads --with-sentiment --no-corrections   # rebuild the bundled heads
    vigia train --out data/heads --corrections corrections.jsonl    # corrections from a file

Sentiment is learnt from the UMSAB-es tweets (train, model selection on val, refit on both);
the domain heads (target sentiment, topics, stance) from the seed texts in ``nlp/seeds/`` plus
analyst corrections, which are weighted strongly and also remembered verbatim.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from itertools import product
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from campaigns import load_campaign
from campaigns.jsonl import numbered_jsonl
from nlp.documents import SENTIMENTS, doc_input, doc_key
from nlp.encoder import get_encoder
from nlp.linear_heads import (
    Head,
    Linear,
    design,
    heads_hash,
    load_heads,
    resolve_heads_dir,
    save_heads,
)
from nlp.offline import FeatureBuilder, HeadSet, with_joined
from nlp.passages import NameFinder, TargetRecognizer, match_kind
from nlp.stance import STANCES
from nlp.target import WINDOW_GROUPS, doc_matrix, target_window, window_features

log = logging.getLogger("vigia.nlp")

SEEDS_DIR = Path(__file__).with_name("seeds")
CORRECTION_WEIGHT = 25.0
# UMSAB-es tweets join the target passage head's training at this weight (a seed passage
# weighs 1): chosen by document-level cross-validation on the seeds (0, 0.05, 0.15, 0.3 tried).
TWEET_PASSAGE_WEIGHT = 0.15
# Regularisation strengths tried by cross-validation, per head (each picks the best of its own).
TARGET_CS = (0.3, 1.0, 3.0)
DOC_CS = (0.1, 0.3, 1.0)
TOPIC_CS = (0.3, 1.0, 3.0, 10.0)
STANCE_CS = (0.3, 1.0, 3.0, 10.0)
SEED = 13
SENTIMENT_C = 3.0
LEXICON_C = 1.0
EMBEDDING_C = 3.0


def default_shared_data() -> Path:
    env = os.environ.get("VIGIA_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def read_umsab(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1/2 labels of one split of a UMSAB-style folder."""
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "" and labels and labels[-1] == "":
        texts, labels = texts[:-1], labels[:-1]
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {split} has {len(texts)} texts but {len(labels)} labels")
    return texts, np.array([int(x) for x in labels])


def read_sentiment_jsonl(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1/2 labels (negative / neutral / positive) of a JSON Lines file with ``text`` and
    ``sentiment`` (InterTASS PE's format); a line with another label is refused, naming it."""
    texts, labels = [], []
    for n, row in numbered_jsonl(path):
        if row.get("sentiment") not in SENTIMENTS:
            raise ValueError(f"{path}:{n}: sentiment label {row.get('sentiment')!r} is not one of {SENTIMENTS}")
        texts.append(row["text"])
        labels.append(SENTIMENTS.index(row["sentiment"]))
    return texts, np.array(labels, dtype=int)


def read_jsonl(path: Path) -> list[dict]:
    return [row for _, row in numbered_jsonl(path)]


def load_seeds(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    rows: list[dict] = []
    for path in sorted(seeds_dir.glob("*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows


def _macro_f1(y, pred) -> float:
    return float(f1_score(y, pred, average="macro"))


class _LR:
    """Logistic regression fitted on the non-empty columns only: hashed feature spaces are
    mostly empty, and this makes training fast; the coefficients come back full width."""

    def __init__(self, C: float, balanced: bool = True):
        self.model = LogisticRegression(C=C, max_iter=4000, class_weight="balanced" if balanced else None)

    def fit(self, X, y, sample_weight=None) -> _LR:
        from scipy import sparse

        if sparse.issparse(X):
            X = X.tocsr()
            cols = np.unique(X.indices)
            self.model.fit(X[:, cols], y, sample_weight=sample_weight)
            coef = np.zeros((self.model.coef_.shape[0], X.shape[1]))
            coef[:, cols] = self.model.coef_
            self.model.coef_ = coef
            self.model.n_features_in_ = X.shape[1]
        else:
            self.model.fit(X, y, sample_weight=sample_weight)
        self.coef_, self.intercept_, self.classes_ = self.model.coef_, self.model.intercept_, self.model.classes_
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(X)

    def predict(self, X):
        return self.model.predict(X)


def _lr(C: float, balanced: bool = True) -> _LR:
    return _LR(C, balanced)


def _ordered_linear(model, groups: list[tuple[str, float]], classes: Sequence[str]) -> Linear:
    """A fitted model as a :class:`Linear` whose outputs come in ``classes`` order."""
    order = [list(model.classes_).index(c) for c in classes]
    lin = Linear.from_sklearn(model, groups)
    lin.coef, lin.intercept = lin.coef[order], lin.intercept[order]
    return lin


# ------------------------------------------------------------------ sentiment (tweets)
SENTIMENT_SPEC = [("sparse", SENTIMENT_C), ("lex", LEXICON_C), ("emb", EMBEDDING_C)]


def _sentiment_oof(fb: FeatureBuilder, folder: Path, peru: Path | None):
    """UMSAB-es train+val and InterTASS PE with each member's 5-fold out-of-fold log-probabilities
    (folds stratified by label and source): what the mixing weights are chosen on, and what the
    bundled share calibration reads for the Peruvian tweets (``nlp.calibration``)."""
    tr_x, tr_y = read_umsab(folder, "train")
    va_x, va_y = read_umsab(folder, "val")
    pe_x, pe_y = read_sentiment_jsonl(peru) if peru is not None and peru.exists() else ([], np.zeros(0, dtype=int))
    texts, y = tr_x + va_x + pe_x, np.concatenate([tr_y, va_y, pe_y])
    is_pe = np.zeros(len(y), dtype=bool)
    is_pe[len(tr_y) + len(va_y) :] = True
    is_val = np.zeros(len(y), dtype=bool)
    is_val[len(tr_y) : len(tr_y) + len(va_y)] = True
    feats = fb.basic(texts)
    strata = y * 2 + is_pe
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(np.zeros(len(y)), strata))
    oof = {g: np.zeros((len(y), 3)) for g, _ in SENTIMENT_SPEC}
    for group, C in SENTIMENT_SPEC:
        for a, b in folds:
            oof[group][b] = _lr(C).fit(feats[group][a], y[a]).predict_proba(feats[group][b])
    logp = {g: np.log(p + 1e-9) for g, p in oof.items()}
    return y, is_pe, is_val, feats, logp


def sentiment_oof_probs(fb: FeatureBuilder, folder: Path, peru: Path, weights, offsets) -> tuple[np.ndarray, np.ndarray]:
    """The sentiment head's out-of-fold probabilities on InterTASS PE (mixed with the head's own
    ``weights`` and ``offsets``, as its manifest records them) and their labels: texts the
    head's fold models never saw, so they say how its errors look on Peruvian tweets."""
    y, is_pe, _, _, logp = _sentiment_oof(fb, folder, peru)
    z = sum(w * logp[g] for (g, _), w in zip(SENTIMENT_SPEC, weights, strict=True)) + np.asarray(offsets)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p[is_pe], y[is_pe]


def train_sentiment(fb: FeatureBuilder, folder: Path, peru: Path | None = None) -> tuple[Head, dict]:
    """Sparse-n-gram LR + lexicon LR + embedding LR, mixed in log space, learnt from UMSAB-es
    train+val and, when ``peru`` exists, InterTASS PE's Peruvian tweets (the campaign's own
    variety; weight 1 like the rest). The mixing weights and class offsets are chosen on 5-fold
    out-of-fold predictions over all of them (folds stratified by label and source; UMSAB's val
    alone is too small to choose them reliably); then every member is refit on all of them."""
    y, is_pe, is_val, feats, logp = _sentiment_oof(fb, folder, peru)
    spec = SENTIMENT_SPEC
    best = (-1.0, None, None)
    grid = [0.0, 0.25, 0.5, 0.75, 1.0]
    offsets = np.round(np.arange(-0.3, 0.31, 0.1), 2)
    for w_lex, w_emb in product(grid, grid):
        z = logp["sparse"] + w_lex * logp["lex"] + w_emb * logp["emb"]
        for b0, b2 in product(offsets, offsets):
            f = _macro_f1(y, (z + [b0, 0.0, b2]).argmax(1))
            if f > best[0] + 1e-9:
                best = (f, (1.0, w_lex, w_emb), np.array([b0, 0.0, b2], dtype=np.float32))
    cv_f1, weights, bias = best
    z = sum(w * logp[g] for (g, _), w in zip(spec, weights, strict=True)) + bias
    val_f1 = _macro_f1(y[is_val], z[is_val].argmax(1))
    pe_f1 = _macro_f1(y[is_pe], z[is_pe].argmax(1)) if is_pe.any() else None
    log.info("sentiment: out-of-fold macro-F1 %.3f (UMSAB val part %.3f, InterTASS PE part %s), weights %s, offsets %s",
             cv_f1, val_f1, "-" if pe_f1 is None else f"{pe_f1:.3f}", weights, bias)
    members = []
    for (group, C), w in zip(spec, weights, strict=True):
        if w > 0:
            members.append((Linear.from_sklearn(_lr(C).fit(feats[group], y), [(group, 1.0)]), w))
    meta = {"cv_macro_f1": round(cv_f1, 4), "val_macro_f1_oof": round(val_f1, 4)}
    if pe_f1 is not None:
        meta["intertass_pe_macro_f1_oof"] = round(pe_f1, 4)
    head = Head(list(SENTIMENTS), members, bias, meta)
    return head, {"train": int((~is_pe & ~is_val).sum()), "val": int(is_val.sum()), "intertass_pe": int(is_pe.sum()),
                  **meta, "weights": weights,
                  "offsets": bias.tolist()}


# ------------------------------------------------------------------ domain heads (seeds)
def _cv_pick(X_builder, y, w, Cs, folds=4, groups=None) -> tuple[float, float]:
    """The C with the best cross-validated macro-F1 (sample-weighted fit), and that F1.
    With ``groups`` (e.g. the document of each passage) no group is split across folds."""
    y = np.asarray(y)
    n_splits = min(folds, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
    if n_splits < 2:
        return Cs[len(Cs) // 2], float("nan")
    best = (Cs[0], -1.0)
    for C in Cs:
        pred = np.empty(len(y), dtype=y.dtype)
        if groups is None:
            splits = StratifiedKFold(n_splits, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y)
        else:
            splits = StratifiedGroupKFold(n_splits, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y, groups)
        for a, b in splits:
            m = _lr(C).fit(X_builder(a), y[a], sample_weight=w[a])
            pred[b] = m.predict(X_builder(b))
        f = _macro_f1(y, pred)
        if f > best[1] + 1e-9:
            best = (C, f)
    return best


def _target_examples(matcher: TargetRecognizer, rows: list[dict]) -> list[dict]:
    """Per labelled document: its passages as the scorer will see them (joined reading last)."""
    out = []
    for r in rows:
        label = r.get("target_sentiment")
        if label not in SENTIMENTS:
            continue
        passages = with_joined(matcher.passages(r["text"], r.get("title")))
        if not passages and not r.get("_correction"):
            continue  # the scorer would find nothing to score in it either
        out.append({"row": r, "label": label, "passages": passages})
    return out


def _passage_rows(examples: list[dict], docs) -> tuple[list[int], list[str], list[float]]:
    """Training rows of the passage head for some documents: (passage index, label, weight).

    Each single passage carries its document's label with 1/n of the document's weight; the
    joined reading (or the only passage) carries the full weight.
    """
    index, labels, weights = [], [], []
    for d in docs:
        ex = examples[d]
        base = float(ex["row"].get("_weight", 1.0))
        singles = [k for k, p in zip(ex["rows"], ex["passages"], strict=True) if p.reason != "joined"]
        for k, p in zip(ex["rows"], ex["passages"], strict=True):
            share = base * p.weight / len(singles) if p.reason != "joined" else base
            index.append(k)
            labels.append(ex["label"])
            weights.append(share)
        if len(singles) <= 1:  # no joined reading: the only passage (or the whole text) counts fully too
            index.append(ex["rows"][-1])
            labels.append(ex["label"])
            weights.append(base)
    return index, labels, weights


def train_target(
    fb: FeatureBuilder,
    matcher: TargetRecognizer,
    rows: list[dict],
    tweet_head: Head,
    tweets: tuple[list[str], np.ndarray] | None = None,
) -> tuple[dict[str, Head], dict]:
    """Sentiment toward the target: a passage head and a document head on top of it.

    The passage head (LR over n-grams, embedding, lexicon and judgement cues) learns from the
    seed passages that speak about the target, plus the UMSAB-es tweets at a small weight
    (``TWEET_PASSAGE_WEIGHT``): real Spanish phrasing the seeds cannot cover. The document head
    (:mod:`nlp.target`) learns from out-of-fold passage scores, the document's recall stance
    (out of fold too) and its tone. Both C values are chosen by document-grouped
    cross-validation on document-level macro-F1.
    """
    examples = _target_examples(matcher, rows)
    texts: list[str] = []
    for ex in examples:
        ex["rows"] = list(range(len(texts), len(texts) + max(len(ex["passages"]), 1)))
        texts.extend([p.text for p in ex["passages"]] or [doc_input(ex["row"].get("title"), ex["row"]["text"])])
    groups = [("sparse", 1.0), ("emb", 1.0), ("lex", 0.5), ("cues", 1.0)]
    X = design(fb.basic(texts), groups)
    if tweets is not None:
        tw_X = design(fb.basic(tweets[0]), groups)
        tw_y = np.array([SENTIMENTS[int(v)] for v in tweets[1]])
        tw_w = np.full(len(tw_y), TWEET_PASSAGE_WEIGHT)
    y_doc = np.array([ex["label"] for ex in examples])
    scored = np.array([bool(ex["passages"]) for ex in examples])  # corrections may have none

    def fit(docs, C: float) -> _LR:
        index, labels, weights = _passage_rows(examples, docs)
        Xa, ya, wa = X[index], np.array(labels), np.array(weights)
        if tweets is not None:
            Xa = sparse.vstack([Xa, tw_X], format="csr")
            ya, wa = np.concatenate([ya, tw_y]), np.concatenate([wa, tw_w])
        return _lr(C).fit(Xa, ya, sample_weight=wa)

    def logp(model, index):
        cols = [list(model.classes_).index(s) for s in SENTIMENTS]
        return np.log(model.predict_proba(X[index])[:, cols] + 1e-9)

    # Document-level features from out-of-fold passage scores, for each candidate C.
    uniform = np.full(len(STANCES), 1.0 / len(STANCES))
    stance = np.array([ex["row"].get("_stance_oof", uniform) for ex in examples])
    doc_texts = [doc_input(ex["row"].get("title"), ex["row"]["text"]) for ex in examples]
    tone = tweet_head.log_scores(fb.basic(doc_texts))
    is_news = [bool(ex["row"].get("title")) for ex in examples]
    matches = [match_kind(ex["passages"]) for ex in examples]
    owner = np.array([i for i, ex in enumerate(examples) for _ in ex["rows"]])
    pw = np.array([w for ex in examples for w in ([p.weight for p in ex["passages"]] or [1.0])])
    n_splits = max(2, min(4, int(np.bincount(np.unique(y_doc, return_inverse=True)[1]).min())))
    splits = list(StratifiedKFold(n_splits, shuffle=True, random_state=SEED).split(np.zeros(len(y_doc)), y_doc))
    best = None
    for C in TARGET_CS:
        oof = np.zeros((len(texts), 3))
        for a, b in splits:
            model = fit(a, C)
            idx = [k for d in b for k in examples[d]["rows"]]
            oof[idx] = logp(model, idx)
        D, _ = doc_matrix(oof, owner, pw, stance, tone, is_news, matches)
        mean_pred = np.array([SENTIMENTS[int(v)] for v in D[:, :3].argmax(1)])
        f = _macro_f1(y_doc[scored], mean_pred[scored])
        if best is None or f > best[0] + 1e-9:
            best = (f, C, D)
    passage_f1, C, D = best
    doc_best = None
    for doc_C in DOC_CS:
        pred = np.empty(len(y_doc), dtype=y_doc.dtype)
        for a, b in splits:
            a = a[scored[a]]
            pred[b] = _lr(doc_C).fit(D[a], y_doc[a]).predict(D[b])
        f = _macro_f1(y_doc[scored], pred[scored])
        if doc_best is None or f > doc_best[0] + 1e-9:
            doc_best = (f, doc_C)
    cv_f1, doc_C = doc_best
    doc_w = np.array([float(ex["row"].get("_weight", 1.0)) for ex in examples])
    doc_model = _lr(doc_C).fit(D[scored], y_doc[scored], sample_weight=doc_w[scored])
    model = fit(np.arange(len(examples)), C)
    heads = {
        "target": Head(list(SENTIMENTS), [(_ordered_linear(model, groups, SENTIMENTS), 1.0)], None, {"C": C}),
        "doc": Head(list(SENTIMENTS), [(_ordered_linear(doc_model, [("target_doc", 1.0)], SENTIMENTS), 1.0)], None,
                    {"C": doc_C}),
    }
    summary = {
        "documents": len(examples),
        "passages": len(texts),
        "C": C,
        "doc_C": doc_C,
        "tweet_passages": 0 if tweets is None else len(tweets[1]),
        "cv_macro_f1_passages_mean": round(passage_f1, 4),
        "cv_macro_f1": round(cv_f1, 4),
    }
    return heads, summary


def train_topics(fb: FeatureBuilder, campaign, rows: list[dict]) -> tuple[dict[str, Head], dict]:
    """A zero-shot calibration shared by all topics, plus one head per topic with seeds."""
    labelled = [r for r in rows if isinstance(r.get("topics"), list)]
    texts = [doc_input(r.get("title"), r["text"]) for r in labelled]
    w = np.array([float(r.get("_weight", 1.0)) for r in labelled])
    basic = fb.basic(texts)
    heads: dict[str, Head] = {}
    zs_X, zs_y, zs_w, summary = [], [], [], {}
    per_topic = {}
    for topic in campaign.topic_names:
        y = np.array([int(topic in r["topics"]) for r in labelled])
        zs = fb.topic_zs(texts, basic["emb"], topic)
        zs_X.append(zs)
        zs_y.append(y)
        zs_w.append(w)
        per_topic[topic] = (y, zs)
    zmodel = LogisticRegression(C=1.0, max_iter=4000).fit(np.vstack(zs_X), np.concatenate(zs_y), sample_weight=np.concatenate(zs_w))
    heads["__zeroshot__"] = Head(["no", "yes"], [(Linear.from_sklearn(zmodel, [("zs", 1.0)]), 1.0)])
    groups = [("sparse", 1.0), ("emb", 1.0), ("zs", 1.0)]
    for topic, (y, zs) in per_topic.items():
        if y.sum() < 5 or (len(y) - y.sum()) < 5:
            summary[topic] = {"positives": int(y.sum()), "head": "zero-shot only"}
            continue
        feats = {**basic, "zs": zs}
        X = design(feats, groups)
        C, cv_f1 = _cv_pick(lambda idx, X=X: X[idx], y, w, TOPIC_CS)
        model = _lr(C).fit(X, y, sample_weight=w)
        heads[topic] = Head(["no", "yes"], [(Linear.from_sklearn(model, groups), 1.0)], None, {"head_weight": 0.7, "C": C})
        summary[topic] = {"positives": int(y.sum()), "C": C, "cv_f1": round(cv_f1, 4)}
    return heads, {"docs": len(labelled), "topics": summary}


def train_stance(fb: FeatureBuilder, rows: list[dict]) -> tuple[Head, dict]:
    labelled = [r for r in rows if r.get("stance") in STANCES]
    texts = [doc_input(r.get("title"), r["text"]) for r in labelled]
    y = np.array([r["stance"] for r in labelled])
    w = np.array([float(r.get("_weight", 1.0)) for r in labelled])
    feats = fb.basic(texts)
    feats["stance_zs"] = fb.stance_zs(texts, feats["emb"])
    groups = [("sparse", 1.0), ("emb", 1.0), ("stance_zs", 1.0), ("cues", 1.0)]
    X = design(feats, groups)
    C, cv_f1 = _cv_pick(lambda idx: X[idx], y, w, STANCE_CS)
    # Out-of-fold stance probabilities: the target head learns how much to trust them.
    for a, b in StratifiedKFold(4, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y):
        m = _lr(C).fit(X[a], y[a], sample_weight=w[a])
        cols = [list(m.classes_).index(s) for s in STANCES]
        for i, p in zip(b, m.predict_proba(X[b])[:, cols], strict=True):
            labelled[i]["_stance_oof"] = p
    model = _lr(C).fit(X, y, sample_weight=w)
    lin = _ordered_linear(model, groups, STANCES)
    return Head(list(STANCES), [(lin, 1.0)], None, {"C": C}), {"docs": len(y), "C": C, "cv_macro_f1": round(cv_f1, 4)}


# ------------------------------------------------------------------ corrections
def correction_rows(corrections: Sequence[dict]) -> tuple[list[dict], dict[str, dict]]:
    """Training rows (strongly weighted) and the verbatim memo the scorer applies."""
    rows, memo = [], {}
    for c in corrections:
        field, value = c.get("field"), c.get("value")
        if field not in ("target_sentiment", "topics", "stance"):
            raise ValueError(f"correction for {c.get('doc_id')}: unknown field {field!r}")
        if field == "topics" and not isinstance(value, list):
            raise ValueError(f"correction for {c.get('doc_id')}: topics must be a list")
        if field == "target_sentiment" and value not in (*SENTIMENTS, "none", None):
            raise ValueError(f"correction for {c.get('doc_id')}: target_sentiment must be one of {SENTIMENTS} or none")
        if field == "stance" and value not in STANCES:
            raise ValueError(f"correction for {c.get('doc_id')}: stance must be one of {STANCES}")
        if field == "target_sentiment" and value in ("none", None):
            value = None  # the analyst says the document is not about the target
        key = doc_key(c.get("title"), c.get("text", ""))
        memo.setdefault(key, {})[field] = value
        rows.append({"title": c.get("title"), "text": c.get("text", ""), field: value,
                     "_weight": CORRECTION_WEIGHT, "_correction": True})
    return rows, memo


# ------------------------------------------------------------------ target-centred windows
PARTIES_CAMPAIGN = Path(__file__).with_name("eval_campaigns") / "spain_parties_2015.toml"
WINDOW_CS = (0.1, 0.3, 1.0)


def window_examples(rows: list[dict], campaign, recognizer: TargetRecognizer | None = None) -> list[dict]:
    """Labelled (text, window, label) examples for the window head.

    A row whose ``target`` names one of ``campaign``'s actors (STOMPOL: one line per span, the
    party in ``target``) is windowed on that actor's mentions; any other row on the campaign
    target's mentions (``recognizer``). Rows where the actor is never found keep the whole text
    as their window, as the scorer would not: they still teach how the target is judged.
    """
    finders = {a.id: NameFinder.for_actor(a) for a in campaign.actors}
    out = []
    for r in rows:
        label = r.get("target_sentiment")
        if label not in SENTIMENTS:
            continue
        text = doc_input(r.get("title"), r["text"])
        actor = campaign.actor(r["target"]) if isinstance(r.get("target"), str) else None
        if actor is not None:
            spans = finders[actor.id].spans(text)
        elif recognizer is not None:
            spans = recognizer.mention_spans(text)
            if not spans:
                continue  # the scorer reads these documents through their passages instead
        else:
            continue
        group = str(r.get("id") or r.get("doc_id") or text)
        out.append({"text": text, "window": target_window(text, spans), "label": label, "group": group,
                    "weight": float(r.get("_weight", 1.0)), "real": actor is not None})
    return out


def _window_design(fb: FeatureBuilder, examples: list[dict], tone_head: Head):
    """The window head's design matrix, labels, weights, groups and which examples are real."""
    texts = [e["text"] for e in examples]
    doc_feats = fb.basic(texts)
    feats = window_features(fb.basic([e["window"] for e in examples]), doc_feats, tone_head.log_scores(doc_feats))
    X = design(feats, WINDOW_GROUPS)
    y = np.array([e["label"] for e in examples])
    w = np.array([e["weight"] for e in examples])
    groups = np.array([e["group"] for e in examples])
    real = np.array([e["real"] for e in examples])
    n_splits = min(5, int(np.unique(y, return_counts=True)[1].min()))
    splits = list(StratifiedGroupKFold(n_splits, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y, groups))
    return X, y, w, real, splits


def _window_oof(X, y, w, splits, C: float) -> np.ndarray:
    """Each example's probabilities (SENTIMENTS order) from the fold model that did not see its text."""
    oof = np.zeros((len(y), len(SENTIMENTS)))
    for a, b in splits:
        m = _lr(C).fit(X[a], y[a], sample_weight=w[a])
        oof[b] = m.predict_proba(X[b])[:, [list(m.classes_).index(c) for c in SENTIMENTS]]
    return oof


def train_target_window(fb: FeatureBuilder, examples: list[dict], tone_head: Head) -> tuple[Head, dict]:
    """The target-centred window head: LR over the window's n-grams, embedding, lexicon and cues,
    the whole text's embedding and the document-sentiment head's log-probabilities. C is chosen by
    cross-validation grouped by text (one tweet's spans never straddle folds), scored on the real
    (STOMPOL) examples only."""
    X, y, w, real, splits = _window_design(fb, examples, tone_head)
    best = None
    for C in WINDOW_CS:
        pred = np.array(SENTIMENTS)[_window_oof(X, y, w, splits, C).argmax(axis=1)]
        f = _macro_f1(y[real], pred[real]) if real.any() else _macro_f1(y, pred)
        log.info("target window head: C=%s grouped-CV macro-F1 %.4f", C, f)
        if best is None or f > best[0] + 1e-9:
            best = (f, C)
    cv_f1, C = best
    model = _lr(C).fit(X, y, sample_weight=w)
    head = Head(list(SENTIMENTS), [(_ordered_linear(model, WINDOW_GROUPS, SENTIMENTS), 1.0)], None,
                {"C": C, "cv_macro_f1_real": round(cv_f1, 4)})
    summary = {"C": C, "examples": len(y), "real_examples": int(real.sum()),
               "grouped_cv_macro_f1_real": round(cv_f1, 4)}
    return head, summary


def window_oof_calibration(heads_dir: Path, shared_data: Path | None = None) -> tuple[np.ndarray, list[str]] | None:
    """The window head's out-of-fold probabilities on the real labelled spans it trained on
    (STOMPOL), and their labels: the grouped cross-validation its training ran, at the C it
    chose (``manifest.json``). None when the heads learnt from no real span or STOMPOL is absent.

    Real texts the head's fold models never saw, so how it errs on them is what the shipped head
    does on texts it has not seen; numbers only leave this function."""
    manifest_path = Path(heads_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    spec = manifest.get("target_window", {})
    stompol = stompol_windows(shared_data)
    if not spec.get("real_examples") or "C" not in spec or stompol is None:
        return None
    np.random.seed(SEED)
    home = load_campaign()
    examples = stompol + window_examples(load_seeds(), home, TargetRecognizer.for_campaign(home))
    if len(examples) != spec.get("examples"):
        log.warning("the window head learnt from %s examples, %d found now: no out-of-fold calibration",
                    spec.get("examples"), len(examples))
        return None
    fb = FeatureBuilder(get_encoder(), home)
    X, y, w, real, splits = _window_design(fb, examples, load_heads(Path(heads_dir) / "sentiment.npz")["sentiment"])
    oof = _window_oof(X, y, w, splits, float(spec["C"]))
    return oof[real], [str(v) for v in y[real]]


def _stompol_path(shared_data: Path | None) -> Path:
    return Path(shared_data or default_shared_data()) / "stompol" / "train.jsonl"


def stompol_windows(shared_data: Path | None) -> list[dict] | None:
    """STOMPOL's spans as window examples, each windowed on its party; None when it is absent."""
    path = _stompol_path(shared_data)
    return window_examples(read_jsonl(path), load_campaign(PARTIES_CAMPAIGN)) if path.exists() else None


def _window_head(fb, campaign, matcher, rows, sentiment_head, shared_data) -> tuple[Head | None, dict]:
    """The window head from STOMPOL (when present) plus the seed/correction rows that name the target."""
    win_rows = window_examples(rows, campaign, matcher)
    stompol = stompol_windows(shared_data)
    if stompol is not None:
        win_rows = stompol + win_rows
    else:
        log.warning("no STOMPOL data at %s: the target window head learns from the seeds alone", _stompol_path(shared_data))
    counts = [sum(e["label"] == c for e in win_rows) for c in SENTIMENTS]
    if min(counts) < 2:
        log.warning("too few target windows per class (%s): no window head; passages decide", counts)
        return None, {"examples": len(win_rows), "skipped": "too few examples per class"}
    return train_target_window(fb, win_rows, sentiment_head)


def window_head_with_labels(scorer, campaign, rows: list[dict], shared_data: Path | None = None) -> Head:
    """The offline ``scorer``'s window head (it must have one) retrained as ``vigia train``
    retrains it after an analyst's corrections: on what it learnt from (the seeds, windowed on the
    bundled campaign's target, and STOMPOL when its manifest says it had real examples) plus
    ``rows`` (labelled lines of ``campaign``: ``text``, ``target_sentiment``, ``target`` naming an
    actor or None for the target) at the corrections' weight."""
    np.random.seed(SEED)
    manifest_path = scorer.heads.dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    had_stompol = int(manifest.get("target_window", {}).get("real_examples", 1)) > 0
    home = load_campaign()  # the seeds are about the bundled campaign's target
    examples = window_examples(load_seeds(), home, TargetRecognizer.for_campaign(home))
    stompol = stompol_windows(shared_data) if had_stompol else None
    if stompol is not None:
        examples = stompol + examples
    labelled = [{**r, "_weight": CORRECTION_WEIGHT} for r in rows]
    examples += window_examples(labelled, campaign, TargetRecognizer.for_campaign(campaign))
    head, summary = train_target_window(scorer.features, examples, scorer.heads.sentiment)
    log.info("window head retrained with %d labelled lines: %s", len(rows), summary)
    return head


def retrain_window_head(campaign, heads_dir: Path, shared_data: Path | None = None, seeds_dir: Path | None = None) -> dict:
    """Retrain only the target window head inside ``heads_dir`` (the other heads stay as they
    are); a full ``train_heads`` run trains the same window head the same way."""
    np.random.seed(SEED)
    heads_dir = Path(heads_dir)
    encoder = get_encoder()
    fb = FeatureBuilder(encoder, campaign)
    target_heads = load_heads(heads_dir / "target.npz")
    target_heads.pop("window", None)
    sentiment_head = load_heads(heads_dir / "sentiment.npz")["sentiment"]
    rows = load_seeds(seeds_dir or SEEDS_DIR)
    window, summary = _window_head(fb, campaign, TargetRecognizer.for_campaign(campaign), rows, sentiment_head, shared_data)
    if window is not None:
        target_heads["window"] = window
    save_heads(heads_dir / "target.npz", target_heads)
    manifest_path = heads_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest["target_window"] = summary
    manifest["model_set"] = f"offline:{encoder.name}+heads-{heads_hash(heads_dir)}"
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    HeadSet(heads_dir)
    return manifest


# ------------------------------------------------------------------ entry point
def train_heads(
    campaign,
    out_dir: Path,
    corrections: Sequence[dict] = (),
    shared_data: Path | None = None,
    seeds_dir: Path | None = None,
    encoder_path: Path | None = None,
    retrain_sentiment: bool = True,
) -> dict:
    """Retrain every head into ``out_dir`` (heads + manifest.json) and return a summary."""
    started = time.time()
    corr_rows, memo = correction_rows(corrections)  # refuse bad corrections before any work
    out_dir = Path(out_dir)
    np.random.seed(SEED)
    encoder = get_encoder(encoder_path)
    fb = FeatureBuilder(encoder, campaign)
    matcher = TargetRecognizer.for_campaign(campaign)
    summary: dict = {"encoder": encoder.name}

    folder = Path(shared_data or default_shared_data()) / "umsab-es"
    out_dir.mkdir(parents=True, exist_ok=True)
    if retrain_sentiment and (folder / "train_text.txt").exists():
        head, summary["sentiment"] = train_sentiment(fb, folder, folder.parent / "intertass-pe" / "train.jsonl")
        save_heads(out_dir / "sentiment.npz", {"sentiment": head})
    else:
        previous = resolve_heads_dir() / "sentiment.npz"
        if (out_dir / "sentiment.npz").exists() and not retrain_sentiment:
            previous = out_dir / "sentiment.npz"
        if not previous.exists():
            raise FileNotFoundError(f"no UMSAB-es data in {folder} and no existing sentiment head to keep")
        why = "asked to keep it" if retrain_sentiment is False else f"UMSAB-es not found in {folder}"
        log.warning("%s: keeping the existing sentiment head from %s", why, previous)
        if previous.resolve() != (out_dir / "sentiment.npz").resolve():
            shutil.copyfile(previous, out_dir / "sentiment.npz")
        summary["sentiment"] = {"kept": str(previous)}
        # Carry the kept head's own training figures over, so the manifest still describes it.
        old_manifest = previous.with_name("manifest.json")
        if old_manifest.exists():
            old_sentiment = json.loads(old_manifest.read_text()).get("sentiment", {})
            summary["sentiment"] = {**old_sentiment, "kept": str(previous)}

    seeds = load_seeds(seeds_dir or SEEDS_DIR)
    rows = seeds + corr_rows
    summary["seeds"] = len(seeds)
    summary["corrections"] = len(corr_rows)

    stance, summary["stance"] = train_stance(fb, rows)
    save_heads(out_dir / "stance.npz", {"stance": stance})
    sentiment_head = load_heads(out_dir / "sentiment.npz")["sentiment"]
    tweets = None
    if (folder / "train_text.txt").exists():
        tr_x, tr_y = read_umsab(folder, "train")
        va_x, va_y = read_umsab(folder, "val")
        tweets = (tr_x + va_x, np.concatenate([tr_y, va_y]))
    target_heads, summary["target"] = train_target(fb, matcher, rows, sentiment_head, tweets)
    window, summary["target_window"] = _window_head(fb, campaign, matcher, rows, sentiment_head, shared_data)
    if window is not None:
        target_heads["window"] = window
    save_heads(out_dir / "target.npz", target_heads)
    topic_heads, summary["topics"] = train_topics(fb, campaign, rows)
    save_heads(out_dir / "topics.npz", topic_heads)

    corr_path = out_dir / "corrections.json"
    if memo:
        corr_path.write_text(json.dumps(memo, indent=1, sort_keys=True, ensure_ascii=False))
    elif corr_path.exists():
        corr_path.unlink()

    summary["model_set"] = f"offline:{encoder.name}+heads-{heads_hash(out_dir)}"
    summary["seconds"] = round(time.time() - started, 1)
    (out_dir / "manifest.json").write_text(json.dumps(summary, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    HeadSet(out_dir)  # fail here, not at scoring time, if something cannot be read back
    log.info("trained heads into %s: %s", out_dir, summary["model_set"])
    return summary
