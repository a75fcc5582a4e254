"""From passage scores to one sentiment toward the target per document.

The passage head says how each sentence about the target treats him. A document's verdict also
depends on how those sentences relate: one sharp criticism among neutral reporting, a joined
reading that sees irony the single sentences miss, a text that argues against the recall (and
so for him), the overall tone. The *document head* is a small logistic model over the
summary below, trained on out-of-fold passage scores, so it learns those weights from labelled
documents instead of having them hand-set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from nlp.documents import aggregate_passages
from nlp.stance import STANCE_TO_SENTIMENT

N_DOC_FEATURES = 21
_EPS = 1e-6


def _normalise(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def doc_features(
    passage_logp: np.ndarray,
    weights: Sequence[float],
    stance: np.ndarray,
    tone_logp: np.ndarray,
    is_news: bool,
    match: str | None = "name",
) -> np.ndarray:
    """The document head's input for one document.

    ``passage_logp``: (n, 3) passage log-scores, the last row the passages read together when
    there are several; ``weights``: their weights; ``stance``: the document's (pro, anti, none)
    probabilities; ``tone_logp``: the document-level sentiment head's log-scores; ``match``: how
    the passages found him (:func:`nlp.passages.match_kind`).
    """
    p = _normalise(np.asarray(passage_logp, dtype=np.float64))
    mean, _ = aggregate_passages(p, weights)
    lean = p[:, 2] - p[:, 0]
    stance = np.asarray(stance, dtype=np.float64)
    row = [
        *np.log(mean + _EPS),  # how the passages lean, confidence-weighted
        lean.max(),  # the most favourable passage
        lean.min(),  # the harshest passage
        *np.log(p[-1] + _EPS),  # the last row: all passages joined, or the only one
        *np.log(stance @ STANCE_TO_SENTIMENT),  # arguing for the recall is arguing against him
        *np.log(_normalise(np.asarray(tone_logp, dtype=np.float64)) + _EPS),  # the document's tone
        *stance,
        float(is_news),
        np.log(len(p)),
        float(match == "office"),  # "el alcalde" only
        float(match == "implicit"),  # only his administration or his recall
    ]
    return np.asarray(row, dtype=np.float32)


def doc_matrix(
    passage_logp: np.ndarray,
    owner: Sequence[int],
    weights: Sequence[float],
    stance: np.ndarray,
    tone_logp: np.ndarray,
    is_news: Sequence[bool],
    matches: Sequence[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`doc_features` for every document; rows of documents without passages stay zero.

    Returns the (n_docs, N_DOC_FEATURES) matrix and which documents had passages.
    """
    owner = np.asarray(owner, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    n_docs = len(is_news)
    out = np.zeros((n_docs, N_DOC_FEATURES), dtype=np.float32)
    has = np.zeros(n_docs, dtype=bool)
    for i in range(n_docs):
        rows = np.flatnonzero(owner == i)
        if len(rows):
            match = matches[i] if matches is not None else "name"
            out[i] = doc_features(passage_logp[rows], weights[rows], stance[i], tone_logp[i], is_news[i], match)
            has[i] = True
    return out, has


# ------------------------------------------------------------------ target-centred windows
# Words kept on each side of a mention, and the word the mention itself becomes: the head reads
# what is said around the target, not the target's name (chosen by grouped CV on STOMPOL,
# see nlp/EVALUATION.md).
WINDOW_WORDS = 8
TARGET_MASK = "él"
MAX_WINDOWS = 8


def target_window(text: str, spans: Sequence[tuple[int, int]], words: int = WINDOW_WORDS) -> str:
    """The words around each mention of the target, the mention masked; windows joined by " | ".

    "Canales es el peor alcalde, ojalá lo saquen" with the span of "Canales" becomes
    "él es el peor alcalde, ojalá lo saquen". With no span the whole text is the window.
    """
    if not spans:
        return text
    parts = []
    for start, end in list(spans)[:MAX_WINDOWS]:
        # The window stays inside the mention's sentence: "Viva Podemos. El PP, corrupto" gives
        # Podemos nothing of the PP's sentence.
        before = _SENTENCE_END.split(text[:start])[-1]
        after = _SENTENCE_END.split(text[end:])[0]
        left = before.split()[-words:] if words else []
        right = after.split()[:words] if words else []
        parts.append(" ".join([*left, TARGET_MASK, *right]))
    return " | ".join(parts)


def mention_windows(texts: Sequence[str], matcher, actor_finders: dict) -> list[tuple[int, str | None, str]]:
    """Every target-centred window of ``texts``, the mention masked: ``(text index, actor id or
    None for the target, window)``, the target's first, then each actor's, in text order."""
    windows: list[tuple[int, str | None, str]] = []
    for i, text in enumerate(texts):
        spans = matcher.mention_spans(text)
        if spans:
            windows.append((i, None, target_window(text, spans)))
        for actor, finder in actor_finders.items():
            spans = finder.spans(text)
            if spans:
                windows.append((i, actor, target_window(text, spans)))
    return windows


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


WINDOW_GROUPS = [
    ("w_sparse", 1.0), ("w_emb", 1.0), ("w_lex", 1.0), ("w_cues", 1.0),
    ("doc_sparse", 0.5), ("doc_emb", 1.0), ("tone", 1.0),
]


def window_features(basic: dict, doc_basic: dict, tone_logp: np.ndarray) -> dict:
    """The window head's feature groups: the window's own n-grams, embedding, lexicon and cues
    (``basic``, from ``FeatureBuilder.basic`` on the windows), the whole text's n-grams and
    embedding (``doc_basic``, one row per window) and the document-sentiment head's
    log-probabilities (the tone around)."""
    tone = np.asarray(tone_logp, dtype=np.float64)
    tone = tone - tone.max(1, keepdims=True)
    tone = tone - np.log(np.exp(tone).sum(1, keepdims=True))
    return {
        "w_sparse": basic["sparse"],
        "w_emb": basic["emb"],
        "w_lex": basic["lex"],
        "w_cues": basic["cues"],
        "doc_sparse": doc_basic["sparse"],
        "doc_emb": np.asarray(doc_basic["emb"], dtype=np.float32),
        "tone": tone.astype(np.float32),
    }
