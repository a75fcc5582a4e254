"""Finding the days that stand out: a spike is a day far above the weeks before it.

A day is compared with the ``window`` days before it (at least ``min_history`` of them): counts
(volume, each stance) spike when they pass both the mean plus ``z`` standard deviations and twice
the mean, and a floor; the share of texts negative toward the target spikes when it passes its
usual share by ``z`` deviations and by 15 points, on enough texts.

Given the day's *estimated* shares (``shares``: ``warehouse.shares``, each with a 90% interval),
negativity and stance fire on the interval, not on the count of the model's labels: the share
negative toward the target spikes only when even the low end of the day's interval is 15 points
above the usual share, and a stance only when the low end of its estimated number of texts
passes the count rules. A jump inside the noise (few texts, or texts the model reads unsure) is
not a spike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

METRICS = {
    "volume": "documents",
    "target_negative": "share negative toward the target",
    "pro_recall": "texts for the recall",
    "anti_recall": "texts against the recall",
}


@dataclass(frozen=True)
class Spike:
    day: date
    metric: str        # a key of METRICS
    value: float       # that day's count or share
    baseline: float    # the mean of the days before
    n: int             # texts the value rests on
    low: float | None = None   # the value's 90% interval, when it was estimated
    high: float | None = None
    query: str = ""    # the query whose texts were watched ('' : every text)

    def describe(self) -> str:
        what = METRICS[self.metric] + (f" matching {self.query}" if self.query else "")
        if self.metric == "target_negative":
            band = f" ({self.low:.0%}–{self.high:.0%})" if self.low is not None else ""
            return f"{self.day}: {what} {self.value:.0%}{band} (usually {self.baseline:.0%}, on {self.n} texts)"
        band = f" ({self.low:.0f}–{self.high:.0f})" if self.low is not None else ""
        return f"{self.day}: {self.value:.0f}{band} {what} (usually {self.baseline:.1f} a day)"


def _count_spikes(series: pd.Series, metric: str, window: int, min_history: int, z: float, floor: float) -> list[Spike]:
    # Vectorised: a year of days tested one by one through pandas took 0.3 s a metric.
    history = series.shift(1).rolling(window, min_periods=min_history)
    mean, std = history.mean(), history.std().fillna(0)
    hit = mean.notna() & (series >= floor) & (series > mean + z * std.clip(lower=1.0)) & (series >= 2 * mean)
    return [Spike(day.date(), metric, float(value), float(m), int(value))
            for day, value, m in zip(series.index[hit], series[hit], mean[hit], strict=True)]


def _daily_share(shares: pd.DataFrame, label: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    """One label's daily estimate, interval and texts, on every day (NaN where none)."""
    rows = shares[shares["label"] == label].copy()
    day = "period_start" if "period_start" in rows else "day"
    rows.index = pd.to_datetime(rows[day])
    return rows[["estimate", "low", "high", "n"]].astype(float).groupby(level=0).first().reindex(days)


def _share_spikes(frame: pd.DataFrame, window: int, min_history: int, min_texts: int) -> list[Spike]:
    """Negativity toward the target on the interval: the day's low end 15 points above usual."""
    weighted = (frame["estimate"] * frame["n"]).fillna(0)
    texts = frame["n"].fillna(0)
    usual = (weighted.shift(1).rolling(window, min_periods=min_history).sum()
             / texts.shift(1).rolling(window, min_periods=min_history).sum().replace(0, float("nan")))
    # Vectorised, as _count_spikes: a year of days tested row by row took ~0.1 s a query.
    hit = frame["low"].notna() & usual.notna() & ~(frame["n"] < min_texts) & (frame["low"] >= usual + 0.15)
    return [Spike(day.date(), "target_negative", float(row.estimate), float(m), int(row.n), float(row.low), float(row.high))
            for day, row, m in zip(frame.index[hit], frame[hit].itertuples(index=False), usual[hit], strict=True)]


def _stance_spikes(frame: pd.DataFrame, metric: str, window: int, min_history: int, z: float, floor: float) -> list[Spike]:
    """One stance's estimated number of texts a day, on the interval: its low end must pass the count rules."""
    count = (frame["estimate"] * frame["n"]).fillna(0)
    low, high = (frame["low"] * frame["n"]).fillna(0), (frame["high"] * frame["n"]).fillna(0)
    history = count.shift(1).rolling(window, min_periods=min_history)
    mean, std = history.mean(), history.std().fillna(0)
    hit = mean.notna() & (low >= floor) & (low > mean + z * std.clip(lower=1.0)) & (low >= 2 * mean)
    return [Spike(day.date(), metric, float(c), float(m), int(n), float(lo), float(hi))
            for day, c, m, n, lo, hi in zip(frame.index[hit], count[hit], mean[hit], frame["n"][hit], low[hit], high[hit],
                                            strict=True)]


