"""Recognising the campaign's target and actors in text: ONE recogniser for the crawler and the scorer.

Text folding (:func:`fold`) and sentence splitting live here so that the crawler's relevance
filter (``crawler.pipelines``, through :meth:`TargetRecognizer.match`) and the scorer's target passages (``nlp.passages``) agree on what
"names the target" means.

:class:`NameFinder` finds one actor's names in a text, accent- and case-insensitively, on word
boundaries: the full name and aliases ("Carlos Canales", "#CarlosCanales"), handles
("@carloscanalesa"), hashtags, nicknames and leaders ("Rajoy" for the Partido Popular) and
acronyms, as hashtags and handles of their own ("#Podemos", "#PP", "@psoe"), and inside compound
hashtags and handles ("#PPSOE" names both the PP and the PSOE, "@PPAntequera" the PP; an acronym
counts inside one only at its start or end, in capitals, so "#HAPPY" does not name the PP).

:class:`TargetRecognizer` finds the *target passages* of a document.

A sentence is a target passage when it names the target (full name or an alias), or refers
to him: one of his role references ("el alcalde", "Canales"), his office without a name ("el
alcalde", "this mayor", "el alcalde de Miraflores"), or, right after a sentence about him, a
continuation (Spanish drops the subject: "Dijo que ..." after "Carlos Canales respondió ...").

A bare surname ("Canales") names him too, unless it reads as a common noun or as somebody
else: "los canales de televisión", "algunos canales", "canales digitales", "la señora Canales".
In a text that follows capitalisation, a lower-case "canales" is a common noun unless a title
comes before it ("el alcalde canales", "Fuera canales!!"); a capitalised one opening a sentence is one before a
plural adjective or "de" and a lower-case noun ("Canales digitales crecen", "Canales de venta").
An all-lower-case tweet ("fuera canales") and his hashtags ("#FueraCanales") still name him.

His office alone ("el alcalde") refers to him unless the text ties the office to another place
or person ("el alcalde de Surco", "el alcalde sanisidrino", "el alcalde Rafael López", "el
exalcalde"), or the text names another place ("San Isidro") and never his district: then a text
that never names him is left alone. Demonyms of his district ("el alcalde miraflorino") tie the
office to him; the campaign's ``[target]`` lists his demonyms, other places and their demonyms.

A document that neither names nor refers to him may still judge him through his
administration ("la muni de Miraflores respondió rápido") or by arguing about his recall
("Hoy firmé. #RevocatoriaYa"). Then the whole document is one *implicit* passage. A recall
word in capitals names an institution ("JNE", "ONPE"): alone it makes a document implicit only
when the document names his district (a JNE notice on the electoral franja is not his recall).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _fold_char(c: str) -> str:
    d = "".join(x for x in unicodedata.normalize("NFKD", c.lower()) if not unicodedata.combining(x))
    return d[0] if d else c


# Each character's folded form, learnt as characters are met: folding a long article is one
# str.translate instead of a Python loop over its characters (it was the crawl's top cost).
_FOLDED: dict[int, str] = {c: chr(c).lower() for c in range(128)}
_KNOWN = {chr(c) for c in _FOLDED}


def fold(text: str) -> str:
    """Lower-case and strip accents ("Policía" -> "policia"), one character for one character,
    so positions in the folded text are positions in the original."""
    if text.isascii():
        return text.lower()
    for c in set(text) - _KNOWN:
        _FOLDED[ord(c)] = _fold_char(c)
        _KNOWN.add(c)
    return text.translate(_FOLDED)


_SENT_END = re.compile(r"(?<=[.!?…])[\"'”»)]*\s+(?=[\"'“«¿¡(]*[A-ZÁÉÍÓÚÑ0-9@#])|\n+")
# Abbreviations whose full stop does not end a sentence.
_ABBREV = re.compile(r"\b(?:Sr|Sra|Dr|Dra|Ing|Lic|Av|Jr|Mr|Mrs|St|etc|aprox|art|núm|No)\.$")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text (news paragraphs or a tweet), in order, without empty ones."""
    pieces: list[str] = []
    for raw in _SENT_END.split(text or ""):
        raw = raw.strip()
        if not raw:
            continue
        if pieces and _ABBREV.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {raw}"
        else:
            pieces.append(raw)
    return pieces


