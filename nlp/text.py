"""Plain-string text handling shared by every head: folding, tweet normalisation, sentences.

``fold`` and ``split_sentences`` come from :mod:`campaigns.recognition`, so the crawler and the
scorer fold text the same way.
"""

from __future__ import annotations

import re

from campaigns.recognition import fold, split_sentences

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


__all__ = ["feature_text", "fold", "normalize_social", "split_sentences"]