def find_spikes(
    daily: pd.DataFrame, *, window: int = 28, min_history: int = 7, z: float = 3.0,
    min_count: int = 10, min_target: int = 10, shares: dict[str, pd.DataFrame] | None = None,
    days: tuple[date, date] | None = None,
) -> list[Spike]:
    """Spikes in a daily frame with ``day``, ``n_docs``, ``n_target``, ``n_target_negative``,
    ``n_pro_recall``, ``n_anti_recall`` (several rows a day are summed); oldest first. ``days``:
    the days the frame covers, those without a row being zeros (default: its first to last row).

    ``shares``: the days' estimated shares per task (``target_sentiment``, ``stance``: frames
    with ``period_start`` or ``day``, ``label``, ``estimate``, ``low``, ``high``, ``n``); when a
    task is there, its spikes fire on the interval instead of the counts."""
    if daily.empty:
        return []
    shares = shares or {}
    per_day = daily.groupby(pd.to_datetime(daily["day"])).sum(numeric_only=True)
    first, last = (per_day.index.min(), per_day.index.max()) if days is None else map(pd.Timestamp, days)
    per_day = per_day.reindex(pd.date_range(first, last, freq="D"), fill_value=0)
    spikes = _count_spikes(per_day["n_docs"], "volume", window, min_history, z, min_count)
    for stance in ("pro_recall", "anti_recall"):
        if shares.get("stance") is not None and len(shares["stance"]):
            spikes += _stance_spikes(_daily_share(shares["stance"], stance, per_day.index), stance, window, min_history,
                                     z, min_count)
        else:
            spikes += _count_spikes(per_day[f"n_{stance}"], stance, window, min_history, z, min_count)
    if shares.get("target_sentiment") is not None and len(shares["target_sentiment"]):
        spikes += _share_spikes(_daily_share(shares["target_sentiment"], "negative", per_day.index), window, min_history,
                                max(3, min_target // 2))
        return sorted(spikes, key=lambda s: (s.day, s.metric))
    enough = per_day["n_target"] >= max(3, min_target // 2)
    share = (per_day["n_target_negative"] / per_day["n_target"]).where(enough)
    history = share.shift(1).rolling(window, min_periods=min_history)
    mean, std = history.mean(), history.std().fillna(0)
    hit = (share.notna() & mean.notna() & (per_day["n_target"] >= min_target) & (share >= mean + 0.15)
           & (share > mean + z * std.clip(lower=0.05)))
    spikes += [Spike(day.date(), "target_negative", float(value), float(m), int(n))
               for day, value, m, n in zip(share.index[hit], share[hit], mean[hit], per_day["n_target"][hit], strict=True)]
    return sorted(spikes, key=lambda s: (s.day, s.metric))


@dataclass(frozen=True)
class Watch:
    """What one rule watches (``warehouse.alert_rules.AlertRule`` has these fields)."""

    metric: str
    query: str = ""
    z: float = 3.0
    min_count: int = 10
    window_days: int = 28


def detect(con, sel, rules: Sequence[Watch], *, min_history: int = 7) -> list[tuple[Watch, Spike]]:
    """The spikes of each rule inside the selection's range, each day measured against the
    ``window_days`` days before it (a fixed trailing baseline: read from before the range, so
    viewing one day alone or a month gives that day the same verdict). A rule's query replaces
    the selection's. Oldest first."""
    from warehouse.series import bounds
    from warehouse.trends import daily, day_range

    span, data = bounds(con, sel), day_range(con, sel.campaign)
    if span is None or data is None or not rules:
        return []
    from warehouse.shares import day_shares

    start, end = span
    found: list[tuple[Watch, Spike]] = []
    frames: dict[tuple[str, int], tuple[pd.DataFrame, dict]] = {}
    for rule in rules:
        key = (rule.query if rule.query else sel.query, rule.window_days)
        if key not in frames:
            history = replace(sel, query=key[0], start=start - timedelta(days=rule.window_days), end=end)
            # negativity and stance fire on their daily intervals (warehouse.shares)
            frames[key] = (daily(con, history)[0], day_shares(con, history))
        frame, estimated = frames[key]
        found += [(rule, s) for s in in_range(frame, rule, start, end, data[0], min_history, shares=estimated)]
    return sorted(found, key=lambda pair: (pair[1].day, pair[1].metric, pair[0].query))


def in_range(daily: pd.DataFrame, rule: Watch, start: date, end: date, first_data_day: date,
             min_history: int = 7, shares: dict[str, pd.DataFrame] | None = None) -> list[Spike]:
    """The spikes of ``rule`` between ``start`` and ``end`` in a daily frame that reaches back
    ``rule.window_days`` before ``start`` (``warehouse.trends.daily`` over that span, or
    ``warehouse.series.Comparison.daily`` read with ``history_days``). Days before the
    campaign's first text are no history; after it, a day without a row is a day without texts.
    ``shares``: the days' estimated shares (``warehouse.shares.day_shares`` over the same span):
    negativity and stance then fire on their intervals."""
    return rules_in_range(daily, [rule], start, end, first_data_day, min_history, shares)


def rules_in_range(daily: pd.DataFrame, rules: Sequence[Watch], start: date, end: date, first_data_day: date,
                   min_history: int = 7, shares: dict[str, pd.DataFrame] | None = None) -> list[Spike]:
    """:func:`in_range` for several rules on the same frame, oldest first: the days are
    searched once per distinct window and thresholds (a page's rules on every metric usually
    share them), not once per rule."""
    found: dict[tuple[int, float, int], list[Spike]] = {}
    out = []
    for rule in rules:
        key = (rule.window_days, rule.z, rule.min_count)
        if key not in found:
            covered = (max(start - timedelta(days=rule.window_days), first_data_day), end)
            found[key] = find_spikes(daily, window=rule.window_days, min_history=min_history, z=rule.z,
                                     min_count=rule.min_count, min_target=rule.min_count, days=covered, shares=shares)
        out += [replace(s, query=rule.query) for s in found[key] if s.metric == rule.metric and start <= s.day <= end]
    return sorted(out, key=lambda s: (s.day, s.metric))


def spikes_in_view(con, sel, *, window: int = 28, min_history: int = 7, z: float = 3.0,
                   min_count: int = 10) -> list[Spike]:
    """Every metric's spikes in the selection's range against the fixed trailing baseline
    (:func:`detect` with one rule per metric and the selection's query)."""
    rules = [Watch(m, "", z, min_count, window) for m in METRICS]
    return [spike for _, spike in detect(con, sel, rules, min_history=min_history)]
