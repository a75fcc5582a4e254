"""Which passages of a document speak about the campaign's target.

A sentence is a *target passage* when it names the target (full name or an alias), or refers
to him: one of his role references ("el alcalde", "Canales"), his office without a name ("el
alcalde", "this mayor", "el alcalde de Miraflores"), or, right after a sentence about him, a
continuation (Spanish drops the subject: "Dijo que ..." after "Carlos Canales respondió ...").
Matching ignores case and accents.

A bare surname ("Canales") names him too, unless it reads as a common noun or as somebody
else: "los canales de televisión", "sus canales", "la señora Canales". Tweets rarely spell
out the full name ("Canales no escucha a nadie"), and a campaign's documents are collected by
queries about him, so the surname alone is strong evidence. His office alone ("el alcalde")
refers to him unless the text ties the office to another place or person ("el alcalde de
Surco", "el alcalde Rafael López", "el exalcalde"): then a text that never names him is left
alone.

A document that neither names nor refers to him may still judge him through his
administration ("la muni de Miraflores respondió rápido") or by arguing about his recall
("Hoy firmé. #RevocatoriaYa"). Then the whole document is one *implicit* passage. A text
about crime in the district that mentions neither is not about him: no passage, no target
sentiment.
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


# Words before an office word that make it someone else's: "el exalcalde", "otro alcalde".
_OTHER_OFFICE_BEFORE = {"ex", "otro", "otra", "otros", "cada", "ningun", "ninguna", "teniente", "vice", "former", "another", "every"}
# An office word that is also an everyday word ("la mayor parte"): only English determiners make it an office.
_AMBIGUOUS_OFFICE = {"mayor": {"the", "our", "this", "that", "your", "their", "his", "her"}}
_PLACE_AFTER = re.compile(r"^\s+(?:de|del|of)\s+(?:la\s+|el\s+|los\s+|las\s+|the\s+)?([\w-]+)")
_NEXT_WORD = re.compile(r"^[\s,]*([\w-]+)")
_CAPITALISED_NEXT = re.compile(r"^\s+([A-ZÁÉÍÓÚÑ][\wáéíóúñ]+)")


class TargetMatcher:
    """Finds target passages for one target's names, references, office and administration."""

    def __init__(
        self,
        names: list[str],
        references: list[str],
        district: str | None = None,
        roles: list[str] = (),
        administration: list[str] = (),
        campaign_terms: list[str] = (),
        implicit: bool = True,
    ):
        self.names_re = _pattern(names)
        self.refs_re = _pattern(references)
        name_words = {w for n in names for w in fold(n).split()}
        self.name_words = {w.lstrip("@") for w in name_words}
        surnames = [r for r in references if len(fold(r).split()) == 1 and fold(r) in name_words]
        self.surname_re = _pattern(surnames)
        # "#FueraCanales", "#CanalesRenuncia": hashtags that contain his surname.
        self.hashtag_re = (
            re.compile(r"#\w*(?:" + "|".join(re.escape(fold(x)) for x in surnames) + r")\w*") if surnames else None
        )
        self.implicit = implicit
        self.district = fold(district or "").split()
        self.office_re = _pattern(list(roles))
        self.admin_re = _pattern(list(administration))
        self.campaign_re = _pattern([t.lstrip("#") for t in campaign_terms])
        words = sorted({fold(t).lstrip("#") for t in campaign_terms if len(fold(t).lstrip("#").split()) == 1 and len(t) > 4})
        # "#RevocatoriaMiraflores": a hashtag built on a campaign word.
        self.campaign_tag_re = re.compile(r"#\w*(?:" + "|".join(map(re.escape, words)) + r")\w*") if words else None

    @classmethod
    def for_campaign(cls, campaign) -> TargetMatcher:
        t = campaign.target
        terms = [k for topic in campaign.topics if topic.name == "recall" for k in topic.keywords]
        terms += [*campaign.stance.pro_keywords, *campaign.stance.anti_keywords]
        return cls(t.names, t.references, t.district, t.roles, t.administration, terms, t.implicit_mentions)

    def _surname_names_him(self, folded: str) -> bool:
        for m in self.surname_re.finditer(folded) if self.surname_re else ():
            before = folded[: m.start()].split()[-1:]
            if before and before[0].strip(".,") in _NOT_HIM_BEFORE:
                continue
            if _NOT_HIM_AFTER.match(folded[m.end() :]):
                continue
            return True
        return bool(self.hashtag_re and self.hashtag_re.search(folded))

    def _names(self, folded: str) -> bool:
        return bool(self.names_re and self.names_re.search(folded)) or self._surname_names_him(folded)

    def names_target(self, text: str) -> bool:
        """Whether a text names the target: a name or alias, or his bare surname (see module doc)."""
        return self._names(fold(text or ""))

    def _in_district(self, word: str) -> bool:
        """'miraflores', 'miraflorino', 'miraflorina': the district or its demonym."""
        return bool(self.district) and fold(word).startswith(self.district[0][: max(len(self.district[0]) - 2, 4)])

    def _office(self, sentence: str, pattern: re.Pattern[str] | None) -> tuple[bool, bool]:
        """(mentions his office or administration, mentions another place's or person's)."""
        him = other = False
        folded = fold(sentence)
        for m in pattern.finditer(folded) if pattern else ():
            word = m.group(0)
            before = folded[: m.start()].split()[-1:]
            prev = before[0].strip(".,;:¡¿-") if before else ""
            if word in _AMBIGUOUS_OFFICE and prev not in _AMBIGUOUS_OFFICE[word] and not self._in_district(prev):
                if not folded[m.end() :].startswith((" of ", "'s")):
                    continue
            if prev in _OTHER_OFFICE_BEFORE or folded[: m.start()].endswith(("ex-", "ex ", "vice")):
                other = True
                continue
            place = _PLACE_AFTER.match(folded[m.end() :])
            if place and place.group(1) not in ("su", "sus", "turno"):
                if self._in_district(place.group(1)):
                    him = True
                    continue
                if self._names_a_place(sentence, folded, m.end() + place.start(1)):
                    other = True  # "el alcalde de Surco", "la municipalidad de Lima", "el alcalde de mi distrito"
                    continue
            nxt = _NEXT_WORD.match(folded[m.end() :])
            if nxt and (self._in_district(nxt.group(1)) or nxt.group(1) in self.name_words):
                him = True
                continue
            # "el alcalde Rafael López Aliaga": a capitalised name after the office that is not his.
            cap = _CAPITALISED_NEXT.match(sentence[m.end() :]) if len(sentence) == len(folded) else None
            if cap and fold(cap.group(1)) not in self.name_words and not self._in_district(cap.group(1)):
                other = True
                continue
            him = True
        return him, other

    @staticmethod
    def _names_a_place(sentence: str, folded: str, start: int) -> bool:
        """Whether the word at ``start`` after "alcalde de" is a place ("Surco", "mi distrito"),
        not a description ("alcalde de cartón"): capitalised, or in a text that never capitalises."""
        word = folded[start:].split()[0] if folded[start:].split() else ""
        if word in ("mi", "tu", "nuestro", "otro", "este", "ese", "aquel"):
            return True
        if len(sentence) != len(folded) or not any(c.isupper() for c in sentence):
            return True
        return sentence[start].isupper()

    def passages(self, text: str, title: str | None = None) -> list[Passage]:
        """Target passages in order (title first); empty when the document is not about him."""
        sentences = ([title.strip()] if title and title.strip() else []) + split_sentences(text)
        folded = [fold(s) for s in sentences]
        named = [self._names(f) for f in folded]
        offices = [self._office(s, self.office_re) for s in sentences]
        others = any(o for _, o in offices)
        if not any(named) and (others or not any(h for h, _ in offices)):
            return self._implicit(sentences, folded, others)
        # A role reference counts unless its sentence ties the office to someone else only.
        refers = [
            (bool(self.refs_re and self.refs_re.search(f)) and not (other and not him)) or him
            for f, (him, other) in zip(folded, offices, strict=True)
        ]
        if not any(named):
            refers = [h for h, _ in offices]  # named nowhere: only his office counts ("el alcalde" alone)
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

    def _implicit(self, sentences: list[str], folded: list[str], others: bool) -> list[Passage]:
        """The whole document, when it judges his administration or argues about his recall."""
        if others or not sentences or not self.implicit:
            return []
        admin = [self._office(s, self.admin_re) for s in sentences]
        if any(o for _, o in admin):
            return []  # another district's municipality
        campaign = any(
            (self.campaign_re and self.campaign_re.search(f)) or (self.campaign_tag_re and self.campaign_tag_re.search(f))
            for f in folded
        )
        if not (any(h for h, _ in admin) or campaign):
            return []
        return [Passage(" ".join(sentences), 1.0, "implicit")]


def match_kind(passages: list[Passage]) -> str | None:
    """How a document's passages found the target: "name" when any names him, else "office"
    ("el alcalde" alone), else "implicit" (his administration or his recall); None when none."""
    reasons = {p.reason for p in passages}
    if "name" in reasons:
        return "name"
    if "reference" in reasons:
        return "office"
    if "implicit" in reasons:
        return "implicit"
    return None
