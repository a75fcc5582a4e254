"""The share model and its sampler: what a group's texts say about its class shares, and how
far to believe it.

The model is BayesianCC's (Ziegler and Czyż, "Bayesian quantification with black-box
estimators", TMLR 2024; ``quapy.method.confidence.BayesianCC``), with the classifier's crisp
label replaced by a *cell* (the label and how sure the classifier was, ``prevalence.cells``):

    calibration:  labelled texts of class y fall in cell k with probability Q[y, k]
    a group:      its n texts are a draw from the mixture  sum_y share[y] * Q[y, :]
    prior:        share ~ Dirichlet(1, ..., 1) (flat over the simplex)

Two departures, both measured in benchmarks/quantification.py:

- *Q is learnt from the labels only* (a "cut" posterior): each draw of Q comes from the
  calibration counts, never from the group's own unlabelled texts. Letting a group of 1,000
  texts reshape Q made the sampler crawl along the ridge of equally likely (share, Q) pairs and
  its intervals too narrow (coverage 0.75-0.79 at 1,000 texts where 0.90 was asked).
- *For each draw of Q, the share's posterior is read off a grid over the simplex* (1/36 apart
  for 3 classes, 1/400 for 2; each draw then spread uniformly over its grid cell), not sampled by data augmentation: for a classifier that barely
  tells two classes apart (stance on CIC-ES: pro and anti), Gibbs steps never left the
  neighbourhood where they started, and a 0.40-wide interval still missed a third of the time.

What is reported is the share *of the group's own texts* (each text's latent class, drawn,
then counted; texts whose class an analyst gave are counted as they are), not of an infinite
population: a group of 3 texts can only be 0, 1/3, 2/3 or 1 negative.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

GRID_STEPS = {2: 400, 3: 36}
Q_BLOCK = 16  # Q draws whose posterior grids are computed together (see sample_shares)
SCAN_DRAWS = 240  # Q draws whose CDFs are summed together (~22 MB for a chunk of 32 groups of 3 classes); a multiple of Q_BLOCK
# Groups sampled together: the running sum over the grid is one numpy addition per grid point over
# the chunk's draws, so wider chunks spend less of it on the call (with two threads, each holding
# the GIL for its calls): 32 took 0.70-0.80x the time of 12 on a query's year of days.
CHUNK = 32
MAX_THREADS = 4  # measured on 2 cores only; the Python steps between numpy calls run one at a time
# The posteriors over the grid are worked in single precision once each log-likelihood is
# computed (exactly, in double: see ``LOG_BITS``): their maxima, exp and running sums move half
# the bytes of double and twice the numbers per vector step. Rounding a log-likelihood to single
# moves it by ~1e-7 of its size (~3e-4 for a day of 1,000 texts, whose neighbouring grid points
# differ by ~1): a draw moves to the next grid point only where its uniform falls within ~1e-4
# of the boundary between them. The quantiles of a year of days and of groups of up to 1,000,000
# texts moved far less than a change of seed moves them, and ``make bench-shares`` gave the same
# coverage, width and error (benchmarks/README.md, "The sampler in single precision").
GRID_DTYPE = np.float32
# The lowest log-mass (relative to a posterior's peak) given to a grid point. exp() of a number
# under about -87.3 is subnormal or 0 in single precision, and numpy's exp takes a ~10x slower
# path for each such number: a large group's posterior (a day of 2,500 texts) holds many.
# exp(-87) ~ 1.6e-38 is a normal number, and 703 of them are still ~1e-35 of the peak's mass (1):
# a running sum of single-precision numbers cannot even tell them from 0 once past the peak, and
# before it no uniform draw (at least 2**-53 apart from 0) lands there: the draws are the same as
# without the floor (tested).
LOG_FLOOR = -87.0
# log P(cell | grid point, Q) is rounded to a multiple of 2**-LOG_BITS (~1e-6), so that a
# group's log-likelihoods, whole counts times these, are exact sums in double precision up to
# ~12,000,000 texts (690 * 2**20 * texts < 2**53; log P >= log 1e-300 = -690): exact sums do not
# depend on the order BLAS adds them in, which depends on how many groups share the product.
LOG_BITS = 20


def share_threads() -> int:
    """Threads that sample groups' shares at once: ``VIGIA_SHARE_THREADS``, else the cores this
    process may use, at most ``MAX_THREADS``. 1 samples every group on the calling thread."""
    value = os.environ.get("VIGIA_SHARE_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"VIGIA_SHARE_THREADS must be a whole number of threads (1 or more), got {value!r}")
        return int(value)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_THREADS, cores))


@lru_cache(maxsize=8)
def simplex_grid(n_classes: int, steps: int) -> np.ndarray:
    """Every point of the simplex whose coordinates are multiples of ``1/steps`` (M, C)."""
    if n_classes == 2:
        a = np.arange(steps + 1) / steps
        return np.column_stack([1 - a, a])
    if n_classes == 3:
        i, j = np.meshgrid(np.arange(steps + 1), np.arange(steps + 1), indexing="ij")
        keep = i + j <= steps
        return np.column_stack([i[keep], j[keep], steps - i[keep] - j[keep]]).astype(np.float64) / steps
    raise ValueError(f"share estimation handles 2 or 3 classes, not {n_classes}")


def dirichlet(rng: np.random.Generator, concentration: np.ndarray) -> np.ndarray:
    """Dirichlet draws along the last axis (any leading shape)."""
    g = rng.standard_gamma(concentration)
    total = g.sum(axis=-1, keepdims=True)
    # Tiny concentrations can underflow every gamma to 0: fall back to the mean there.
    bad = total <= 0
    if bad.any():
        g = np.where(bad, concentration, g)
        total = g.sum(axis=-1, keepdims=True)
    return g / total


def split(rng: np.random.Generator, counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Multinomial draws of ``counts`` (shape S) over the last axis of ``weights`` (S + (C,),
    rows summing to 1), by successive binomials (vectorised over S)."""
    out = np.empty(weights.shape, dtype=np.int64)
    left = np.asarray(counts, dtype=np.int64).copy()
    rest = np.ones(left.shape)
    for c in range(weights.shape[-1] - 1):
        p = np.clip(weights[..., c] / np.maximum(rest, 1e-300), 0.0, 1.0)
        out[..., c] = rng.binomial(left, p)
        left = left - out[..., c]
        rest = rest - weights[..., c]
    out[..., -1] = left
    return out


