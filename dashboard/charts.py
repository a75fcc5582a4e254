"""The dashboard's charts as plain Vega-Lite specs, drawn with ``st.vega_lite_chart``.

They were Altair charts. Building and validating Altair objects cost about 0.25 s of every page
run at a million documents (0.29 s in all, warm), and importing Altair 0.2 s of the first. A spec
written as a dict costs nothing to build. The data travels as named datasets (pandas frames), which
Streamlit sends as Arrow, as it does for Altair.

Each function takes the frames the page has already aggregated (``warehouse.trends``) and returns
one spec. ``marks`` is the recall's calendar and the analyst's events (day, label, who), drawn on
the timelines as dashed rules.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

Spec = dict[str, Any]

SENTIMENT_COLORS = {"domain": ["negative", "neutral", "positive"], "range": ["#c0392b", "#95a5a6", "#27ae60"]}
STANCE_COLORS = {"domain": ["pro_recall", "anti_recall", "none"], "range": ["#8e44ad", "#2980b9", "#bdc3c7"]}
# Streamlit fits a chart's title and axes inside its height: what a bar chart's height adds for them
# (with 2 actors and a plain height of 140 px, the bars were squeezed into 30 px).
FRAME = 110
TYPES = {"T": "temporal", "Q": "quantitative", "N": "nominal", "O": "ordinal"}


def enc(shorthand: str, **options: Any) -> dict[str, Any]:
    """``enc("day:T", title="week")``: a field definition written as Altair's shorthand."""
    name, _, kind = shorthand.partition(":")
    return {"field": name, "type": TYPES[kind or "N"], **options}


def tips(*fields: str | dict) -> list[dict]:
    return [enc(f) if isinstance(f, str) else f for f in fields]


def layer(*layers: Spec, **top: Any) -> Spec:
    return {"layer": list(layers), **top}


def rules(name: str = "marks") -> Spec:
    """The calendar and the analyst's events as dashed rules."""
    return {
        "data": {"name": name},
        "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#e67e22"},
        "encoding": {"x": enc("day:T"), "tooltip": tips("day:T", "label:N", "who:N")},
    }


def chart(datasets: dict[str, pd.DataFrame], body: Spec, **top: Any) -> Spec:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "datasets": datasets, **body, **top}


def spikes(volume: pd.DataFrame, flags: pd.DataFrame, marks: pd.DataFrame) -> Spec:
    """Documents a day per source type, the spikes as red triangles, and the marks."""
    bars = {
        "data": {"name": "volume"}, "mark": {"type": "bar"},
        "encoding": {
            "x": enc("day:T", title="day"), "y": enc("documents:Q", title="documents"),
            "color": enc("source_type:N", title="source type"),
            "tooltip": tips("day:T", "source_type:N", "documents:Q"),
        },
    }
    triangles = {
        "data": {"name": "spikes"},
        "mark": {"type": "point", "shape": "triangle-down", "size": 140, "filled": True, "color": "#c0392b"},
        "encoding": {"x": enc("day:T"), "y": {"value": 6}, "tooltip": tips("day:T", "what:N", "text:N")},
    }
    return chart({"volume": volume, "spikes": flags, "marks": marks}, layer(bars, rules(), triangles), height=240)


def tone(days: pd.DataFrame, marks: pd.DataFrame) -> Spec:
    """The 7-day mean sentiment as a line over the daily counts it rests on."""
    counts = {
        "mark": {"type": "bar", "opacity": 0.25, "color": "#7f8c8d"},
        "encoding": {"x": enc("day:T"), "y": enc("documents:Q", title="documents scored that day"),
                     "tooltip": tips("day:T", "documents:Q")},
    }
    line = {
        "mark": {"type": "line", "color": "#2c3e50", "strokeWidth": 2},
        "encoding": {
            "x": enc("day:T"),
            "y": enc("rolling_7d:Q", title="7-day mean sentiment (-1 to 1)", scale={"domain": [-1, 1]}),
            "tooltip": tips("day:T", enc("rolling_7d:Q", format=".2f"), enc("mean:Q", format=".2f", title="that day")),
        },
    }
    both = layer(counts, line, data={"name": "tone"}, resolve={"scale": {"y": "independent"}})
    return chart({"tone": days, "marks": marks}, layer(both, rules()), height=260)


def toward_target(weekly: pd.DataFrame) -> Spec:
    """Share of the week's documents about the target by their tone toward him."""
    return chart({"weekly": weekly}, {
        "data": {"name": "weekly"}, "mark": {"type": "bar", "size": 14},
        "encoding": {
            "x": enc("day:T", title="week"), "y": enc("documents:Q", stack="normalize", title="share"),
            "color": enc("target_sentiment:N", scale=SENTIMENT_COLORS, title="toward the mayor"),
            "tooltip": tips("day:T", "target_sentiment:N", "documents:Q"),
        },
    }, height=220)


