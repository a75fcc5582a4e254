"""Share estimates and their intervals, on real labelled probabilities and on edge cases.

The real-data tests read the bundled calibration (`nlp/heads/calibration.json`: the sentiment
head's out-of-fold probabilities on 1,050 real Peruvian tweets, InterTASS PE, and their labels):
real classifier outputs on real texts the head never saw, shipped as numbers, no text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from prevalence import Calibration, CalibrationError, estimate, estimate_texts, labels_to_halve
from prevalence import cells as cellmod

REPO = Path(__file__).resolve().parents[2]
SENTIMENTS = ["negative", "neutral", "positive"]


def intertass() -> tuple[np.ndarray, np.ndarray]:
    task = json.loads((REPO / "nlp" / "heads" / "calibration.json").read_text())["tasks"]["sentiment"]
    rows = np.array(task["texts"], dtype=np.float64)
    return rows[:, 1:], rows[:, 0].astype(int)


def draw(rng, pool_y, share, size):
    counts = rng.multinomial(size, share)
    return np.concatenate([rng.choice(np.flatnonzero(pool_y == c), m, replace=True) for c, m in enumerate(counts)]), counts / size


def test_intervals_cover_real_shares_where_counting_misses():
    """300 labelled Peruvian tweets calibrate; 60 groups of 200 others, drawn over the whole
    simplex of shares, are estimated. The 90% intervals must hold the true share about 90% of the
    time and the estimates must beat counting the model's labels."""
    probs, y = intertass()
    rng = np.random.default_rng(7)
    order = rng.permutation(len(y))
    cal, pool = order[:300], order[300:]
    calibration = Calibration.from_labels(SENTIMENTS, probs[cal], [SENTIMENTS[i] for i in y[cal]])
    k = calibration.n_cells
    groups, truths, counted = [], [], []
    for share in rng.dirichlet(np.ones(3), 60):
        items, truth = draw(rng, y[pool], share, 200)
        items = pool[items]
        groups.append(cellmod.counts(cellmod.cell_of(probs[items]), k))
        truths.append(truth)
        counted.append(np.bincount(probs[items].argmax(axis=1), minlength=3) / 200)
    shares = estimate(calibration, np.array(groups))
    truths = np.array(truths)
    covered = (truths >= shares.low) & (truths <= shares.high)
    assert covered.mean() >= 0.8
    assert (shares.high - shares.low).mean() <= 0.35
    assert np.abs(shares.estimate - truths).mean() < 0.8 * np.abs(np.array(counted) - truths).mean()


def test_point_estimate_agrees_with_quapy_on_the_same_inputs():
    """With crisp labels as the only cells and many labels, the posterior mean is QuaPy's
    adjusted count (ACC, the same model's point estimate) fitted on the same calibration outputs."""
    pytest.importorskip("quapy")
    from quapy.method.aggregative import ACC

    probs, y = intertass()
    rng = np.random.default_rng(3)
    order = rng.permutation(len(y))
    cal, items = order[:700], order[700:]  # every other tweet, once

    from sklearn.dummy import DummyClassifier

    # Fitted on precomputed outputs: QuaPy only asks the (already trained) classifier for its classes.
    fitted = DummyClassifier().fit(np.zeros((3, 1)), [0, 1, 2])
    acc = ACC(classifier=fitted, fit_classifier=False, val_split=None)
    acc.aggregation_fit(probs[cal].argmax(axis=1), y[cal])
    calibration = Calibration.from_labels(SENTIMENTS, probs[cal], [SENTIMENTS[i] for i in y[cal]], cuts=())
    shares = estimate(calibration, cellmod.counts(cellmod.cell_of(probs[items], ()), calibration.n_cells)[None])
    assert np.abs(shares.posterior[0] - acc.aggregate(probs[items].argmax(axis=1))).max() < 0.03


def test_a_group_of_three_texts_gets_an_honest_wide_interval():
    probs, y = intertass()
    calibration = Calibration.from_labels(SENTIMENTS, probs, [SENTIMENTS[i] for i in y])
    shares = estimate_texts(calibration, probs[:3])["all"]
    for label in SENTIMENTS:
        low, high = shares[label]["low"], shares[label]["high"]
        assert 0.0 <= low <= shares[label]["estimate"] <= high <= 1.0
    assert np.mean([shares[c]["high"] - shares[c]["low"] for c in SENTIMENTS]) >= 0.5


