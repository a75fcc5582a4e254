"""Queries as series: what the charts draw for the analyst's own queries.

For one query (``Selection.query``, the language of ``warehouse.query``) or up to
:data:`MAX_QUERIES` side by side: per day, the texts that match, their share of all the texts
the other filters select that day (share of coverage), their sentiment, their sentiment toward
the target and their stance; then each query's top words and phrases, outlets and accounts.

Every read is one grouped scan of ``mentions`` filtered by ``Selection.where``; several queries
are counted in the same scan (each row tests each query once), so comparing three queries costs
about one scan with three tests, not three scans. The denominator of the share comes from the
summary rows behind ``daily_trends`` when the other filters allow it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd

from campaigns.recognition import fold
from warehouse import query as query_language
from warehouse.explorer import Selection
from warehouse.words import WRITTEN, document_frequencies, top_terms, with_spellings

MAX_QUERIES = 5
WORD_SAMPLE = 1000  # texts read for a query's top words (a fixed pseudo-random sample beyond that)

COUNT_COLUMNS = (
    "n_docs", "n_scored", "sum_sentiment", "n_negative", "n_neutral", "n_positive", "n_target",
    "n_target_negative", "n_target_neutral", "n_target_positive", "n_pro_recall", "n_anti_recall",
)

_AGGREGATES = (
    "count(*) AS n_docs, count(sentiment) AS n_scored, coalesce(sum(sentiment_score), 0) AS sum_sentiment, "
    "count(*) FILTER (WHERE sentiment = 'negative') AS n_negative, "
    "count(*) FILTER (WHERE sentiment = 'neutral') AS n_neutral, "
    "count(*) FILTER (WHERE sentiment = 'positive') AS n_positive, "
    "count(target_sentiment) AS n_target, "
    "count(*) FILTER (WHERE target_sentiment = 'negative') AS n_target_negative, "
    "count(*) FILTER (WHERE target_sentiment = 'neutral') AS n_target_neutral, "
    "count(*) FILTER (WHERE target_sentiment = 'positive') AS n_target_positive, "
    "count(*) FILTER (WHERE stance = 'pro_recall') AS n_pro_recall, "
    "count(*) FILTER (WHERE stance = 'anti_recall') AS n_anti_recall"
)


class TooManyQueries(ValueError):
    pass


def _days(start: date, end: date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D", name="day")


def bounds(con, sel: Selection) -> tuple[date, date] | None:
    """The selection's first and last day: its own, else the campaign's data."""
    if sel.start is not None and sel.end is not None:
        return sel.start, sel.end
    row = con.execute("SELECT min(day), max(day) FROM daily_trends WHERE campaign = ?", [sel.campaign]).fetchall()
    if not row or row[0][0] is None:
        return None
    return sel.start or row[0][0], sel.end or row[0][1]


def coverage(con, sel: Selection) -> pd.DataFrame:
    """Per day: ``coverage``, the texts the selection's filters keep without its query (the
    denominator of a query's share of coverage)."""
    base = replace(sel, query="")
    summary_ok = not (base.platforms or base.topics or base.sentiments or base.target_sentiments
                      or base.stances or base.include_reprints)
    if summary_ok:
        where, params = base.where(columns=("campaign", "day", "source_type"))
        sql = f"SELECT day, sum(n_docs) AS coverage FROM daily_trends WHERE {where} GROUP BY day"
    else:
        where, params = base.where()
        sql = f"SELECT day, count(*) AS coverage FROM mentions WHERE {where} AND day IS NOT NULL GROUP BY day"
    frame = con.execute(sql, params).df()
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


