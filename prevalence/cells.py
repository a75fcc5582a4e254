"""Cells: what the share model reads of each text's class probabilities.

A cell is the class the classifier picked and how sure it was (its top probability, cut at
``cuts``). Cells carry more than the crisp label (a text read as negative at 0.9 and one at
0.4 are not the same evidence) yet are few enough for a few hundred labels to learn how each
true class spreads over them, and for DuckDB to count them per group (`cell` columns in the
warehouse) so the page never reads per-text probabilities.
"""

from __future__ import annotations

import numpy as np

# Top-probability cuts per number of classes: with 3 classes the top probability is in
# [1/3, 1]; with 2 in [1/2, 1].
CUTS = {2: (0.6, 0.7, 0.8, 0.9), 3: (0.5, 0.65, 0.8)}


def cuts_for(n_classes: int) -> tuple[float, ...]:
    return CUTS.get(n_classes, (0.5, 0.7))


def n_cells(n_classes: int, cuts: tuple[float, ...] | None = None) -> int:
    """How many cells a task with ``n_classes`` classes has."""
    cuts = cuts_for(n_classes) if cuts is None else cuts
    return n_classes * (len(cuts) + 1)


def cell_of(probs: np.ndarray, cuts: tuple[float, ...] | None = None) -> np.ndarray:
    """The cell of each row of ``probs`` (n, C): ``argmax * (len(cuts) + 1) + bin of the top
    probability``. Rows that are all NaN (no probabilities stored) get -1."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be (texts, classes), got shape {p.shape}")
    cuts = cuts_for(p.shape[1]) if cuts is None else cuts
    missing = np.isnan(p).any(axis=1)
    safe = np.where(missing[:, None], 0.0, p)
    top = safe.argmax(axis=1)
    level = np.searchsorted(np.asarray(cuts), safe.max(axis=1), side="right")
    return np.where(missing, -1, top * (len(cuts) + 1) + level)


def counts(cells: np.ndarray, n: int, groups: np.ndarray | None = None, n_groups: int | None = None) -> np.ndarray:
    """Texts per cell (n_cells,), or per group and cell (n_groups, n_cells) when ``groups``
    (an integer group index per text) is given. Texts in cell -1 are not counted."""
    cells = np.asarray(cells)
    keep = cells >= 0
    if groups is None:
        return np.bincount(cells[keep], minlength=n).astype(np.int64)
    groups = np.asarray(groups)
    g = int(groups.max()) + 1 if n_groups is None else n_groups
    flat = np.bincount(groups[keep] * n + cells[keep], minlength=g * n)
    return flat.reshape(g, n).astype(np.int64)
