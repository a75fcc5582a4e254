"""Text as pages deliver it, made comparable: whitespace, entities, mojibake, accents.

``normalise_text`` is what the pipelines store; ``fold`` is what matching and duplicate
detection compare (lower case, no accents, words only).
"""

from __future__ import annotations

import html
import re
import unicodedata

from campaigns.recognition import fold as fold_characters

# Characters that the bytes 0x80-0xFF become when UTF-8 is wrongly read as cp1252 (or latin-1
# for the five bytes cp1252 leaves undefined). Mojibake is a lead byte 0xC2-0xF4 followed by
# one to three of the continuation bytes 0x80-0xBF, all in this alphabet.
_CP1252_HIGH = {}
for _byte in range(0x80, 0x100):
    try:
        _char = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        _char = chr(_byte)
    _CP1252_HIGH[_char] = _byte
_LEAD = "".join(re.escape(c) for c, b in _CP1252_HIGH.items() if 0xC2 <= b <= 0xF4)
_CONT = "".join(re.escape(c) for c, b in _CP1252_HIGH.items() if 0x80 <= b <= 0xBF)
_MOJIBAKE = re.compile(f"[{_LEAD}][{_CONT}]{{1,3}}")
_MOJIBAKE_HINT = re.compile("[ÃÂâÅ][\u0080-\u00bf\u0152-\u0178\u02c6-\u02dc\u2013-\u203a\u20ac\u2122]")

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+", re.UNICODE)


def _mojibake_bytes(text: str) -> bytes | None:
    out = bytearray()
    for char in text:
        code = _CP1252_HIGH.get(char)
        if code is None:
            if ord(char) >= 0x80:
                return None
            code = ord(char)
        out.append(code)
    return bytes(out)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252/latin-1 ("dÃ­as" -> "días").

    Only sequences that re-decode as valid UTF-8 are changed, so genuine "Ã" or "Â" in
    correct text stays as it is.
    """
    if not text or not _MOJIBAKE_HINT.search(text):
        return text

    def fix(match: re.Match[str]) -> str:
        raw = _mojibake_bytes(match.group(0))
        if raw is None:
            return match.group(0)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return match.group(0)

    # Twice: some pages are double-encoded ("dÃƒÂ­as").
    for _ in range(2):
        fixed = _MOJIBAKE.sub(fix, text)
        if fixed == text:
            break
        text = fixed
    return text


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