@dataclass
class Comparison:
    """Up to :data:`MAX_QUERIES` queries over one selection, from one scan of ``mentions``.

    - ``series``: per (query, day) over the selection's range, days without hits as zeros:
      ``query`` (as typed), ``label`` (as the tree reads it back), ``day``,
      :data:`COUNT_COLUMNS`, ``coverage`` and the derived shares (:func:`derive`).
    - ``totals``: the same summed over the range, one row per query.
    - ``daily``: per (query index ``q``, ``day``, ``source_type``) the counts in the shape of
      ``warehouse.trends.daily`` (``n_docs``, ``n_scored``, ``avg_sentiment``, ``n_negative``,
      ``n_target``, ``n_target_negative``, ``n_target_positive``, ``n_pro_recall``,
      ``n_anti_recall``), from ``history_start`` on (the trailing days spikes are measured
      against) to the range's end: what the page's own charts and ``alerts.spikes`` take.
    - ``topics``: per (``q``, ``day``, ``topic``) texts ``n``, and of them ``n_scored`` and
      ``n_negative``, in the range; ``platforms``: per
      (``q``, ``platform``, ``source_type``) ``documents``, ``pro_recall``, ``anti_recall``.
    - ``profiles``: per query (same order), ``words`` (top words and phrases from a fixed sample
      of at most ``WORD_SAMPLE`` texts: ``words_read`` of ``matched``; ``term`` folded, as
      counted, ``written`` as the texts most often write it), ``outlets`` and
      ``accounts`` (``stories``: reprints folded; ``reach``: every copy; their sentiment).
    - ``voice``: share of voice of the first query's texts (``warehouse.voice.daily_voice``)
      when ``voice_names`` is given; ``reprints``: per query, the copies folded into their
      original in the range (what ``count(*) FROM mentions`` counts on top of ``n_docs``).
    - ``ranked``: the first query's best ``ranked`` hits in the text list's order
      (``warehouse.explorer.ORDER``: ``doc_id``, ``published_at``, ``rank`` and the labels), and
      ``kinds``: its hits counted by (``sentiment``, ``target_sentiment``, ``stance``), when
      ``ranked`` is asked for.
    - ``kept``: with ``keep``, per query the name of a temporary table of its texts' ``doc_id``
      (the range and the history before it), left on the connection for the caller's next reads
      and dropped by it (:func:`drop_kept`)."""

    series: pd.DataFrame
    totals: pd.DataFrame
    profiles: list[dict]
    daily: pd.DataFrame | None = None
    topics: pd.DataFrame | None = None
    platforms: pd.DataFrame | None = None
    start: date | None = None
    end: date | None = None
    history_start: date | None = None
    voice: pd.DataFrame | None = None
    reprints: list[int] = field(default_factory=list)
    ranked: pd.DataFrame | None = None
    kinds: pd.DataFrame | None = None
    kept: list[str] = field(default_factory=list)


_HIT_COLUMNS = ("doc_id", "day", "source_type", "platform", "author", "duplicate_of", "sentiment",
                "sentiment_score", "target_sentiment", "stance", "topics")
_DAILY = (
    "count(*) AS n_docs, count(sentiment) AS n_scored, avg(sentiment_score) AS avg_sentiment, "
    "count(*) FILTER (WHERE sentiment = 'negative') AS n_negative, count(target_sentiment) AS n_target, "
    "count(*) FILTER (WHERE target_sentiment = 'negative') AS n_target_negative, "
    "count(*) FILTER (WHERE target_sentiment = 'positive') AS n_target_positive, "
    "count(*) FILTER (WHERE stance = 'pro_recall') AS n_pro_recall, "
    "count(*) FILTER (WHERE stance = 'anti_recall') AS n_anti_recall"
)


