"""Why did it spike: what a spike day's texts say, and who said it, against a fixed baseline.

The baseline is the ``baseline_days`` days before the spike (28 by default, the window the spike
detector compares a day with), whatever range the page shows. For topics, outlets and accounts
the change is the **excess**: the day's texts of that kind minus what the baseline's mix would
give for the day's volume (``spike_texts * baseline_share``); for words and phrases it is the
weighted log-odds z-score of ``warehouse.words.log_odds``. The texts that drove it are those of
``warehouse.trends.texts_of_day``, in the order the spike's metric asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from warehouse.explorer import Selection
from warehouse.trends import texts_of_day
from warehouse.words import document_frequencies, log_odds, stop_words, terms_of

BASELINE_DAYS = 28
WORD_SAMPLE = 1000  # texts read on each side for the words (a fixed pseudo-random sample)


@dataclass
class Explanation:
    """What changed on ``day`` against ``baseline_start``..``baseline_end``.

    ``spike_texts`` / ``baseline_texts``: texts (reprints folded unless the selection counts
    them) on the day and in the whole baseline. ``words``: ``term``, ``kind``, ``focus_docs``,
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


def _contrast(con, spike: Selection, baseline: Selection, group: str, columns: Sequence[str],
              n_spike: int, n_base: int, limit: int, extra: str = "") -> pd.DataFrame:
    frames = []
    for sel, side in ((spike, "spike_texts"), (baseline, "baseline_texts")):
        where, params = sel.where()
        frames.append(con.execute(
            f"SELECT {', '.join(columns)}, count(*) AS {side} FROM (SELECT {group} FROM mentions "
            f"WHERE {where}{extra}) GROUP BY ALL", params
        ).df().set_index(list(columns)))
    out = frames[0].join(frames[1], how="outer").fillna(0).astype("int64").reset_index()
    out["spike_share"] = out["spike_texts"] / n_spike if n_spike else 0.0
    out["baseline_share"] = out["baseline_texts"] / n_base if n_base else 0.0
    out["excess"] = out["spike_texts"] - n_spike * out["baseline_share"]
    out = out[out["spike_texts"] > 0].sort_values(["excess", *columns], ascending=[False] + [True] * len(columns))
    return out.head(limit).reset_index(drop=True)


def _sample(con, sel: Selection, n: int) -> list[str]:
    where, params = sel.where()
    rows = con.execute(
        f"SELECT search_text FROM mentions WHERE {where} ORDER BY hash(doc_id) LIMIT ?", [*params, n]
    ).fetchall()
    return [r[0] for r in rows]


def what_changed(con, sel: Selection, day: date, *, metric: str = "volume", baseline_days: int = BASELINE_DAYS,
                 limit: int = 10, extra_stop: Sequence[str] = ()) -> Explanation:
    """What changed on ``day`` for the selection's filters and query (its date range is ignored:
    the day is compared with the ``baseline_days`` before it)."""
    spike = replace(sel, start=day, end=day)
    first, last = day - timedelta(days=baseline_days), day - timedelta(days=1)
    baseline = replace(sel, start=first, end=last)
    counts = []
    for one in (spike, baseline):
        where, params = one.where()
        counts.append(int(con.execute(f"SELECT count(*) FROM mentions WHERE {where}", params).fetchall()[0][0]))
    n_spike, n_base = counts
    focus, n_focus = document_frequencies(_sample(con, spike, WORD_SAMPLE), extra_stop)
    usual, n_usual = document_frequencies(_sample(con, baseline, WORD_SAMPLE), extra_stop)
    words = log_odds(focus, n_focus, usual, n_usual, limit=limit * 2)
    topics = _contrast(con, spike, baseline, "unnest(topics) AS topic", ["topic"], n_spike, n_base, limit)
    outlets = _contrast(con, spike, baseline, "platform", ["platform"], n_spike, n_base, limit)
    accounts = _contrast(con, spike, baseline, "coalesce(author, '(unknown)') AS author, platform",
                         ["author", "platform"], n_spike, n_base, limit, extra=" AND source_type = 'social'")
    if metric == "volume":
        texts = _typical_texts(con, spike, words, limit)
    else:  # the texts negative toward the target, or of the stance, that day
        texts = texts_of_day(con, sel, day, metric, limit=limit)
    return Explanation(day, first, last, n_spike, n_base, words, topics, outlets, accounts, texts)


def _typical_texts(con, spike: Selection, words: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The spike day's texts that hold most of what changed (the sum of the z-scores of the
    changed words and phrases each holds), one copy per story."""
    weights = dict(zip(words["term"], words["z"], strict=True))
    where, params = spike.where()
    rows = con.execute(f"SELECT doc_id, search_text FROM mentions WHERE {where} ORDER BY hash(doc_id) LIMIT 5000",
                       params).fetchall()
    stop = stop_words()
    ranked = sorted(((sum(weights.get(t, 0.0) for t in terms_of(text, stop)), doc_id) for doc_id, text in rows),
                    key=lambda r: (-r[0], r[1]))
    chosen = [doc_id for weight, doc_id in ranked[:limit] if weight > 0] or [d for _, d in ranked[:limit]]
    if not chosen:
        return texts_of_day(con, spike, spike.start, "volume", limit=0)
    frame = con.execute(
        "SELECT doc_id, published_at, platform, author, title, left(text, 240) AS excerpt, "
        "(SELECT count(*) FROM mentions AS c WHERE coalesce(c.duplicate_of, c.doc_id) = m.doc_id) AS copies, "
        "sentiment_score, target_sentiment, stance, url FROM mentions AS m WHERE list_contains(?, doc_id)",
        [chosen]).df()
    return frame.set_index("doc_id").loc[chosen].reset_index()
