"""The aggregates the dashboard draws, computed in DuckDB so the page reads only what it shows.

With only the date range and source types filtered, the daily figures come from the summary
rows behind `daily_trends` (a few hundred rows for a year); any other filter aggregates
`mentions` with that filter in one grouped query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from warehouse.database import first_row
from warehouse.explorer import Selection

DAILY_COLUMNS = (
    "day", "source_type", "n_docs", "n_scored", "avg_sentiment", "n_negative", "n_target",
    "n_target_negative", "n_target_positive", "n_pro_recall", "n_anti_recall",
)


def _summary_will_do(sel: Selection) -> bool:
    return not (sel.platforms or sel.topics or sel.sentiments or sel.target_sentiments or sel.stances
                or sel.query.strip() or sel.include_reprints)


def daily(con: duckdb.DuckDBPyConnection, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (day, source_type): ``DAILY_COLUMNS``; and per (day, topic): ``n`` documents."""
    if _summary_will_do(sel):
        # daily_trends counts originals only, so include_reprints is never set on this path
        where, params = sel.where(columns=("campaign", "day", "source_type"))
        frame = con.execute(
            "SELECT day, source_type, n_docs, n_scored, avg_sentiment, "
            "CAST(round(coalesce(share_negative, 0) * n_scored) AS BIGINT) AS n_negative, n_target, "
            "n_target_negative, n_target_positive, n_pro_recall, n_anti_recall "
            f"FROM daily_trends WHERE {where} ORDER BY day",
            params,
        ).df()
        topics = con.execute(
            "SELECT day, topic, sum(n) AS n FROM ("
            " SELECT day, unnest(map_keys(topic_counts)) AS topic, unnest(map_values(topic_counts)) AS n"
            f" FROM daily_trends WHERE {where} AND topic_counts IS NOT NULL) GROUP BY ALL ORDER BY day",
            params,
        ).df()
    else:
        where, params = sel.where()
        frame = con.execute(
            "SELECT day, source_type, count(*) AS n_docs, count(sentiment) AS n_scored, "
            "avg(sentiment_score) AS avg_sentiment, count(*) FILTER (WHERE sentiment = 'negative') AS n_negative, "
            "count(target_sentiment) AS n_target, "
            "count(*) FILTER (WHERE target_sentiment = 'negative') AS n_target_negative, "
            "count(*) FILTER (WHERE target_sentiment = 'positive') AS n_target_positive, "
            "count(*) FILTER (WHERE stance = 'pro_recall') AS n_pro_recall, "
            "count(*) FILTER (WHERE stance = 'anti_recall') AS n_anti_recall "
            f"FROM mentions WHERE {where} AND day IS NOT NULL GROUP BY ALL ORDER BY day",
            params,
        ).df()
        topics = con.execute(
            "SELECT day, topic, count(*) AS n FROM ("
            f" SELECT day, unnest(topics) AS topic FROM mentions WHERE {where} AND day IS NOT NULL"
            ") GROUP BY ALL ORDER BY day",
            params,
        ).df()
    frame["day"] = pd.to_datetime(frame["day"])
    topics["day"] = pd.to_datetime(topics["day"])
    return frame, topics


def day_range(con: duckdb.DuckDBPyConnection, campaign: str) -> tuple[date, date] | None:
    row = first_row(con.execute("SELECT min(day), max(day) FROM daily_trends WHERE campaign = ?", [campaign]))
    return (row[0], row[1]) if row and row[0] is not None else None


def facets(con: duckdb.DuckDBPyConnection, campaign: str) -> dict[str, list[str]]:
    """The source types and platforms the campaign has documents from."""
    rows = con.execute(
        "SELECT DISTINCT source_type, platform FROM mentions WHERE campaign = ? ORDER BY 1, 2", [campaign]
    ).fetchall()
    return {"source_types": sorted({r[0] for r in rows}), "platforms": sorted({r[1] for r in rows})}