def compare(con, sel: Selection, queries: Sequence[str], *, profiles: bool = True, limit: int = 10,
            extra_stop: Sequence[str] = (), history_days: int = 0, words: bool = True,
            voice_names: Mapping[str, str] | None = None, ranked: int = 0, keep: bool = False) -> Comparison:
    """Each query of ``queries`` under the selection's other filters (its own ``query`` is
    replaced by each in turn; an empty query stands for every text the filters keep).

    The texts matching any query are found in one scan (each row tests each query once) into a
    temporary table of their small columns; every figure is then read from it. ``history_days``:
    also read that many days before the range (``Comparison.daily``), so spikes in the range are
    measured against a trailing baseline from the same scan. ``words``: read each query's top
    words (a second, sampled read of the texts; off, the profiles hold outlets and accounts
    only). ``voice_names``: also the first query's share of voice, from the same hits. Raises ``QueryError`` for a
    malformed query and :class:`TooManyQueries` beyond :data:`MAX_QUERIES`."""
    queries = list(queries)
    if len(queries) > MAX_QUERIES:
        raise TooManyQueries(f"at most {MAX_QUERIES} queries side by side, not {len(queries)}")
    for text in queries:
        query_language.parse(text)  # a malformed query fails here, before any SQL
    span = bounds(con, sel)
    days = _days(*span) if span else pd.DatetimeIndex([], name="day")
    if not queries or span is None:
        empty = pd.DataFrame(columns=["query", "label", "day", *COUNT_COLUMNS, "coverage"])
        return Comparison(derive(empty), derive(empty), [])
    start, end = span
    history_start = start - timedelta(days=history_days)
    # Reprints are kept in the table (reach counts them); the counts fold them unless asked.
    base_where, base_params = replace(sel, query="", include_reprints=True, start=history_start, end=end).where()
    tests, test_params = [], []
    for i, text in enumerate(queries):
        compiled = query_language.where(text, "search_text", key="row_key")  # the term index
        if compiled is None:
            tests.append(f"{i}")
        else:
            tests.append(f"CASE WHEN {compiled[0]} THEN {i} END")
            test_params += compiled[1]
    table = f"query_hits_{uuid.uuid4().hex[:12]}"
    # The first query's rank (the text list's order) is computed in the same scan when asked.
    rank, rank_params = replace(sel, query=queries[0]).rank() if ranked else ("0.0", [])
    # The rank reads the text again (instr per term): only for the first query's hits, never
    # for every row the filters keep.
    # The top words' texts are kept in the same scan, as written (the words are counted folded,
    # and shown as written): a fixed 1-in-k slice of the hits (k from the range's size in the
    # summary rows), enough for a query holding a quarter of the texts; a rarer query's sample is
    # read again by doc_id (_profile).
    every = 0
    if profiles and words:
        estimate = con.execute("SELECT coalesce(sum(n_reach), 0) FROM daily_trends WHERE campaign = ? AND day BETWEEN ? AND ?",
                               [sel.campaign, start, end]).fetchall()[0][0]
        every = max(1, int(estimate) // (4 * WORD_SAMPLE))
    sample = f"CASE WHEN hash(doc_id) % {every} = 0 THEN {WRITTEN} END" if every else "NULL::VARCHAR"
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {', '.join(_HIT_COLUMNS)}, published_at, "
        f"CASE WHEN list_contains(qs, 0) THEN {rank} ELSE 0.0 END AS rank, hash(doc_id) AS sample_key, "
        f"{sample} AS sample_text, "
        f"unnest(qs) AS q FROM (SELECT {', '.join(_HIT_COLUMNS)}, published_at, title, {'text, ' if every else ''}search_text, "
        f"list_filter([{', '.join(tests)}], lambda x: x IS NOT NULL) AS qs "
        f"FROM mentions WHERE {base_where} AND day IS NOT NULL) WHERE len(qs) > 0",
        [*rank_params, *test_params, *base_params],
    )
    try:
        originals = "" if sel.include_reprints else " AND duplicate_of IS NULL"
        in_range = f"day BETWEEN ? AND ?{originals}"
        counts = con.execute(f"SELECT q, day, {_AGGREGATES} FROM {table} WHERE {in_range} GROUP BY ALL",
                             [start, end]).df()
        counts["day"] = pd.to_datetime(counts["day"])
        cover = coverage(con, sel).set_index("day")["coverage"].reindex(days, fill_value=0)
        frames = []
        for i, text in enumerate(queries):
            one = counts[counts["q"] == i].drop(columns="q").set_index("day").reindex(days, fill_value=0)
            one = one.reset_index()
            one.insert(0, "label", query_language.canonical(text) or ALL_TEXTS)
            one.insert(0, "query", text)
            one["coverage"] = cover.to_numpy()
            frames.append(one)
        series = pd.concat(frames, ignore_index=True)
        for column in COUNT_COLUMNS:
            series[column] = series[column].astype(float if column == "sum_sentiment" else "int64")
        series = derive(series)
        daily = con.execute(
            f"SELECT q, day, source_type, {_DAILY} FROM {table} WHERE TRUE{originals} GROUP BY ALL ORDER BY q, day"
        ).df()
        daily["day"] = pd.to_datetime(daily["day"])
        topics = con.execute(
            "SELECT q, day, topic, count(*) AS n, count(sentiment) AS n_scored, "
            "count(*) FILTER (WHERE sentiment = 'negative') AS n_negative "
            f"FROM (SELECT q, day, sentiment, unnest(topics) AS topic FROM {table} "
            f"WHERE {in_range}) GROUP BY ALL ORDER BY q, day", [start, end]).df()
        topics["day"] = pd.to_datetime(topics["day"])
        platforms = con.execute(
            f"SELECT q, platform, source_type, count(*) AS documents, "
            "count(*) FILTER (WHERE stance = 'pro_recall') AS pro_recall, "
            f"count(*) FILTER (WHERE stance = 'anti_recall') AS anti_recall FROM {table} WHERE {in_range} "
            "GROUP BY ALL ORDER BY q, documents DESC", [start, end]).df()
        found = ([_profile(con, table, i, sel, limit, extra_stop, start, end, words) for i in range(len(queries))]
                 if profiles else [])
        copies = dict(con.execute(
            f"SELECT q, count(*) FROM {table} WHERE day BETWEEN ? AND ? AND duplicate_of IS NOT NULL GROUP BY q",
            [start, end]).fetchall())
        best = kinds = None
        if ranked:
            # The text list's first pages and how many texts each label filter keeps: the list
            # is drawn from this scan, not from a second one (warehouse.explorer.find).
            best = con.execute(
                f"SELECT doc_id, published_at, rank, sentiment, target_sentiment, stance FROM {table} "
                f"WHERE q = 0 AND {in_range} ORDER BY rank DESC, published_at DESC NULLS LAST, doc_id LIMIT ?",
                [start, end, int(ranked)]).df()
            kinds = con.execute(
                f"SELECT sentiment, target_sentiment, stance, count(*) AS n FROM {table} WHERE q = 0 AND {in_range} "
                "GROUP BY ALL", [start, end]).df()
        voice = None
        if voice_names is not None:
            from warehouse.voice import daily_voice

            voice = daily_voice(con, sel, voice_names, rows=(
                f"SELECT doc_id, day, target_sentiment FROM {table} WHERE q = 0 AND {in_range}", [start, end]))
        if keep:
            # Each query's texts in the range, for reads that follow on the same connection
            # (warehouse.shares: estimates over a query's texts without scanning them again).
            for i in range(len(queries)):
                con.execute(f"CREATE TEMP TABLE {table}_q{i} AS SELECT DISTINCT doc_id FROM {table} "
                            f"WHERE q = ? AND day BETWEEN ? AND ?", [i, history_start, end])
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return Comparison(series, totals(series), found, daily, topics, platforms, start, end, history_start, voice,
                      [int(copies.get(i, 0)) for i in range(len(queries))], best, kinds,
                      [f"{table}_q{i}" for i in range(len(queries))] if keep else [])


