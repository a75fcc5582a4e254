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

# Polarity words on folded text: "stem*" matches a word start, a bare word matches exactly.
# Hand-written for this project (Spain and Peru tweet usage, news verbs, some English); they
# back up the learned weights on words the training tweets never used.
POSITIVE = """
buen* bien mejor mejores excelent* genial* feliz felices felicid* alegr* content* encant* gust*
amor amo amamos adoro ador* quiero queremos maravill* hermos* precios* bonit* lind* perfect*
increibl* fantastic* estupend* brillant* exito* exitos* logr* gracias agradec* orgull* felicit*
enhorabuena aplaus* apoy* confi* esperanz* tranquil* ganad* respald* acert* eficaz eficien*
transparen* honest* compromet* cumpl* avanz* progres* mejora* recuper* divert* risa* jaja
emojipos ok top crack bacan* chever* mola molan guay guapo* guapa* cojonud* brutal disfrut*
ilusion* ilusiona* ganas besos beso abrazo* suerte bienvenid* bendic* gloria* victori* ganamos
recomiend* vale* valient* sonri* celebr* fiesta* aprob* destac* impecabl* ordenad* limpi*
great good best love lovely happy awesome excellent amazing thanks thank win success proud
support nice beautiful well glad
""".split()
NEGATIVE = """
mal mala malo malos malas maldit* peor peores pesim* horribl* terribl* odi* asco* asquer* trist*
llor* dolor* duel* miedo* harto harta hartos hartas cansad* molest* enoj* enfad* rabia* furi*
indign* verguenz* vergonz* ridicul* estupid* idiot* imbecil* inutil* incompet* corrupt*
mentir* mient* mentira* engan* fraud* robo robos robar* roban robaron robad* ladron* asalt*
delincu* crimen* crimin* insegur* abandon* fracas* desastr* problem* crisis culpa* reclam*
protest* quej* preocup* grave* peligr* amenaz* violen* muert* mueren murio basura porqueria
mierda* joder jodid* puta puto putas putos carajo cagad* cagar* fatal caos colaps* deficien*
irregular* escandal* sospech* negligen* ineficien* paraliz* pena lastima desgraci* horror*
agobi* estres* aburr* fallo* fallar* error* lament* tonto* tonta* gilipoll* cabron* coño
pereza coñazo cabre* deprim* sufr* perdi* perder* odioso* insoport* decepcion* cutre*
emojineg payaso* circo farsa* chamba* inepto* ineptitud abuso* mafia* cinico* hipocrit*
bad worst hate sad awful terrible corrupt fail failed crime angry shame liar useless
""".split()
NEGATORS = {"no", "ni", "nunca", "jamas", "tampoco", "sin", "not", "never", "nadie"}


def _compile(words: list[str]) -> re.Pattern[str]:
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"^(?:" + "|".join(parts) + r")$")


_POS_RE = _compile(POSITIVE)
_NEG_RE = _compile(NEGATIVE)
_TOKEN = re.compile(r"[@#]?\w+|\|")
_CLAUSE_BREAK = re.compile(r"[,.;:!?¡¿()\"]+")


def lexicon_counts(folded: str) -> tuple[float, float, float]:
    """(positive hits, negative hits, negators) in an already folded text."""
    pos = neg = negs = 0.0
    scope = 0  # tokens still under a preceding negator
    for tok in _TOKEN.findall(_CLAUSE_BREAK.sub(" | ", folded)):
        if tok == "|":
            scope = 0
            continue
        if tok in NEGATORS:
            negs += 1
            scope = 3
            continue
        flip = scope > 0
        scope = max(scope - 1, 0)
        is_pos = bool(_POS_RE.match(tok))
        is_neg = bool(_NEG_RE.match(tok))
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
