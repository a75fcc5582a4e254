"""Tables as the page shows them: every text cell of crawled rows through the renderer
(``render.crawled``: no format or control characters, cut to a cell's length), links only in
link columns and only to plain http(s) addresses (:func:`shown`); every number written in the
page's language, not the browser's (:func:`numbers_in`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from render import CELL, crawled, safe_url

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from dashboard.i18n import Texts

LINK_COLUMNS = ("url", "source")


def shown(frame: pd.DataFrame, *, links: Collection[str] = LINK_COLUMNS, limit: int = CELL) -> pd.DataFrame:
    """A copy of ``frame`` fit to show: text cells (and the texts inside list cells) rendered,
    ``links`` columns kept only where they hold an http(s) address. Numbers, dates and None
    stay as they are."""
    def cell(value: object) -> object:
        if isinstance(value, str):
            return crawled(value, limit=limit)
        if isinstance(value, list | tuple):
            return [crawled(v, limit=limit) if isinstance(v, str) else v for v in value]
        if hasattr(value, "tolist") and getattr(value, "dtype", None) is not None and value.dtype == object:
            return [crawled(v, limit=limit) if isinstance(v, str) else v for v in value.tolist()]
        return value

    out = frame.copy()
    for column in out.columns:
        if column in links:
            out[column] = out[column].map(safe_url)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(cell)
    out.columns = [crawled(c, limit=limit) if isinstance(c, str) else c for c in out.columns]
    return out


def numbers_in(frame: pd.DataFrame, t: Texts, *, percents: Collection[str] = (), digits: Mapping[str, int] | None = None,
               plain: Collection[str] = ()) -> Styler:
    """``frame`` with every cell written as the page's language writes it (Babel, through ``t``):
    whole numbers grouped ("1.234" on the Spanish page, "1,234" on the English one), the
    ``percents`` columns (shares from 0 to 1) as percentages with one decimal ("12,5%"), other
    decimals with ``digits[column]`` places (2 unless said), the ``plain`` columns (ids) ungrouped,
    a missing value empty.

    The cells keep their numbers, so a column still sorts as numbers; what the browser draws is
    the text (st.dataframe draws a Styler's text for a number column whose ``column_config`` sets
    no ``format``). A ``format`` (``"localized"``, ``"percent"``) would be the browser's locale
    instead, and a printf one (``"%.2f"``) always writes a decimal point."""
    digits = dict(digits or {})

    def missing(value: object) -> bool:
        return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))

    def writer(column: str, series: pd.Series) -> Callable[[object], str]:
        if column in plain:
            return lambda v: "" if missing(v) else str(int(v)) if float(v).is_integer() else str(v)
        if column in percents:
            return lambda v: "" if missing(v) else t.percent(float(v), 1)
        if pd.api.types.is_bool_dtype(series):
            return lambda v: "" if missing(v) else str(v)
        if pd.api.types.is_integer_dtype(series):
            return lambda v: "" if missing(v) else t.number(int(v))
        if pd.api.types.is_float_dtype(series):
            places = digits.get(column, 2)
            return lambda v: "" if missing(v) else t.number(float(v), places)
        if pd.api.types.is_datetime64_any_dtype(series):
            known = series.dropna()
            shape = "%Y-%m-%d" if (known == known.dt.normalize()).all() else "%Y-%m-%d %H:%M"  # days, or moments
            return lambda v: "" if missing(v) else pd.Timestamp(v).strftime(shape)
        # Text, dates, lists: as they are (the Styler would write a missing one "nan").
        return lambda v: "" if missing(v) else str(v)

    return frame.style.format({column: writer(column, frame[column]) for column in frame.columns})
