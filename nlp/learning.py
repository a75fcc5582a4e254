"""Learning from the analyst's own labels, and measuring how far to trust the scores.

:class:`AnalystHead` sits on top of any scorer: it reads the scorer's probabilities for a task
(as log-probabilities), the text's MiniLM embedding, and TF-IDF word 1-2-grams and character
2-5-grams whose vocabulary and weights come from the labelled texts themselves, and learns from
labelled examples. ``vigia eval --learn N`` fits it on the first N labelled lines and scores the
rest; :func:`cross_validated_agreement` is the trust figure the dashboard shows: how often the
model, refit without each analyst label, agrees with it.

Chosen on CIC-ES val (stance on Catalan independence; development only, nothing trained on it is
shipped), learning from the first N lines and scoring the rest (macro-F1 at N = 100 / 300 / 1000):

- the head before: hashed n-grams (no IDF), the scorer's log-probabilities x 3, C = 1:
  0.537 / 0.571 / 0.622;
- TF-IDF fitted on the labelled texts, log-probabilities x 1, C = 3 (this head):
  0.552 / 0.628 / 0.706;
- TF-IDF alone (no scorer, no embedding): 0.488 / 0.652 / 0.707, weak with few labels;
- the two averaged (0.3 / 0.7): 0.515 / 0.671 / 0.699, worse with 100 labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

# The scorer's own log-probabilities weigh this much against the text features.
BASE_SCALE = 1.0
LEARN_C = 3.0
# The words-only head beside it in a cross-fitted reader (``cross_fitted``): its n-grams alone,
# less regularised (on CIC-ES val with 300 labels C = 10 gave it balanced accuracy 0.59-0.61).
WORDS_C = 10.0
# Folds of a cross-fitted reader: each fold head learns from 90% of the labels (80% with 5 folds).
FOLDS = 10
SEED = 13
# What a cross-fitted reader is, in words (a benchmark's cached readings are of this design).
READER = f"{FOLDS}-fold AnalystHead (C={LEARN_C}), alone or x a words head (C={WORDS_C}) by balanced log loss"


class TextFeatures:
    """TF-IDF word 1-2-grams and character 2-5-grams (within words), accents and case folded,
    fitted on the labelled texts: the words and pieces of words this analyst's texts share."""

    def __init__(self) -> None:
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, strip_accents="unicode")

    def fit(self, texts: Sequence[str]) -> TextFeatures:
        # A text with no word at all (an emoji, a link alone) leaves the word vocabulary empty.
        self.words.fit([t if any(c.isalnum() for c in t) else "_" for t in texts] + ["_"])
        # Pieces of words seen in at least two labelled texts (all of them while there are few).
        self.chars.min_df = 2 if len(texts) >= 20 else 1
        self.chars.fit(list(texts) + ["_"])
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.words.transform(texts), self.chars.transform(texts)], format="csr")


def _design(base_p: np.ndarray, emb: np.ndarray, texts: Sequence[str], features: TextFeatures) -> sparse.csr_matrix:
    base = BASE_SCALE * np.log(np.clip(np.asarray(base_p, dtype=np.float64), 1e-6, 1.0))
    return sparse.hstack([sparse.csr_matrix(base), sparse.csr_matrix(emb), features.transform(texts)], format="csr")


