"""Does a text name the campaign's target? Accent- and case-insensitive, on word boundaries.

"CARLOS CANALES", "Carlos Canales" and "@carloscanalesa" name him; "canales de
televisión" does not. Multi-word names also match as hashtags ("#CarlosCanales"). The
matching itself is :class:`campaigns.recognition.NameFinder`, the same one the scorer uses.
"""

from __future__ import annotations

from collections.abc import Iterable

from campaigns.recognition import NameFinder


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
