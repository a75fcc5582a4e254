"""Text as pages deliver it, made comparable: whitespace, entities, mojibake, accents.

``normalise_text`` is what the pipelines store; ``fold`` is what matching and duplicate
detection compare (lower case, no accents, words only).
"""

from __future__ import annotations

import html
import re
import unicodedata

import ftfy

from campaigns.recognition import fold as fold_characters

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+", re.UNICODE)


# ftfy's encoding repair only: text that is already right (a genuine "Ã", curly quotes, a
# non-breaking space) is left as it is; the rest of normalise_text does the tidying.
_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_encoding=True, restore_byte_a0=False,
    replace_lossy_sequences=False, decode_inconsistent_utf8=True, fix_c1_controls=False,
    fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False,
)


# UTF-8 read as cp1252 or latin-1 always leaves a lead byte's letter (U+00C2-U+00F4: "Ã", "Â",
# "â") followed by a continuation byte's (U+0080-U+00BF or a cp1252 punctuation): text without
# such a pair has nothing for ftfy to repair, and its check cost more than anything else a
# crawled page went through (measured in benchmarks/crawl.py).
_MAYBE_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252/latin-1 ("dÃ­as" -> "días"), also twice over
    ("dÃƒÂ­as"), with ftfy; correct text is left as it is."""
    if not text or not _MAYBE_MOJIBAKE.search(text):
        return text
    return ftfy.fix_text(text, _ENCODING_ONLY)


def normalise_text(text: str | None) -> str:
    """Readable plain text: entities decoded, mojibake repaired, NFC, tidy whitespace.

    Paragraphs stay on their own lines; runs of spaces and blank lines collapse.
    """
    if not text:
        return ""
    text = html.unescape(text)
    text = repair_mojibake(text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text))  # one pass over the whole text, not per line
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def clean_title_text(title: str | None, text: str | None) -> tuple[str | None, str]:
    """A document's title (one line, None when empty) and text as the warehouse stores them."""
    return normalise_text(title).replace("\n", " ") or None, normalise_text(text)


def language_sample(title: str | None, text: str | None) -> str:
    """What a document's language is guessed from: its title and text, one per line."""
    return "\n".join(part for part in (title, text) if part)


def fold(text: str | None) -> str:
    """Lower case, no accents (the campaign recogniser's :func:`campaigns.recognition.fold`),
    single spaces: the form names and stories are compared in."""
    if not text:
        return ""
    return " ".join(fold_characters(text).split())


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` (punctuation dropped)."""
    return _WORD.findall(fold(text))
