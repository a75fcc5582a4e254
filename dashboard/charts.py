"""The dashboard's charts as plain Vega-Lite specs, drawn with ``st.vega_lite_chart``.

They were Altair charts. Building and validating Altair objects cost about 0.25 s of every page
run at a million documents (0.29 s in all, warm), and importing Altair 0.2 s of the first. A spec
written as a dict costs nothing to build. The data travels as named datasets (pandas frames), which
Streamlit sends as Arrow, as it does for Altair.

Each function takes the frames the page has already aggregated (``warehouse.trends``,
``warehouse.series``, ``warehouse.weeks``) and returns one spec. ``marks`` is the recall's
calendar and the analyst's events (day, label, who), drawn on the timelines as dashed rules.
Titles, axis titles and the values in legends are in the page's language (``t``: a
``dashboard.i18n.Texts``); the frames keep the stored values (``negative``, ``pro_recall``) and
each chart shows them through a ``label`` column it adds. Weekly charts draw counts, never a
100% stack that hides how many texts a week holds, and a partial week is drawn as such.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.i18n import Texts, chart_locale

Spec = dict[str, Any]

SENTIMENT_COLORS = {"domain": ["negative", "neutral", "positive"], "range": ["#c0392b", "#95a5a6", "#27ae60"]}
STANCE_COLORS = {"domain": ["pro_recall", "anti_recall", "none"], "range": ["#8e44ad", "#2980b9", "#bdc3c7"]}
SOURCE_COLORS = {"domain": ["news", "social"], "range": ["#2c3e50", "#3498db"]}
# Streamlit fits a chart's title, axes and legend inside its height: what a bar chart's height adds
# for them (with 2 actors and a plain height of 140 px, the bars were squeezed into 30 px), and
# what a legend below the plot takes (without it a 260 px timeline kept 60 px of plot).
FRAME = 110
LEGEND = 70
TYPES = {"T": "temporal", "Q": "quantitative", "N": "nominal", "O": "ordinal"}
LEGEND_BELOW = {"orient": "bottom", "direction": "horizontal", "columns": 3, "labelLimit": 260}
ENGLISH = Texts("en")


def enc(shorthand: str, **options: Any) -> dict[str, Any]:
    """``enc("day:T", title="week")``: a field definition written as Altair's shorthand."""
    name, _, kind = shorthand.partition(":")
    return {"field": name, "type": TYPES[kind or "N"], **options}


def tips(*fields: str | dict) -> list[dict]:
    return [enc(f) if isinstance(f, str) else f for f in fields]


def layer(*layers: Spec, **top: Any) -> Spec:
    return {"layer": list(layers), **top}


def colors(scale: dict, t: Texts, **fields: Any) -> dict:
    """A colour scale whose domain is the stored values as ``t`` words them."""
    return {"domain": [t.value(v, **fields) for v in scale["domain"]], "range": scale["range"]}


def labelled(frame: pd.DataFrame, column: str, t: Texts, **fields: Any) -> pd.DataFrame:
    """``frame`` with ``label``: ``column``'s stored values in the page's words."""
    return frame.assign(label=frame[column].map(lambda v: t.value(v, **fields)))


def rules(name: str = "marks", t: Texts = ENGLISH) -> Spec:
    """The calendar and the analyst's events as dashed rules."""
    return {
        "data": {"name": name},
        "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#e67e22"},
        "encoding": {"x": enc("day:T"), "tooltip": tips(enc("day:T", title=t("axis.day")),
                                                         enc("label:N", title=t("axis.event")),
                                                         enc("who:N", title=t("axis.who")))},
    }


