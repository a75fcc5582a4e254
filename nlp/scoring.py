"""The one registry of scorers: a profile name to the loader that builds its :class:`Scorer`.

``load_scorer("offline" | "hub" | "auto", campaign)`` returns a scorer whose ``score(docs)`` is
batched and reports progress after each batch. A new profile is one loader in :data:`SCORERS`;
the scorers themselves import only :mod:`nlp.documents` (never this module), so the flow is one
way: ``scoring -> offline | hub -> documents``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from nlp.documents import Scorer
from nlp.linear_heads import resolve_heads_dir

log = logging.getLogger("vigia.nlp")

ScorerLoader = Callable[..., Scorer]


def _offline(campaign, heads_dir: str | Path | None) -> Scorer:
    """MiniLM + the trained heads in :func:`~nlp.linear_heads.resolve_heads_dir`'s folder."""
    from nlp.offline import OfflineScorer

    return OfflineScorer(campaign, resolve_heads_dir(heads_dir))


def _hub(campaign, heads_dir: str | Path | None) -> Scorer:
    """The published Hugging Face models, by name (they need no heads)."""
    from nlp.hub import HubScorer

    return HubScorer(campaign)


def _auto(campaign, heads_dir: str | Path | None) -> Scorer:
    """Hub when its models can be loaded now, else offline with a warning."""
    try:
        return _hub(campaign, heads_dir)
    except Exception as exc:  # any failure to load the hub models means: use offline
        log.warning("hub models unavailable (%s); falling back to the offline profile", exc)
        return _offline(campaign, heads_dir)


# Profile name -> loader(campaign, heads_dir). `vigia --profile` offers exactly these names.
SCORERS: dict[str, ScorerLoader] = {"auto": _auto, "offline": _offline, "hub": _hub}


def load_scorer(profile: str, campaign, heads_dir: str | Path | None = None) -> Scorer:
    """A scorer for ``profile``: ``offline`` (MiniLM + trained heads), ``hub`` (Hugging Face
    models by name) or ``auto`` (hub when it can be loaded now, else offline with a warning)."""
    loader = SCORERS.get(profile)
    if loader is None:
        raise ValueError(f"unknown profile {profile!r}: use {', '.join(SCORERS)}")
    return loader(campaign, heads_dir)
