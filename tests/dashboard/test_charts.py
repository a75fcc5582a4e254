"""Chart specs: what the analyst would see wrong if they broke."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import security


def test_the_crime_figures_chart_fits_its_column_spans_the_texts_months_and_tells_lines_apart() -> None:
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"]),
                            "documents": [5, 9, 4], "share_negative": [0.2, 0.5, 0.4]})
    figures = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-09-01", "2026-09-01"]),
                            "indicator": ["hurtos", "robos", "hurtos", "robos"], "value": [212, 96, 180, 90]})
    spec = security(monthly, figures, "Denuncias (PNP)")
    texts_row, figures_row = spec["vconcat"]
    assert texts_row["width"] == figures_row["width"] == spec["width"] == "container"
    # no month before the texts start: January's figures are left out
    assert spec["datasets"]["figures"]["month"].min() == pd.Timestamp("2026-09-01")
    encoding = figures_row["encoding"]
    assert encoding["color"]["field"] == encoding["strokeDash"]["field"] == "indicator"
    assert encoding["color"]["legend"]["orient"] == "bottom"
    assert len(security(monthly, None, "")["vconcat"]) == 1
