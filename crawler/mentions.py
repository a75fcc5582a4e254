"""Does a text name the campaign's target? Accent- and case-insensitive, on word boundaries.

"CARLOS CANALES", "Carlos Canales" and "@carloscanalesa" name him; "canales de
televisión" does not. Multi-word names also match as hashtags ("#CarlosCanales"). The
matching itself is :class:`campaigns.recognition.NameFinder`, the same one the scorer uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from campaigns.recognition import NameFinder, TargetRecognizer, match_kind


class TargetMatcher:
    """Finds the target's names (full name and aliases) in a text."""

    def __init__(self, names: Iterable[str] | NameFinder):
        self.finder = names if isinstance(names, NameFinder) else NameFinder(names)
        self.names = self.finder.names

    @classmethod
    def for_campaign(cls, campaign) -> TargetMatcher:
        """Every way the campaign file names its target: names, aliases, handles, hashtags,
        nicknames and acronyms (compound hashtags included)."""
        return cls(NameFinder.for_actor(campaign.target))

    def matches(self, text: str | None) -> list[str]:
        """The folded spellings of the target found in ``text``, in order of appearance."""
        return self.finder.matches(text)

    def names_target(self, *texts: str | None) -> bool:
        """True when any of ``texts`` names the target."""
        return any(self.finder.search(t) for t in texts if t)


class TargetRecogniser:
    """How a document refers to the campaign's target: ``name``, ``office``, ``implicit`` or None.

    The crawler's relevance filter asks the scorer's own recogniser
    (:class:`campaigns.recognition.TargetRecognizer`), so a text about "el alcalde" or about
    "la muni de Miraflores" that the scorer reads as being about him also reaches the warehouse,
    with its ``target_match``.
    """

    def __init__(self, campaign: Any):
        self._recognizer = TargetRecognizer.for_campaign(campaign)

    def match(self, title: str | None, text: str | None) -> str | None:
        """The strongest way ``title``/``text`` refer to the target; None when they do not."""
        return match_kind(self._recognizer.passages(text or "", title))
