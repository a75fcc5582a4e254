"""Text in, scores out: document sentiment, sentiment toward the campaign's target, topics and
recall stance, under an ``offline`` (MiniLM + small heads) or ``hub`` (published models) profile."""

from nlp.scoring import DocText, Score, Scorer, load_scorer, resolve_heads_dir

__all__ = ["DocText", "Score", "Scorer", "load_scorer", "resolve_heads_dir"]
