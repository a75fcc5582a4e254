"""Share of voice: the target and every actor of the campaign file, over time, by display name.

A text names the target when the scorer found passages about him (``target_sentiment`` set, as
``daily_trends.n_target`` counts); it names an actor when ``actor_mentions`` has a row for it.
Share of voice is one name's texts over the texts naming any of them (the target or an actor)
that day or over the range, so the shares add to 100% only when no text names two of them; a
text naming two counts for both, which is why ``texts_naming_any`` is given beside the shares.
Sentiment toward each is the scorer's label for that name (``target_sentiment`` for the target,
``actor_mentions.sentiment`` for an actor).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from campaigns.model import Campaign
from warehouse.explorer import Selection
from warehouse.trends import has_relation

TARGET = "target"  # the ``who`` of the campaign's target (actor ids are slugs, never this word)
SENTIMENTS = ("negative", "neutral", "positive")


def display_names(campaign: Campaign | None) -> dict[str, str]:
    """``who`` -> the name the campaign file gives it: the target's name, each actor's ``name``."""
    if campaign is None:
        return {TARGET: "target"}
    return {TARGET: campaign.target.name, **{a.id: a.name for a in campaign.actors}}


def daily_voice(con, sel: Selection, names: Mapping[str, str], *,
                rows: tuple[str, list] | None = None) -> pd.DataFrame:
    """Per (day, who): ``who`` (``target`` or an actor id), ``name`` (``names``' entry, else the
    id), ``documents``, ``negative``, ``neutral``, ``positive`` (texts by the tone toward that
    name), ``texts_naming_any`` (that day) and ``share_of_voice``. Every name in ``names`` gets
    a row on each day with texts, zeros when unnamed; the selection's filters and query apply.
    ``rows``: a SELECT of (doc_id, day, target_sentiment) and its parameters that already holds
    the selection's texts (``warehouse.series.compare`` passes its scan's hits), read instead of
    ``mentions``."""
    if rows is None:
        where, params = sel.where()
        rows = (f"SELECT doc_id, day, target_sentiment FROM mentions WHERE {where} AND day IS NOT NULL", params)
    relation, params = rows
    target = (f"SELECT day, '{TARGET}' AS who, target_sentiment AS sentiment, doc_id FROM m "
              "WHERE target_sentiment IS NOT NULL")
    parts = [target]
    if has_relation(con, "actor_mentions"):
        parts.append("SELECT m.day, a.actor AS who, a.sentiment, a.doc_id FROM actor_mentions AS a "
                     "JOIN m USING (doc_id)")
    frame = con.execute(
        f"WITH m AS MATERIALIZED ({relation}), named AS MATERIALIZED (" + " UNION ALL ".join(parts) + "), "
        "any_day AS (SELECT day, count(DISTINCT doc_id) AS texts_naming_any FROM named GROUP BY day) "
        "SELECT day, who, count(*) AS documents, "
        + ", ".join(f"count(*) FILTER (WHERE sentiment = '{s}') AS {s}" for s in SENTIMENTS)
        + ", any_value(texts_naming_any) AS texts_naming_any "
        "FROM named JOIN any_day USING (day) GROUP BY day, who ORDER BY day, who",
        params,
    ).df()
    frame["day"] = pd.to_datetime(frame["day"])
    days = frame[["day", "texts_naming_any"]].drop_duplicates()
    grid = days.merge(pd.DataFrame({"who": list(dict.fromkeys([*names, *frame["who"].unique()]))}), how="cross")
    out = grid.merge(frame.drop(columns="texts_naming_any"), on=["day", "who"], how="left")
    out[["documents", *SENTIMENTS]] = out[["documents", *SENTIMENTS]].fillna(0).astype("int64")
    out["name"] = out["who"].map(lambda w: names.get(w, w))
    out["share_of_voice"] = out["documents"] / out["texts_naming_any"].where(out["texts_naming_any"] > 0)
    return out[["day", "who", "name", "documents", *SENTIMENTS, "texts_naming_any", "share_of_voice"]]


def voice_totals(daily: pd.DataFrame, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Per name over the range: ``documents``, the tone counts and shares toward it
    (``share_negative``: negative over documents), and ``share_of_voice`` over the texts naming
    any (the distinct texts of each day, summed), most named first."""
    frame = daily
    if start is not None:
        frame = frame[frame["day"] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame["day"] <= pd.Timestamp(end)]
    any_texts = frame.drop_duplicates("day")["texts_naming_any"].sum()
    out = frame.groupby(["who", "name"], as_index=False)[["documents", *SENTIMENTS]].sum()
    for s in SENTIMENTS:
        out[f"share_{s}"] = out[s] / out["documents"].where(out["documents"] > 0)
    out["share_of_voice"] = out["documents"] / any_texts if any_texts else float("nan")
    return out.sort_values(["documents", "name"], ascending=[False, True]).reset_index(drop=True)


def voice_by_week(daily: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """:func:`daily_voice` summed into the range's weeks (``warehouse.weeks.weekly``: labelled
    by their first day in the range, ``days`` and ``partial`` for the partial ones), with the
    week's ``share_of_voice`` over its texts naming any."""
    from warehouse.weeks import weekly

    sums = ["documents", *SENTIMENTS, "texts_naming_any"]
    out = weekly(daily, start, end, sums, by=["who", "name"])
    out["share_of_voice"] = out["documents"] / out["texts_naming_any"].where(out["texts_naming_any"] > 0)
    return out