def test_a_groups_estimate_is_the_same_whichever_groups_come_with_it():
    """A refresh estimates only the days a write touched: each must get what a full run gives."""
    probs, y = intertass()
    calibration = Calibration.from_labels(SENTIMENTS, probs[:300], [SENTIMENTS[i] for i in y[:300]])
    rng = np.random.default_rng(4)
    # small groups (exact draws of their texts) and large ones (their normal law), 12 to a chunk
    groups = np.vstack([rng.integers(0, 40, (30, calibration.n_cells)), rng.integers(0, 400, (6, calibration.n_cells))])
    together = estimate(calibration, groups)
    for j in range(len(groups)):  # each alone: the product over cells is exact whatever the chunk's width
        alone = estimate(calibration, groups[j:j + 1])
        assert np.array_equal(alone.low[0], together.low[j]) and np.array_equal(alone.high[0], together.high[j]), j
    # The log-likelihoods themselves: BLAS adds in an order that depends on the product's width,
    # so only sums that are exact (whole multiples of 2**-LOG_BITS) agree bit for bit.
    from prevalence import bayes

    cal = calibration.concentration()
    _, blocks = bayes._mixture(cal.tobytes(), cal.shape, 240, 0, bayes.GRID_STEPS[3])
    wide = blocks[0] @ groups[24:].T.astype(np.float64)
    for j in range(wide.shape[1]):
        assert np.array_equal(blocks[0] @ groups[24 + j:25 + j].T.astype(np.float64), wide[:, j:j + 1]), j
    reordered = estimate(calibration, groups[::-1])
    assert np.array_equal(reordered.estimate[::-1], together.estimate)
    # Groups with the same counts (sampled once) get what each gets among other groups.
    repeated = estimate(calibration, np.vstack([groups[17:18], groups[:5], groups[17:18], groups[3:4]]))
    assert np.array_equal(repeated.low[[0, 6]], together.low[[17, 17]])
    assert np.array_equal(repeated.high[7], together.high[3]) and np.array_equal(repeated.estimate[1:6], together.estimate[:5])


def test_known_labels_count_as_they_are():
    calibration = Calibration(tuple(SENTIMENTS), np.ones((3, 12)) * 10)
    shares = estimate(calibration, np.zeros((1, 12), dtype=int), known=np.array([[3, 1, 0]]))
    assert np.allclose(shares.estimate[0], [0.75, 0.25, 0.0])
    assert np.allclose(shares.low[0], shares.high[0])


def test_an_empty_group_has_no_number():
    calibration = Calibration(tuple(SENTIMENTS), np.ones((3, 12)) * 10)
    shares = estimate(calibration, np.zeros((2, 12), dtype=int))
    assert np.isnan(shares.estimate).all() and shares.n.tolist() == [0, 0]


def test_a_calibration_missing_a_class_says_so_and_stays_wide():
    probs, y = intertass()
    keep = y != 2  # no positive label at all
    calibration = Calibration.from_labels(SENTIMENTS, probs[keep][:200], [SENTIMENTS[i] for i in y[keep][:200]])
    assert any("positive" in note for note in calibration.notes)
    full = Calibration.from_labels(SENTIMENTS, probs[:200], [SENTIMENTS[i] for i in y[:200]])
    group = probs[300:500]
    lacking = estimate_texts(calibration, group)["all"]["positive"]
    complete = estimate_texts(full, group)["all"]["positive"]
    assert lacking["high"] - lacking["low"] > complete["high"] - complete["low"]


def test_labels_outside_the_task_are_refused():
    with pytest.raises(CalibrationError, match="pro_recall"):
        Calibration.from_labels(SENTIMENTS, np.full((2, 3), 1 / 3), ["negative", "pro_recall"])