class AnalystHead:
    """Logistic regression over (scorer log-probabilities, embedding, TF-IDF n-grams); see module doc.

    ``classes`` is the order of ``base_p``'s columns; predictions come back in that order.
    With fewer than two classes among the labels it keeps the scorer's own answer.
    """

    def __init__(self, classes: Sequence[str], C: float = LEARN_C):
        self.classes = list(classes)
        self.C = C
        self.model: LogisticRegression | None = None
        self.features: TextFeatures | None = None

    def fit(self, base_p: np.ndarray, emb: np.ndarray, texts: Sequence[str], labels: Sequence[str]) -> AnalystHead:
        y = np.asarray(labels)
        unknown = sorted(set(y) - set(self.classes))
        if unknown:
            raise ValueError(f"labels {unknown} are not among {self.classes}")
        if len(set(y)) < 2:
            self.model = None
            return self
        self.features = TextFeatures().fit(texts)
        self.model = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
        self.model.fit(_design(base_p, emb, texts, self.features), y)
        return self

    def predict_proba(self, base_p: np.ndarray, emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        base = np.asarray(base_p, dtype=np.float64)
        if self.model is None or self.features is None:
            return base
        p = self.model.predict_proba(_design(base_p, emb, texts, self.features))
        out = np.zeros((len(base), len(self.classes)))
        for j, c in enumerate(self.model.classes_):
            out[:, self.classes.index(c)] = p[:, j]
        return out

    def predict(self, base_p: np.ndarray, emb: np.ndarray, texts: Sequence[str]) -> list[str]:
        return [self.classes[int(i)] for i in self.predict_proba(base_p, emb, texts).argmax(1)]


def cross_validated_agreement(
    classes: Sequence[str], base_p: np.ndarray, emb: np.ndarray, texts: Sequence[str], labels: Sequence[str],
    folds: int = 5,
) -> dict:
    """Out-of-fold agreement of the learnt model with the analyst's labels: ``n_labels``,
    ``agreement`` (share equal), ``macro_f1`` and ``method``. With too few labels per class for
    cross-validation, the scorer's own answers are compared instead (method ``scorer``)."""
    y = np.asarray(labels)
    n = len(y)
    if n == 0:
        return {"n_labels": 0, "agreement": None, "macro_f1": None, "method": "none"}
    counts = np.unique(y, return_counts=True)[1]
    k = min(folds, int(counts.min())) if len(counts) > 1 else 0
    if k < 2:
        pred = np.array([classes[int(i)] for i in np.asarray(base_p).argmax(1)])
        method = "scorer"
    else:
        pred = np.empty(n, dtype=object)
        for a, b in StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(n), y):
            head = AnalystHead(classes).fit(base_p[a], emb[a], [texts[i] for i in a], y[a])
            pred[b] = head.predict(base_p[b], emb[b], [texts[i] for i in b])
        method = f"{k}-fold"
    present = sorted(set(y) | set(pred))
    return {
        "n_labels": n,
        "agreement": round(float(np.mean(pred == y)), 4),
        "macro_f1": round(float(f1_score(y, pred.astype(str), labels=present, average="macro", zero_division=0)), 4),
        "method": method,
    }


TRUST_TASKS = ("target_sentiment", "topics", "stance")


def trust_by_task(scorer, campaign, corrections: Sequence[dict]) -> list[dict]:
    """Cross-validated agreement with the analyst's corrections, one dict per task that has any.

    ``corrections`` are ``warehouse.corrections.corrections_for_training`` rows (doc_id, field,
    value, title, text). Each corrected document is scored afresh with the analyst's own
    correction hidden from the scorer (else the remembered correction would agree with itself);
    topics are judged per topic (yes/no), pooled.
    """
    from nlp.documents import SENTIMENTS, DocText, doc_input
    from nlp.encoder import get_encoder
    from nlp.stance import STANCES

    out = []
    remembered = getattr(getattr(scorer, "heads", None), "corrections", None)
    for task in TRUST_TASKS:
        rows = [c for c in corrections if c["field"] == task and (task == "topics" or c["value"] is not None)]
        if not rows:
            continue
        docs = [DocText(c["doc_id"], c.get("title"), c.get("text") or "") for c in rows]
        if remembered is not None:
            saved = dict(remembered)
            remembered.clear()
        try:
            scores = scorer.score(docs)
        finally:
            if remembered is not None:
                remembered.update(saved)
        texts = [doc_input(d.title, d.text) for d in docs]
        if task == "target_sentiment":
            texts = [s.target_text or t for s, t in zip(scores, texts, strict=True)]
            classes = list(SENTIMENTS)
            base = np.array([s.target_probs or (1 / 3, 1 / 3, 1 / 3) for s in scores])
            labels = [c["value"] for c in rows]
        elif task == "stance":
            classes = list(STANCES)
            base = np.array([[s.stance_probs.get(k, 0.0) for k in STANCES] for s in scores])
            labels = [c["value"] for c in rows]
        else:
            classes = ["no", "yes"]
            base, labels, pooled = [], [], []
            for s, c, t in zip(scores, rows, texts, strict=True):
                for topic in campaign.topic_names:
                    p = s.topic_probs.get(topic, 0.0)
                    base.append((1 - p, p))
                    labels.append("yes" if topic in c["value"] else "no")
                    pooled.append(t)
            base, texts = np.array(base), pooled
        emb = get_encoder().embed(texts)
        out.append({"task": task, **cross_validated_agreement(classes, base, emb, texts, labels)})
    return out


