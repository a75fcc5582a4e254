"""Finding the days that stand out: a spike is a day far above the weeks before it.

A day is compared with the ``window`` days before it (at least ``min_history`` of them): counts
(volume, each stance) spike when they pass both the mean plus ``z`` standard deviations and twice
the mean, and a floor; the share of texts negative toward the target spikes when it passes its
usual share by ``z`` deviations and by 15 points, on enough texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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

    def describe(self) -> str:
        what = METRICS[self.metric]
        if self.metric == "target_negative":
            return f"{self.day}: {what} {self.value:.0%} (usually {self.baseline:.0%}, on {self.n} texts)"
        return f"{self.day}: {self.value:.0f} {what} (usually {self.baseline:.1f} a day)"


def _count_spikes(series: pd.Series, metric: str, window: int, min_history: int, z: float, floor: float) -> list[Spike]:
    found = []
    history = series.shift(1).rolling(window, min_periods=min_history)
    mean, std = history.mean(), history.std().fillna(0)
    for day, value in series.items():
        m, s = mean.get(day), std.get(day)
        if pd.isna(m):
            continue
        if value >= floor and value > m + z * max(s, 1.0) and value >= 2 * m:
            found.append(Spike(day.date(), metric, float(value), float(m), int(value)))
    return found


def find_spikes(
    daily: pd.DataFrame, *, window: int = 28, min_history: int = 7, z: float = 3.0,
    min_count: int = 10, min_target: int = 10,
) -> list[Spike]:
    """Spikes in a daily frame with ``day``, ``n_docs``, ``n_target``, ``n_target_negative``,
    ``n_pro_recall``, ``n_anti_recall`` (several rows a day are summed); oldest first."""
    if daily.empty:
        return []
    per_day = daily.groupby(pd.to_datetime(daily["day"])).sum(numeric_only=True)
    per_day = per_day.reindex(pd.date_range(per_day.index.min(), per_day.index.max(), freq="D"), fill_value=0)
    spikes = _count_spikes(per_day["n_docs"], "volume", window, min_history, z, min_count)
    for stance in ("pro_recall", "anti_recall"):
        spikes += _count_spikes(per_day[f"n_{stance}"], stance, window, min_history, z, min_count)
    enough = per_day["n_target"] >= max(3, min_target // 2)
    share = (per_day["n_target_negative"] / per_day["n_target"]).where(enough)
    history = share.shift(1).rolling(window, min_periods=min_history)
    mean, std = history.mean(), history.std().fillna(0)
    for day, value in share.items():
        m = mean.get(day)
        if pd.isna(value) or pd.isna(m) or per_day.at[day, "n_target"] < min_target:
            continue
        if value >= m + 0.15 and value > m + z * max(std.get(day), 0.05):
            spikes.append(Spike(day.date(), "target_negative", float(value), float(m), int(per_day.at[day, "n_target"])))
    return sorted(spikes, key=lambda s: (s.day, s.metric))
