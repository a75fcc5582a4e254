"""Sparse text features that need no vocabulary file: hashed word and character n-grams,
plus a small hand-written polarity lexicon (Spanish and English word stems).

MiniLM was trained on English, so on Spanish tweets its embedding alone is weak; these features
carry the surface evidence (stems, spelling, emoji tokens, negations) the heads combine with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from nlp.text import feature_text

N_WORD_FEATURES = 2**18
N_CHAR_FEATURES = 2**18

_WORDS = HashingVectorizer(
    n_features=N_WORD_FEATURES,
    analyzer="word",
    ngram_range=(1, 2),
    token_pattern=r"(?u)[@#]?\w+",
    alternate_sign=False,
    norm="l2",
    lowercase=False,
)
_CHARS = HashingVectorizer(
    n_features=N_CHAR_FEATURES,
    analyzer="char_wb",
    ngram_range=(2, 5),
    alternate_sign=False,
    norm="l2",
    lowercase=False,
)

# Stems matched at a word start on folded text. Deliberately short: they back up the learned
# weights on words the training tweets never used (news and Peruvian usage).
POSITIVE_STEMS = """
buen bien mejor excelente genial feliz felic alegr content encant gust amor aman amo quier
maravill hermos precios bonit lind perfect increibl fantast estupend brillant exito logr
gracias agradec orgull felicit aplaus apoy confi esperanz tranquil segur ganad gana
respald acert eficaz eficient transparen honest compromet cumpl avanz progres mejora
recuper reduj bajaron disminu divert risa jaja emojipos ok top crack bacan chevere
great good best love happy awesome excellent amazing thanks win success proud support
""".split()
NEGATIVE_STEMS = """
mal peor pesim horribl terribl odi asco asquer triste tristez llor dolor duel mied
miedo harto hart cansad molest enoj rabia furi indign verguenz vergonz ridicul estupid
idiot imbecil inutil incompet corrupt mentir mient engan fraud robo roba rob asalt
delincu crimen crimin insegur inseguridad abandon fracas fall desastr problem crisis
culpa denunci critic reclam protest quej preocup grave peligr amenaz violen mueren muert
basura porqueria mierd joder jodid puta carajo cagad fatal nunca nadie nada emojineg
caos colaps deficien irregular escandal sospech negligen ineficien paraliz cero
bad worst hate sad awful terrible corrupt fail crime angry shame liar useless
""".split()
NEGATORS = {"no", "ni", "nunca", "jamas", "tampoco", "sin", "not", "never"}

_TOKEN = re.compile(r"[@#]?\w+")


def lexicon_counts(folded: str) -> tuple[float, float, float]:
    """(positive hits, negative hits, negators) in an already folded text."""
    pos = neg = negs = 0.0
    tokens = _TOKEN.findall(folded)
    for i, tok in enumerate(tokens):
        if tok in NEGATORS:
            negs += 1
            continue
        flip = i > 0 and tokens[i - 1] in NEGATORS
        is_pos = any(tok.startswith(s) for s in POSITIVE_STEMS)
        is_neg = any(tok.startswith(s) for s in NEGATIVE_STEMS)
        if is_pos and not is_neg:
            if flip:
                neg += 1
            else:
                pos += 1
        elif is_neg and not is_pos:
            if flip:
                pos += 0.5
            else:
                neg += 1
    return pos, neg, negs


def lexicon_matrix(texts: Sequence[str]) -> np.ndarray:
    """Five dense lexicon features per text, squashed so long articles do not dominate."""
    rows = []
    for text in texts:
        folded = feature_text(text)
        pos, neg, negs = lexicon_counts(folded)
        rows.append([np.log1p(pos), np.log1p(neg), np.log1p(negs), np.tanh(pos - neg), float("!" in text)])
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), 5)


def sparse_features(texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed word (1-2) and char (2-5) n-grams of the normalised, folded texts."""
    prepared = [feature_text(t) for t in texts]
    return sparse.hstack([_WORDS.transform(prepared), _CHARS.transform(prepared)], format="csr")


N_SPARSE = N_WORD_FEATURES + N_CHAR_FEATURES
