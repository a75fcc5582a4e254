"""What a document is to the scorers, and what they say about it: :class:`DocText` in,
:class:`Score` out, plus the pure helpers both profiles share (what a document-level head reads,
how passage scores add up, the key analyst corrections are remembered by).

It imports nothing else from ``nlp/`` but text folding, so every scorer and the training can
import it without a cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from nlp.text import fold

SENTIMENTS = ["negative", "neutral", "positive"]
# Characters of body text fed to the document-level heads (the encoder truncates to 256 tokens).
DOC_CHARS = 2000


@dataclass(frozen=True)
class DocText:
    """What the warehouse hands the scorer."""

    doc_id: str
    title: str | None
    text: str
    lang: str | None = None


@dataclass
class ActorScore:
    """Sentiment toward one of the campaign's other actors in one document."""

    actor: str
    sentiment: str
    score: float  # P(positive) - P(negative)
    confidence: float  # top-class probability
    match: str = "name"
    probs: tuple[float, float, float] = (0.0, 0.0, 0.0)
    text: str | None = None  # what was read: the window around the actor's mentions


@dataclass
class Score:
    """Every score of one document under one model set."""

    doc_id: str
    model_set: str
    sentiment: str
    p_negative: float
    p_neutral: float
    p_positive: float
    sentiment_score: float
    target_sentiment: str | None
    target_score: float | None
    target_confidence: float | None
    target_passages: int
    topics: list[str] = field(default_factory=list)
    topic_probs: dict[str, float] = field(default_factory=dict)
    stance: str = "none"
    stance_probs: dict[str, float] = field(default_factory=dict)
    target_match: str | None = None  # "name", "office" or "implicit": see nlp.passages.match_kind
    target_text: str | None = None  # what the target head read: the window around his mentions
    target_probs: tuple[float, float, float] | None = None  # (negative, neutral, positive) toward him
    actors: dict[str, ActorScore] = field(default_factory=dict)  # the campaign's other actors named

    @classmethod
    def from_probabilities(
        cls,
        doc_id: str,
        model_set: str,
        sentiment_p: np.ndarray,
        topic_probs: dict[str, float],
        stance_probs: dict[str, float],
        target: tuple[np.ndarray, float] | None,
        target_passages: int,
        topic_threshold: float,
        target_match: str | None = None,
    ) -> Score:
        """A score whose labels follow from the probabilities (argmax; topics above the threshold).

        ``target`` is the aggregated passage probabilities and their confidence, or None when
        no passage names the target. A document found only *implicitly* (his administration or
        his recall, ``target_match == "implicit"``) keeps a target sentiment only when it takes
        a side: a recall stance, or a tone that is not neutral. "Firmas para la revocatoria hoy
        en el óvalo" is not about him; "Hoy firmé. #RevocatoriaYa" is.
        """
        p = sentiment_p
        score = cls(
            doc_id=doc_id,
            model_set=model_set,
            sentiment=SENTIMENTS[int(p.argmax())],
            p_negative=float(p[0]),
            p_neutral=float(p[1]),
            p_positive=float(p[2]),
            sentiment_score=float(p[2] - p[0]),
            target_sentiment=None,
            target_score=None,
            target_confidence=None,
            target_passages=target_passages,
            topic_probs={t: float(v) for t, v in topic_probs.items()},
            stance_probs={s: float(v) for s, v in stance_probs.items()},
        )
        score.topics = [t for t, v in score.topic_probs.items() if v >= topic_threshold]
        score.stance = max(score.stance_probs, key=score.stance_probs.get)
        if target_match == "implicit" and score.stance == "none" and score.sentiment == "neutral":
            target, target_match = None, None
            score.target_passages = 0
        if target is not None:
            mean, confidence = target
            score.target_probs = (float(mean[0]), float(mean[1]), float(mean[2]))
            score.target_sentiment = SENTIMENTS[int(mean.argmax())]
            score.target_score = float(mean[2] - mean[0])
            score.target_confidence = confidence
            score.target_match = target_match
        return score


@runtime_checkable
class Scorer(Protocol):
    model_set: str

    def score(
        self, docs: Sequence[DocText], progress: Callable[[int], None] | None = None
    ) -> list[Score]: ...


def actor_score(actor: str, probs: np.ndarray, match: str = "name", text: str | None = None) -> ActorScore:
    """An :class:`ActorScore` from (negative, neutral, positive) probabilities."""
    p = np.asarray(probs, dtype=np.float64)
    return ActorScore(
        actor, SENTIMENTS[int(p.argmax())], float(p[2] - p[0]), float(p.max()), match, tuple(map(float, p)), text
    )


def doc_input(title: str | None, text: str) -> str:
    """The text a document-level head sees: title, then the start of the body."""
    body = (text or "")[:DOC_CHARS]
    title = (title or "").strip()
    if not title:
        return body
    return f"{title}. {body}" if not title.endswith((".", "!", "?")) else f"{title} {body}"


def doc_key(title: str | None, text: str) -> str:
    """Identifies a document's content for analyst corrections (robust to case and accents)."""
    joined = " ".join(fold(f"{title or ''} {text or ''}").split())
    return hashlib.sha1(joined.encode()).hexdigest()[:16]


def aggregate_passages(probs: np.ndarray, weights: Sequence[float]) -> tuple[np.ndarray, float]:
    """Confidence-weighted mean of passage probabilities, and the confidence of the result."""
    conf = probs.max(axis=1) * np.asarray(weights, dtype=np.float64)
    mean = (probs * conf[:, None]).sum(0) / max(conf.sum(), 1e-9)
    return mean, float(mean.max())
