"""The hub profile: published Hugging Face models, loaded by name (or by local path).

- sentiment (document and target passages): ``cardiffnlp/twitter-xlm-roberta-base-sentiment``
- topics and recall stance: zero-shot NLI with ``MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7``,
  hypotheses built from the campaign's topic and stance descriptions.

Loading fails fast when the models are neither cached nor reachable, so ``auto`` can fall back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from nlp.documents import DocText, Score, actor_score, aggregate_passages, doc_input
from nlp.passages import NameFinder, TargetRecognizer, match_kind
from nlp.stance import STANCES, StanceEvidence, learn_from_declared
from nlp.target import mention_windows

log = logging.getLogger("vigia.nlp")

SENTIMENT_MODEL = "cardiffnlp/twitter-xlm-roberta-base-sentiment"
NLI_MODEL = "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"
TOPIC_HYPOTHESIS = "Este texto trata sobre {}."
TOPIC_THRESHOLD = 0.5
REACH_TIMEOUT_S = 3.0


def hub_reachable(timeout: float = REACH_TIMEOUT_S) -> bool:
    """Whether the hub answers a TCP connect within ``timeout`` (DNS included, in a thread)."""
    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "True") or os.environ.get("TRANSFORMERS_OFFLINE") == "1":
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    ok: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                ok.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(ok)


def load_classifier(name: str):
    """(tokenizer, model) for a sequence classifier given by local path or hub name.

    A hub name is tried from the local cache first; a download is attempted only when the hub
    is reachable right now, so an offline machine gets an error in seconds, not minutes."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if Path(name).exists():
        tok = AutoTokenizer.from_pretrained(str(name))
        model = AutoModelForSequenceClassification.from_pretrained(str(name))
    else:
        try:
            tok = AutoTokenizer.from_pretrained(name, local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(name, local_files_only=True)
        except OSError:
            if not hub_reachable():
                raise RuntimeError(f"{name} is not cached and the Hugging Face hub is unreachable") from None
            tok = AutoTokenizer.from_pretrained(name)
            model = AutoModelForSequenceClassification.from_pretrained(name)
    model.eval()
    return tok, model


def _label_index(model, wanted: Sequence[str], fallback: Sequence[int]) -> list[int]:
    """Column of each wanted label (matched by prefix of the config's names), else ``fallback``."""
    names = {i: str(n).lower() for i, n in model.config.id2label.items()}
    found = []
    for w in wanted:
        hits = [i for i, n in names.items() if n.startswith(w)]
        found.append(hits[0] if hits else None)
    return list(fallback) if None in found else found


class HubScorer:
    """Scores with the two published models; see the module docstring."""

    def __init__(self, campaign, sentiment_model: str | None = None, nli_model: str | None = None, batch_size: int = 16):
        import torch

        sentiment_model = sentiment_model or SENTIMENT_MODEL
        nli_model = nli_model or NLI_MODEL
        self._torch = torch
        self.campaign = campaign
        self.batch_size = batch_size
        self.sent_tok, self.sent_model = load_classifier(sentiment_model)
        self.nli_tok, self.nli_model = load_classifier(nli_model)
        self.sent_cols = _label_index(self.sent_model, ["neg", "neu", "pos"], [0, 1, 2])
        # MoritzLaurer's NLI models order their labels entailment, neutral, contradiction.
        self.nli_cols = _label_index(self.nli_model, ["entail", "contra"], [0, 2])
        self.matcher = TargetRecognizer.for_campaign(campaign)
        self.actor_finders = {a.id: NameFinder.for_actor(a) for a in campaign.actors}
        self.evidence = StanceEvidence(campaign)
        self.topic_hypotheses = {t.name: TOPIC_HYPOTHESIS.format(t.description_es.rstrip(".")) for t in campaign.topics}
        self.model_set = f"hub:{sentiment_model}+{nli_model}"

    def _sentiment(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out = np.zeros((len(texts), 3))
        with torch.inference_mode():
            for s in range(0, len(texts), self.batch_size):
                enc = self.sent_tok(list(texts[s : s + self.batch_size]), padding=True, truncation=True, max_length=256, return_tensors="pt")
                logits = self.sent_model(**enc).logits[:, self.sent_cols]
                out[s : s + len(enc["input_ids"])] = torch.softmax(logits, -1).numpy()
        return out

    def _entailment(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        """P(entailment) against contradiction, per (premise, hypothesis) pair."""
        torch = self._torch
        out = np.zeros(len(premises))
        with torch.inference_mode():
            for s in range(0, len(premises), self.batch_size):
                enc = self.nli_tok(
                    list(premises[s : s + self.batch_size]),
                    list(hypotheses[s : s + self.batch_size]),
                    padding=True,
                    truncation="only_first",
                    max_length=320,
                    return_tensors="pt",
                )
                logits = self.nli_model(**enc).logits[:, self.nli_cols]
                out[s : s + len(enc["input_ids"])] = torch.softmax(logits, -1)[:, 0].numpy()
        return out

    def score(self, docs: Sequence[DocText], progress: Callable[[int], None] | None = None) -> list[Score]:
        out: list[Score] = []
        for start in range(0, len(docs), 32):
            out.extend(self._score_batch(docs[start : start + 32]))
            if progress is not None:
                progress(len(out))
        # The texts that declare a side teach the others' side and how often one is taken.
        learn_from_declared(self.evidence, [doc_input(d.title, d.text) for d in docs], out)
        return out

    def _score_batch(self, docs: Sequence[DocText]) -> list[Score]:
        texts = [doc_input(d.title, d.text) for d in docs]
        passages = [self.matcher.passages(d.text, d.title) for d in docs]
        flat = [p.text for ps in passages for p in ps]
        # Target-centred windows (the mention masked): the target's, then each actor's.
        windows = mention_windows(texts, self.matcher, self.actor_finders)
        sent = self._sentiment(texts + flat + [w for _, _, w in windows])
        doc_p, pas_p = sent[: len(texts)], sent[len(texts) : len(texts) + len(flat)]
        win_p = {(i, a): sent[len(texts) + len(flat) + k] for k, (i, a, _) in enumerate(windows)}
        win_text = {(i, a): w for i, a, w in windows}
        topics = self.campaign.topic_names
        hyps = [self.topic_hypotheses[t] for t in topics] + [self.campaign.stance.pro_description, self.campaign.stance.anti_description]
        ent = self._entailment([t for t in texts for _ in hyps], [h for _ in texts for h in hyps]).reshape(len(texts), len(hyps))
        scores, offset = [], 0
        for i, doc in enumerate(docs):
            p = doc_p[i]
            pro, anti = ent[i, len(topics)], ent[i, len(topics) + 1]
            raw = np.array([pro * (1 - anti), anti * (1 - pro), (1 - pro) * (1 - anti)])
            stance = raw / max(raw.sum(), 1e-9)
            n = len(passages[i])
            target = aggregate_passages(pas_p[offset : offset + n], [q.weight for q in passages[i]]) if n else None
            match = match_kind(passages[i])
            if (i, None) in win_p:
                target, match = (win_p[(i, None)], float(win_p[(i, None)].max())), "name"
            score = Score.from_probabilities(
                doc.doc_id, self.model_set, p,
                topic_probs={t: ent[i, j] for j, t in enumerate(topics)},
                stance_probs=dict(zip(STANCES, stance, strict=True)),
                target=target,
                target_passages=n,
                topic_threshold=TOPIC_THRESHOLD,
                target_match=match,
            )
            if score.target_sentiment is not None:
                score.target_text = win_text.get((i, None)) or " ".join(q.text for q in passages[i])
            score.actors = {
                a: actor_score(a, p, text=win_text[(j, a)]) for (j, a), p in win_p.items() if j == i and a is not None
            }
            offset += n
            scores.append(score)
        return scores