_HASHTAG_OR_HANDLE = re.compile(r"[#@](\w+)")
# A compound hashtag word must be at least this long to name an actor inside "#VotaPodemos".
_MIN_COMPOUND_WORD = 5


class NameFinder:
    """Finds one actor's names in a text (see the module docstring)."""

    def __init__(
        self,
        names: Iterable[str],
        handles: Iterable[str] = (),
        hashtags: Iterable[str] = (),
        acronyms: Iterable[str] = (),
    ):
        self.names = [n.strip() for n in dict.fromkeys([*names, *handles, *hashtags]) if n and n.strip()]
        self.acronyms = [a.strip().lstrip("#") for a in dict.fromkeys(acronyms) if a and a.strip()]
        if not self.names and not self.acronyms:
            raise ValueError("an actor needs at least one name")
        alternatives = []
        for name in self.names:
            folded = fold(name)
            alternatives.append(r"\s+".join(re.escape(part) for part in folded.split()))
            if " " in folded and not folded.startswith(("@", "#")):
                alternatives.append(re.escape("#" + folded.replace(" ", "")))
        alternatives += [re.escape(fold(a)) for a in self.acronyms]
        alternatives.sort(key=len, reverse=True)
        # Left edge: no word character or handle sign before; right edge: no word character after.
        self._pattern = re.compile(r"(?<![\w@#])(?:" + "|".join(alternatives) + r")(?!\w)")
        # A hashtag or handle that is exactly a one-word name or an acronym: "#Podemos", "#PP", "@psoe".
        self._whole_words = {fold(n).lstrip("@#") for n in self.names if " " not in n.strip()} | {
            fold(a) for a in self.acronyms}
        self._compound_words = sorted(
            {fold(n).lstrip("@#") for n in self.names if " " not in n.strip() and len(n.strip().lstrip("@#")) >= _MIN_COMPOUND_WORD}
            | {fold(n).replace(" ", "") for n in self.names if " " in n.strip()}
        )

    def spans(self, text: str | None) -> list[tuple[int, int]]:
        """(start, end) of every mention in ``text``, in order of appearance."""
        if not text:
            return []
        folded = fold(text)
        found = [m.span() for m in self._pattern.finditer(folded)]
        for m in _HASHTAG_OR_HANDLE.finditer(text):
            if any(s <= m.start() < e for s, e in found):
                continue
            body, fbody = m.group(1), folded[m.start(1) : m.end(1)]
            if fbody in self._whole_words or self._compound(body, fbody):
                found.append(m.span())
        return sorted(found)

    def _compound(self, body: str, fbody: str) -> bool:
        """Whether a hashtag or handle body ("PPSOE", "VotaPodemos", "FueraRajoy", "PPAntequera")
        contains one of the names."""
        for acronym in self.acronyms:
            if len(body) > len(acronym) and (body.startswith(acronym) or body.endswith(acronym)):
                return True
        return any(word in fbody for word in self._compound_words if len(fbody) > len(word))

    def matches(self, text: str | None) -> list[str]:
        """The folded spellings of the actor found in ``text``, in order of appearance."""
        folded = fold(text or "")
        return [folded[s:e] for s, e in self.spans(text)]

    def search(self, text: str | None) -> bool:
        return bool(self.spans(text))

    @classmethod
    def for_actor(cls, actor) -> NameFinder:
        """The finder for a campaign ``Target`` or ``Actor`` (its names, handles, hashtags,
        nicknames, leaders and acronyms)."""
        return cls(
            [*actor.names, *getattr(actor, "nicknames", []), *getattr(actor, "leaders", [])],
            getattr(actor, "handles", []),
            getattr(actor, "hashtags", []),
            getattr(actor, "acronyms", []),
        )


