"""Plain-string text handling shared by every head: folding, tweet normalisation, sentences."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"https?://\S+|www\.\S+")
_USER = re.compile(r"@\w+")
_LAUGH = re.compile(r"\b(?:[jh]+[aeiou]){2,}[jh]?\b|\bx+d+\b|\blo+l+\b", re.IGNORECASE)
_ELONGATION = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")

# Emoji carry much of a tweet's polarity and MiniLM's vocabulary has none of them.
_EMOJI_POS = "😀😃😄😁😆😊☺🙂😍🥰😘😗😙😚😋😎🤗👏👍💪🙌🎉✨❤💕💖💗💙💚💛💜🧡🤍♥😂🤣😹✌👌🙏🥳⭐🌟💯✅🔝"
_EMOJI_NEG = "😞😔😟😕🙁☹😣😖😫😩😢😭😤😠😡🤬😨😰😱😓👎💔🤮🤢😒🙄😑😐😬🤦🤡💩❌🚨⚠😷😪😵"
_EMOJI_MAP = {**{e: " emojipos " for e in _EMOJI_POS}, **{e: " emojineg " for e in _EMOJI_NEG}}
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in _EMOJI_MAP))


def fold(text: str) -> str:
    """Lower-case and strip accents ("Policía" -> "policia"), keeping ñ's base letter too."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_social(text: str) -> str:
    """Tweet-style normalisation: users, links, laughter, elongations and emoji become tokens."""
    text = _URL.sub(" httpurl ", text)
    text = _USER.sub(" @usuario ", text)
    text = _EMOJI_RE.sub(lambda m: _EMOJI_MAP[m.group(0)], text)
    text = _LAUGH.sub(" jaja ", text)
    text = _ELONGATION.sub(r"\1\1", text)
    text = text.replace("#", " #")
    return _SPACES.sub(" ", text).strip()


def feature_text(text: str) -> str:
    """The form the sparse text features see: normalised, folded, lower-case."""
    return fold(normalize_social(text))


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