ALL_TEXTS = "(all texts)"


def _profile(con, table: str, q: int, sel: Selection, limit: int, extra_stop: Sequence[str],
             start: date, end: date, words: bool = True) -> dict:
    in_range = "day BETWEEN ? AND ?" + ("" if sel.include_reprints else " AND duplicate_of IS NULL")
    matched = int(con.execute(f"SELECT count(*) FROM {table} WHERE q = ? AND {in_range}",
                              [q, start, end]).fetchall()[0][0])
    texts: list[str] = []
    if words:
        # A fixed pseudo-random sample, the same texts on every redraw: from the scan's slice when
        # it holds enough of them, else read again by doc_id.
        texts = [r[0] for r in con.execute(
            f"SELECT sample_text FROM {table} WHERE q = ? AND {in_range} AND sample_text IS NOT NULL "
            "ORDER BY sample_key LIMIT ?", [q, start, end, WORD_SAMPLE]).fetchall()]
        if len(texts) < min(WORD_SAMPLE, matched) // 2:
            texts = [r[0] for r in con.execute(
                f"SELECT {WRITTEN} FROM mentions WHERE doc_id IN (SELECT doc_id FROM {table} WHERE q = ? AND {in_range} "
                "ORDER BY sample_key LIMIT ?)", [q, start, end, WORD_SAMPLE]).fetchall()]
    folded = [fold(text) for text in texts]
    counts, read = document_frequencies(folded, extra_stop)
    words = with_spellings(top_terms(counts, read, limit=limit * 2), texts, folded)
    voices = (
        "count(*) FILTER (WHERE duplicate_of IS NULL) AS stories, count(*) AS reach, "
        "avg(sentiment_score) AS avg_sentiment, "
        "avg(CASE target_sentiment WHEN 'negative' THEN 1.0 WHEN 'neutral' THEN 0.0 WHEN 'positive' THEN 0.0 END) "
        "AS share_negative_to_target"
    )
    outlets = con.execute(
        f"SELECT platform, {voices} FROM {table} WHERE q = ? AND day BETWEEN ? AND ? AND source_type = 'news' "
        "GROUP BY ALL ORDER BY stories DESC, reach DESC, platform LIMIT ?", [q, start, end, limit]).df()
    accounts = con.execute(
        f"SELECT coalesce(author, '(unknown)') AS author, platform, {voices} FROM {table} "
        "WHERE q = ? AND day BETWEEN ? AND ? AND source_type = 'social' GROUP BY ALL "
        "ORDER BY stories DESC, reach DESC, author LIMIT ?", [q, start, end, limit]).df()
    return {"words": words, "words_read": read, "matched": matched,
            "outlets": outlets, "accounts": accounts}


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares and means from the counts of :func:`compare` (also after summing days into weeks):
    NaN where the count they rest on is 0, never a 0% or 100% drawn from nothing."""
    def ratio(num: str, den: str) -> pd.Series:
        return frame[num] / frame[den].where(frame[den] > 0)

    frame = frame.copy()
    frame["share_of_coverage"] = ratio("n_docs", "coverage")
    frame["avg_sentiment"] = ratio("sum_sentiment", "n_scored")
    frame["share_negative"] = ratio("n_negative", "n_scored")
    frame["share_target_negative"] = ratio("n_target_negative", "n_target")
    return frame


def query_series(con, sel: Selection, **options) -> Comparison:
    """:func:`compare` for the selection's own query alone."""
    return compare(con, sel, [sel.query], **options)


def totals(series: pd.DataFrame) -> pd.DataFrame:
    """One row per query over the whole range: the counts summed and the shares derived."""
    summed = series.groupby(["query", "label"], sort=False)[[*COUNT_COLUMNS, "coverage"]].sum().reset_index()
    return derive(summed)


def drop_kept(con, comparison: Comparison) -> None:
    """Drop the temporary tables ``compare(..., keep=True)`` left on ``con``."""
    for table in comparison.kept:
        con.execute(f"DROP TABLE IF EXISTS {table}")