def test_more_labels_narrow_the_interval_and_the_panel_can_say_how_many():
    probs, y = intertass()
    few = Calibration.from_labels(SENTIMENTS, probs[:40], [SENTIMENTS[i] for i in y[:40]])
    week = cellmod.counts(cellmod.cell_of(probs[100:1100]), few.n_cells)
    needed = labels_to_halve(few, week)
    assert needed is not None and 25 <= needed <= 3200
    before = estimate(few, week[None]).high - estimate(few, week[None]).low
    after = estimate(few.more(needed), week[None]).high - estimate(few.more(needed), week[None]).low
    assert after.mean() <= before.mean() / 2 + 1e-9


def test_cells_read_the_label_and_how_sure():
    p = np.array([[0.9, 0.05, 0.05], [0.2, 0.45, 0.35], [0.3, 0.3, 0.4], [np.nan, np.nan, np.nan]])
    cells = cellmod.cell_of(p)
    assert cells[0] // 4 == 0 and cells[0] % 4 == 3  # negative, very sure
    assert cells[1] // 4 == 1 and cells[1] % 4 == 0  # neutral, unsure
    assert cells[2] // 4 == 2
    assert cells[3] == -1


def _groups(rng, calibration, probs, y, pool, shares, size):
    """Groups of ``size`` texts drawn from ``pool`` with the given class shares: their cell
    counts, true shares and what counting the model's labels says."""
    groups, truths, counted = [], [], []
    for share in shares:
        items, truth = draw(rng, y[pool], share, size)
        items = pool[items]
        groups.append(cellmod.counts(cellmod.cell_of(probs[items]), calibration.n_cells))
        truths.append(truth)
        counted.append(np.bincount(probs[items].argmax(axis=1), minlength=3) / size)
    return np.array(groups), np.array(truths), np.array(counted)


def test_the_interval_is_the_shortest_that_holds_its_share_of_the_posterior():
    """A share near 0 has a lopsided posterior: equal tails stretch its long side. The interval
    must be the shortest holding 90% of the posterior (narrower than equal tails on the same
    draws), and still hold the true share of real groups about 90% of the time."""
    from prevalence.bayes import sample_shares

    probs, y = intertass()
    rng = np.random.default_rng(11)
    order = rng.permutation(len(y))
    cal, pool = order[:300], order[300:]
    calibration = Calibration.from_labels(SENTIMENTS, probs[cal], [SENTIMENTS[i] for i in y[cal]])
    groups, truths, _ = _groups(rng, calibration, probs, y, pool, rng.dirichlet(np.ones(3), 150), 50)
    shares = estimate(calibration, groups)
    draws = sample_shares(calibration.concentration(), groups)
    tails_low, tails_high = np.quantile(draws, [0.05, 0.95], axis=0)
    inside = ((draws >= shares.low - 1e-12) & (draws <= shares.high + 1e-12)).mean(axis=0)
    assert (inside >= 0.90 - 1e-9).all()  # each interval holds its 90% of the posterior
    assert (shares.low <= shares.estimate + 1e-12).all() and (shares.estimate <= shares.high + 1e-12).all()
    assert (shares.high - shares.low).mean() < 0.96 * (tails_high - tails_low).mean()
    covered = (truths >= shares.low - 1e-9) & (truths <= shares.high + 1e-9)
    assert covered.mean() >= 0.85


def test_shortest_interval_of_a_lopsided_posterior_starts_at_its_edge():
    from prevalence.shares import shortest_interval

    draws = np.random.default_rng(0).exponential(1.0, (4000, 1, 1))
    low, high = shortest_interval(draws, 0.9, draws.mean(axis=0))
    assert low[0, 0] < 0.01 and abs(high[0, 0] - np.log(10)) < 0.15  # [0, the 90% quantile]
    assert high[0, 0] - low[0, 0] < np.diff(np.quantile(draws, [0.05, 0.95]))[0] - 0.5


