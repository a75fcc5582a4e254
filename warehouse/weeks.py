"""Weeks for the weekly charts, honest about the range's partial first and last weeks.

A week starts on Monday and is labelled by its first day. When the range starts or ends inside
a week, that week holds only the range's days: it is labelled by its first day *in the range*,
and ``days`` says how many days it covers (``partial`` when fewer than 7), so a chart can draw it
narrower or mark it instead of showing 3 texts on one day as a full week.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd


def week_start(day: pd.Series, first_day: date | None = None) -> pd.Series:
    """The Monday of each day's week, or ``first_day`` when the week began before it."""
    days = pd.to_datetime(day)
    monday = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if first_day is not None:
        monday = monday.where(monday >= pd.Timestamp(first_day), pd.Timestamp(first_day))
    return monday


def weekly(
    daily: pd.DataFrame, start: date, end: date, sums: Sequence[str], by: Sequence[str] = ()
) -> pd.DataFrame:
    """Sum ``sums`` of a frame with a ``day`` column into weeks of the range ``start``..``end``
    (``by``: further grouping columns). Every week of the range is there, empty ones with zeros.
    Columns: ``week`` (first day in the range), ``week_end`` (last day in the range), ``days``,
    ``partial``, the ``by`` columns, then ``sums``."""
    weeks = pd.DataFrame({"day": pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")})
    weeks["week"] = week_start(weeks["day"], start)
    spans = weeks.groupby("week")["day"].agg(["min", "max", "count"]).reset_index()
    spans.columns = ["week", "first", "week_end", "days"]
    frame = daily[(pd.to_datetime(daily["day"]) >= pd.Timestamp(start))
                  & (pd.to_datetime(daily["day"]) <= pd.Timestamp(end))].copy()
    frame["week"] = week_start(frame["day"], start)
    totals = frame.groupby(["week", *by], as_index=False)[list(sums)].sum()
    if by:
        keys = frame[list(by)].drop_duplicates()
        grid = spans[["week"]].merge(keys, how="cross")
    else:
        grid = spans[["week"]]
    out = grid.merge(totals, on=["week", *by], how="left").fillna({c: 0 for c in sums})
    out = out.merge(spans[["week", "week_end", "days"]], on="week")
    out["partial"] = out["days"] < 7
    return out[["week", "week_end", "days", "partial", *by, *sums]].sort_values(["week", *by]).reset_index(drop=True)
