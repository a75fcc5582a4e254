"""The small trained heads on top of the encoder (code), and how they are stored and found.

The heads themselves (data) live in folders: the bundled ones in ``nlp/heads/`` (with their model
card), retrained ones in ``data/heads/`` (``vigia train``); :func:`resolve_heads_dir` picks one.

Every head is one or more linear models over named *feature groups* (``sparse`` hashed n-grams,
``emb`` sentence embedding, ``lex`` polarity lexicon, and task groups such as ``topic_zs``).
A head file is one compressed ``.npz``: arrays plus a JSON description, so the bundled heads stay
small, need no pickle, and their bytes define the model set's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

HEAD_FILES = ("sentiment.npz", "target.npz", "topics.npz", "stance.npz")
BUNDLED_HEADS = Path(__file__).with_name("heads")

FeatureGroups = dict[str, np.ndarray | sparse.spmatrix]


def design(feats: FeatureGroups, groups: list[tuple[str, float]]) -> sparse.csr_matrix | np.ndarray:
    """The design matrix of ``groups``: each named feature group scaled, side by side (sparse as
    soon as one group is). What a :class:`Linear` reads, and what training fits it on."""
    blocks = [feats[g] * s if s != 1.0 else feats[g] for g, s in groups]
    if any(sparse.issparse(b) for b in blocks):
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")
    return np.hstack(blocks)


@dataclass
class Linear:
    """A linear model over the concatenation of ``groups`` (each scaled), softmax or sigmoid."""

    coef: np.ndarray | sparse.csr_matrix  # (n_outputs, n_features)
    intercept: np.ndarray  # (n_outputs,)
    groups: list[tuple[str, float]]
    kind: str = "softmax"  # or "sigmoid" for one binary output

    def logits(self, feats: FeatureGroups) -> np.ndarray:
        X = design(feats, self.groups)
        out = X @ self.coef.T
        out = out.toarray() if sparse.issparse(out) else np.asarray(out)
        return out + self.intercept

    def log_proba(self, feats: FeatureGroups) -> np.ndarray:
        z = self.logits(feats)
        if self.kind == "sigmoid":
            z = np.hstack([np.zeros_like(z), z])  # [log-odds of 0, of 1]
        return z - _logsumexp(z)

    @classmethod
    def from_sklearn(cls, model, groups: list[tuple[str, float]], prune: float = 1e-4) -> Linear:
        coef = np.asarray(model.coef_, dtype=np.float32)
        coef[np.abs(coef) < prune] = 0.0
        kind = "sigmoid" if coef.shape[0] == 1 and len(model.classes_) == 2 else "softmax"
        stored = sparse.csr_matrix(coef) if coef.shape[1] > 5000 else coef
        return cls(stored, np.asarray(model.intercept_, dtype=np.float32), groups, kind)


def _logsumexp(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise probabilities from log-scores (what :meth:`Head.proba` returns)."""
    return np.exp(z - _logsumexp(z))


@dataclass
class Head:
    """A named set of linear members whose log-probabilities are mixed with weights + a bias."""

    classes: list[str]
    members: list[tuple[Linear, float]] = field(default_factory=list)
    bias: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def log_scores(self, feats: dict) -> np.ndarray:
        total = sum(w * m.log_proba(feats) for m, w in self.members)
        if self.bias is not None:
            total = total + self.bias
        return total

    def proba(self, feats: dict) -> np.ndarray:
        return softmax(self.log_scores(feats))


def save_heads(path: Path, heads: dict[str, Head]) -> None:
    """Write several heads (e.g. one per topic) into one compressed npz file."""
    arrays: dict[str, np.ndarray] = {}
    desc: dict[str, dict] = {}
    for name, head in heads.items():
        members = []
        for i, (lin, weight) in enumerate(head.members):
            key = f"{name}/{i}"
            if sparse.issparse(lin.coef):
                c = lin.coef.tocsr()
                arrays[f"{key}/data"] = c.data.astype(np.float16)
                arrays[f"{key}/indices"] = c.indices.astype(np.int32)
                arrays[f"{key}/indptr"] = c.indptr.astype(np.int64)
                shape = list(c.shape)
            else:
                arrays[f"{key}/coef"] = np.asarray(lin.coef, dtype=np.float32)
                shape = None
            arrays[f"{key}/intercept"] = lin.intercept.astype(np.float32)
            members.append({"weight": weight, "groups": lin.groups, "kind": lin.kind, "sparse_shape": shape})
        if head.bias is not None:
            arrays[f"{name}/bias"] = np.asarray(head.bias, dtype=np.float32)
        desc[name] = {"classes": head.classes, "members": members, "meta": head.meta}
    arrays["__desc__"] = np.frombuffer(json.dumps(desc, sort_keys=True).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load_heads(path: Path) -> dict[str, Head]:
    """Read what :func:`save_heads` wrote."""
    with np.load(path, allow_pickle=False) as z:
        desc = json.loads(bytes(z["__desc__"]).decode())
        heads: dict[str, Head] = {}
        for name, d in desc.items():
            members = []
            for i, m in enumerate(d["members"]):
                key = f"{name}/{i}"
                if m["sparse_shape"]:
                    coef = sparse.csr_matrix(
                        (z[f"{key}/data"].astype(np.float32), z[f"{key}/indices"], z[f"{key}/indptr"]),
                        shape=tuple(m["sparse_shape"]),
                    )
                else:
                    coef = z[f"{key}/coef"]
                groups = [(g, float(s)) for g, s in m["groups"]]
                members.append((Linear(coef, z[f"{key}/intercept"], groups, m["kind"]), float(m["weight"])))
            bias = z[f"{name}/bias"] if f"{name}/bias" in z.files else None
            heads[name] = Head(d["classes"], members, bias, d.get("meta", {}))
    return heads


def heads_hash(heads_dir: Path) -> str:
    """Eight hex digits of a hash over the head files (and corrections) in ``heads_dir``."""
    h = hashlib.sha256()
    for name in (*HEAD_FILES, "corrections.json"):
        p = heads_dir / name
        if p.exists():
            h.update(name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:8]


def resolve_heads_dir(heads_dir: str | Path | None = None) -> Path:
    """Explicit argument, else ``$VIGIA_HEADS_DIR``, else ``./data/heads`` if it exists (written by
    ``vigia train``), else the heads bundled with the package (:data:`BUNDLED_HEADS`)."""
    if heads_dir:
        return Path(heads_dir)
    env = os.environ.get("VIGIA_HEADS_DIR")
    if env:
        return Path(env)
    local = Path("data") / "heads"
    if (local / "manifest.json").exists() or (local / "sentiment.npz").exists():
        return local
    return BUNDLED_HEADS
