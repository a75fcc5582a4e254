"""Which passages of a document speak about the campaign's target.

The recogniser itself lives in :mod:`campaigns.recognition`, beside the campaign's ``Target``,
so that the crawler's relevance filter and the scorer share it; this module keeps the names the
scorer has always imported.
"""

from __future__ import annotations

from campaigns.recognition import (
    CONTINUATION_WEIGHT,
    NameFinder,
    Passage,
    TargetRecognizer,
    match_kind,
)

__all__ = ["CONTINUATION_WEIGHT", "NameFinder", "Passage", "TargetRecognizer", "match_kind"]
