"""Does a text name the campaign's target? Accent- and case-insensitive, on word boundaries.

"CARLOS CANALES", "Carlos Canales" and "@carloscanalesa" name him; "canales de
televisión" does not. Multi-word names also match as hashtags ("#CarlosCanales").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from crawler.text import fold
from nlp.passages import TargetMatcher as PassageMatcher
from nlp.passages import match_kind


class TargetMatcher:
    """Finds the target's names (full name and aliases) in a text."""

    def __init__(self, names: Iterable[str]):
        self.names = [n for n in dict.fromkeys(names) if n.strip()]
        if not self.names:
            raise ValueError("a target needs at least one name")
        alternatives = []
        for name in self.names:
            folded = fold(name)
            alternatives.append(r"\s+".join(re.escape(part) for part in folded.split()))
            if " " in folded and not folded.startswith(("@", "#")):
                alternatives.append(re.escape("#" + folded.replace(" ", "")))
        alternatives.sort(key=len, reverse=True)
        # Left edge: no word character or handle sign before; right edge: no word character after.
        self._pattern = re.compile(r"(?<![\w@#])(?:" + "|".join(alternatives) + r")(?!\w)")

    def matches(self, text: str | None) -> list[str]:
        """The folded spellings of the target found in ``text``, in order of appearance."""
        folded = fold(text)
        if not folded:
            return []
        return [m.group(0) for m in self._pattern.finditer(folded)]

    def names_target(self, *texts: str | None) -> bool:
        """True when any of ``texts`` names the target."""
        return any(self.matches(t) for t in texts if t)


class TargetRecogniser:
    """How a document refers to the campaign's target: ``name``, ``office``, ``implicit`` or None.

    The crawler's relevance filter and the scorer's target passages use the one recogniser,
    so a text about "el alcalde" or about "la muni de Miraflores" that the scorer would read
    as being about him also reaches the warehouse (with its ``target_match``).
    """

    def __init__(self, campaign: Any):
        self._matcher = PassageMatcher.for_campaign(campaign)

    def match(self, title: str | None, text: str | None) -> str | None:
        """The strongest way ``title``/``text`` refer to the target; None when they do not."""
        return match_kind(self._matcher.passages(text or "", title))
