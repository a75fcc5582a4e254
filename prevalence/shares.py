"""Share estimates with intervals, from a calibration and a group's cell counts.

    cal = Calibration.from_labels(["negative", "neutral", "positive"], probs, labels,
                                  source="312 analyst corrections")
    shares = estimate(cal, cells_per_group)        # or estimate_texts(cal, probs, groups)
    shares.estimate, shares.low, shares.high       # (groups, classes), a 90% interval

A calibration holds how each true class spreads over the cells, learnt from texts whose label
the models never trained on: in-domain labels (the campaign's own, e.g. analyst corrections the
current heads did not learn from) and, before there are enough, a *bundled* calibration learnt
on held-out real data elsewhere (``nlp/heads/calibration.json``). Two things keep the interval
honest beyond the model in ``prevalence.bayes``:

- ``DRIFT``: a group's texts of one class are never taken to resemble the calibration's more
  than two samples of ``DRIFT`` texts resemble each other (days differ; the campaign's texts
  are not the calibration's). So 3,000 labels count as ~270 per class, not 3,000.
- ``OUT_OF_DOMAIN``: a bundled calibration, learnt on other texts, counts for at most that
  many labels per class, so before any in-domain label the interval is wide, as it should be;
  it stands in for a class only until the campaign has ``OWN_ENOUGH`` labels of it.

Both were set on the measurements in benchmarks/README.md (quantification), not per data set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from prevalence import cells as cellmod
from prevalence.bayes import sample_shares

LEVEL = 0.90
DRIFT = 120.0
# Labels' worth per cell of the pull of every class toward the cells' overall spread
# (``Calibration.concentration``).
PULL = 1.0
OUT_OF_DOMAIN = 5.0
OWN_ENOUGH = 10  # in-domain labels of a class from which the bundled calibration no longer speaks for it
# Labels an analyst might add, tried in turn to find how many would halve an interval.
MORE_LABELS = (25, 50, 100, 200, 400, 800, 1600, 3200)


class CalibrationError(ValueError):
    """Labels that cannot calibrate (unknown classes, probabilities of the wrong shape)."""


# What a calibration without any label is said to rest on (dashboard.i18n says it in Spanish).
NO_LABELS = "no labels at all (a flat prior: the bands show only what so few texts and no calibration allow)"


@dataclass(frozen=True)
class Calibration:
    """How each true class spreads over the cells: in-domain counts and a bundled prior."""

    classes: tuple[str, ...]
    counts: np.ndarray  # (C, K) in-domain labelled texts per true class and cell
    bundled: np.ndarray | None = None  # (C, K) labelled texts from elsewhere
    source: str = ""  # what the in-domain labels are, in words
    bundled_source: str = ""
    cuts: tuple[float, ...] | None = None
    notes: tuple[str, ...] = field(default=())  # what is missing, in words

    @classmethod
    def from_labels(
        cls,
        classes: Sequence[str],
        probs: np.ndarray,
        labels: Sequence[str],
        *,
        source: str = "",
        bundled: Calibration | None = None,
        cuts: tuple[float, ...] | None = None,
    ) -> Calibration:
        """From texts with their true ``labels`` and the scorer's ``probs`` (n, C)."""
        classes = tuple(classes)
        p = np.asarray(probs, dtype=np.float64).reshape(-1, len(classes)) if len(labels) else np.zeros((0, len(classes)))
        if len(p) != len(labels):
            raise CalibrationError(f"{len(labels)} labels but {len(p)} rows of probabilities")
        unknown = sorted({str(y) for y in labels} - set(classes))
        if unknown:
            raise CalibrationError(f"labels {', '.join(unknown)} are not classes of this task ({', '.join(classes)})")
        k = cellmod.n_cells(len(classes), cuts)
        counts = np.zeros((len(classes), k))
        cell = cellmod.cell_of(p, cuts) if len(p) else np.zeros(0, dtype=int)
        y = np.array([classes.index(str(v)) for v in labels], dtype=int)
        keep = cell >= 0
        np.add.at(counts, (y[keep], cell[keep]), 1.0)
        cal = cls(classes, counts, None if bundled is None else bundled.counts, source,
                  bundled.source if bundled is not None else "", cuts)
        return cal.with_notes()

    def with_notes(self) -> Calibration:
        per_class = self.counts.sum(axis=1)
        notes = []
        missing = [c for c, n in zip(self.classes, per_class, strict=True) if n == 0]
        if missing and self.counts.sum() > 0:
            notes.append(f"no in-domain label of class {', '.join(missing)}")
        if self.counts.sum() == 0 and self.bundled is None:
            notes.append("no calibration at all: the intervals say only what the flat prior says")
        return Calibration(self.classes, self.counts, self.bundled, self.source, self.bundled_source, self.cuts,
                           tuple(notes))

    @property
    def n_labels(self) -> int:
        return int(round(self.counts.sum()))

    @property
    def n_bundled(self) -> int:
        return 0 if self.bundled is None else int(round(self.bundled.sum()))

    @property
    def in_domain(self) -> bool:
        """Whether every class rests on the campaign's own labels (``OWN_ENOUGH`` or more), so
        no bundled stand-in shapes the posterior."""
        return bool((self.counts.sum(axis=1) >= OWN_ENOUGH).all())

    @property
    def n_cells(self) -> int:
        return self.counts.shape[1]

    def more(self, labels: int) -> Calibration:
        """The same calibration as if ``labels`` more in-domain labels had come, spread as these
        did (or as the bundled ones, before any): what the trust panel asks."""
        shape = self.counts if self.counts.sum() > 0 else (self.bundled if self.bundled is not None else np.ones_like(self.counts))
        added = shape / max(shape.sum(), 1e-9) * labels
        return Calibration(self.classes, self.counts + added, self.bundled, self.source, self.bundled_source, self.cuts,
                           self.notes)

    def concentration(self) -> np.ndarray:
        """Dirichlet concentrations (C, K) for each class's spread over the cells."""
        own = self.counts.sum(axis=1, keepdims=True)
        effective = 1.0 / (1.0 / np.maximum(own, 1e-9) + 1.0 / DRIFT)
        total = np.where(own > 0, self.counts * effective / np.maximum(own, 1e-9), 0.0)
        if self.bundled is not None:
            # The bundled rows stand in only for the classes the campaign has too few labels of:
            # learnt on other texts, they would pull a well-labelled class the wrong way.
            theirs = self.bundled.sum(axis=1, keepdims=True)
            stand_in = (own < OWN_ENOUGH) & (theirs > 0)
            total = total + np.where(stand_in, self.bundled * np.minimum(theirs, OUT_OF_DOMAIN) / np.maximum(theirs, 1e-9), 0.0)
        # A weak pull of every class toward the cells' overall spread (``PULL`` texts' worth per cell):
        # with few labels, classes look more alike than their noisy counts say, which keeps a
        # classifier that barely separates two classes from looking as if it did.
        raw = self.counts + (0 if self.bundled is None else self.bundled)
        pooled = raw.sum(axis=0) / raw.sum() if raw.sum() > 0 else np.full(self.n_cells, 1.0 / self.n_cells)
        return total + PULL * self.n_cells * pooled[None, :]

    def describe(self) -> str:
        """In words, for the caption beside a chart."""
        parts = []
        if self.n_labels:
            parts.append(f"{self.n_labels:,} in-domain labels" + (f" ({self.source})" if self.source else ""))
        if self.bundled is not None:
            parts.append(f"a bundled calibration of {self.n_bundled:,} labels ({self.bundled_source}), "
                         f"counted as at most {OUT_OF_DOMAIN:.0f} per class")
        return " + ".join(parts) if parts else NO_LABELS


