"""Stance evidence from the campaign file (its keywords, its two descriptions, its declared-side
phrases), and learning from the texts that declare a side, for both scoring profiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from nlp.features import sparse_features
from nlp.text import fold
from nlp.topics import count_matches, keyword_regex

STANCES = ["pro_recall", "anti_recall", "none"]
N_STANCE_ZS = 8
# Declared-side texts needed on each side, among the texts being scored, before they teach.
MIN_WEAK_LABELS = 10
WEAK_C = 1.0
# A text that declares a side takes one; when the stance model reads more than this share of the
# declared texts as "none", its "none" is too strong for this debate and is lowered for every
# text (see none_offset). The offset is capped so a handful of texts cannot erase "none".
DECLARED_NONE_MAX = 0.10
MAX_NONE_OFFSET = 3.0

# How people argue for or against removing an elected official, whatever the campaign file
# lists: signing, "que se vaya", "time for him to go" / "no firmen", "dejen trabajar", "que siga",
# and the defender's frame of the recall itself: a political manoeuvre, a smear, persecution.
GENERIC_PRO = [
    "firme", "firmare", "firmen", "firmamos", "firmo la revocatoria", "voy a firmar", "a firmar", "firmas que faltan",
    "revoquen", "revoquemos", "revocarlo", "revocar a", "hay que sacar", "sacarlo", "que se vaya", "se va",
    "fuera", "renuncie", "deberian renunciar", "vayase", "revocatoria ya", "a favor de la revocatoria",
    "lo saquen", "lo boten", "debe irse", "tiene que irse",
    "votare si", "voto si", "sign the petition", "signed", "should be recalled", "time for him to go", "vote yes",
]
GENERIC_ANTI = [
    "no firmo", "no firmen", "no firmare", "no voy a firmar", "dejen trabajar", "dejenlo", "que siga", "que termine",
    "terminar su mandato", "termine su periodo", "respeten el voto", "voto popular", "votare no", "votare por el no",
    "en contra de la revocatoria", "perdida de tiempo", "gasto innecesario", "revancha", "malos perdedores",
    "perdieron las elecciones", "desestabiliz", "desprestigio", "guerra sucia", "demolicion", "apoyo total",
    "no apoyo revocarlo", "no merece salir", "maniobra politica", "maniobra de la oposicion", "campana sucia",
    "persecucion politica", "venganza politica", "show politico",
    "don't sign", "vote no", "finish his term", "political revenge", "smear campaign", "witch hunt",
]


def _phrases(phrases: list[str]):
    import re

    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?!\w)")


_GENERIC_PRO_RE, _GENERIC_ANTI_RE = _phrases(GENERIC_PRO), _phrases(GENERIC_ANTI)

# What a stance says about the sentiment toward the target (rows: pro, anti, none; columns:
# negative, neutral, positive): arguing for the recall is arguing against the mayor.
STANCE_TO_SENTIMENT = np.array([[0.75, 0.2, 0.05], [0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3]])


class StanceEvidence:
    """Builds the stance zero-shot features for one campaign."""

    def __init__(self, campaign):
        st = campaign.stance
        self.pro_re = keyword_regex(st.pro_keywords)
        self.anti_re = keyword_regex(st.anti_keywords)
        if st.is_recall:
            debate = [k for t in campaign.topics if t.name == "recall" for k in t.keywords] + st.keywords
            debate = debate or ["revocatoria", "recall", *st.pro_keywords]
        else:
            # Another proposition: its own words; the recall's generic phrases do not apply.
            debate = st.keywords or [w for w in fold(st.proposition).split() if len(w) > 4] or [st.proposition]
        self.recall_re = keyword_regex(debate)
        self.generic = st.is_recall
        self.description_texts = [st.pro_description, st.anti_description]
        self.declared = (keyword_regex(st.pro_declared) if st.pro_declared else None,
                         keyword_regex(st.anti_declared) if st.anti_declared else None)

    def declared_sides(self, texts: Sequence[str]) -> list[str | None]:
        """Per text: "pro_recall"/"anti_recall" when it carries only one side's declared hashtags or
        phrases (a weak label), else None."""
        pro_re, anti_re = self.declared
        out: list[str | None] = []
        for t in texts:
            f = fold(t)
            pro = bool(pro_re and count_matches(pro_re, f))
            anti = bool(anti_re and count_matches(anti_re, f))
            out.append("pro_recall" if pro and not anti else "anti_recall" if anti and not pro else None)
        return out

    def features(self, texts: Sequence[str], emb: np.ndarray, desc_emb: np.ndarray) -> np.ndarray:
        """(n, 8): log hits of pro / anti / recall keywords, cosines to pro and anti, their gap,
        then log hits of the generic pro- and anti-removal phrases."""
        folded = [fold(t) for t in texts]
        pro = np.log1p([count_matches(self.pro_re, t) for t in folded])
        anti = np.log1p([count_matches(self.anti_re, t) for t in folded])
        rec = np.log1p([count_matches(self.recall_re, t) for t in folded])
        cos = emb @ desc_emb.T if len(emb) else np.zeros((0, 2), dtype=np.float32)
        anti_g = np.array([len(_GENERIC_ANTI_RE.findall(t)) if self.generic else 0 for t in folded], dtype=np.float32)
        # "no firmo" contains "firmo": an anti phrase cancels the pro phrase inside it.
        pro_g = np.array([len(_GENERIC_PRO_RE.findall(t)) if self.generic else 0 for t in folded], dtype=np.float32)
        pro_g = np.maximum(pro_g - anti_g, 0)
        return np.column_stack(
            [pro, anti, rec, cos[:, 0], cos[:, 1], cos[:, 0] - cos[:, 1], np.log1p(pro_g), np.log1p(anti_g)]
        ).astype(np.float32).reshape(len(folded), N_STANCE_ZS)


# Until trained: keywords decide, and no recall vocabulary at all means no stance.
DEFAULT_STANCE_COEF = np.array(
    [
        [2.5, -1.5, 0.8, 1.0, 0.0, 3.0, 1.5, -1.0],
        [-1.5, 2.5, 0.8, 0.0, 1.0, -3.0, -1.0, 1.5],
        [-1.0, -1.0, -1.5, 0.0, 0.0, 0.0, -0.5, -0.5],
    ],
    dtype=np.float32,
)
DEFAULT_STANCE_INTERCEPT = np.array([-1.0, -1.0, 0.5], dtype=np.float32)


def none_offset(declared: np.ndarray, most: float = DECLARED_NONE_MAX, cap: float = MAX_NONE_OFFSET) -> float:
    """The smallest log-offset b (steps of 0.05, at most ``cap``) such that, with P(none) scaled by
    exp(-b), at most ``most`` of the declared texts (rows: pro, anti, none probabilities in
    ``STANCES`` order) are read as "none"."""
    logp = np.log(np.clip(declared, 1e-9, 1.0))
    for b in np.arange(0.0, cap + 1e-9, 0.05):
        none = logp[:, 2] - b > logp[:, :2].max(axis=1)
        if none.mean() <= most:
            return float(b)
    return float(cap)


def learn_from_declared(evidence: StanceEvidence, texts: Sequence[str], scores: Sequence, dense: np.ndarray | None = None) -> None:
    """Learn from the texts that declare a side (the campaign's ``pro_declared`` /
    ``anti_declared`` hashtags and phrases), with at least ``MIN_WEAK_LABELS`` of each among
    ``texts`` (the documents being scored; ``scores`` are their Scores, changed in place):

    1. which side: a logistic model on their n-grams (and ``dense`` features, the embeddings, when
       given) splits every other document's side-taking probability between pro and anti;
    2. whether a side is taken at all: a stance model that learnt "none" elsewhere (the offline
       head from the Miraflores seeds, where a text without the debate's words rarely takes a
       side) can read a new debate's side-takers as "none". When it reads more than
       ``DECLARED_NONE_MAX`` of the declared texts so, every document's P(none) is lowered by
       the smallest factor that brings the declared texts under it (:func:`none_offset`).

    A document an analyst corrected (a probability of 1) keeps its label."""
    weak = evidence.declared_sides(texts)
    labelled = [i for i, w in enumerate(weak) if w is not None]
    sides = [weak[i] for i in labelled]
    if min(sides.count("pro_recall"), sides.count("anti_recall")) < MIN_WEAK_LABELS:
        return
    parts = [sparse_features(texts)] if dense is None else [sparse.csr_matrix(dense), sparse_features(texts)]
    X = sparse.hstack(parts, format="csr")
    model = LogisticRegression(C=WEAK_C, max_iter=2000, class_weight="balanced").fit(X[labelled], sides)
    q = model.predict_proba(X)[:, list(model.classes_).index("pro_recall")]
    keep_none = float(np.exp(-none_offset(np.array([[scores[i].stance_probs[s] for s in STANCES] for i in labelled]))))
    for i, score in enumerate(scores):
        probs = score.stance_probs
        if max(probs.values()) >= 1.0:  # corrected by an analyst
            continue
        probs["none"] *= keep_none
        total = sum(probs.values())
        for s in probs:
            probs[s] = float(probs[s] / total)
        if weak[i] is None:
            side = probs["pro_recall"] + probs["anti_recall"]
            probs["pro_recall"], probs["anti_recall"] = float(side * q[i]), float(side * (1 - q[i]))
        score.stance = max(probs, key=probs.get)
