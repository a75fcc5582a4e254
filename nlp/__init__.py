"""Text in, scores out: document sentiment, sentiment toward the campaign's target, topics and
recall stance, under an ``offline`` (MiniLM + small heads) or ``hub`` (published models) profile."""

from nlp.documents import DocText, Score, Scorer
from nlp.linear_heads import resolve_heads_dir
from nlp.scoring import SCORERS, load_scorer

__all__ = ["SCORERS", "DocText", "Score", "Scorer", "load_scorer", "resolve_heads_dir"]