def test_near_the_usual_mix_the_estimate_is_about_as_good_as_counting():
    """Days near the mix the model suits: counting is steady there, and the posterior mean alone
    is noisier (undoing the model's errors amplifies 50 texts' noise: on these draws the posterior
    mean's error is 1.00 x counting's, the estimate's 0.94 x). The estimate leans on the count
    where the two agree: it must beat counting there, while under the artificial protocol (shares
    anywhere, where counting is biased) it must still beat counting clearly (0.78 x)."""
    probs, y = intertass()
    natural = np.bincount(y, minlength=3) / len(y)
    errors = {"mild": [], "app": []}
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        order = rng.permutation(len(y))
        cal, pool = order[:300], order[300:]
        calibration = Calibration.from_labels(SENTIMENTS, probs[cal], [SENTIMENTS[i] for i in y[cal]])
        protocols = [("mild", rng.dirichlet(30 * natural, 100))] + ([("app", rng.dirichlet(np.ones(3), 100))] if seed < 2 else [])
        for protocol, shares in protocols:
            groups, truths, counted = _groups(rng, calibration, probs, y, pool, shares, 50)
            found = estimate(calibration, groups)
            errors[protocol].append((np.abs(found.estimate - truths).mean(), np.abs(counted - truths).mean()))
    mild, app = np.mean(errors["mild"], axis=0), np.mean(errors["app"], axis=0)
    assert mild[0] <= 0.97 * mild[1], mild
    assert app[0] <= 0.85 * app[1], app


def test_a_bundled_stand_in_keeps_equal_tails():
    """Before the campaign has its own labels of every class the posterior's shape comes from
    texts elsewhere: the interval then does not lean on it (equal tails, measured more robust)."""
    from prevalence.bayes import sample_shares

    probs, y = intertass()
    bundled = Calibration.from_labels(SENTIMENTS, probs, [SENTIMENTS[i] for i in y], source="InterTASS PE")
    calibration = Calibration.from_labels(SENTIMENTS, probs[:0], [], bundled=bundled)
    assert not calibration.in_domain
    group = cellmod.counts(cellmod.cell_of(probs[:200]), calibration.n_cells)[None]
    shares = estimate(calibration, group)
    low, high = np.quantile(sample_shares(calibration.concentration(), group), [0.05, 0.95], axis=0)
    assert np.allclose(np.minimum(low, shares.estimate), shares.low) and np.allclose(np.maximum(high, shares.estimate), shares.high)


