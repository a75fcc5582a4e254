"""Vega-Lite specs for the analyst's own questions: queries side by side, share of voice, weeks.

Plain dicts as in ``dashboard.charts`` (same helpers), drawn by ``st.vega_lite_chart`` on the page
and by vl-convert in the briefing (:func:`inline`). Labels come from the caller (already in the
page's language); each chart's width is the container's (``"container"``), so nothing is drawn
wider than its column, and legends sit below the plot where they never cut the axis.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import (
    ENGLISH,
    FRAME,
    LEGEND,
    SENTIMENT_COLORS,
    Spec,
    chart,
    enc,
    layer,
    rules,
    tips,
)
from dashboard.i18n import Texts

# Both layers of the share-of-voice bars sort names the same way (two "-x" sorts on different
# fields conflict, and Vega-Lite then drops the sort).
MOST_NAMED = {"field": "documents", "op": "max", "order": "descending"}
LEGEND_BELOW = {"orient": "bottom", "direction": "horizontal", "columns": 3, "labelLimit": 260}


def compare_lines(series: pd.DataFrame, measure: str, title: str, axis: str, *, percent: bool = False,
                  marks: pd.DataFrame | None = None, t: Texts = ENGLISH, x: str = "day") -> Spec:
    """One line per query over days (or weeks: ``x="week"``): ``measure`` is a column of
    ``warehouse.series`` (``n_docs``, ``share_of_coverage``, ``share_target_negative``,
    ``share_pro_recall``); ``label`` names each query. A share rests on ``n_docs`` texts, shown
    beside it in the tooltip."""
    y = enc(f"{measure}:Q", title=axis, **({"axis": {"format": "%"}} if percent else {}))
    line = {
        "data": {"name": "series"}, "mark": {"type": "line", "point": {"size": 18}, "interpolate": "linear"},
        "encoding": {
            "x": enc(f"{x}:T", title=None), "y": y,
            "color": enc("label:N", title=None, legend=LEGEND_BELOW),
            "tooltip": tips(enc(f"{x}:T", title=t("axis.week" if x == "week" else "axis.day")),
                            enc("label:N", title=t("axis.query")),
                            enc(f"{measure}:Q", title=axis, format=".1%" if percent else ",d"),
                            enc("n_docs:Q", title=t("axis.documents"), format=",d")),
        },
    }
    datasets = {"series": series[list(dict.fromkeys([x, "label", measure, "n_docs"]))]}
    body: Spec = line
    if marks is not None and len(marks):
        datasets["marks"] = marks
        body = layer(line, rules(t=t))
    return chart(t, datasets, body, title=title, width="container", height=220 + LEGEND)


# Names beside bars are cut at Vega's default 180 px ("Renovación Popu…", "promotores de la …"):
# room for a campaign file's longer names.
NAME_LIMIT = 320


def voice_bars(totals: pd.DataFrame, title: str, x_title: str, tone_title: str, labels: dict[str, str],
               share_title: str = "share of voice", t: Texts = ENGLISH) -> Spec:
    """Per name (``warehouse.voice.voice_totals``): texts naming it, split by the tone toward it;
    the share of voice in the tooltip and as a label. ``labels``: tone value -> word."""
    rows = totals.melt(id_vars=["name", "documents", "share_of_voice"], value_vars=["negative", "neutral", "positive"],
                       var_name="tone", value_name="texts")
    rows["tone_label"] = rows["tone"].map(labels)
    colors = {"domain": [labels[k] for k in SENTIMENT_COLORS["domain"]], "range": SENTIMENT_COLORS["range"]}
    bars = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": enc("name:N", sort=MOST_NAMED, title=None, axis={"labelLimit": NAME_LIMIT}),
            "x": enc("texts:Q", title=x_title, stack="zero"),
            "color": enc("tone_label:N", scale=colors, title=tone_title, legend=LEGEND_BELOW),
            "tooltip": tips("name:N", "tone_label:N", enc("texts:Q", format=",d"),
                            enc("share_of_voice:Q", format=".0%", title=share_title)),
        },
    }
    share = {
        "transform": [{"filter": "datum.tone == 'positive'"}],
        "mark": {"type": "text", "align": "left", "dx": 4},
        "encoding": {"y": enc("name:N", sort=MOST_NAMED), "x": enc("documents:Q"),
                     "text": enc("share_of_voice:Q", format=".0%")},
    }
    return chart(t, {"voice": rows}, layer(bars, share, data={"name": "voice"}), title=title, width="container",
                 height=FRAME + LEGEND + 30 * totals["name"].nunique())


def voice_over_time(weekly: pd.DataFrame, title: str, axis: str, t: Texts = ENGLISH) -> Spec:
    """Share of voice by week (``week``, ``name``, ``share_of_voice``, ``documents``, ``days``):
    lines, so the counts stay readable in the tooltip and partial weeks are marked hollow."""
    return chart(t, {"voice": weekly}, {
        "data": {"name": "voice"},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": enc("week:T", title=None), "y": enc("share_of_voice:Q", axis={"format": "%"}, title=axis),
            "color": enc("name:N", title=None, legend=LEGEND_BELOW),
            "tooltip": tips(enc("week:T", title=t("axis.week")), enc("name:N", title=t("axis.name")),
                            enc("documents:Q", format=",d", title=t("axis.documents")),
                            enc("share_of_voice:Q", format=".0%", title=axis),
                            enc("days:Q", title=t("axis.days_in_range"))),
        },
    }, title=title, width="container", height=220 + LEGEND)


def inline(spec: Spec, width: int = 720) -> Spec:
    """The spec with its named datasets as JSON records and a fixed width, for vl-convert."""
    out = dict(spec)
    datasets = {}
    for name, frame in (spec.get("datasets") or {}).items():
        frame = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        datasets[name] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    out["datasets"] = datasets
    if out.get("width") == "container" or "width" not in out:
        if "vconcat" not in out and "hconcat" not in out:
            out["width"] = width
    out.pop("$schema", None)
    out.pop("title", None)  # the briefing prints each chart's title as its heading
    return out


def compare_bands(frame: pd.DataFrame, title: str, axis: str, t: Texts = ENGLISH) -> Spec:
    """One estimated share per query over weeks (``period_start``, ``label`` naming the query,
    ``estimate``, ``low``, ``high``, ``n``: ``warehouse.shares.shares`` per query), each inside
    its 90% interval as a band: a query with few texts a week shows a wide band, not a line
    that jumps."""
    color = enc("label:N", title=None, legend=LEGEND_BELOW)
    x = enc("period_start:T", title=None)
    tooltip = tips(enc("period_start:T", title=t("axis.week")), enc("label:N", title=t("axis.query")),
                   enc("estimate:Q", format=".0%", title=axis), enc("low:Q", format=".0%", title=t("axis.interval_from")),
                   enc("high:Q", format=".0%", title=t("axis.interval_to")), enc("n:Q", format=",d", title=t("axis.documents")))
    # What the shares are of goes under the title, not along the y axis: in half the page's width,
    # "share negative toward Carlos Canales" along the axis pushed the title out of the chart.
    band = {"mark": {"type": "area", "opacity": 0.15},
            "encoding": {"x": x, "y": enc("low:Q", title=None, axis={"format": "%"}, scale={"domain": [0, 1]}),
                         "y2": {"field": "high"}, "color": color, "tooltip": tooltip}}
    line = {"mark": {"type": "line", "point": {"size": 18}},
            "encoding": {"x": x, "y": enc("estimate:Q", title=None), "color": color, "tooltip": tooltip}}
    return chart(t, {"bands": frame}, layer(band, line, data={"name": "bands"}),
                 title={"text": title, "subtitle": axis, "anchor": "start"}, width="container", height=220 + LEGEND)
