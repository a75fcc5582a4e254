"""Which language a document is written in (ISO 639-1), among those a campaign cares about.

The detector knows the campaign's languages plus a few that are easily confused with them
(Portuguese, Italian, Catalan, French, German), so a Portuguese text is not forced into
Spanish and can be dropped. What it is careful about, measured on real tweets:

- the platform's own tag (Bluesky ``langs``, Mastodon ``language``, X ``lang``) is trusted
  when present: the author or the platform chose it for that post (a news site's
  ``<html lang>`` is the site's, not the article's: it decides only for very short texts);
- URLs, @handles and #hashtags are not language and are removed before detecting
  ("Partido podrido, partido prostituido = @PPopular" was read as Portuguese);
- short texts are read in lingua's high-accuracy mode; long ones in the fast mode, where
  it is as good;
- a look-alike language must beat the campaign's own clearly: a tweet that is 40%
  Spanish and 45% Catalan stays Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

CONFUSABLE = ("es", "en", "pt", "it", "ca", "fr", "de")
# Below this many letters a detection is a guess; the source's own hint is preferred.
MIN_LETTERS = 20
# Up to this many letters the slower high-accuracy models are used.
SHORT_TEXT = 400
# A language the campaign does not follow must be this much more likely than the best kept one.
MARGIN = 0.25
# A long text is read from its opening this long: a few sentences settle its language, and
# lingua's time grows with length (on whole articles it was a crawl's top cost). On the 183
# sample articles and 18 real pages, 300 characters gave the language 1,000 gave, in a third
# of the time; 150 read one Spanish headline as Portuguese.
LONG_SAMPLE = 300

_NOT_LANGUAGE = re.compile(r"https?://\S+|\bwww\.\S+|(?<!\w)[@#][\w.]+", re.UNICODE)
_ISO = re.compile(r"^[a-z]{2}$")


def _language(code: str) -> Language:
    return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))


def language_text(text: str | None) -> str:
    """``text`` without what carries no language: URLs, @handles and #hashtags."""
    return " ".join(_NOT_LANGUAGE.sub(" ", text or "").split())


def platform_tag(hint: str | None) -> str | None:
    """An ISO 639-1 code from a platform's tag (``es-PE``, ``es_419``, ``ES``), or None."""
    code = re.split(r"[-_]", (hint or "").strip())[0].lower()
    return code if _ISO.match(code) and code not in ("un", "zz", "xx") else None


class LanguageGuesser:
    """Detects the language of a text, knowing the campaign's languages and their look-alikes."""

    def __init__(self, keep: Iterable[str], confusable: Iterable[str] = CONFUSABLE):
        self.keep = [code.lower() for code in keep]
        codes = list(dict.fromkeys([*self.keep, *confusable]))
        languages = [_language(c) for c in codes]
        self._accurate = self._fast = None
        if len(languages) > 1:
            self._accurate = LanguageDetectorBuilder.from_languages(*languages).build()
            self._fast = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()

    def detect(self, text: str | None, hint: str | None = None, *, trust_hint: bool = True) -> str | None:
        """ISO 639-1 code of ``text``; ``hint`` (the platform's own tag) wins when present.

        With ``trust_hint=False`` (a news site's ``<html lang>``, the same for every page of
        the site) the hint only decides for texts too short to detect.
        """
        tag = platform_tag(hint)
        if tag is not None and trust_hint:
            return tag
        cleaned = language_text((text or "")[:3000])[: 3 * SHORT_TEXT]
        letters = sum(map(str.isalpha, cleaned))
        if letters < MIN_LETTERS:
            return tag
        if self._accurate is None or self._fast is None:
            return self.keep[0]
        if letters <= SHORT_TEXT:
            values = self._accurate.compute_language_confidence_values(cleaned)
        else:
            values = self._fast.compute_language_confidence_values(cleaned[:LONG_SAMPLE])
        if not values:
            return None
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        if code in self.keep:
            return code
        kept = next((v for v in values if v.language.iso_code_639_1.name.lower() in self.keep), None)
        if kept is not None and best.value - kept.value < MARGIN:
            return kept.language.iso_code_639_1.name.lower()
        return code

    def kept(self, code: str | None) -> bool:
        """True when documents in ``code`` are kept (unknown languages are given the benefit of the doubt)."""
        return code is None or code in self.keep