def _end_to_end_search(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The sampler's former inverse-CDF step: every row normalised, shifted by its number, laid
    end to end and searched once (what ``bayes._inverse_cdf`` must give, draw for draw)."""
    rows, m = cdf.shape
    offsets = np.arange(rows, dtype=np.float64)[:, None]
    idx = np.searchsorted((cdf / cdf[:, -1:] + offsets).ravel(), (u + offsets).ravel()).reshape(u.shape)
    return np.clip(idx - offsets.astype(np.int64) * m, 0, m - 1)


def test_the_inverse_cdf_bisection_draws_exactly_what_the_end_to_end_search_drew():
    from prevalence.bayes import _inverse_cdf

    rng = np.random.default_rng(11)
    m = 703
    weights = np.exp(-rng.gamma(2.0, 40.0, (3000, m)))  # mostly peaked rows, many exp-underflow zeros
    weights[:5] = 0.0
    weights[:5, 17] = 1.0  # all the mass on one grid point
    weights[5] = 1.0  # flat
    cdf = np.cumsum(weights, axis=1)
    u = rng.random((3000, 2))
    u[7] = [0.0, np.nextafter(1.0, 0.0)]  # the extremes a generator can return
    assert np.array_equal(_inverse_cdf(cdf, u), _end_to_end_search(cdf, u))


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 9, 401])
def test_the_inverse_cdf_finds_the_same_draws_on_any_grid_size(m):
    # The bisection's ladder of steps must reach the last grid point whatever the grid's length.
    from prevalence.bayes import _inverse_cdf

    rng = np.random.default_rng(m)
    weights = np.exp(-rng.gamma(2.0, 5.0, (400, m))) * (rng.random((400, m)) < 0.6)
    weights[:, -1] += 1e-3  # every row has some mass
    weights[:50] = 0.0
    weights[:50, -1] = 1.0  # all the mass on the last point: every draw lands there
    cdf = np.cumsum(weights, axis=1)
    u = rng.random((400, 3))
    u[60] = [0.0, 0.5, np.nextafter(1.0, 0.0)]
    assert np.array_equal(_inverse_cdf(cdf, u), _end_to_end_search(cdf, u))
    assert np.array_equal(_inverse_cdf(np.ascontiguousarray(cdf.T).T, u), _end_to_end_search(cdf, u))  # as the sampler lays it
    assert (_inverse_cdf(cdf[:50], u[:50]) == m - 1).all()


def _groups_to_sample(rng: np.random.Generator, n_cells: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Day-like groups: 0 to ~2,000 texts, some empty, some with an analyst's labels, some repeated."""
    sizes = np.concatenate([[0, 0, 1, 2, 3], rng.integers(0, 2000, 60), rng.integers(0, 30, 40)])
    cells = np.stack([rng.multinomial(s, rng.dirichlet(np.ones(n_cells))) for s in sizes])
    known = np.where(rng.random((len(sizes), 1)) < 0.2, rng.integers(0, 5, (len(sizes), n_classes)), 0)
    known[:2] = 0  # two groups with no text at all
    repeat = rng.integers(0, len(sizes), 25)
    return np.vstack([cells, cells[repeat]]), np.vstack([known, known[repeat]])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sampling_on_several_threads_draws_exactly_what_one_thread_draws(n_classes, monkeypatch):
    """The page's ~800 daily groups are sampled on every core: each group's draws must be the
    ones one thread gives (stored estimates are compared with recomputed ones), and the work must
    really run on the pool's threads."""
    import threading

    from prevalence import bayes

    rng = np.random.default_rng(20 + n_classes)
    n_cells = n_classes * 4
    calibration = rng.gamma(2.0, 20.0, (n_classes, n_cells))
    cells, known = _groups_to_sample(rng, n_cells, n_classes)
    one = bayes.sample_shares(calibration, cells, known, chunk=7, threads=1)
    empty = cells.sum(axis=1) + known.sum(axis=1) == 0
    assert empty[:2].all() and np.array_equal(np.isnan(one).all(axis=(0, 2)), empty)
    assert not np.isnan(one[:, ~empty]).any()
    seen: set[str] = set()
    split = bayes.split

    def recorded(*a, **k):
        seen.add(threading.current_thread().name)
        return split(*a, **k)

    monkeypatch.setattr(bayes, "split", recorded)
    for threads in (2, 3):
        many = bayes.sample_shares(calibration, cells, known, chunk=7, threads=threads)
        assert np.array_equal(many, one, equal_nan=True), threads
    assert seen and all(name.startswith("shares") for name in seen)
    # The CDFs summed over fewer Q draws at a time (and 260 draws: a block and a scan cut short).
    longer = bayes.sample_shares(calibration, cells, known, q_draws=260, chunk=7, threads=2)
    monkeypatch.setattr(bayes, "SCAN_DRAWS", 2 * bayes.Q_BLOCK)
    assert np.array_equal(bayes.sample_shares(calibration, cells, known, chunk=7, threads=1), one, equal_nan=True)
    assert np.array_equal(bayes.sample_shares(calibration, cells, known, q_draws=260, chunk=7, threads=1), longer, equal_nan=True)
    seen.clear()
    monkeypatch.setenv("VIGIA_SHARE_THREADS", "1")
    assert np.array_equal(bayes.sample_shares(calibration, cells, known, chunk=7), one, equal_nan=True)
    assert seen == {threading.current_thread().name}  # one thread: the caller's, no pool


def test_the_floor_under_a_large_groups_log_mass_changes_no_draw(monkeypatch):
    """Days of thousands of texts put most grid points below exp()'s normal range (the floor
    makes exp ~10x faster there): the draws are those of the posterior computed without it."""
    from prevalence import bayes

    rng = np.random.default_rng(5)
    for n_classes in (2, 3):
        n_cells = n_classes * 4
        calibration = rng.gamma(2.0, 20.0, (n_classes, n_cells))
        sizes = [2500, 5000, 20000, 40, 3]
        cells = np.stack([rng.multinomial(s, rng.dirichlet(np.ones(n_cells))) for s in sizes])
        floored = bayes.sample_shares(calibration, cells, threads=1)
        monkeypatch.setattr(bayes, "LOG_FLOOR", -np.inf)
        assert np.array_equal(bayes.sample_shares(calibration, cells, threads=1), floored)
        monkeypatch.undo()
        # the floor was reached: some grid point of these posteriors lies below it
        q, blocks = bayes._mixture(calibration.tobytes(), calibration.shape, 240, 0, bayes.GRID_STEPS[n_classes])
        loglik = blocks[0] @ cells[0].astype(bayes.GRID_DTYPE)
        assert (loglik - loglik.max() < bayes.LOG_FLOOR).any()


def test_a_large_groups_texts_drawn_from_their_normal_law_match_the_exact_draws(monkeypatch):
    """From NORMAL_TEXTS texts a group's class totals come from their normal law: the same
    mean, spread and tails as one multinomial per cell, whole texts adding up, none negative."""
    from prevalence import bayes

    rng = np.random.default_rng(8)
    for n_texts, concentration in ((bayes.NORMAL_TEXTS, 0.7), (1000, 0.7), (4000, 0.3)):
        counts = rng.multinomial(n_texts, rng.dirichlet(np.ones(12)))
        weights = np.broadcast_to(rng.dirichlet(np.ones(3) * concentration, size=12), (20000, 12, 3))
        exact = bayes.split(np.random.default_rng(1), np.broadcast_to(counts, (20000, 12)), weights).sum(axis=-2)
        normal = bayes.split_normal(np.random.default_rng(2), counts, weights)
        assert (normal.sum(axis=-1) == n_texts).all() and (normal >= 0).all() and (normal == np.rint(normal)).all()
        assert np.allclose(normal.mean(axis=0), exact.mean(axis=0), atol=0.5)
        assert np.allclose(normal.std(axis=0), exact.std(axis=0), rtol=0.03)
        for q in (0.05, 0.95):
            assert np.abs(np.quantile(normal, q, axis=0) - np.quantile(exact, q, axis=0)).max() <= 1.0
    # a class hardly any text can hold: never below 0, the texts still add up
    edge = bayes.split_normal(np.random.default_rng(3), np.full(12, 100), np.broadcast_to([0.998, 0.0019, 0.0001], (5000, 12, 3)))
    assert (edge >= 0).all() and (edge.sum(axis=-1) == 1200).all() and edge[:, 2].mean() < 0.3
    # the sampler's intervals for groups of 200 (the smallest drawn so) and 1,500 texts are those
    # of the exact draws (the same shares drawn, then the texts' classes two ways: 2,400 draws,
    # so that 240's Monte Carlo noise, ~0.01 at the 5% quantile, does not hide a difference)
    calibration = rng.gamma(2.0, 20.0, (3, 12))
    groups = np.stack([rng.multinomial(size, rng.dirichlet(np.ones(12))) for size in (bayes.NORMAL_TEXTS, 1500)])
    quick = np.quantile(bayes.sample_shares(calibration, groups, q_draws=2400, threads=1), [0.05, 0.5, 0.95], axis=0)
    monkeypatch.setattr(bayes, "NORMAL_TEXTS", 10**9)
    exact = np.quantile(bayes.sample_shares(calibration, groups, q_draws=2400, threads=1), [0.05, 0.5, 0.95], axis=0)
    assert np.abs(quick - exact).max() <= 2 / 200 + 1e-9  # two texts of the 200


def test_the_share_threads_setting_is_read_and_checked(monkeypatch):
    from prevalence.bayes import MAX_THREADS, share_threads

    monkeypatch.delenv("VIGIA_SHARE_THREADS", raising=False)
    assert 1 <= share_threads() <= MAX_THREADS
    monkeypatch.setenv("VIGIA_SHARE_THREADS", "3")
    assert share_threads() == 3
    for wrong in ("0", "two", "-1", "1.5"):
        monkeypatch.setenv("VIGIA_SHARE_THREADS", wrong)
        with pytest.raises(ValueError, match="VIGIA_SHARE_THREADS"):
            share_threads()
