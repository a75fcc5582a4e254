"""Which language a document is written in (ISO 639-1), among those a campaign cares about.

The detector knows the campaign's languages plus a few that are easily confused with them
(Portuguese, Italian, Catalan, French, German), so a Portuguese text is not forced into
Spanish and can be dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

CONFUSABLE = ("es", "en", "pt", "it", "ca", "fr", "de")
# Below this many letters a detection is a guess; the source's own hint is preferred.
MIN_LETTERS = 20


def _language(code: str) -> Language:
    return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))


class LanguageGuesser:
    """Detects the language of a text, knowing the campaign's languages and their look-alikes."""

    def __init__(self, keep: Iterable[str], confusable: Iterable[str] = CONFUSABLE):
        self.keep = [code.lower() for code in keep]
        codes = list(dict.fromkeys([*self.keep, *confusable]))
        languages = [_language(c) for c in codes]
        self._detector = (
            LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
            if len(languages) > 1
            else None
        )

    def detect(self, text: str | None, hint: str | None = None) -> str | None:
        """ISO 639-1 code of ``text``; ``hint`` (the source's own tag) wins on very short texts."""
        hint = (hint or "").split("-")[0].lower() or None
        letters = sum(c.isalpha() for c in text or "")
        if letters < MIN_LETTERS:
            return hint
        if self._detector is None:
            return self.keep[0]
        found = self._detector.detect_language_of(text[:3000])
        if found is None:
            return hint
        return found.iso_code_639_1.name.lower()

    def kept(self, code: str | None) -> bool:
        """True when documents in ``code`` are kept (unknown languages are given the benefit of the doubt)."""
        return code is None or code in self.keep