# From this many unlabelled texts in a group, its texts' classes (given a share and Q) are drawn
# from the normal law of their totals instead of one multinomial per cell (two binomials per
# cell and draw: a third of the sampler's time on a year of 1,500-text days, half of it on a
# query's days of 100-900 texts). The totals are a sum of that many independent draws, which is
# normal to well within the draw-to-draw noise of Q: at 200 texts the quantiles are those of the
# exact draws within two texts (tested), and ``make bench-shares`` moved by at most 0.01 in any
# coverage or width at 200 texts (1,000 until 2026-12-07). Below it, the exact draws (a group of
# 3 texts can only be 0, 1/3, 2/3 or 1 negative).
NORMAL_TEXTS = 200


def split_normal(rng: np.random.Generator, counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The class totals that :func:`split` then a sum over cells gives (``counts``: (K,) texts
    per cell; ``weights``: S + (K, C), each cell's class probabilities), drawn from their normal
    law (mean and covariance summed over the cells), rounded, never below 0, adding up to the
    texts. Shape S + (C,)."""
    n = np.asarray(counts, dtype=np.float64)
    texts = n.sum()
    mean = np.einsum("k,...kc->...c", n, weights)
    c = weights.shape[-1]
    head = weights[..., :-1]
    # Cov of the first C - 1 totals: sum over cells of n_k (diag(w_k) - w_k w_k^T).
    cov = -np.einsum("k,...kc,...kd->...cd", n, head, head)
    cov[..., range(c - 1), range(c - 1)] += mean[..., :-1]
    cov[..., range(c - 1), range(c - 1)] += 1e-9  # a class no cell can hold: no spread, still factorable
    z = rng.standard_normal(mean.shape[:-1] + (c - 1,))
    first = np.rint(mean[..., :-1] + np.einsum("...cd,...d->...c", np.linalg.cholesky(cov), z))
    first = np.clip(first, 0.0, texts)
    last = texts - first.sum(axis=-1)
    # Rounding near an edge of the simplex can overshoot the texts: the largest class gives it back.
    largest = first.argmax(axis=-1)[..., None]
    np.put_along_axis(first, largest, np.take_along_axis(first, largest, axis=-1) + np.minimum(last, 0.0)[..., None], axis=-1)
    return np.concatenate([first, np.maximum(last, 0.0)[..., None]], axis=-1)


def _inverse_cdf(cdf: np.ndarray, u: np.ndarray, number: np.ndarray | None = None) -> np.ndarray:
    """Per row of ``cdf`` (R, M; unnormalised, increasing) and each of its draws ``u`` (R, P) in
    [0, 1): the first grid index whose normalised CDF, shifted by the row's ``number`` (default:
    its position), reaches ``u`` shifted the same way. That is what one sorted search over every
    row laid end to end (``searchsorted((cdf / cdf[:, -1:] + row).ravel(), u + row)``, clipped to
    the row) gives, draw for draw, but found by a bisection per row that reads ~log2(M) entries
    of each row instead of normalising and shifting all of them."""
    rows, m = cdf.shape
    row = (np.arange(rows) if number is None else number).astype(np.float64)[:, None]
    target = u + row  # the same rounding as the end-to-end search
    last = cdf[:, -1:]
    if cdf.flags.c_contiguous:
        flat, start, stride = cdf.ravel(), (np.arange(rows) * m)[:, None], 1
    else:  # e.g. the transpose of an (M, R) array, as the sampler scans it: read in place
        base = cdf.T if cdf.T.flags.c_contiguous else np.ascontiguousarray(cdf.T)
        flat, start, stride = base.ravel(), np.arange(rows)[:, None], rows
    # Whether an entry reaches its target only grows along a row (a sum of non-negative terms,
    # divided and shifted by the same numbers), and the last entry reaches every target (row + 1):
    # the answer is the number of entries that do not. Counted by a fixed ladder of halving
    # steps (no test of which rows are still open): a probe past the row reads the last entry,
    # which reaches, so it never steps there.
    pos = np.zeros(u.shape, dtype=np.int64)
    step = 1 << (m - 1).bit_length()
    while step := step >> 1:
        probe = np.minimum(pos + (step - 1), m - 1)
        reached = flat[start + probe * stride] / last + row >= target
        np.add(pos, step, out=pos, where=~reached)
    return pos


@lru_cache(maxsize=64)
def _mixture(cal_bytes: bytes, shape: tuple[int, int], q_draws: int, seed: int,
             steps: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Draws of Q from the calibration and, for each, log P(cell | share) at every grid point,
    laid out (M*B, K) per block of ``Q_BLOCK`` draws (row ``m * B + b``: grid point, then draw),
    each block contiguous for one matrix product per chunk of groups whose result is already
    laid out grid point by grid point, as the running sum over the grid reads it. The same
    calibration gives the same draws (cached: the page asks for many groups of one task)."""
    cal = np.frombuffer(cal_bytes, dtype=np.float64).reshape(shape)
    n_classes, n_cells = shape
    q = dirichlet(np.random.default_rng([seed, 1]), np.broadcast_to(np.maximum(cal, 1e-3), (q_draws, n_classes, n_cells)))
    grid = simplex_grid(n_classes, steps)
    mix = (grid @ np.moveaxis(q, 0, 1).reshape(n_classes, q_draws * n_cells)).reshape(len(grid), q_draws, n_cells)
    # Whole multiples of 2**-LOG_BITS: each group's product is exact, so it gets the same numbers
    # whatever other groups share its chunk (unrounded, BLAS's order of additions follows the
    # chunk's width, and in single precision one draw in ~240 moved; tested).
    log_mix = np.rint(np.log(np.maximum(mix, 1e-300)) * 2.0**LOG_BITS) / 2.0**LOG_BITS  # (M, S, K)
    blocks = tuple(np.ascontiguousarray(log_mix[:, first:min(q_draws, first + Q_BLOCK)]).reshape(-1, n_cells)
                   for first in range(0, q_draws, Q_BLOCK))
    q.setflags(write=False)
    for block in blocks:
        block.setflags(write=False)
    return q, blocks


def sample_shares(
    calibration: np.ndarray,
    cells: np.ndarray,
    known: np.ndarray | None = None,
    *,
    q_draws: int = 240,
    per_q: int = 1,
    seed: int = 0,
    chunk: int = CHUNK,
    threads: int | None = None,
) -> np.ndarray:
    """Posterior draws of each group's class shares, ``(q_draws * per_q, G, C)``.

    ``calibration``: (C, K) Dirichlet concentrations for each class's spread over the cells
    (labelled counts plus any prior; see ``prevalence.shares.Calibration``). ``cells``: (G, K)
    unlabelled texts of each group per cell. ``known``: (G, C) texts of each group whose class
    is known. A group with no text at all gets NaN. ``chunk``: groups sampled together;
    ``threads``: chunks sampled at once (default :func:`share_threads`). The draws depend on
    neither (tested)."""
    cal = np.asarray(calibration, dtype=np.float64)
    n = np.asarray(cells, dtype=np.int64)
    if n.ndim != 2 or cal.ndim != 2 or n.shape[1] != cal.shape[1]:
        raise ValueError(f"cells {n.shape} and calibration {cal.shape} disagree on the number of cells")
    n_groups, n_cells = n.shape
    n_classes = cal.shape[0]
    k = np.zeros((n_groups, n_classes)) if known is None else np.asarray(known, dtype=np.float64)
    # Groups with the same counts get the same draws (each group's generator is seeded by its
    # counts): sample each distinct one once (a rare query's days: many hold the same one or two texts).
    distinct, first, inverse = np.unique(np.hstack([n, k]), axis=0, return_index=True, return_inverse=True)
    if len(distinct) < n_groups:
        once = sample_shares(cal, n[first], k[first], q_draws=q_draws, per_q=per_q, seed=seed, chunk=chunk, threads=threads)
        return once[:, inverse.ravel()]
    total = n.sum(axis=1) + k.sum(axis=1)
    steps = GRID_STEPS[n_classes] if n_classes in GRID_STEPS else 0
    grid = simplex_grid(n_classes, steps)
    m = len(grid)
    q, mix_blocks = _mixture(cal.tobytes(), cal.shape, q_draws, seed, steps)
    q_cells = np.moveaxis(q, 1, 2)  # (S, K, C)
    out = np.full((q_draws * per_q, n_groups, n_classes), np.nan)

    def sample_chunk(start: int) -> None:
        rows = slice(start, min(n_groups, start + chunk))
        g = rows.stop - rows.start
        # Each group draws from a generator seeded by its own counts: the same group gets the same
        # estimate whichever other groups it is estimated with (a refresh that recomputes only the
        # days a write touched stores what a full one would), and whichever thread samples it.
        rngs = [np.random.default_rng([seed, zlib.crc32(n[i].tobytes() + k[i].tobytes())]) for i in range(rows.start, rows.stop)]
        u = np.stack([r.random((q_draws, per_q)) for r in rngs])
        idx = np.empty((q_draws, g, per_q), dtype=np.int64)
        counts_t = n[rows].astype(np.float64).T  # (K, g)
        for s_first in range(0, q_draws, SCAN_DRAWS):
            s_stop = min(q_draws, s_first + SCAN_DRAWS)
            sb = s_stop - s_first
            # Each (Q draw, group)'s posterior over the grid, laid out grid point by grid point
            # (M, sb, g), so the CDF is a running sum down the rows: one addition of sb x g
            # numbers per grid point, which lets go of the GIL (``np.cumsum`` along each row
            # held it: two threads kept 1.5 cores busy, not 1.8) and is faster on one.
            # The same additions in the same order as ``cumsum`` along the row: the same CDF.
            mass = np.empty((m, sb, g), dtype=GRID_DTYPE)
            block = np.empty((m, Q_BLOCK, g), dtype=GRID_DTYPE)
            # log P(cells | grid point, Q), ``Q_BLOCK`` draws of Q at a time: one exact product in
            # double, then its maximum and exp in single over ~0.5 MB that stays in cache, already
            # laid out (M, b, g), so copying it into ``mass`` moves whole runs of b x g numbers (a
            # transpose from (g, b, M) moved them one by one).
            for first in range(s_first, s_stop, Q_BLOCK):
                b = min(s_stop, first + Q_BLOCK) - first
                loglik = block[:, :b]
                np.copyto(loglik, (mix_blocks[first // Q_BLOCK] @ counts_t).reshape(m, b, g), casting="same_kind")
                loglik -= loglik.max(axis=0)
                np.maximum(loglik, LOG_FLOOR, out=loglik)
                mass[:, first - s_first:first - s_first + b] = np.exp(loglik, out=loglik)
            cdf = mass.reshape(m, sb * g)
            for j in range(1, m):
                np.add(cdf[j - 1], cdf[j], out=cdf[j])
            # Rows numbered as in the chunk's whole (group, draw) array, as the end-to-end search
            # numbered them (each row's draw depends only on its own CDF, number and u).
            number = (np.arange(s_first, s_stop)[:, None] + np.arange(g)[None, :] * q_draws).ravel()
            idx[s_first:s_stop] = _inverse_cdf(cdf.T, u[:, s_first:s_stop].transpose(1, 0, 2).reshape(sb * g, per_q),
                                               number).reshape(sb, g, per_q)
        idx = idx.transpose(1, 0, 2)
        share = grid[idx]  # (g, S, per, C)
        # Spread each draw over its grid cell, so the grid's spacing does not show in the quantiles.
        jitter = np.stack([r.random(share.shape[1:]) for r in rngs])
        share = np.clip(share + (jitter - 0.5) / max(steps, 1), 0.0, None)
        share /= share.sum(axis=-1, keepdims=True)
        # Each unlabelled text's class, given the share and Q: the group's own texts, counted.
        w = share[:, :, :, None, :] * q_cells[None, :, None]  # (g, S, per, K, C)
        w /= np.maximum(w.sum(axis=-1, keepdims=True), 1e-300)
        texts = np.stack([split_normal(r, n[rows.start + j], w[j]) if n[rows.start + j].sum() >= NORMAL_TEXTS
                          else split(r, np.broadcast_to(n[rows.start + j][None, None, :], w.shape[1:-1]), w[j]).sum(axis=-2)
                          for j, r in enumerate(rngs)])  # (g, S, per, C)
        with np.errstate(invalid="ignore", divide="ignore"):
            drawn = (texts + k[rows][:, None, None]) / total[rows][:, None, None, None]
        out[:, rows] = np.moveaxis(drawn.reshape(g, q_draws * per_q, n_classes), 1, 0)

    starts = range(0, n_groups, chunk)
    workers = min(share_threads() if threads is None else threads, len(starts))
    # One BLAS thread: these products are small, and a second thread waiting on a busy core cost
    # more than it gave (1.5-3x slower on the shared 2-core machine). Set once around every chunk:
    # the limit is the process's, so threads each setting and restoring it would race.
    with threadpool_limits(1, user_api="blas"):
        if workers <= 1:
            for start in starts:
                sample_chunk(start)
        else:
            # numpy's products, exp and the running sum's additions let go of the GIL: chunks on
            # other cores overlap (two threads kept 1.84 of 2 cores busy).
            # Each chunk writes only its own groups' columns of ``out``.
            with ThreadPoolExecutor(workers, thread_name_prefix="shares") as pool:
                list(pool.map(sample_chunk, starts))  # raises what a chunk raised
    return out
