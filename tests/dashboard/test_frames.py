"""Tables' numbers written in the page's language (``dashboard.frames.numbers_in``)."""

from __future__ import annotations

import pandas as pd

from dashboard.frames import numbers_in
from dashboard.i18n import Texts

FRAME = pd.DataFrame({"outlet": ["rpp.pe", None], "texts": [1234, 7], "share": [0.125, None], "score": [-0.6234, 0.5],
                      "run_id": [12345, 7], "when": pd.to_datetime(["2026-10-05 10:30", None])})


def written(lang: str) -> pd.DataFrame:
    styled = numbers_in(FRAME, Texts(lang), percents=("share",), digits={"score": 2}, plain=("run_id",))
    styled._compute()
    return pd.DataFrame([[cell["display_value"] for cell in row[1:]] for row in styled._translate(False, False)["body"]],
                        columns=FRAME.columns)


def test_counts_shares_and_decimals_read_as_the_page_language_writes_them() -> None:
    spanish, english = written("es"), written("en")
    assert spanish.iloc[0].tolist()[1:5] == ["1.234", "12,5%", "-0,62", "12345"]
    assert english.iloc[0].tolist()[1:5] == ["1,234", "12.5%", "-0.62", "12345"]  # an id is never grouped


def test_a_missing_value_is_an_empty_cell_not_nan_and_the_numbers_stay_numbers() -> None:
    assert written("es").iloc[1].tolist() == ["", "7", "", "0,50", "7", ""]
    styled = numbers_in(FRAME, Texts("es"), percents=("share",))
    assert styled.data["texts"].dtype == "int64" and styled.data["share"].dtype == "float64"  # still sorts as numbers
