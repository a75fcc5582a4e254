"""Which passages of a document speak about the campaign's target.

A sentence is a *target passage* when it names the target (full name or an alias), or, in a
document that names him somewhere, when it uses one of his role references ("el alcalde",
"Canales") or directly follows a sentence about him (pronoun continuation: Spanish drops the
subject, "Dijo que ..." after "Carlos Canales respondió ..."). Matching ignores case and accents.

A bare surname ("Canales") names him too, unless it reads as a common noun or as somebody
else: "los canales de televisión", "sus canales", "la señora Canales". Tweets rarely spell
out the full name ("Canales no escucha a nadie"), and a campaign's documents are collected by
queries about him, so the surname alone is strong evidence.
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


# A surname after these words is a common noun or another person ("los canales", "la señora Canales").
_NOT_HIM_BEFORE = (
    "los", "las", "sus", "dos", "tres", "cuatro", "unos", "estos", "esos", "varios", "otros", "ambos",
    "muchos", "nuestros", "senora", "sra", "dona", "familia", "hermanos", "hermanas", "the",
)
_NOT_HIM_AFTER = re.compile(
    r"^\s+(?:de\s+(?:television|tv|youtube|riego|agua|cable|noticias|comunicacion|venta|distribucion|atencion|irrigacion|desague)|digitales|oficiales|abiertos|regionales)\b"
)


class TargetMatcher:
    """Finds target passages for one target's names and references."""

    def __init__(self, names: list[str], references: list[str]):
        self.names_re = _pattern(names)
        self.refs_re = _pattern(references)
        name_words = {w for n in names for w in fold(n).split()}
        surnames = [r for r in references if len(fold(r).split()) == 1 and fold(r) in name_words]
        self.surname_re = _pattern(surnames)

    @classmethod
    def for_campaign(cls, campaign) -> TargetMatcher:
        return cls(campaign.target.names, campaign.target.references)

    def _surname_names_him(self, folded: str) -> bool:
        for m in self.surname_re.finditer(folded) if self.surname_re else ():
            before = folded[: m.start()].split()[-1:]
            if before and before[0].strip(".,") in _NOT_HIM_BEFORE:
                continue
            if _NOT_HIM_AFTER.match(folded[m.end() :]):
                continue
            return True
        return False

    def names_target(self, text: str) -> bool:
        """Whether a text names the target: a name or alias, or his bare surname (see module doc)."""
        folded = fold(text or "")
        return bool(self.names_re and self.names_re.search(folded)) or self._surname_names_him(folded)

    def passages(self, text: str, title: str | None = None) -> list[Passage]:
        """Target passages in order (title first); empty when the document never names him."""
        sentences = ([title.strip()] if title and title.strip() else []) + split_sentences(text)
        folded = [fold(s) for s in sentences]
        named = [bool(self.names_re and self.names_re.search(f)) or self._surname_names_him(f) for f in folded]
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