def chart(t: Texts, datasets: dict[str, pd.DataFrame], body: Spec, **top: Any) -> Spec:
    """A whole spec; its dates and numbers are written in ``t``'s language (month and weekday
    names on the time axes and in the tooltips, the thousands separator)."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "datasets": datasets, **body, **top,
            "config": {"locale": chart_locale(t.lang)}}


def spikes(volume: pd.DataFrame, flags: pd.DataFrame, marks: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """Texts a day per source type (``day``, ``source_type``, ``documents``), the spikes as red
    triangles (``day``, ``what``, ``text``), and the marks."""
    bars = {
        "data": {"name": "volume"}, "mark": {"type": "bar"},
        "encoding": {
            "x": enc("day:T", title=t("axis.day")), "y": enc("documents:Q", title=t("axis.documents")),
            "color": enc("label:N", title=t("axis.source_type"), scale=colors(SOURCE_COLORS, t), legend=LEGEND_BELOW),
            "tooltip": tips(enc("day:T", title=t("axis.day")), enc("label:N", title=t("axis.source_type")),
                            enc("documents:Q", title=t("axis.documents"), format=",d")),
        },
    }
    triangles = {
        "data": {"name": "spikes"},
        "mark": {"type": "point", "shape": "triangle-down", "size": 140, "filled": True, "color": "#c0392b"},
        "encoding": {"x": enc("day:T"), "y": {"value": 6},
                     "tooltip": tips(enc("day:T", title=t("axis.day")), enc("what:N", title=t("axis.spike")),
                                     enc("text:N", title=" "))},
    }
    return chart(t, {"volume": labelled(volume, "source_type", t), "spikes": flags, "marks": marks},
                 layer(bars, rules(t=t), triangles), height=220 + LEGEND, width="container")


def tone(days: pd.DataFrame, marks: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """The 7-day mean sentiment as a line over the daily counts it rests on."""
    counts = {
        "mark": {"type": "bar", "opacity": 0.25, "color": "#7f8c8d"},
        "encoding": {"x": enc("day:T", title=t("axis.day")), "y": enc("documents:Q", title=t("axis.scored_that_day")),
                     "tooltip": tips(enc("day:T", title=t("axis.day")), enc("documents:Q", title=t("axis.scored_that_day")))},
    }
    line = {
        "mark": {"type": "line", "color": "#2c3e50", "strokeWidth": 2},
        "encoding": {
            "x": enc("day:T"),
            "y": enc("rolling_7d:Q", title=t("axis.mean_sentiment"), scale={"domain": [-1, 1]}),
            "tooltip": tips(enc("day:T", title=t("axis.day")), enc("rolling_7d:Q", format=".2f", title=t("axis.mean_sentiment")),
                            enc("mean:Q", format=".2f", title=t("axis.that_day"))),
        },
    }
    both = layer(counts, line, data={"name": "tone"}, resolve={"scale": {"y": "independent"}})
    return chart(t, {"tone": days, "marks": marks}, layer(both, rules(t=t)), height=260, width="container")


def _weeks(frame: pd.DataFrame, t: Texts) -> pd.DataFrame:
    """``week_label``: the week's first day, and how many of its days are in the range when
    it is partial; ``week_stop``: the day after its last day in the range, so a bar spans the
    days it covers (``warehouse.weeks.weekly``'s ``week``, ``days``)."""
    return frame.assign(week_label=[t.week(w, int(d)) for w, d in zip(frame["week"], frame["days"], strict=True)],
                        week_stop=pd.to_datetime(frame["week"]) + pd.to_timedelta(frame["days"], unit="D"))


def _stacked(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    """``bottom`` and ``top`` of each value's part of its week's bar, stacked in ``order``
    (Vega-Lite does not stack bars that span a range of days, so the stack is laid out here)."""
    rank = {v: i for i, v in enumerate(order)}
    out = frame.assign(_rank=frame[column].map(rank)).sort_values(["week", "_rank"])
    out["top"] = out.groupby("week")["documents"].cumsum()
    out["bottom"] = out["top"] - out["documents"]
    return out.drop(columns="_rank")


def _week_bars(name: str, frame: pd.DataFrame, column: str, scale: dict, t: Texts, color_title: str,
               **fields: Any) -> Spec:
    """Counts per week stacked (never normalised: a week of 3 texts stays small), each bar as
    wide as the days of the week in the range (a one-day partial week is a one-day bar) and
    partial weeks drawn paler, the share of the week's texts in the tooltip. ``frame`` carries
    ``bottom`` and ``top`` (:func:`_stacked`)."""
    return {
        "data": {"name": name},
        "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": enc("week:T", title=t("axis.week")), "x2": {"field": "week_stop"},
            "y": enc("top:Q", title=t("axis.documents")), "y2": {"field": "bottom"},
            "color": enc("label:N", scale=colors(scale, t, **fields), title=color_title, legend=LEGEND_BELOW),
            "opacity": {"condition": {"test": "datum.days < 7", "value": 0.45}, "value": 1.0},
            "tooltip": tips(enc("week_label:N", title=t("axis.week")), enc("label:N", title=color_title),
                            enc("documents:Q", format=",d", title=t("axis.documents")),
                            enc("share:Q", format=".0%", title=t("axis.share_of_week"))),
        },
    }


def toward_target(weekly: pd.DataFrame, target: str, t: Texts = ENGLISH) -> Spec:
    """Texts about the target a week by their tone toward him (``week``, ``days``,
    ``target_sentiment``, ``documents``): counts stacked, the week's shares in the tooltip."""
    frame = _weeks(labelled(weekly, "target_sentiment", t), t)
    frame["share"] = frame["documents"] / frame.groupby("week")["documents"].transform("sum").where(lambda x: x > 0)
    frame = _stacked(frame, "target_sentiment", SENTIMENT_COLORS["domain"])
    body = _week_bars("weekly", frame, "target_sentiment", SENTIMENT_COLORS, t, t("axis.toward", target=target))
    return chart(t, {"weekly": frame}, body, height=200 + LEGEND, width="container")


def _months(frame: pd.DataFrame, t: Texts) -> pd.DataFrame:
    return frame.assign(month_label=[t.month(m) for m in pd.to_datetime(frame["month"])])


def security(monthly: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """Security texts a month (``month``, ``documents``, ``share_negative``) and their negativity:
    one view as wide as its column (a concatenation of two views was drawn wider than it), each
    month with texts a place on the axis and no other month."""
    frame = _months(monthly, t)
    months = list(frame["month_label"])
    x = enc("month_label:O", title=t("axis.month"), sort=months, scale={"domain": months}, axis={"labelAngle": 0})
    texts = {
        "mark": {"type": "bar", "color": "#34495e", "opacity": 0.6},
        "encoding": {"x": x, "y": enc("documents:Q", title=t("axis.security_texts")),
                     "tooltip": tips(enc("month_label:O", title=t("axis.month")),
                                     enc("documents:Q", title=t("axis.documents")),
                                     enc("share_negative:Q", format=".0%", title=t("axis.share_negative")))},
    }
    negative = {
        "mark": {"type": "line", "point": True, "color": "#c0392b"},
        "encoding": {"x": x, "y": enc("share_negative:Q", title=t("axis.share_negative"), axis={"format": "%"},
                                      scale={"domain": [0, 1]})},
    }
    return chart(t, {"security": frame}, layer(texts, negative, data={"name": "security"},
                                             resolve={"scale": {"y": "independent"}}),
                 height=240, width="container", title=t("chart.perception"))


def official_figures(monthly: pd.DataFrame, figures: pd.DataFrame, title: str, t: Texts = ENGLISH) -> Spec | None:
    """The official figures (``month``, ``indicator``, ``value``) on the same months as
    :func:`security` (figures outside the months with texts left out; None when none is left),
    each indicator told apart by colour, dash and point shape, the legend below."""
    if not len(figures) or not len(monthly):
        return None
    months = [t.month(m) for m in pd.to_datetime(monthly["month"])]
    frame = _months(figures, t)
    frame = frame[frame["month_label"].isin(months)]
    if not len(frame):
        return None
    x = enc("month_label:O", title=t("axis.month"), sort=months, scale={"domain": months}, axis={"labelAngle": 0})
    by_indicator = enc("indicator:N", title=None, legend=LEGEND_BELOW)
    return chart(t, {"figures": frame}, {
        "data": {"name": "figures"}, "mark": {"type": "line", "point": {"size": 60, "filled": True}},
        "encoding": {"x": x, "y": enc("value:Q", title=t("axis.reported")), "color": by_indicator,
                     "strokeDash": by_indicator, "shape": by_indicator,
                     "tooltip": tips(enc("month_label:O", title=t("axis.month")),
                                     enc("indicator:N", title=t("axis.indicator")), enc("value:Q", title=t("axis.reported")))},
    }, height=220 + LEGEND, width="container", title=title)


def topics(weekly: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """Each topic's share of the week's texts (``week``, ``days``, ``topic``, ``label``, ``n``,
    ``share``); a text can hold several topics, so the shares of a week can pass 100%."""
    frame = _weeks(weekly, t)
    return chart(t, {"topics": frame}, {
        "data": {"name": "topics"}, "mark": {"type": "line", "point": True},
        "encoding": {
            "x": enc("week:T", title=t("axis.week")),
            "y": enc("share:Q", axis={"format": "%"}, title=t("axis.share_of_week")),
            "color": enc("label:N", title=t("axis.topic"), legend=LEGEND_BELOW),
            "tooltip": tips(enc("week_label:N", title=t("axis.week")), enc("label:N", title=t("axis.topic")),
                            enc("n:Q", title=t("axis.documents"), format=",d"),
                            enc("share:Q", format=".0%", title=t("axis.share_of_week"))),
        },
    }, height=220 + LEGEND, width="container")


def stance(weekly: pd.DataFrame, marks: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """Texts for and against the recall a week (``week``, ``days``, ``stance``, ``documents``),
    with the marks."""
    frame = _weeks(labelled(weekly, "stance", t), t)
    frame["share"] = frame["documents"] / frame.groupby("week")["documents"].transform("sum").where(lambda x: x > 0)
    frame = _stacked(frame, "stance", STANCE_COLORS["domain"])
    bars = _week_bars("stance", frame, "stance", {"domain": STANCE_COLORS["domain"][:2], "range": STANCE_COLORS["range"][:2]},
                      t, t("axis.stance"))
    return chart(t, {"stance": frame, "marks": marks}, layer(bars, rules(t=t)), height=200 + LEGEND, width="container")


def platforms(where: pd.DataFrame, t: Texts = ENGLISH) -> Spec:
    """Texts per outlet or network, most first."""
    return chart(t, {"where": labelled(where, "source_type", t)}, {
        "data": {"name": "where"}, "mark": {"type": "bar"},
        "encoding": {"y": enc("platform:N", sort="-x", title=None), "x": enc("documents:Q", title=t("axis.documents")),
                     "color": enc("label:N", title=t("axis.source_type"), scale=colors(SOURCE_COLORS, t), legend=LEGEND_BELOW),
                     "tooltip": tips(enc("platform:N", title=t("axis.platform")),
                                     enc("documents:Q", title=t("axis.documents"), format=",d"))},
    }, height=FRAME + LEGEND + 22 * where["platform"].nunique(), width="container", title=t("chart.platforms"))


def share_bands(frame: pd.DataFrame, scale: dict | None, marks: pd.DataFrame | None = None, *,
                title: str = "share", t: Texts = ENGLISH, x_title: str | None = None, height: int = 220,
                chart_title: str | None = None, **fields: Any) -> Spec:
    """Each label's estimated share over time as a line, inside its 90% interval as a band
    (issue 20).

    ``frame``: ``period_start``, ``label``, ``estimate``, ``low``, ``high``, ``n`` (the texts it
    rests on): what ``warehouse.shares.shares`` returns. A wide band is the honest answer for a
    week with few texts or a model that confuses the labels; it is drawn, not hidden. Labels are
    shown in the page's words (``scale``: the stored labels' colours)."""
    frame = frame.assign(shown=frame["label"].map(lambda v: t.value(v, **fields)))
    color = enc("shown:N", title=None, legend=LEGEND_BELOW, **({"scale": colors(scale, t, **fields)} if scale else {}))
    x = enc("period_start:T", title=t("axis.week") if x_title is None else x_title)
    tooltip = tips(enc("period_start:T", title=t("axis.week") if x_title is None else x_title),
                   enc("shown:N", title=" "), enc("estimate:Q", format=".0%", title=title),
                   enc("low:Q", format=".0%", title=t("axis.interval_from")), enc("high:Q", format=".0%", title=t("axis.interval_to")),
                   enc("n:Q", title=t("axis.documents"), format=",d"))
    # What the shares are of is said above the chart, not along its y axis: a vertical title longer
    # than the plot ("share of the week's texts about Carlos Canales (estimated)", 220 px high)
    # made Vega squeeze the plot into a few pixels to fit it, and cut it at both ends.
    band = {"mark": {"type": "area", "opacity": 0.18},
            "encoding": {"x": x, "y": enc("low:Q", title=None, axis={"format": "%"}, scale={"domain": [0, 1]}),
                         "y2": {"field": "high"}, "color": color, "tooltip": tooltip}}
    line = {"mark": {"type": "line", "point": True, "strokeWidth": 2},
            "encoding": {"x": x, "y": enc("estimate:Q", title=None), "color": color, "tooltip": tooltip}}
    shares_layer = layer(band, line, data={"name": "shares"})
    datasets = {"shares": frame}
    said = ({"text": chart_title, "subtitle": title} if chart_title
            else {"text": title, "fontSize": 12, "fontWeight": "normal", "color": "#555"})
    top = {"height": height + LEGEND, "width": "container", "title": {**said, "anchor": "start"}}
    if marks is not None:
        datasets["marks"] = marks
        return chart(t, datasets, layer(shares_layer, rules(t=t)), **top)
    return chart(t, datasets, shares_layer, **top)


def share_ranges(frame: pd.DataFrame, *, y_field: str, title: str, scale: dict | None = None,
                 t: Texts = ENGLISH) -> Spec:
    """One estimate per row (e.g. each actor's share of negative texts) with its 90% interval as a
    horizontal rule (issue 20): ``frame`` has ``y_field``, ``label``, ``estimate``, ``low``,
    ``high``, ``n``."""
    frame = frame.assign(shown=frame["label"].map(t.value))
    color = enc("shown:N", title=None, legend=LEGEND_BELOW, **({"scale": colors(scale, t)} if scale else {}))
    tooltip = tips(enc(f"{y_field}:N", title=" "), enc("shown:N", title=" "), enc("estimate:Q", format=".0%", title=title),
                   enc("low:Q", format=".0%", title=t("axis.interval_from")), enc("high:Q", format=".0%", title=t("axis.interval_to")),
                   enc("n:Q", title=t("axis.documents"), format=",d"))
    rule = {"mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.5},
            "encoding": {"y": enc(f"{y_field}:N", title=None, axis={"labelLimit": 320}), "yOffset": enc("shown:N"),
                         "x": enc("low:Q", title=title, axis={"format": "%"}, scale={"domain": [0, 1]}),
                         "x2": {"field": "high"}, "color": color, "tooltip": tooltip}}
    point = {"mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {"y": enc(f"{y_field}:N"), "yOffset": enc("shown:N"), "x": enc("estimate:Q"), "color": color,
                          "tooltip": tooltip}}
    rows = frame[y_field].nunique() * max(1, frame["label"].nunique())
    return chart(t, {"ranges": frame}, layer(rule, point, data={"name": "ranges"}), height=FRAME + LEGEND + 14 * rows,
                 width="container")
