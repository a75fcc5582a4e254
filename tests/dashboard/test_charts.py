"""Chart specs: what the analyst would see wrong if they broke."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.charts import official_figures, security


def test_the_crime_figures_chart_fits_its_column_spans_the_texts_months_and_tells_lines_apart() -> None:
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"]),
                            "documents": [5, 9, 4], "share_negative": [0.2, 0.5, 0.4]})
    figures = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-09-01", "2026-09-01"]),
                            "indicator": ["hurtos", "robos", "hurtos", "robos"], "value": [212, 96, 180, 90]})
    texts, official = security(monthly), official_figures(monthly, figures, "Denuncias (PNP)")
    # two single views as wide as their column (the old two-row concatenation was drawn 1,118 px
    # in a 980 px column), on the same months: those with texts, and no other
    assert texts["width"] == official["width"] == "container" and "vconcat" not in texts
    months = ["Aug 2026", "Sep 2026", "Oct 2026"]
    assert texts["layer"][0]["encoding"]["x"]["scale"]["domain"] == months
    assert official["encoding"]["x"]["scale"]["domain"] == months
    assert set(official["datasets"]["figures"]["month_label"]) == {"Sep 2026"}  # January's figures left out
    encoding = official["encoding"]
    assert encoding["color"]["field"] == encoding["strokeDash"]["field"] == encoding["shape"]["field"] == "indicator"
    assert encoding["color"]["legend"]["orient"] == "bottom"
    assert official_figures(monthly, figures[figures["month"] < "2026-02-01"], "") is None


def test_weekly_bars_show_counts_and_a_partial_week_as_partial() -> None:
    from dashboard.charts import stance
    from warehouse.weeks import weekly

    # 2026-10-04 is a Sunday: a one-day first week holding 3 texts, then a full week.
    days = pd.DataFrame({"day": pd.date_range("2026-10-04", "2026-10-11"), "n_pro_recall": [3, 1, 1, 1, 1, 1, 1, 1],
                         "n_anti_recall": [0] * 8})
    weeks = weekly(days, date(2026, 10, 4), date(2026, 10, 11), ["n_pro_recall", "n_anti_recall"]).melt(
        id_vars=["week", "week_end", "days", "partial"], var_name="stance", value_name="documents")
    weeks["stance"] = weeks["stance"].str.removeprefix("n_")
    spec = stance(weeks, pd.DataFrame(columns=["day", "label", "who"]))
    bars = spec["layer"][0]
    assert "normalize" not in str(bars) and bars["encoding"]["y"]["field"] == "top"  # counts, not a 100% stack
    frame = spec["datasets"]["stance"]
    first = frame[frame["week"] == pd.Timestamp("2026-10-04")]
    assert (first["week_stop"] - first["week"]).iloc[0] == pd.Timedelta(days=1)  # one day wide, not seven
    assert first["week_label"].iloc[0] == "Oct 4, 2026 (partial week: 1 of 7 days)"
    assert first.loc[first["stance"] == "pro_recall", "top"].iloc[0] == 3
    assert bars["encoding"]["opacity"]["condition"]["test"] == "datum.days < 7"


def test_axis_titles_and_legend_values_follow_the_page_language() -> None:
    from dashboard.charts import platforms
    from dashboard.i18n import Texts

    where = pd.DataFrame({"platform": ["x", "rpp.pe"], "source_type": ["social", "news"], "documents": [3, 2]})
    spanish = platforms(where, Texts("es"))
    assert spanish["title"] == "¿Dónde se dice? Textos por medio o red"
    assert spanish["encoding"]["x"]["title"] == "textos"
    assert set(spanish["datasets"]["where"]["label"]) == {"redes sociales", "noticias"}
    assert spanish["encoding"]["color"]["scale"]["domain"] == ["noticias", "redes sociales"]


def test_a_share_chart_says_what_its_shares_are_of_above_it_not_along_its_axis() -> None:
    # Along the y axis, "share of the week's texts about Carlos Canales (estimated)" was longer than
    # the 220 px plot: Vega squeezed the plot into a few pixels and cut the title at both ends.
    from dashboard.charts import SENTIMENT_COLORS, share_bands

    frame = pd.DataFrame({"period_start": pd.to_datetime(["2026-10-05", "2026-10-12"]), "label": ["negative"] * 2,
                          "estimate": [0.3, 0.4], "low": [0.1, 0.2], "high": [0.5, 0.6], "n": [20, 25]})
    about = "share of the week's texts about Carlos Canales (estimated)"
    spec = share_bands(frame, SENTIMENT_COLORS, None, title=about)
    assert spec["title"]["text"] == about
    assert [part["encoding"]["y"].get("title", "missing") for part in spec["layer"]] == [None, None]


def test_a_compared_share_says_what_it_is_of_under_its_title() -> None:
    from dashboard.query_charts import compare_bands

    frame = pd.DataFrame({"period_start": pd.to_datetime(["2026-10-05"]), "label": ["cámaras"], "estimate": [0.3],
                          "low": [0.1], "high": [0.5], "n": [20]})
    spec = compare_bands(frame, "Negative toward Carlos Canales", "share negative toward Carlos Canales")
    assert spec["title"] == {"text": "Negative toward Carlos Canales", "subtitle": "share negative toward Carlos Canales",
                             "anchor": "start"}
    assert [part["encoding"]["y"].get("title", "missing") for part in spec["layer"]] == [None, None]


def test_names_beside_bars_are_not_cut_at_vegas_default_width() -> None:
    # "Renovación Popular" was drawn "Renovación Popu…" beside its bar and its tone range.
    from dashboard.charts import share_ranges
    from dashboard.query_charts import voice_bars

    totals = pd.DataFrame({"name": ["promotores de la revocatoria"], "documents": [71], "share_of_voice": [0.17],
                           "negative": [13], "neutral": [51], "positive": [7]})
    bars = voice_bars(totals, "voice", "texts", "tone", {"negative": "negative", "neutral": "neutral", "positive": "positive"})
    ranges = share_ranges(pd.DataFrame({"who": ["Renovación Popular"], "label": ["negative"], "estimate": [0.1],
                                        "low": [0.0], "high": [0.3], "n": [16]}), y_field="who", title="share")
    assert bars["layer"][0]["encoding"]["y"]["axis"]["labelLimit"] >= 300
    assert ranges["layer"][0]["encoding"]["y"]["axis"]["labelLimit"] >= 300