def balanced_accuracy(y: Sequence[str], pred: Sequence[str]) -> float:
    """Mean recall over the classes present in ``y``."""
    y, pred = np.asarray(y), np.asarray(pred)
    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)])) if len(y) else 0.0


def balanced_log_loss(labels: Sequence[str], classes: Sequence[str], p: np.ndarray) -> float:
    """Mean over the classes present of the mean ``-log p(true class)``: how sure a reader is of
    the right answer, each class weighing the same (as balanced accuracy weighs them)."""
    y = np.asarray(labels)
    names = list(classes)
    loss = _log_losses(y, names, p)
    return float(np.mean([loss[y == c].mean() for c in np.unique(y)])) if len(y) else float("nan")


def _log_losses(y: np.ndarray, classes: list[str], p: np.ndarray) -> np.ndarray:
    index = np.array([classes.index(v) for v in y], dtype=int)
    return -np.log(np.clip(np.asarray(p, dtype=np.float64)[np.arange(len(y)), index], 1e-6, 1.0))


def learnt_is_better(classes: Sequence[str], labels: Sequence[str], scorer_p: np.ndarray, learnt_p: np.ndarray,
                     confidence: float = 0.9, resamples: int = 400) -> bool:
    """Whether a reader learnt from these labels (``learnt_p``, read out of fold) beats the
    scorer's own reading of them (``scorer_p``, which never saw them), with ``confidence`` over a
    paired bootstrap of the labels, in balanced accuracy *or* in balanced log loss (each tested
    at ``1 - (1 - confidence) / 2``, so a reader no better than the scorer still passes at most
    ``1 - confidence`` of the time). A reader that is only as good as the scorer costs the
    calibration its precision (its labels are split into folds) for nothing.

    Log loss beside accuracy: what the share model reads is how sure the reader is (its cells),
    not only its top label. On CIC-ES val with 300 labels, accuracy alone turned issue 20b's
    reader down in 2 of 20 draws although its log loss was far better on average (0.83 against
    the scorer's 1.04); keeping it there narrowed the 200-text intervals from 0.37 / 0.34 to
    0.36 / 0.33 (mild / app) at the same coverage (benchmarks/README.md, quantification)."""
    y = np.asarray(labels)
    names = np.asarray(classes)
    right_s = names[np.asarray(scorer_p).argmax(axis=1)] == y
    right_l = names[np.asarray(learnt_p).argmax(axis=1)] == y
    gain = _log_losses(y, list(classes), scorer_p) - _log_losses(y, list(classes), learnt_p)
    index = [np.flatnonzero(y == c) for c in np.unique(y)]
    rng = np.random.default_rng(SEED)
    accuracy, loss = [], []
    for _ in range(resamples):  # resampled within each class, as balanced accuracy weighs them
        picks = [rng.choice(i, len(i)) for i in index]
        accuracy.append(np.mean([right_l[p].mean() - right_s[p].mean() for p in picks]))
        loss.append(np.mean([gain[p].mean() for p in picks]))
    each = (1 - confidence) / 2
    return bool(np.quantile(accuracy, each) > 0 or np.quantile(loss, each) > 0)


def _words_head(classes: list[str], head: AnalystHead, texts: Sequence[str], labels: np.ndarray) -> LogisticRegression | None:
    """A logistic regression on the fold head's own TF-IDF n-grams alone (its vocabulary, so the
    texts are read once more, not learnt again)."""
    if head.model is None or head.features is None:
        return None
    return LogisticRegression(C=WORDS_C, max_iter=3000, class_weight="balanced").fit(head.features.transform(texts), labels)


