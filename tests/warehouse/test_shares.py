"""Shares with intervals in the warehouse: what `daily_shares` / `weekly_shares` /
`campaign_shares` hold, how corrections count (known texts; calibration only for heads that did
not learn them), and when the page reads stored rows or computes its own."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import synthetic_documents
from warehouse import connect, shares
from warehouse.campaigns import register_campaign
from warehouse.corrections import add_correction
from warehouse.documents import insert_documents
from warehouse.explorer import Selection
from warehouse.scores import write_scores

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN = "miraflores-canales"
MODEL = "offline:test-int8+heads-abcdef12"
BUNDLED = json.loads((REPO / "nlp" / "heads" / "calibration.json").read_text())["tasks"]


def scores(doc_ids: list[str], seed: int = 5) -> list[dict]:
    """Scores whose labels follow their probabilities (as a scorer's do), confident or not."""
    rng = random.Random(seed)
    rows = []
    for doc_id in doc_ids:
        p = [rng.random() ** 3 for _ in range(3)]
        p = [v / sum(p) for v in p]
        label = ["negative", "neutral", "positive"][p.index(max(p))]
        stance = {"pro_recall": p[0], "anti_recall": p[2], "none": p[1]}
        rows.append({
            "doc_id": doc_id, "model_set": MODEL, "scored_at": datetime.now(UTC), "sentiment": label,
            "p_negative": p[0], "p_neutral": p[1], "p_positive": p[2], "sentiment_score": p[2] - p[0],
            "target_sentiment": label, "target_score": p[2] - p[0], "target_confidence": max(p), "target_passages": 1,
            "target_match": "name", "topics": ["security"] if p[0] > 0.5 else [],
            "topic_probs": {"security": p[0], "politics": 0.2, "recall": 0.7},
            "stance": max(stance, key=stance.get), "stance_probs": stance,
        })
    return rows


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """400 scored documents over 30 days, plus one day (2026-11-05) with only 3 texts."""
    path = tmp_path / "vigia.duckdb"
    docs = synthetic_documents(400)
    lonely = synthetic_documents(3, seed=9)
    for i, d in enumerate(lonely):
        d.update(doc_id=f"lonely{i}", url=f"https://example.pe/lonely/{i}", content_hash=f"lonely{i}",
                 published_at=datetime(2026, 11, 5, 15, tzinfo=UTC) + timedelta(minutes=i))
    with connect(path) as con:
        register_campaign(con, CAMPAIGN, "Canales", ["security", "politics", "recall"], "America/Lima", False)
        insert_documents(con, docs + lonely)
        write_scores(con, scores([d["doc_id"] for d in docs + lonely]))
        shares.store_calibration(con, "abcdef12", BUNDLED)
    return path


def refresh(path: Path) -> None:
    with connect(path, read_only=True) as con:
        frame, trusted = shares.refresh(con, CAMPAIGN), shares.trust(con, CAMPAIGN)
    with connect(path) as con:
        shares.store(con, CAMPAIGN, frame, trusted)


def test_share_views_carry_an_estimate_an_interval_and_the_texts_per_group(warehouse: Path) -> None:
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        daily = con.execute("SELECT * FROM daily_shares WHERE task = 'sentiment' ORDER BY day, label").df()
        weekly = con.execute("SELECT * FROM weekly_shares WHERE task = 'stance' AND source_type = 'all'").df()
        whole = con.execute("SELECT * FROM campaign_shares WHERE task = 'target_sentiment' AND source_type = 'all'").df()
        counted = con.execute("SELECT day, count(*) AS n FROM mentions WHERE sentiment IS NOT NULL "
                              "AND duplicate_of IS NULL GROUP BY day").df()
        tasks = {r[0] for r in con.execute("SELECT DISTINCT task FROM daily_shares").fetchall()}
    assert tasks == {"sentiment", "target_sentiment", "stance", "topic:security", "topic:politics", "topic:recall"}
    for frame in (daily, weekly, whole):
        assert {"estimate", "low", "high", "n", "n_labels", "calibration"} <= set(frame.columns)
        assert ((frame["low"] <= frame["estimate"] + 1e-9) & (frame["estimate"] <= frame["high"] + 1e-9)).all()
    per_day = daily.groupby("day")["estimate"].sum()
    assert per_day.between(0.999, 1.001).all()  # a day's shares add up
    n = daily.drop_duplicates("day").set_index("day")["n"]
    assert n.to_dict() == counted.set_index("day")["n"].to_dict()  # each rests on that day's texts
    assert whole["n"].iloc[0] == 403 and "bundled calibration" in whole["calibration"].iloc[0]


def test_a_day_of_three_texts_gets_a_wide_interval_never_a_precise_number(warehouse: Path) -> None:
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        lonely = con.execute("SELECT label, estimate, low, high, n FROM daily_shares WHERE task = 'sentiment' "
                             "AND day = DATE '2026-11-05'").df()
        busy = con.execute("SELECT avg(high - low) FROM weekly_shares WHERE task = 'sentiment' AND source_type = 'all' "
                           "AND n > 80").fetchall()[0][0]
    assert (lonely["n"] == 3).all()
    assert (lonely["high"] - lonely["low"]).mean() > 0.5
    assert busy < (lonely["high"] - lonely["low"]).mean()


def test_corrections_count_as_known_and_calibrate_only_heads_that_did_not_learn_them(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:  # mentions are what readers see
        ids = [r[0] for r in con.execute("SELECT doc_id FROM mentions WHERE stance IS NOT NULL ORDER BY doc_id LIMIT 40").fetchall()]
    with connect(warehouse) as con:
        for doc_id in ids:
            add_correction(con, doc_id, "stance", "pro_recall", "ana")
    with connect(warehouse, read_only=True) as con:
        cal, model = shares.calibration(con, CAMPAIGN, "stance")
        assert model == MODEL and cal.n_labels == 40
    with connect(warehouse) as con:  # vigia train learnt 30 of them into these heads: only the other 10 calibrate them
        shares.record_training(con, "abcdef12", [(d, "stance") for d in ids[:30]])
    with connect(warehouse, read_only=True) as con:
        assert shares.calibration(con, CAMPAIGN, "stance")[0].n_labels == 10
        frame = shares.estimates(con, Selection(campaign=CAMPAIGN), "stance", "all")
    pro = frame[frame["label"] == "pro_recall"].iloc[0]
    assert pro["n_known"] == 40 and pro["low"] >= 40 / 403 - 1e-9  # the corrected texts are pro for sure


def test_a_scoring_job_estimates_again_only_what_it_touched_and_stores_what_a_full_refresh_would(
        warehouse: Path) -> None:
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        before = con.execute("SELECT task, period, period_start, source_type, label, estimate, computed_at "
                             "FROM share_estimates").df()
    # A scoring job: 20 new documents published on 2026-10-10, scored.
    new = synthetic_documents(20, seed=21)
    for i, d in enumerate(new):
        d.update(doc_id=f"late{i}", url=f"https://example.pe/late/{i}", content_hash=f"late{i}",
                 published_at=datetime(2026, 10, 10, 15, tzinfo=UTC) + timedelta(minutes=i))
    with connect(warehouse) as con:
        insert_documents(con, new)
        write_scores(con, scores([d["doc_id"] for d in new], seed=8))
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        after = con.execute("SELECT task, period, period_start, source_type, label, estimate, computed_at "
                            "FROM share_estimates").df()
        week = con.execute("SELECT CAST(date_trunc('week', DATE '2026-10-10') AS DATE)").fetchall()[0][0]
    keys = ["task", "period", "period_start", "source_type", "label"]
    both = before.merge(after, on=keys, suffixes=("_before", "_after"))
    again = both["computed_at_after"] > both["computed_at_before"]
    touched = (((both["period"] == "day") & (both["period_start"].astype(str) == "2026-10-10"))
               | ((both["period"] == "week") & (both["period_start"].astype(str) == str(week))) | (both["period"] == "all"))
    assert again[touched & ~both["task"].str.startswith("topic:")].all()
    # Every other day and week kept its stored estimate, untouched.
    untouched = both[~touched & both["period"].isin(["day", "week"])]
    assert len(untouched) > 500 and (untouched["computed_at_after"] == untouched["computed_at_before"]).all()
    assert (untouched["estimate_after"].fillna(-1) == untouched["estimate_before"].fillna(-1)).all()
    # What is stored is what estimating everything again gives.
    with connect(warehouse) as con:
        con.execute("DELETE FROM share_groups")
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        full = con.execute("SELECT task, period, period_start, source_type, label, estimate, low, high, n "
                           "FROM share_estimates ORDER BY ALL").df()
    incremental = after.merge(full, on=keys, suffixes=("", "_full"))
    assert len(incremental) == len(full) == len(after)
    assert (incremental["estimate"].fillna(-1) == incremental["estimate_full"].fillna(-1)).all()


def test_the_page_reads_stored_shares_only_when_they_answer_its_selection(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        _, meta = shares.shares(con, Selection(campaign=CAMPAIGN), "sentiment", "week")
        assert meta["stored"] is False  # nothing stored yet: computed
    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        stored, meta = shares.shares(con, Selection(campaign=CAMPAIGN), "sentiment", "week")
        assert meta["stored"] is True
        computed, meta = shares.shares(con, Selection(campaign=CAMPAIGN, platforms=["reddit"]), "sentiment", "week")
        assert meta["stored"] is False and computed["n"].sum() < stored["n"].sum()
    with connect(warehouse, read_only=True) as con:
        doc_id = con.execute("SELECT doc_id FROM mentions WHERE stance IS NOT NULL LIMIT 1").fetchall()[0][0]
    with connect(warehouse) as con:  # a correction makes the stored rows stale: computed again
        add_correction(con, doc_id, "stance", "none", "ana")
    with connect(warehouse, read_only=True) as con:
        assert shares.shares(con, Selection(campaign=CAMPAIGN), "stance", "week")[1]["stored"] is False


def test_trust_says_how_many_labels_would_halve_this_weeks_interval(warehouse: Path) -> None:
    from prevalence import labels_to_halve

    refresh(warehouse)
    with connect(warehouse, read_only=True) as con:
        trust = con.execute("SELECT task, week, n, width, labels_to_halve FROM share_trust ORDER BY task").df()
        cal, _ = shares.calibration(con, CAMPAIGN, "sentiment")
        groups, cells, known = shares.counts(con, Selection(campaign=CAMPAIGN), "sentiment", "week")
    assert list(trust["task"]) == ["sentiment", "stance", "target_sentiment"]
    # The latest week holds only the 3 texts of 2026-11-05: no number of labels halves its interval.
    assert (trust["week"].astype(str) == "2026-11-02").all() and (trust["n"] == 3).all()
    assert trust["labels_to_halve"].isna().all()
    busiest = int(cells.sum(axis=1).argmax())
    needed = labels_to_halve(cal, cells[busiest], known[busiest])
    assert needed is not None and needed <= 3200  # a full week's interval is the calibration's to narrow


def test_the_share_queue_draws_this_weeks_uncorrected_texts(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        first = shares.queue(con, CAMPAIGN, limit=200)
    with connect(warehouse) as con:
        add_correction(con, first["doc_id"].iloc[0], first["task"].iloc[0], "none" if first["task"].iloc[0] == "stance"
                       else "neutral", "ana")
    with connect(warehouse, read_only=True) as con:
        again = shares.queue(con, CAMPAIGN, limit=200)
        last_week = con.execute("SELECT CAST(date_trunc('week', max(day)) AS DATE) FROM mentions").fetchall()[0][0]
        days = con.execute("SELECT DISTINCT m.day FROM share_queue AS q JOIN mentions AS m USING (doc_id)").fetchall()
    assert all(d[0] >= last_week for d in days)
    assert len(again) == len(first) - 1  # the corrected (text, task) left the queue


def test_a_querys_texts_copied_once_count_exactly_as_joining_the_warehouse_each_time(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT doc_id FROM mentions ORDER BY doc_id").fetchall()]
    with connect(warehouse) as con:  # analysts' labels inside and outside the query's texts
        for doc_id in ids[:60:3]:
            add_correction(con, doc_id, "stance", "anti_recall", "ana")
            add_correction(con, doc_id, "target_sentiment", "negative", "ana")
        # two actors read in a third of the texts (their shares count from actor_mentions)
        rescored = scores(ids[::3], seed=8)
        for i, row in enumerate(rescored):
            row["actors"] = {actor: {"sentiment": ["negative", "neutral", "positive"][(i + k) % 3],
                                     "score": 0.1 * k, "confidence": 0.5 + 0.1 * ((i + k) % 5), "match": "name"}
                             for k, actor in enumerate(("lucia_carranza", "jorge_munoz")[: 1 + i % 2])}
        write_scores(con, rescored)
    with connect(warehouse, read_only=True) as con:
        con.execute("CREATE TEMP TABLE query_texts AS SELECT doc_id FROM mentions WHERE hash(doc_id) % 2 = 0")
        first, last = con.execute("SELECT min(day), max(day) FROM mentions").fetchone()
        selections = [Selection(campaign=CAMPAIGN),
                      Selection(campaign=CAMPAIGN, start=first + timedelta(days=3), end=last - timedelta(days=2),
                                source_types=("social",))]
        compared = 0
        # the rows alone copied (the headline's shares ask no actor's): actors' counts still join
        con.execute("CREATE TEMP TABLE query_rows_only AS SELECT doc_id FROM query_texts")
        with shares.hits(con, "query_texts") as copied, shares.hits(con, "query_rows_only", actors=False) as rows_only:
            assert rows_only.actors is None
            for sel in selections:
                for name in shares.task_names(con, CAMPAIGN):
                    for period in shares.PERIODS:
                        for by_source in (False, True):
                            joined = shares.counts(con, sel, name, period, by_source, within="query_texts")
                            for read in (shares.counts(con, sel, name, period, by_source, within=copied),
                                         shares.counts(con, sel, name, period, by_source, within=rows_only)):
                                assert joined[0].equals(read[0]), (name, period)
                                assert np.array_equal(joined[1], read[1]) and np.array_equal(joined[2], read[2]), (name, period)
                            compared += int(joined[1].sum() + joined[2].sum() > 0)
        assert compared > 20
        assert any(name.startswith("actor:") for name in shares.task_names(con, CAMPAIGN))
        # The page's overview reads the range's days once, for the longer range it is given, and
        # leaves no copy behind on the connection.
        longer = Selection(campaign=CAMPAIGN, start=first)
        shorter = Selection(campaign=CAMPAIGN, start=first + timedelta(days=10))
        counted, count = [], shares.counts
        shares.counts = lambda *a, **k: counted.append((a[2], a[1].start, a[3])) or count(*a, **k)
        try:
            page = shares.overview(con, shorter, within="query_texts", days=longer)
        finally:
            shares.counts = count
        # each share counted once a day, over the longer range, for its headline and its days
        # (the trust rows, the campaign's this week whatever the filters, count on their own)
        per_day = [(name, start) for name, start, period in counted if period == "day"]
        assert sorted(per_day) == sorted((name, first) for name in page["tasks"]), counted
        alone = shares.day_shares(con, longer, within="query_texts")
        for name in ("target_sentiment", "stance"):
            pd.testing.assert_frame_equal(page["days"][name], alone[name])
            assert page["days"][name]["period_start"].min() < pd.Timestamp(first + timedelta(days=10))
        for name, task in page["tasks"].items():  # the headline still holds the selection's days only
            for key, period in (("weekly", "week"), ("whole", "all")):
                pd.testing.assert_frame_equal(task[key], shares.estimates(con, shorter, name, period, within="query_texts"))
        for key, frame in shares.recent(con, shorter, (first, last), within="query_texts").items():
            pd.testing.assert_frame_equal(page["recent"][key], frame)
        left = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'query_texts_%'").fetchone()
        assert left[0] == 0
        # Its weeks, totals and last 7 days, summed from one count per day, are what counting
        # each of them gives (a query's texts, or a filtered selection of the whole warehouse).
        span = (first, last)
        for within, sel in (("query_texts", Selection(campaign=CAMPAIGN, start=first + timedelta(days=10))),
                            (None, selections[1])):
            page = shares.overview(con, sel, within=within)
            assert page["tasks"] and not any(task["stored"] for task in page["tasks"].values())
            for name, task in page["tasks"].items():
                for key, period in (("weekly", "week"), ("whole", "all")):
                    pd.testing.assert_frame_equal(task[key], shares.estimates(con, sel, name, period, within=within))
            for key, frame in shares.recent(con, sel, span, within=within).items():
                pd.testing.assert_frame_equal(page["recent"][key], frame)
            # The page asks for the weeks only when their tab opens: the same numbers, later.
            later = shares.by_task(con, sel, within=within)
            headline = ("sentiment", "stance")
            first_asked = shares.overview(con, sel, within=within, weekly=False, names=headline)
            assert set(later) == set(page["tasks"]) and set(first_asked["tasks"]) == set(headline)
            for name, task in page["tasks"].items():
                pd.testing.assert_frame_equal(later[name]["weekly"], task["weekly"])
                pd.testing.assert_frame_equal(later[name]["whole"], task["whole"])
                if name in headline:
                    assert first_asked["tasks"][name]["weekly"] is None
                    pd.testing.assert_frame_equal(first_asked["tasks"][name]["whole"], task["whole"])
            for key, frame in page["recent"].items():  # the recent weeks need the overall sentiment counted
                pd.testing.assert_frame_equal(first_asked["recent"][key], frame)
