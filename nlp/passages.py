"""Which passages of a document speak about the campaign's target.

A sentence is a *target passage* when it names the target (full name or an alias), or, in a
document that names him somewhere, when it uses one of his role references ("el alcalde",
"Canales") or directly follows a sentence about him (pronoun continuation: Spanish drops the
subject, "Dijo que ..." after "Carlos Canales respondió ..."). Matching ignores case and accents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.text import fold, split_sentences

# Passages found only by continuation count half as much: they may already be about someone else.
CONTINUATION_WEIGHT = 0.5


@dataclass(frozen=True)
class Passage:
    text: str
    weight: float
    reason: str  # "name", "reference" or "continuation"


def _pattern(phrases: list[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(p).strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alts = "|".join(re.escape(p) for p in folded)
    # \w boundaries on both sides, but '@handles' start with a non-word character.
    return re.compile(rf"(?<![\w@])(?:{alts})(?!\w)")


class TargetMatcher:
    """Finds target passages for one target's names and references."""

    def __init__(self, names: list[str], references: list[str]):
        self.names_re = _pattern(names)
        self.refs_re = _pattern(references)

    @classmethod
    def for_campaign(cls, campaign) -> TargetMatcher:
        return cls(campaign.target.names, campaign.target.references)

    def names_target(self, text: str) -> bool:
        return bool(self.names_re and self.names_re.search(fold(text or "")))

    def passages(self, text: str, title: str | None = None) -> list[Passage]:
        """Target passages in order (title first); empty when the document never names him."""
        sentences = ([title.strip()] if title and title.strip() else []) + split_sentences(text)
        folded = [fold(s) for s in sentences]
        named = [bool(self.names_re and self.names_re.search(f)) for f in folded]
        if not any(named):
            return []
        refers = [bool(self.refs_re and self.refs_re.search(f)) for f in folded]
        out: list[Passage] = []
        previous_about = False
        for i, sentence in enumerate(sentences):
            if named[i]:
                out.append(Passage(sentence, 1.0, "name"))
            elif refers[i]:
                out.append(Passage(sentence, 1.0, "reference"))
            elif previous_about:
                out.append(Passage(sentence, CONTINUATION_WEIGHT, "continuation"))
            # Continuation runs one sentence past an explicit mention, never further.
            previous_about = named[i] or refers[i]
        return out
