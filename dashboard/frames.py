"""Tables of crawled rows as the page shows them: every text cell through the renderer
(``render.crawled``: no format or control characters, cut to a cell's length), links only in
link columns and only to plain http(s) addresses."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from render import CELL, crawled, safe_url

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
