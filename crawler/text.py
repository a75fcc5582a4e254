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


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252/latin-1 ("dÃ­as" -> "días"), also twice over
    ("dÃƒÂ­as"), with ftfy; correct text is left as it is."""
    if not text:
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
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def fold(text: str | None) -> str:
    """Lower case, no accents (the campaign recogniser's :func:`campaigns.recognition.fold`),
    single spaces: the form names and stories are compared in."""
    if not text:
        return ""
    return " ".join(fold_characters(text).split())


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` (punctuation dropped)."""
    return _WORD.findall(fold(text))