def _read(classes: list[str], head: AnalystHead, words: LogisticRegression | None,
          new: tuple[np.ndarray, np.ndarray, Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """A fold's two readings of ``new``: the head's, and the product of the head's and the words
    head's (their geometric mean, renormalised; the head's alone where there is no words head)."""
    base, emb, texts = new
    p = head.predict_proba(base, emb, texts)
    if words is None or head.features is None:
        return p, p
    w = np.zeros_like(p)
    w[:, [classes.index(c) for c in words.classes_]] = words.predict_proba(head.features.transform(texts))
    both = np.sqrt(np.clip(p, 1e-12, 1.0) * np.clip(w, 1e-12, 1.0))
    return p, both / both.sum(axis=1, keepdims=True)


def cross_fitted(
    classes: Sequence[str],
    labelled: tuple[np.ndarray, np.ndarray, Sequence[str]],
    labels: Sequence[str],
    new: tuple[np.ndarray, np.ndarray, Sequence[str]],
    folds: int = FOLDS,
) -> dict:
    """Learn from labelled texts to read new ones, cross-fitted for share estimation.

    ``labelled`` and ``new`` are each (scorer probabilities, embeddings, texts). An
    :class:`AnalystHead` fitted on the other folds' labels gives each labelled text an
    out-of-fold reading (how the learnt reader errs on texts it did not learn: the calibration),
    and each new text is read by one of the same fold heads, drawn at random: a new text and a
    labelled one are then read alike (a head fitted on all the labels is surer of itself than
    the fold heads, so its readings would fall in other confidence cells than the calibration
    says).

    Each fold also fits a words-only head on the same n-grams; the reader is either the fold
    head alone or the product of the two (their geometric mean), whichever reads the labels out
    of fold with the lower balanced log loss (on CIC-ES val the product, on STOMPOL the head
    alone; benchmarks/README.md). The learnt reader is kept only when it beats the scorer's own
    reading of the same labels (:func:`learnt_is_better`); otherwise both readings are the scorer's.

    Returns ``{"calibration" (n_labelled, C), "probs" (n_new, C), "learnt": bool, "reader" (the
    learnt reader chosen, kept or not: "head" or "head x words"; None when there was nothing to
    cross-fit), "balanced_accuracy": {"scorer", "learnt"},
    "out_of_fold", "fold_read"}`` (the last two: the chosen learnt reader's readings whether
    kept or not; None when there was nothing to cross-fit).
    """
    base_l, emb_l, texts_l = labelled
    base_n, emb_n, texts_n = new
    classes = list(classes)
    y = np.asarray(labels)
    base_l, base_n = np.asarray(base_l, dtype=np.float64), np.asarray(base_n, dtype=np.float64)
    scorer = balanced_accuracy(y, np.asarray(classes)[base_l.argmax(axis=1)])
    counts = np.unique(y, return_counts=True)[1]
    k = min(folds, int(counts.min())) if len(counts) == len(classes) else 0
    if k < 2:  # a class with fewer than two labels: nothing to cross-fit on
        return {"calibration": base_l, "probs": base_n, "learnt": False, "reader": None, "out_of_fold": None,
                "fold_read": None, "balanced_accuracy": {"scorer": round(scorer, 4), "learnt": None}}
    oof = {"head": np.zeros((len(y), len(classes))), "head x words": np.zeros((len(y), len(classes)))}
    fitted = []
    for a, b in StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y):
        texts_a = [texts_l[i] for i in a]
        head = AnalystHead(classes).fit(base_l[a], emb_l[a], texts_a, y[a])
        fitted.append((head, _words_head(classes, head, texts_a, y[a])))
        oof["head"][b], oof["head x words"][b] = _read(classes, *fitted[-1], (base_l[b], emb_l[b], [texts_l[i] for i in b]))
    reader = min(oof, key=lambda r: balanced_log_loss(y, classes, oof[r]))
    probs = np.zeros((len(base_n), len(classes)))
    which = np.random.default_rng(SEED).integers(len(fitted), size=len(base_n))
    for j, pair in enumerate(fitted):
        rows = np.flatnonzero(which == j)
        if len(rows):
            probs[rows] = _read(classes, *pair, (base_n[rows], emb_n[rows], [texts_n[i] for i in rows]))[reader != "head"]
    chosen = oof[reader]
    scores = {"scorer": round(scorer, 4), "learnt": round(balanced_accuracy(y, np.asarray(classes)[chosen.argmax(axis=1)]), 4)}
    kept = learnt_is_better(classes, y, base_l, chosen)
    return {"calibration": chosen if kept else base_l, "probs": probs if kept else base_n, "learnt": kept,
            "reader": reader, "balanced_accuracy": scores, "out_of_fold": chosen, "fold_read": probs}
