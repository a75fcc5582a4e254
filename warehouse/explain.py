"""Why did it spike: what a spike day's texts say, and who said it, against a fixed baseline.

The baseline is the ``baseline_days`` days before the spike (28 by default, the window the spike
detector compares a day with), whatever range the page shows. For topics, outlets and accounts
the change is the **excess**: the day's texts of that kind minus what the baseline's mix would
give for the day's volume (``spike_texts * baseline_share``); for words and phrases it is the
weighted log-odds z-score of ``warehouse.words.log_odds``. The texts that drove it are those of
``warehouse.trends.texts_of_day``, in the order the spike's metric asks for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from campaigns.recognition import fold
from warehouse.explorer import Selection
from warehouse.trends import texts_of_day
from warehouse.words import (
    WRITTEN,
    document_frequencies,
    log_odds,
    stop_words,
    terms_of,
    with_spellings,
)

BASELINE_DAYS = 28
WORD_SAMPLE = 1000  # texts read on each side for the words (a fixed pseudo-random sample)


@dataclass
class Explanation:
    """What changed on ``day`` against ``baseline_start``..``baseline_end``.

    ``spike_texts`` / ``baseline_texts``: texts (reprints folded unless the selection counts
    them) on the day and in the whole baseline. ``words``: ``term`` (folded, as counted),
    ``written`` (as the texts most often write it), ``kind``, ``focus_docs``,
    ``focus_share``, ``baseline_docs``, ``baseline_share``, ``z`` (from samples of at most
    ``WORD_SAMPLE`` texts a side). ``topics``: ``topic``; ``outlets``: ``platform``;
    ``accounts``: ``author``, ``platform``; each with ``spike_texts``, ``spike_share``,
    ``baseline_texts``, ``baseline_share`` and ``excess``, largest excess first. ``texts``: the
    texts that drove it (``warehouse.trends.texts_of_day``)."""

    day: date
    baseline_start: date
    baseline_end: date
    spike_texts: int
    baseline_texts: int
    words: pd.DataFrame
    topics: pd.DataFrame
    outlets: pd.DataFrame
    accounts: pd.DataFrame
    texts: pd.DataFrame


def _contrast(con, table: str, group: str, columns: Sequence[str], n_spike: int, n_base: int, limit: int,
              extra: str = "") -> pd.DataFrame:
    frame = con.execute(
        f"SELECT {', '.join(columns)}, count(*) FILTER (WHERE spike) AS spike_texts, "
        f"count(*) FILTER (WHERE NOT spike) AS baseline_texts FROM (SELECT spike, {group} FROM {table}{extra}) "
        "GROUP BY ALL").df()
    out = frame.astype({"spike_texts": "int64", "baseline_texts": "int64"})
    out["spike_share"] = out["spike_texts"] / n_spike if n_spike else 0.0
    out["baseline_share"] = out["baseline_texts"] / n_base if n_base else 0.0
    out["excess"] = out["spike_texts"] - n_spike * out["baseline_share"]
    out = out[out["spike_texts"] > 0].sort_values(["excess", *columns], ascending=[False] + [True] * len(columns))
    return out.head(limit).reset_index(drop=True)


def _sample(con, table: str, spike: bool, n: int) -> tuple[list[str], list[str]]:
    """At most ``n`` texts of one side as written, and their doc_ids, the same ones on every run:
    from the texts the scan kept (in their sample order), else (too few kept: the estimate of the
    side's size was high) read again by doc_id."""
    kept = con.execute(
        f"SELECT doc_id, written FROM {table} WHERE spike = ? AND written IS NOT NULL ORDER BY sample_key LIMIT ?",
        [spike, n]).fetchall()
    total = con.execute(f"SELECT count(*) FROM {table} WHERE spike = ?", [spike]).fetchall()[0][0]
    if len(kept) < min(n, total) // 2:
        kept = con.execute(
            f"SELECT doc_id, {WRITTEN} FROM mentions WHERE doc_id IN (SELECT doc_id FROM {table} WHERE spike = ? "
            "ORDER BY sample_key LIMIT ?)", [spike, n]).fetchall()
    return [r[0] for r in kept], [r[1] or "" for r in kept]


def what_changed(con, sel: Selection, day: date, *, metric: str = "volume", baseline_days: int = BASELINE_DAYS,
                 limit: int = 10, extra_stop: Sequence[str] = ()) -> Explanation:
    """What changed on ``day`` for the selection's filters and query (its date range is ignored:
    the day is compared with the ``baseline_days`` before it). The spike's and the baseline's
    texts are found in one scan into a temporary table of their small columns."""
    first, last = day - timedelta(days=baseline_days), day - timedelta(days=1)
    where, params = replace(sel, start=first, end=day).where()
    # The scan keeps the text (as written: the words are counted folded and shown as written) of
    # every spike-day row and of about 2 x WORD_SAMPLE baseline rows (a fixed 1-in-k slice, k
    # from the campaign's daily counts), so the word samples need no second pass over the table.
    estimate = con.execute("SELECT coalesce(sum(n_reach), 0) FROM daily_trends WHERE campaign = ? AND day BETWEEN ? AND ?",
                           [sel.campaign, first, last]).fetchall()[0][0]
    every = max(1, int(estimate) // (2 * WORD_SAMPLE))
    table = f"spike_rows_{uuid.uuid4().hex[:12]}"
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT doc_id, day = ? AS spike, platform, source_type, author, topics, "
        f"hash(doc_id) AS sample_key, CASE WHEN day = ? OR hash(doc_id) % ? = 0 THEN {WRITTEN} END AS written "
        f"FROM mentions WHERE {where}", [day, day, every, *params])
    try:
        n_spike, n_base = (int(v) for v in con.execute(
            f"SELECT count(*) FILTER (WHERE spike), count(*) FILTER (WHERE NOT spike) FROM {table}").fetchall()[0])
        day_ids, on_day = _sample(con, table, True, WORD_SAMPLE)
        folded = [fold(text) for text in on_day]
        focus, n_focus = document_frequencies(folded, extra_stop)
        usual, n_usual = document_frequencies([fold(text) for text in _sample(con, table, False, WORD_SAMPLE)[1]], extra_stop)
        # Named as the day's texts write them: the words are the day's.
        words = with_spellings(log_odds(focus, n_focus, usual, n_usual, limit=limit * 2), on_day, folded)
        topics = _contrast(con, table, "unnest(topics) AS topic", ["topic"], n_spike, n_base, limit)
        outlets = _contrast(con, table, "platform", ["platform"], n_spike, n_base, limit)
        accounts = _contrast(con, table, "coalesce(author, '(unknown)') AS author, platform", ["author", "platform"],
                             n_spike, n_base, limit, extra=" WHERE source_type = 'social'")
        if metric == "volume":
            texts = _typical_texts(con, words, day_ids[:500], folded[:500], limit)
        else:  # the texts negative toward the target, or of the stance, that day
            texts = texts_of_day(con, sel, day, metric, limit=limit)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return Explanation(day, first, last, n_spike, n_base, words, topics, outlets, accounts, texts)


def _typical_texts(con, words: pd.DataFrame, doc_ids: Sequence[str], folded: Sequence[str], limit: int) -> pd.DataFrame:
    """The texts of ``doc_ids`` (the spike day's sample, ``folded`` their texts) that hold most of
    what changed (the sum of the z-scores of the changed words and phrases each holds)."""
    weights = dict(zip(words["term"], words["z"], strict=True))
    stop = stop_words()
    ranked = sorted(((sum(weights.get(t, 0.0) for t in terms_of(text, stop)), doc_id) for doc_id, text in zip(doc_ids, folded, strict=True)),
                    key=lambda r: (-r[0], r[1]))
    chosen = [doc_id for weight, doc_id in ranked[:limit] if weight > 0] or [d for _, d in ranked[:limit]]
    if not chosen:
        return pd.DataFrame(columns=["doc_id", "published_at", "platform", "author", "title", "excerpt", "copies",
                                     "sentiment_score", "target_sentiment", "stance", "url"])
    frame = con.execute(
        "SELECT doc_id, published_at, platform, author, title, left(text, 240) AS excerpt, "
        "(SELECT count(*) FROM mentions AS c WHERE coalesce(c.duplicate_of, c.doc_id) = m.doc_id) AS copies, "
        "sentiment_score, target_sentiment, stance, url FROM mentions AS m WHERE list_contains(?, doc_id)",
        [chosen]).df()
    return frame.set_index("doc_id").loc[chosen].reset_index()