# Passages found only by continuation count half as much: they may already be about someone else.
CONTINUATION_WEIGHT = 0.5


@dataclass(frozen=True)
class Passage:
    text: str
    weight: float
    reason: str  # "name", "reference" or "continuation"


def _pattern(phrases: Sequence[str], inflected: bool = False) -> re.Pattern[str] | None:
    folded = sorted({fold(p).strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not folded:
        return None
    # With ``inflected``, a one-word phrase of 6 letters or more also matches its longer forms
    # ("revocar" in "revocarlo", "revocarla"): Spanish attaches pronouns and endings to words.
    alts = "|".join(re.escape(p) + (r"\w*" if inflected and " " not in p and len(p) >= 6 else "") for p in folded)
    # \w boundaries on both sides, but '@handles' start with a non-word character.
    return re.compile(rf"(?<![\w@])(?:{alts})(?!\w)")


# A surname after these words is a common noun or another person ("los canales", "la señora Canales").
_NOT_HIM_BEFORE = frozenset({
    "los", "las", "sus", "mis", "tus", "dos", "tres", "cuatro", "unos", "estos", "esos", "aquellos", "varios",
    "otros", "ambos", "muchos", "pocos", "nuestros", "vuestros", "algunos", "todos", "ciertos", "diversos",
    "distintos", "diferentes", "principales", "nuevos", "propios", "dichos", "sendos", "cuyos", "tantos",
    "senora", "sra", "dona", "familia", "hermanos", "hermanas", "the",
})
# A surname after these words is a street, a square or a building named after someone: "la calle
# Valdivia", "la avenida Canales", "el colegio Santa Rosa".
_PLACE_NAMED_BEFORE = frozenset({
    "calle", "avenida", "av", "jiron", "jr", "pasaje", "psje", "plaza", "plazuela", "parque", "malecon", "paseo",
    "puente", "ovalo", "alameda", "boulevard", "bulevar", "carretera", "camino", "urbanizacion", "urb", "colegio",
    "escuela", "liceo", "instituto", "universidad", "hospital", "clinica", "estadio", "coliseo", "teatro",
    "mercado", "calles", "avenidas", "street", "avenue", "st", "ave", "square", "bridge",
})
# A surname before these words is a common noun ("canales de televisión", "canales digitales").
_NOT_HIM_AFTER = re.compile(
    r"^\s+(?:de\s+(?:television|tv|youtube|riego|agua|cable|noticias|comunicacion|venta|distribucion|atencion"
    r"|irrigacion|desague|senal|pago|contacto|difusion|comercializacion|whatsapp|telegram)"
    r"|digitales|virtuales|oficiales|abiertos|regionales|nacionales|locales|internacionales|privados|publicos"
    r"|tradicionales|alternativos|propios|fisicos|electronicos|comerciales|informales|formales)\b"
)
# A capitalised surname opening a sentence is still a common noun before a plural adjective
# ("Canales digitales crecen") or before "de" and a lower-case noun ("Canales de venta").
_COMMON_AFTER_INITIAL = re.compile(r"^\s+(?:[a-záéíóúñ]+(?:ales|ivos|ivas|icos|icas|ados|idos)\b|de\s+[a-záéíóúñ])")
# Words that make a lower-case surname a name even in a text that capitalises ("el alcalde canales",
# "Fuera canales!!", "la revocatoria contra canales").
_TITLE_BEFORE = frozenset({"alcalde", "burgomaestre", "senor", "sr", "don", "carlos", "tal", "mayor", "fuera", "contra"})
# Sentence openers: a capital after these may be the sentence's, not a name's.
_SENTENCE_OPENERS = ".!?…:;\n\"'“«¿¡(-—"


# Words before an office word that make it someone else's: "el exalcalde", "otro alcalde".
_OTHER_OFFICE_BEFORE = {"ex", "otro", "otra", "otros", "cada", "ningun", "ninguna", "teniente", "vice", "former", "another", "every"}
# An office word that is also an everyday word ("la mayor parte"): only English determiners make it an office.
_AMBIGUOUS_OFFICE = {"mayor": {"the", "our", "this", "that", "your", "their", "his", "her"}}
# Recall words written in capitals are institutions ("JNE", "ONPE"): a notice from them on
# another election is not his recall, so alone they do not make a text an implicit mention.
_INSTITUTION = re.compile(r"^[A-ZÑ]{2,6}$")
_PLACE_AFTER = re.compile(r"^\s+(?:de|del|of)\s+(?:la\s+|el\s+|los\s+|las\s+|the\s+)?([\w-]+)")
_NEXT_WORD = re.compile(r"^[\s,]*([\w-]+)")
_CAPITALISED_NEXT = re.compile(r"^\s+([A-ZÁÉÍÓÚÑ][\wáéíóúñ]+)")


def _capitalises(text: str) -> bool:
    """Whether a text follows capitalisation (both cases), so a lower-case word is a common word."""
    return any(c.isupper() for c in text) and any(c.islower() for c in text)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in _SENTENCE_OPENERS


def _demonym_stem(word: str) -> str:
    """'sanisidrinas' -> 'sanisidrin': one stem for a demonym's gender and number."""
    word = fold(word).strip()
    word = word[:-1] if word.endswith("s") else word
    return word[:-1] if word.endswith(("o", "a", "e")) else word


class TargetRecognizer:
    """Finds target passages for one target's names, references, office and administration."""

    def __init__(
        self,
        names: Sequence[str] | NameFinder,
        references: Sequence[str],
        district: str | None = None,
        roles: Sequence[str] = (),
        administration: Sequence[str] = (),
        campaign_terms: Sequence[str] = (),
        implicit: bool = True,
        demonyms: Sequence[str] = (),
        other_places: Sequence[str] = (),
        other_demonyms: Sequence[str] = (),
    ):
        self.finder = names if isinstance(names, NameFinder) else NameFinder(names)
        names = self.finder.names
        name_words = {w for n in names for w in fold(n).split()}
        self.name_words = {w.lstrip("@") for w in name_words}
        surnames = [r for r in references if len(fold(r).split()) == 1 and fold(r) in name_words]
        self.surname_re = _pattern(surnames)
        # The bare surname is checked for common-noun use (see _surname_spans), not as a reference.
        self.refs_re = _pattern([r for r in references if r not in surnames])
        # "#FueraCanales", "#CanalesRenuncia": hashtags that contain his surname.
        self.hashtag_re = (
            re.compile(r"#\w*(?:" + "|".join(re.escape(fold(x)) for x in surnames) + r")\w*") if surnames else None
        )
        self.implicit = implicit
        self.district = fold(district or "").split()
        self.demonyms = {_demonym_stem(d) for d in demonyms if d.strip()}
        self.other_demonyms = {_demonym_stem(d) for d in other_demonyms if d.strip()} - self.demonyms
        self.other_places_re = _pattern(list(other_places))
        self.office_re = _pattern(list(roles))
        self.admin_re = _pattern(list(administration))
        institutions = [t for t in campaign_terms if _INSTITUTION.match(t.strip())]
        self.institution_re = _pattern(institutions)
        terms = [t for t in campaign_terms if t not in institutions]
        self.campaign_re = _pattern([t.lstrip("#") for t in terms], inflected=True)
        words = sorted({fold(t).lstrip("#") for t in terms if len(fold(t).lstrip("#").split()) == 1 and len(t) > 4})
        # "#RevocatoriaMiraflores": a hashtag built on a campaign word.
        self.campaign_tag_re = re.compile(r"#\w*(?:" + "|".join(map(re.escape, words)) + r")\w*") if words else None

    @classmethod
    def for_campaign(cls, campaign) -> TargetRecognizer:
        """The recogniser for ``campaign.target``, with the campaign's recall words and side phrases."""
        t = campaign.target
        terms = [k for topic in campaign.topics if topic.name == "recall" for k in topic.keywords]
        terms += [*campaign.stance.pro_keywords, *campaign.stance.anti_keywords]
        return cls(
            NameFinder.for_actor(t), t.references, t.district, t.roles, t.administration, terms, t.implicit_mentions,
            demonyms=t.demonyms, other_places=t.other_places, other_demonyms=t.other_demonyms,
        )

    def _surname_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of his bare surname where it names him, not a common noun or somebody else."""
        if not self.surname_re or not text:
            return []
        folded = fold(text)
        cased = len(folded) == len(text) and _capitalises(text)
        return [m.span() for m in self.surname_re.finditer(folded) if not self._common_noun(text, folded, *m.span(), cased)]

    @staticmethod
    def _common_noun(text: str, folded: str, start: int, end: int, cased: bool) -> bool:
        """Whether the surname at ``start:end`` reads as a common noun ("los canales", "canales
        digitales", "Canales de venta") or as another person ("la señora Canales"). In a text
        that capitalises, a lower-case surname is a common noun unless a title comes before it."""
        before = folded[:start].split()[-1:]
        prev = before[0].strip(".,;:¡¿!?\"'()«»“”") if before else ""
        if prev in _NOT_HIM_BEFORE or prev in _PLACE_NAMED_BEFORE or _NOT_HIM_AFTER.match(folded[end:]):
            return True
        if not cased:
            return False  # an all-lower-case tweet: "fuera canales" names him
        if text[start].islower():
            return prev not in _TITLE_BEFORE
        return _sentence_initial(text, start) and bool(_COMMON_AFTER_INITIAL.match(text[end:]))

    def _names(self, sentence: str) -> bool:
        return (
            self.finder.search(sentence)
            or bool(self._surname_spans(sentence))
            or bool(self.hashtag_re and self.hashtag_re.search(fold(sentence)))
        )

    def mention_spans(self, text: str | None) -> list[tuple[int, int]]:
        """(start, end) of every explicit mention in ``text``: names and aliases, handles, hashtags,
        his bare surname where it names him, and his role references ("el alcalde") when the text
        names him somewhere. Empty when the text never names him."""
        if not text:
            return []
        folded = fold(text)
        spans = [*self.finder.spans(text), *self._surname_spans(text)]
        spans += [m.span() for m in self.hashtag_re.finditer(folded)] if self.hashtag_re else []
        if not spans:
            return []
        spans += [m.span() for m in self.refs_re.finditer(folded)] if self.refs_re else []
        merged: list[tuple[int, int]] = []
        for s, e in sorted(spans):
            if merged and s < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        return merged

    def names_target(self, text: str | None) -> bool:
        """Whether a text names the target: a name or alias, or his bare surname (see module doc)."""
        return self._names(text or "")

    def match(self, title: str | None, text: str | None) -> str | None:
        """The strongest way ``title``/``text`` refer to the target (``name``, ``office`` or
        ``implicit``); None when they do not. The crawler keeps a text on this answer, and the
        scorer reads the same passages, so what is stored is what is scored."""
        # His full name, an alias, a handle or a hashtag anywhere is a passage that names him
        # (no sentence boundary falls inside one): the answer, without reading every sentence.
        if self.finder.search(title) or self.finder.search(text):
            return "name"
        return match_kind(self.passages(text or "", title))

    def _in_district(self, word: str) -> bool:
        """'miraflores', 'miraflorino', 'miraflorina': the district or one of its demonyms."""
        if self.demonyms and _demonym_stem(word) in self.demonyms:
            return True
        return bool(self.district) and fold(word).startswith(self.district[0][: max(len(self.district[0]) - 2, 4)])

    def _names_district(self, folded: str) -> bool:
        """Whether a (folded) text names his district or uses one of its demonyms."""
        return any(self._in_district(w) for w in re.findall(r"\w+", folded))

    def _names_other_place(self, sentence: str, folded: str) -> bool:
        """Whether a sentence names another place ("San Isidro") or uses another place's demonym
        ("sanisidrina"). In a text that capitalises, a place must be capitalised ("la victoria del
        no" is not La Victoria)."""
        if self.other_demonyms and any(_demonym_stem(w) in self.other_demonyms for w in re.findall(r"\w+", folded)):
            return True
        cased = len(sentence) == len(folded) and _capitalises(sentence)
        for m in self.other_places_re.finditer(folded) if self.other_places_re else ():
            words = [(i.start(), i.group(0)) for i in re.finditer(r"\w+", sentence[m.start() : m.end()])]
            if not cased or all(sentence[m.start() + i].isupper() for i, w in words if len(w) > 3):
                return True
        return False

    def _office(self, sentence: str, pattern: re.Pattern[str] | None) -> tuple[bool, bool, bool]:
        """(his office tied to him or his district, his office bare, another place's or person's)."""
        tied = bare = other = False
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
            if self.other_demonyms and _demonym_stem(prev) in self.other_demonyms:
                other = True  # "the limeño mayor"
                continue
            place = _PLACE_AFTER.match(folded[m.end() :])
            if place and place.group(1) not in ("su", "sus", "turno"):
                if self._in_district(place.group(1)):
                    tied = True
                    continue
                if self._names_a_place(sentence, folded, m.end() + place.start(1)):
                    other = True  # "el alcalde de Surco", "la municipalidad de Lima", "el alcalde de mi distrito"
                    continue
            nxt = _NEXT_WORD.match(folded[m.end() :])
            if nxt and (self._in_district(nxt.group(1)) or nxt.group(1) in self.name_words):
                tied = True
                continue
            if nxt and _demonym_stem(nxt.group(1)) in self.other_demonyms:
                other = True  # "el alcalde sanisidrino"
                continue
            # "el alcalde Rafael López Aliaga": a capitalised name after the office that is not his.
            cap = _CAPITALISED_NEXT.match(sentence[m.end() :]) if len(sentence) == len(folded) else None
            if cap and fold(cap.group(1)) not in self.name_words and not self._in_district(cap.group(1)):
                other = True
                continue
            bare = True
        return tied, bare, other

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
        named = [self._names(s) for s in sentences]
        offices = [self._office(s, self.office_re) for s in sentences]
        # A text that never names him, names another place and never his district is about that
        # place: "el alcalde del distrito" or "la municipalidad" there is that place's.
        elsewhere = (
            not any(named)
            and any(self._names_other_place(s, f) for s, f in zip(sentences, folded, strict=True))
            and not any(self._names_district(f) for f in folded)
        )
        own = [tied or (bare and not elsewhere) for tied, bare, _ in offices]
        others = any(o for *_, o in offices) or elsewhere
        if not any(named) and (others or not any(own)):
            return self._implicit(sentences, folded, others)
        # A role reference counts unless its sentence ties the office to someone else only.
        refers = [
            (bool(self.refs_re and self.refs_re.search(f)) and not (other and not him)) or him
            for f, him, (_, _, other) in zip(folded, own, offices, strict=True)
        ]
        if not any(named):
            refers = own  # named nowhere: only his office counts ("el alcalde" alone)
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
        if any(o for *_, o in admin):
            return []  # another district's municipality
        campaign = any(
            (self.campaign_re and self.campaign_re.search(f)) or (self.campaign_tag_re and self.campaign_tag_re.search(f))
            for f in folded
        )
        # "JNE", "ONPE" alone: an electoral notice, about his recall only in a text about his district.
        if not campaign and self.institution_re and any(self.institution_re.search(f) for f in folded):
            campaign = any(self._names_district(f) for f in folded)
        if not (any(tied or bare for tied, bare, _ in admin) or campaign):
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