@dataclass(frozen=True)
class Shares:
    """Per group and class: the estimate, a ``level`` interval (the shortest holding that much of
    the posterior and the estimate), the texts."""

    classes: tuple[str, ...]
    estimate: np.ndarray  # (G, C) the posterior mean blended with the count (``blend_with_counting``)
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray  # (G,) texts per group (labelled and not)
    level: float = LEVEL
    posterior: np.ndarray | None = None  # (G, C) the posterior mean alone

    def rows(self) -> list[dict[str, dict[str, float]]]:
        """One dict per group: ``{label: {"estimate", "low", "high"}}`` (NaN for an empty group)."""
        return [{c: {"estimate": float(self.estimate[g, j]), "low": float(self.low[g, j]), "high": float(self.high[g, j])}
                 for j, c in enumerate(self.classes)} for g in range(len(self.n))]


def estimate(
    calibration: Calibration,
    cells: np.ndarray,
    known: np.ndarray | None = None,
    *,
    level: float = LEVEL,
    seed: int = 0,
) -> Shares:
    """Estimate every group's class shares: ``cells`` (G, K) counts of unlabelled texts per cell,
    ``known`` (G, C) texts whose class is known (an analyst's correction)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    cells = np.atleast_2d(np.asarray(cells, dtype=np.int64))
    if cells.shape[1] != calibration.n_cells:
        raise ValueError(f"{cells.shape[1]} cells per group, but the calibration has {calibration.n_cells}")
    if (cells < 0).any() or (known is not None and (np.asarray(known) < 0).any()):
        raise ValueError("counts cannot be negative")
    draws = sample_shares(calibration.concentration(), cells, known, seed=seed)
    est = blend_with_counting(draws, cells, known, len(calibration.classes))
    if calibration.in_domain:
        low, high = shortest_interval(draws, level, est)
    else:
        # A bundled stand-in (learnt on other texts) gives a posterior whose shape is not the
        # campaign's: there, equal tails, whose width does not lean on that shape, held the true
        # shares far better (STOMPOL half B with the bundled calibration, artificial protocol:
        # 0.85-0.90 against 0.76-0.84 for the shortest interval; benchmarks/README.md).
        tail = (1 - level) / 2
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
    # The estimate leans on the count (``blend_with_counting``): the interval always holds it.
    low, high = np.minimum(low, est), np.maximum(high, est)
    n = cells.sum(axis=1) + (0 if known is None else np.asarray(known).sum(axis=1))
    return Shares(calibration.classes, est, low, high, n.astype(np.int64), level, draws.mean(axis=0))


def blend_with_counting(draws: np.ndarray, cells: np.ndarray, known: np.ndarray | None, n_classes: int) -> np.ndarray:
    """The point estimate: the posterior mean and the classifier's plain count, each weighted by
    the inverse of its estimated mean squared error (a composite estimator).

    The posterior mean is about unbiased but noisy (undoing the classifier's errors amplifies
    the group's sampling noise); the count is steady but biased by those errors wherever the
    mix is far from the one the classifier suits. Its squared bias is estimated, conservatively,
    by the squared gap between the two (which also holds their noise, so it overstates the
    bias: the count gets less weight than it deserves, never more): where they agree (days near
    the campaign's usual mix) the count's steadiness is used; where they part (a real shift) the
    posterior mean stands. Measured in benchmarks/README.md (quantification). The interval stays
    the posterior's."""
    posterior = draws.mean(axis=0)  # NaN for an empty group, as its draws are
    v_post = draws.var(axis=0)
    g = cells.shape[0]
    labelled = np.zeros((g, n_classes)) if known is None else np.asarray(known, dtype=np.float64)
    per_class = cells.reshape(g, n_classes, -1).sum(axis=2).astype(np.float64)  # the cells' label: argmax
    n_unlabelled = per_class.sum(axis=1, keepdims=True)
    total = n_unlabelled + labelled.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        counted = (per_class + labelled) / total
        p = per_class / n_unlabelled
        v_count = np.where(n_unlabelled > 0, p * (1 - p) * n_unlabelled / total**2, 0.0)
        mse_count = v_count + (counted - posterior) ** 2
        weight = np.where(v_post + mse_count > 0, v_post / (v_post + mse_count), 0.0)
    mixed = weight * counted + (1 - weight) * posterior
    with np.errstate(invalid="ignore", divide="ignore"):
        return mixed / mixed.sum(axis=1, keepdims=True)  # each class is blended on its own: shares sum to 1 again


def shortest_interval(draws: np.ndarray, level: float, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shortest interval holding ``level`` of the posterior draws (S, ...) along axis 0 and
    the point ``inside`` (the estimate), per group and class.

    A share near 0 or 1 has a lopsided posterior (it cannot go below 0); equal tails then spend
    half the excluded mass on the short side and stretch the long one. The shortest interval
    holds the same posterior mass, so it is as credible and narrower (benchmarks/README.md,
    quantification: 0.01-0.04 narrower at the same coverage). Among equally short windows (a
    group of 50 texts has shares in steps of 1/50) the one nearest the equal-tailed is taken, so
    the discreteness does not push intervals down. Where no window holds the estimate, the
    equal-tailed interval is returned."""
    tail = (1 - level) / 2
    flat_low, flat_high = np.quantile(draws, [tail, 1 - tail], axis=0)
    s = draws.shape[0]
    keep = int(np.ceil(level * s))
    if s < 2 or keep >= s:
        return flat_low, flat_high
    ordered = np.sort(draws, axis=0)
    lows, highs = ordered[: s - keep + 1], ordered[keep - 1:]
    with np.errstate(invalid="ignore"):
        holds = (lows <= inside[None] + 1e-12) & (highs >= inside[None] - 1e-12)
    centre = (s - keep) / 2
    offset = np.abs(np.arange(s - keep + 1) - centre).reshape((-1,) + (1,) * (draws.ndim - 1))
    widths = np.where(holds, highs - lows, np.inf) + 1e-9 * offset
    j = np.argmin(widths, axis=0)[None]
    found = np.isfinite(np.take_along_axis(widths, j, 0)[0])
    low = np.where(found, np.take_along_axis(lows, j, 0)[0], flat_low)
    high = np.where(found, np.take_along_axis(highs, j, 0)[0], flat_high)
    return low, high


def estimate_texts(
    calibration: Calibration,
    probs: np.ndarray,
    groups: Sequence[str] | None = None,
    *,
    level: float = LEVEL,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, float]]]:
    """Shares of texts given their probabilities (n, C), per group name (one group ``"all"``
    without ``groups``): ``{group: {label: {"estimate", "low", "high"}}}``."""
    p = np.asarray(probs, dtype=np.float64).reshape(-1, len(calibration.classes))
    names = ["all"] * len(p) if groups is None else [str(g) for g in groups]
    order = sorted(set(names))
    index = np.array([order.index(g) for g in names], dtype=int)
    cell = cellmod.cell_of(p, calibration.cuts) if len(p) else np.zeros(0, dtype=int)
    counts = cellmod.counts(cell, calibration.n_cells, index, len(order)) if len(p) else np.zeros((0, calibration.n_cells))
    shares = estimate(calibration, counts, level=level, seed=seed)
    return dict(zip(order, shares.rows(), strict=True))


def width(shares: Shares, group: int = 0) -> float:
    """The mean width of a group's intervals over its classes."""
    return float(np.mean(shares.high[group] - shares.low[group]))


def labels_to_halve(
    calibration: Calibration, cells: np.ndarray, known: np.ndarray | None = None, *, level: float = LEVEL
) -> int | None:
    """How many more in-domain labels would halve a group's interval width (one group's
    ``cells`` (K,)); None when no number in ``MORE_LABELS`` would (the group's own few texts,
    or the texts' drift from the calibration, bound it then)."""
    cells = np.atleast_2d(cells)
    known = None if known is None else np.atleast_2d(known)
    now = width(estimate(calibration, cells, known, level=level))
    for more in MORE_LABELS:
        if width(estimate(calibration.more(more), cells, known, level=level)) <= now / 2:
            return more
    return None