def platforms(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame:
    where, params = sel.where()
    return con.execute(
        f"SELECT platform, source_type, count(*) AS documents FROM mentions WHERE {where} GROUP BY ALL",
        params,
    ).df()


def stance_by_platform(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame:
    where, params = sel.where()
    return con.execute(
        f"SELECT platform, stance, count(*) AS documents FROM mentions WHERE {where} "
        "AND stance IS NOT NULL AND stance <> 'none' GROUP BY ALL",
        params,
    ).df()


def top_voices(con: duckdb.DuckDBPyConnection, sel: Selection, source_type: str, limit: int = 10) -> pd.DataFrame:
    """Outlets (news: by platform) or accounts (social: by author and platform), by volume.

    ``stories`` counts distinct stories (a reprint folded into its original); ``reach`` counts
    every copy, the original's and its reprints'.
    """
    reprints = Selection(**{**sel.__dict__, "include_reprints": True, "source_types": [source_type]})
    where, params = reprints.where()
    who = "platform" if source_type == "news" else "coalesce(author, '(unknown)') AS author, platform"
    return con.execute(
        f"SELECT {who}, count(*) FILTER (WHERE duplicate_of IS NULL) AS stories, count(*) AS reach, "
        "avg(sentiment_score) AS avg_sentiment, "
        "avg(CASE target_sentiment WHEN 'negative' THEN 1.0 WHEN 'neutral' THEN 0.0 WHEN 'positive' THEN 0.0 END) "
        "AS share_negative_to_target "
        f"FROM mentions WHERE {where} GROUP BY ALL ORDER BY stories DESC, reach DESC LIMIT ?",
        [*params, limit],
    ).df()


def monthly_topic(con: duckdb.DuckDBPyConnection, sel: Selection, topic: str) -> pd.DataFrame:
    """Per month: documents on ``topic``, and the shares of them negative overall and toward the target."""
    where, params = sel.where()
    frame = con.execute(
        "SELECT date_trunc('month', day) AS month, count(*) AS documents, "
        "avg(CASE WHEN sentiment = 'negative' THEN 1.0 WHEN sentiment IS NULL THEN NULL ELSE 0.0 END) AS share_negative "
        f"FROM mentions WHERE {where} AND day IS NOT NULL AND list_contains(topics, ?) GROUP BY ALL ORDER BY month",
        [*params, topic],
    ).df()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def texts_of_day(
    con: duckdb.DuckDBPyConnection, sel: Selection, day: date, order: str, *, limit: int = 8
) -> pd.DataFrame:
    """The texts of one day that drove a spike: ``order`` is ``volume`` (the stories with most
    copies that day first), ``target_negative`` (most negative toward the target first) or a
    stance label (that stance, most negative first)."""
    where, params = Selection(**{**sel.__dict__, "start": day, "end": day, "include_reprints": True}).where()
    extra, extra_params = "", []
    if order == "target_negative":
        extra, sort = " AND target_sentiment = 'negative'", "coalesce(target_score, sentiment_score) ASC NULLS LAST"
    elif order in ("pro_recall", "anti_recall"):
        extra, sort = " AND stance = ?", "sentiment_score ASC NULLS LAST"
        extra_params = [order]
    else:
        sort = "copies DESC, published_at"
    # The day's rows are spread over the whole table: rank them without their text, then read
    # the text of the few shown only.
    return con.execute(
        "WITH day_rows AS ("
        " SELECT doc_id, duplicate_of, published_at, sentiment_score, target_score, target_sentiment, stance,"
        " count(*) OVER (PARTITION BY coalesce(duplicate_of, doc_id)) AS copies"
        f" FROM mentions WHERE {where}), "
        f"top AS (SELECT *, row_number() OVER (ORDER BY {sort}) AS position FROM day_rows"
        f" WHERE duplicate_of IS NULL{extra} ORDER BY {sort} LIMIT ?) "
        "SELECT top.doc_id, top.published_at, m.platform, m.author, m.title, left(m.text, 240) AS excerpt, "
        "top.copies, top.sentiment_score, top.target_sentiment, top.stance, m.url "
        "FROM top JOIN mentions AS m USING (doc_id) ORDER BY top.position",
        [*params, *extra_params, limit],
    ).df()


def has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view exists (views added by other parts of Vigia may not be there yet)."""
    row = first_row(con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [name]))
    if row and row[0]:
        return True
    row = first_row(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))
    return bool(row and row[0])


def actor_voice(con: duckdb.DuckDBPyConnection, sel: Selection) -> pd.DataFrame | None:
    """Share of voice and tone per actor (view `actor_mentions`); None when not there yet."""
    if not has_relation(con, "actor_mentions"):
        return None
    # The view carries when and where, not the document's own labels: those filters do not apply.
    # Actor scores are kept per document, reprints too.
    narrowed = Selection(campaign=sel.campaign, start=sel.start, end=sel.end, source_types=sel.source_types,
                         platforms=sel.platforms, include_reprints=True)
    where, params = narrowed.where(alias="a", columns=("campaign", "day", "source_type", "platform"))
    return con.execute(
        "SELECT a.actor, a.sentiment, count(*) AS documents FROM actor_mentions AS a "
        f"WHERE {where} GROUP BY ALL ORDER BY a.actor",
        params,
    ).df()


def trust(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame | None:
    """The newest agreement figures per task (table `model_trust`); None when not there yet."""
    if not has_relation(con, "model_trust"):
        return None
    return con.execute(
        "SELECT task, model_set, n_labels, agreement, macro_f1, method, computed_at FROM model_trust "
        "WHERE campaign = ? QUALIFY row_number() OVER (PARTITION BY task ORDER BY computed_at DESC) = 1 "
        "ORDER BY task",
        [campaign],
    ).df()


def review_queue(con: duckdb.DuckDBPyConnection, campaign: str, limit: int = 15) -> pd.DataFrame | None:
    """The texts the models are least sure of, in the order of view `review_queue`; None when not
    there yet. The top-N reads the unordered `review_candidates` (a top-N over the ordered view
    sorts every row); a snapshot whose views predate it falls back to the view."""
    relation = next((r for r in ("review_candidates", "review_queue") if has_relation(con, r)), None)
    if relation is None:
        return None
    return con.execute(
        f"SELECT doc_id, task, label, confidence, published_at, platform, title FROM {relation} "
        "WHERE campaign = ? ORDER BY confidence ASC, published_at DESC NULLS LAST, doc_id, task LIMIT ?",
        [campaign, limit],
    ).df()


def document(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict[str, Any]:
    """One document, whole, as `mentions` shows it (fetched only when the analyst opens it)."""
    cur = con.execute(
        "SELECT doc_id, title, text, url, platform, author, published_at, sentiment, sentiment_score, "
        "target_sentiment, target_match, topics, stance, model, corrected, duplicate_of FROM mentions "
        "WHERE doc_id = ?",
        [doc_id],
    )
    row = first_row(cur)
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


def reprint_copies(con: duckdb.DuckDBPyConnection, sel: Selection) -> int:
    """The copies folded into their original in the selection (agency and sister-outlet
    reprints): what ``count(*) FROM mentions`` counts on top of the page's texts."""
    if _summary_will_do(sel):
        where, params = sel.where(columns=("campaign", "day", "source_type"))
        row = first_row(con.execute(f"SELECT coalesce(sum(n_reach - n_docs), 0) FROM daily_trends WHERE {where}", params))
    else:
        where, params = Selection(**{**sel.__dict__, "include_reprints": True}).where()
        row = first_row(con.execute(f"SELECT count(*) FROM mentions WHERE {where} AND duplicate_of IS NOT NULL", params))
    return int(row[0]) if row else 0


def corrections_since_trust(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame:
    """Per task (``target_sentiment``, ``topics``, ``stance``): the analysts' corrections of the
    campaign's texts, ``corrections``, and how many came after the newest agreement figures for
    that task were computed (``since``; all of them when none were): what `vigia trust` would
    learn from that the trust panel does not show yet."""
    trusted = ("(SELECT max(computed_at) FROM model_trust AS t WHERE t.campaign = ? AND t.task = c.field)"
               if has_relation(con, "model_trust") else "NULL")
    params = [campaign] if trusted != "NULL" else []
    return con.execute(
        f"SELECT c.field AS task, count(*) AS corrections, "
        f"count(*) FILTER (WHERE {trusted} IS NULL OR c.corrected_at > {trusted}) AS since "
        "FROM corrections AS c JOIN documents AS d USING (doc_id) WHERE d.campaign = ? GROUP BY c.field ORDER BY c.field",
        [*params, *params, campaign],
    ).df()
