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
ilusion* ganas besos beso abrazo* suerte bienvenid* bendic* gloria* victori* ganamos
recomiend* valient* sonri* celebr* fiesta* aprob* destac* impecabl* ordenad* limpi*
maja majo majos simpatic* divin* fenomenal* espectacular* magnific* fabulos* chul*
diversion entreten* emocion* motiv* enamor* cariño* carino* querid* amig* amistad
solidar* generos* amabl* educad* respet* honrad* sincer* triunf* premi* admir* inspir*
grandios* genio* campeon* belleza paz calma descans* relaj* vacacion* finde rico rica ricos
ricas delici* sabros* riquisim* buenaz* buenisim* recomendabl* facil util utiles solucion*
resolv* arregl* acierto* fuerza* animo* bravo viva vivan ole yay wow jeje jiji lol xd besit*
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
pereza coñazo cabre* deprim* sufr* perdi* perder* insoport* decepcion* cutre* emojineg
payaso* circo farsa* inepto* ineptitud abuso* mafia* cinic* hipocrit* penos* angusti*
ansied* soledad lagrim* dolid* herid* enferm* vomit* repugn* cerd* guarr* feo fea feos feas
horrend* espantos* nefast* patetic* chapuz* timo estafa* choriz* sinverguenz* caradura*
mentiros* falso falsa traicion* traidor* cobard* egoist* envidi* rencor* insult* ofend*
humill* pelea* bronca* detest* aborrec* fastidi* putada* tragedia* catastrof* ruina*
suspend* castig* despid* recort* multa* atasco* retras* agotad* matar* asesin* violac*
agresi* ataque* golpe* victima* injust* hastiad* podrid* inmund* sucio* sucia* suciedad
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


N_LEX = 14


def lexicon_matrix(texts: Sequence[str]) -> np.ndarray:
    """Dense cues per text: lexicon hits (log-squashed so long articles do not dominate),
    negations, emoji, punctuation, links, replies, laughter, shouting, contrast."""
    rows = []
    for text in texts:
        folded = feature_text(text)
        pos, neg, negs = lexicon_counts(folded)
        letters = sum(c.isalpha() for c in text) or 1
        upper = sum(c.isupper() for c in text) / letters
        rows.append(
            [
                np.log1p(pos),
                np.log1p(neg),
                np.log1p(negs),
                np.tanh(pos - neg),
                float(pos > 0 and neg > 0),
                float("!" in text),
                float("?" in text),
                np.log1p(folded.count("emojipos")),
                np.log1p(folded.count("emojineg")),
                float("httpurl" in folded),
                float(folded.startswith("@usuario")),
                float("jaja" in folded),
                float(upper > 0.5 and letters > 8),
                float(" pero " in f" {folded} "),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), N_LEX)


def sparse_features(texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed word (1-2) and char (2-5) n-grams of the normalised, folded texts."""
    prepared = [feature_text(t) for t in texts]
    return sparse.hstack([_WORDS.transform(prepared), _CHARS.transform(prepared)], format="csr")


N_SPARSE = N_WORD_FEATURES + N_CHAR_FEATURES


# How people judge a public official, beyond general polarity words (same matching rules as the
# lexicon). Hand-written for municipal politics in Peruvian Spanish and English.
CRITICISM = """
excusa* pretext* show marketing propaganda floro selfie* foto fotos posar posa incapa* inept*
mudo esconde* ocult* victimiz* burl* fracas* falla* fallo fallaste deuda cero abandon* olvid*
desconect* arrepient* decepcion* improvis* amiguismo nepotismo sobrevalor* irregular* cuestion*
critic* abuche* reclam* exig* protest* incumpl* promesa* prometio prometiste nunca bloque*
cobard* lav* culpa mient* mentir* cuento verso humo vende vend* anuncia* anuncios powerpoint
botad* tirad* perdid* paraliz* atras* retras* vacio vacios apagad* dormid* ausent* nadie
incompetent* blame blames failed failure hiding excuses useless joke lies
""".split()
PRAISE = """
cumpli* cumplio logr* merito gracias felicit* reconoc* apoy* respald* defiend* defend* trabaj*
honest* orden* recuper* mejor* premi* acierto bravo chapo admir* confianza fe victima
dialog* escuch* presente cercan* transparen* eficaz* eficien* resultado* funcion* resolv*
credit praised deserves thanks great decent
""".split()
REPORTING = """
anunci* inform* present* particip* reuni* asist* viaj* convoc* design* confirm* declar* indic*
senal* sostuv* explic* afirm* respond* dijo dira agreg* preciso detall* entrevist* acud* recib*
firmo inaugur* visit* encabez* remit* agenda will met announced said
""".split()
_CRIT_RE, _PRAISE_RE, _REPORT_RE = _compile(CRITICISM), _compile(PRAISE), _compile(REPORTING)
N_CUES = 6


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    """Per text: criticism, praise and reporting cues (log counts), their balance, question mark,
    and whether the text is a report (a reporting verb and no evaluative cue)."""
    rows = []
    for text in texts:
        toks = _TOKEN.findall(feature_text(text))
        crit = sum(bool(_CRIT_RE.match(t)) for t in toks)
        praise = sum(bool(_PRAISE_RE.match(t)) for t in toks)
        report = sum(bool(_REPORT_RE.match(t)) for t in toks)
        pos, neg, _ = lexicon_counts(" ".join(toks))
        evaluative = crit + praise + pos + neg
        rows.append(
            [np.log1p(crit), np.log1p(praise), np.log1p(report), np.tanh(praise - crit), float("?" in text),
             float(report > 0 and evaluative == 0)]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), N_CUES)
