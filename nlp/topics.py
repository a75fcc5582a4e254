"""Topic evidence that needs no training: keywords and similarity to the topic's descriptions.

A topic added to a campaign file works at once: its keywords and descriptions give four
*zero-shot* features, turned into a probability by one calibration shared by all topics
(learnt on the seed topics, so it transfers). Topics with labelled seeds also get their own head.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from nlp.text import fold

N_ZS = 4


def keyword_regex(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """Matches any keyword at a word start on folded text ("robo" also finds "robos")."""
    kws = sorted({fold(k).strip().lstrip("#") for k in keywords if k.strip()}, key=len, reverse=True)
    if not kws:
        return None
    return re.compile(r"(?<!\w)#?(?:" + "|".join(re.escape(k) for k in kws) + r")")


def count_matches(pattern: re.Pattern[str] | None, folded: str) -> int:
    return len(pattern.findall(folded)) if pattern else 0


def description_texts(topic) -> list[str]:
    """What a topic's description embedding is built from."""
    return [topic.description_es, topic.description_en, ", ".join(topic.keywords)]


def zero_shot_features(
    folded_texts: Sequence[str], emb: np.ndarray, pattern: re.Pattern[str] | None, desc_emb: np.ndarray
) -> np.ndarray:
    """(n, 4): log keyword hits, keyword present, best and mean cosine to the descriptions."""
    hits = np.array([count_matches(pattern, t) for t in folded_texts], dtype=np.float32)
    cos = emb @ desc_emb.T if len(emb) else np.zeros((0, len(desc_emb)), dtype=np.float32)
    return np.column_stack([np.log1p(hits), (hits > 0).astype(np.float32), cos.max(1), cos.mean(1)]).astype(
        np.float32
    )


# Used until `train_heads` has calibrated the zero-shot features on seeds: a keyword is strong
# evidence, a close description somewhat.
DEFAULT_ZS_COEF = np.array([[1.5, 2.5, 6.0, 2.0]], dtype=np.float32)
DEFAULT_ZS_INTERCEPT = np.array([-4.2], dtype=np.float32)