def security(monthly: pd.DataFrame, figures: pd.DataFrame | None, figures_title: str) -> Spec:
    """Security texts a month and their negativity, above the official figures when there are some.

    Both rows span only the months that have texts (figures outside them are left out), each
    row is as wide as its column, and the official indicators differ by colour and dash, with
    the legend below the plot."""
    month = enc("month:T", title="month", timeUnit="yearmonth")
    texts = {
        "mark": {"type": "bar", "color": "#34495e", "opacity": 0.6},
        "encoding": {"x": month, "y": enc("documents:Q", title="texts on security"),
                     "tooltip": tips(enc("month:T", timeUnit="yearmonth"), "documents:Q",
                                     enc("share_negative:Q", format=".0%"))},
    }
    negative = {
        "mark": {"type": "line", "point": True, "color": "#c0392b"},
        "encoding": {"x": enc("month:T", timeUnit="yearmonth"),
                     "y": enc("share_negative:Q", title="share negative", axis={"format": "%"}, scale={"domain": [0, 1]})},
    }
    rows = [layer(texts, negative, data={"name": "security"}, resolve={"scale": {"y": "independent"}},
                  height=180, width="container", title="Perception: security texts and their negativity")]
    datasets = {"security": monthly}
    if figures is not None and len(figures) and len(monthly):
        first, last = pd.to_datetime(monthly["month"]).min(), pd.to_datetime(monthly["month"]).max()
        months = pd.to_datetime(figures["month"])
        shown = figures[(months >= first) & (months <= last)]
        if len(shown):
            datasets["figures"] = shown
            by_indicator = enc("indicator:N", title=None, legend={"orient": "bottom"})
            rows.append({
                "data": {"name": "figures"}, "mark": {"type": "line", "point": {"size": 50, "filled": True}},
                "height": 160, "width": "container", "title": figures_title,
                "encoding": {"x": month, "y": enc("value:Q", title="reported"), "color": by_indicator,
                             "strokeDash": by_indicator,
                             "tooltip": tips(enc("month:T", timeUnit="yearmonth"), "indicator:N", "value:Q")},
            })
    return chart(datasets, {"vconcat": rows, "resolve": {"scale": {"x": "shared"}}}, width="container")


def topics(weekly: pd.DataFrame) -> Spec:
    """Each topic's share of the week's documents."""
    return chart({"topics": weekly}, {
        "data": {"name": "topics"}, "mark": {"type": "line", "point": True},
        "encoding": {
            "x": enc("day:T", title="week"), "y": enc("share:Q", axis={"format": "%"}, title="share of documents"),
            "color": enc("topic:N", title="topic"),
            "tooltip": tips("day:T", "topic:N", enc("n:Q", title="documents"), enc("share:Q", format=".0%")),
        },
    }, height=240)


def stance(weekly: pd.DataFrame, marks: pd.DataFrame) -> Spec:
    """Documents for and against the recall, by week, with the marks."""
    bars = {
        "data": {"name": "stance"}, "mark": {"type": "bar", "size": 14},
        "encoding": {"x": enc("day:T", title="week"), "y": enc("documents:Q"),
                     "color": enc("stance:N", scale=STANCE_COLORS, title="stance"),
                     "tooltip": tips("day:T", "stance:N", "documents:Q")},
    }
    return chart({"stance": weekly, "marks": marks}, layer(bars, rules()), height=220)


def platforms(where: pd.DataFrame) -> Spec:
    """Documents per outlet or network, most first."""
    return chart({"where": where}, {
        "data": {"name": "where"}, "mark": {"type": "bar"},
        "encoding": {"y": enc("platform:N", sort="-x", title=None), "x": enc("documents:Q"),
                     "color": enc("source_type:N", title="source type"),
                     "tooltip": tips("platform:N", "documents:Q")},
    }, height=FRAME + 22 * where["platform"].nunique(), title="Where is it said? Documents per outlet or network")


def actors(frame: pd.DataFrame) -> Spec:
    """Documents naming each actor, split by the tone toward the actor."""
    return chart({"actors": frame}, {
        "data": {"name": "actors"}, "mark": {"type": "bar"},
        "encoding": {"y": enc("actor:N", sort="-x", title=None), "x": enc("documents:Q", title="documents naming the actor"),
                     "color": enc("sentiment:N", scale=SENTIMENT_COLORS, title="tone toward the actor"),
                     "tooltip": tips("actor:N", "sentiment:N", "documents:Q", enc("share_of_voice:Q", format=".0%"))},
    }, height=FRAME + 36 * frame["actor"].nunique(), title="Share of voice and tone per actor")
