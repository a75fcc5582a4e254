"""The warehouse contract, run against both engines (as SQLAlchemy runs one dialect suite on every
database): an embedded DuckDB file and a shared PostgreSQL database started by the tests. The
callers of `warehouse/` write and read exactly the same way in both; what readers see is read
through `connect(target, read_only=True)`, as the dashboard and `vigia sql` read."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import WarehouseError, connect
from warehouse.campaigns import register_campaign
from warehouse.console import QueryRefused, run_query
from warehouse.corrections import CorrectionError, add_correction, corrections_for_training
from warehouse.crawl_runs import finish_run, recent_runs, start_run
from warehouse.documents import (
    claim_documents_to_score,
    count_to_score,
    insert_documents,
    release_claims,
)
from warehouse.events import add_event, events
from warehouse.scores import write_scores
from warehouse.source_state import load_state, save_state
from warehouse.trust import latest_trust, write_trust

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN = "miraflores-canales"


def read(target, sql: str, params: list | None = None) -> list[tuple]:
    with connect(target, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def seeded(target, n: int = 30, scored: int = 20) -> list[str]:
    docs = synthetic_documents(n)
    with connect(target) as con:
        register_campaign(con, CAMPAIGN, "Revocatoria", ["security", "politics", "recall"], "America/Lima", True)
        insert_documents(con, docs)
        write_scores(con, synthetic_scores([d["doc_id"] for d in docs[:scored]]))
    return [d["doc_id"] for d in docs]


def test_documents_are_stored_once_and_readers_see_them(warehouse_target) -> None:
    docs = synthetic_documents(40)
    with connect(warehouse_target) as con:
        assert len(insert_documents(con, docs[:25])) == 25
    assert read(warehouse_target, "SELECT count(*) FROM mentions") == [(25,)]
    with connect(warehouse_target) as con:
        rewritten = [dict(d, text="rewritten") for d in docs[:10]]
        assert sorted(insert_documents(con, rewritten + docs)) == sorted(d["doc_id"] for d in docs[25:])
    assert read(warehouse_target, "SELECT count(*), count(*) FILTER (WHERE text = 'rewritten') FROM mentions") == [(40, 0)]


def test_newest_model_set_shows_and_rescoring_replaces(warehouse_target) -> None:
    ids = seeded(warehouse_target)
    later = synthetic_scores(ids[:5], model_set="test:model-b", seed=5)
    for row in later:
        row["scored_at"] = datetime.now(UTC) + timedelta(minutes=1)
    later[0]["actors"] = {"rival": {"sentiment": "negative", "score": -0.5, "confidence": 0.9, "match": "name"}}
    with connect(warehouse_target) as con:
        write_scores(con, later)
        again = [dict(later[0], stance="anti_recall", actors={"rival": {"sentiment": "positive", "score": 0.4,
                                                                          "confidence": 0.6, "match": "name"}})]
        write_scores(con, again)
    assert read(warehouse_target, "SELECT model_set, count(*) FROM score_history GROUP BY 1 ORDER BY 1") == [
        ("test:model-a", 20), ("test:model-b", 5)]
    assert read(warehouse_target, "SELECT model, stance FROM mentions WHERE doc_id = ?", [ids[0]]) == [
        ("test:model-b", "anti_recall")]
    assert read(warehouse_target, "SELECT actor, sentiment FROM actor_mentions WHERE doc_id = ?", [ids[0]]) == [
        ("rival", "positive")]
    assert read(warehouse_target, "SELECT count(*) FROM mentions WHERE sentiment IS NULL") == [(10,)]


def test_claims_hand_each_document_to_one_scorer_and_expired_ones_come_back(warehouse_target) -> None:
    ids = seeded(warehouse_target, n=30, scored=0)
    with connect(warehouse_target) as con:
        first = claim_documents_to_score(con, "m", claimer="a", limit=12, lease_seconds=600)
        second = claim_documents_to_score(con, "m", claimer="b", limit=12, lease_seconds=600)
        dying = claim_documents_to_score(con, "m", claimer="dead", limit=12, lease_seconds=0.2)
    taken = [d["doc_id"] for d in first + second + dying]
    assert len(taken) == len(set(taken)) == 30 and set(taken) == set(ids)
    import time

    time.sleep(0.4)  # the dead scorer's lease runs out: its documents go back to the backlog
    with connect(warehouse_target) as con:
        back = claim_documents_to_score(con, "m", claimer="c", limit=30)
        assert {d["doc_id"] for d in back} == {d["doc_id"] for d in dying}
        write_scores(con, synthetic_scores([d["doc_id"] for d in first], model_set="m"))
        release_claims(con, "m", [d["doc_id"] for d in first])
        assert count_to_score(con, "m") == 18
        assert claim_documents_to_score(con, "m", claimer="d", limit=30) == []  # the rest is claimed


def test_corrections_win_over_scores_survive_rescoring_and_keep_the_old_value(warehouse_target) -> None:
    ids = seeded(warehouse_target)
    doc_id = ids[3]
    (shown,) = read(warehouse_target, "SELECT stance FROM mentions WHERE doc_id = ?", [doc_id])[0]
    with connect(warehouse_target) as con:
        add_correction(con, doc_id, "stance", "pro_recall" if shown != "pro_recall" else "none", "ana")
        add_correction(con, doc_id, "topics", ["recall", "politics"], "ana", allowed_topics=["security", "politics", "recall"])
        write_scores(con, [dict(synthetic_scores([doc_id], model_set="test:model-c")[0], stance="none", topics=[],
                                scored_at=datetime.now(UTC) + timedelta(minutes=1))])
        with pytest.raises(CorrectionError, match="no document"):
            add_correction(con, "nope", "stance", "none", "ana")
        with pytest.raises(CorrectionError, match="stance must be one of"):
            add_correction(con, doc_id, "stance", "maybe", "ana")
        training = corrections_for_training(con, CAMPAIGN)
    row = read(warehouse_target, "SELECT stance, topics, corrected, model FROM mentions WHERE doc_id = ?", [doc_id])[0]
    assert row[1:] == (["politics", "recall"], True, "test:model-c") and row[0] != "none" or shown == "pro_recall"
    old = read(warehouse_target, "SELECT old_value FROM corrections WHERE field = 'stance'")[0][0]
    assert json.loads(old) == shown
    assert {c["field"] for c in training} == {"stance", "topics"}


def test_views_runs_states_events_and_trust(warehouse_target) -> None:
    seeded(warehouse_target)
    with connect(warehouse_target) as con:
        run_id = start_run(con, CAMPAIGN, "news_feeds")
        finish_run(con, run_id, status="finished", finish_reason="finished", items_seen=5, items_kept=4,
                   new_documents=3, dropped={"no_target": 1}, errors={})
        save_state(con, CAMPAIGN, "andina", {"etag": "W/1", "since": "2026-10-01"})
        save_state(con, CAMPAIGN, "andina", {"etag": "W/2"})
        assert load_state(con, CAMPAIGN, "andina") == {"etag": "W/2", "since": "2026-10-01"}
        add_event(con, CAMPAIGN, datetime(2026, 10, 3).date(), "Debate", "ana", "https://example.pe/d")
        write_trust(con, CAMPAIGN, "m1", [{"task": "stance", "n_labels": 12, "agreement": 0.7, "macro_f1": 0.6,
                                           "method": "5-fold"}])
        write_trust(con, CAMPAIGN, "m1", [{"task": "stance", "n_labels": 13, "agreement": 0.8, "macro_f1": 0.7,
                                           "method": "5-fold"}])
    with connect(warehouse_target, read_only=True) as con:
        assert [(r["spider"], r["status"], r["new_documents"]) for r in recent_runs(con)] == [("news_feeds", "finished", 3)]
        assert [(r["label"], r["analyst"]) for r in events(con, CAMPAIGN)] == [("Debate", "ana")]
        assert [(r["task"], r["n_labels"]) for r in latest_trust(con, CAMPAIGN)] == [("stance", 13)]
        totals = con.execute("SELECT sum(n_docs), sum(n_security) + sum(n_politics) + sum(n_recall) FROM daily_trends").fetchall()
        direct = con.execute("SELECT count(*), sum(len(topics)) FROM mentions WHERE duplicate_of IS NULL").fetchall()
        kinds = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'mentions'").fetchall())
    assert totals == direct
    assert kinds["topics"] == "VARCHAR[]" and kinds["published_at"] == "TIMESTAMP WITH TIME ZONE"


def test_the_console_is_read_only_on_both(warehouse_target) -> None:
    seeded(warehouse_target)
    columns, rows = run_query(warehouse_target, "SELECT count(*) AS n FROM mentions")
    assert columns == ["n"] and rows == [(30,)]
    for sql in ("DELETE FROM documents", "ATTACH 'x.duckdb' AS x", "SELECT * FROM read_csv('/etc/passwd')"):
        with pytest.raises(QueryRefused):
            run_query(warehouse_target, sql)
    assert read(warehouse_target, "SELECT count(*) FROM documents") == [(30,)]


def test_vigia_sql_reads_either_engine(warehouse_target, monkeypatch) -> None:
    seeded(warehouse_target)
    done = subprocess.run([sys.executable, "-m", "cli", "sql", "--warehouse", str(warehouse_target), "--format", "csv",
                           "SELECT count(*) FROM mentions WHERE sentiment IS NOT NULL"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "20"


def test_a_shared_warehouse_that_does_not_answer_or_refuses_the_password_is_one_clear_error(postgres) -> None:
    from tests.pg import PASSWORD

    url = postgres.url(password="wrong-" + PASSWORD)
    with pytest.raises(WarehouseError, match="password was refused") as refused:
        with connect(url):
            pass
    assert "wrong-" not in str(refused.value)  # the password is never echoed
    with pytest.raises(WarehouseError, match="connection refused"):
        with connect("postgresql://vigia:x@127.0.0.1:9/vigia", timeout=2):
            pass


def test_share_estimates_are_stored_through_either_engine_and_a_refresh_replaces_them(warehouse_target) -> None:
    from nlp.calibration import load as load_calibration
    from warehouse import shares

    ids = seeded(warehouse_target, n=60, scored=60)
    with connect(warehouse_target) as con:  # what the end of `vigia score` stores
        shares.store_calibration(con, "ef08232f", load_calibration(REPO / "nlp" / "heads"))
        shares.record_training(con, "ef08232f", [(ids[0], "stance")])
        shares.record_training(con, "ef08232f", [(ids[0], "stance")])  # stored once
    with connect(warehouse_target, read_only=True) as con:  # computed on what readers see
        frame, trusted = shares.refresh(con, CAMPAIGN), shares.trust(con, CAMPAIGN)
    with connect(warehouse_target) as con:
        stored = shares.store(con, CAMPAIGN, frame, trusted)
    assert stored == len(frame) > 0
    assert read(warehouse_target, "SELECT count(*) FROM share_estimates") == [(stored,)]
    assert read(warehouse_target, "SELECT count(*) FROM correction_use") == [(1,)]
    tasks = {r[0] for r in read(warehouse_target, "SELECT DISTINCT task FROM daily_shares")}
    assert {"sentiment", "stance", "target_sentiment"} <= tasks
    only_overall = frame[frame["task"] == "sentiment"]
    with connect(warehouse_target) as con:  # a refresh with fewer rows: the others are gone for readers too
        shares.store(con, CAMPAIGN, only_overall, trusted.iloc[:1])
    assert read(warehouse_target, "SELECT count(*), count(DISTINCT task) FROM share_estimates") == [(len(only_overall), 1)]
    assert read(warehouse_target, "SELECT count(*) FROM share_trust") == [(1,)]
    with connect(warehouse_target) as con:  # what each estimate was computed from, as readers see it
        groups = con.execute("SELECT count(*), count(DISTINCT task) FROM share_groups").fetchall()
    assert read(warehouse_target, "SELECT count(*), count(DISTINCT task) FROM share_groups") == groups
    assert groups[0][0] > 0


def test_a_row_deleted_in_the_store_leaves_every_read_copy(warehouse_target) -> None:
    from warehouse.database import forget

    seeded(warehouse_target)
    with connect(warehouse_target) as con:
        save_state(con, CAMPAIGN, "andina", {"etag": "W/1"})
        save_state(con, CAMPAIGN, "rpp", {"etag": "W/9"})
    for _ in range(3):  # both copies (the one readers leave becomes the next standby)
        assert read(warehouse_target, "SELECT count(*) FROM source_state") == [(2,)]
        with connect(warehouse_target) as con:
            pass
    with connect(warehouse_target) as con:
        assert forget(con, "source_state", {"campaign": CAMPAIGN, "source": "andina"}) == 1
    for _ in range(3):
        assert read(warehouse_target, "SELECT source FROM source_state") == [("rpp",)]
        with connect(warehouse_target) as con:
            save_state(con, CAMPAIGN, "rpp", {"etag": "W/10"})
    assert read(warehouse_target, "SELECT value FROM source_state") == [("W/10",)]


def test_edited_and_removed_alert_rules_and_events_reach_every_read_copy(warehouse_target) -> None:
    """Issue 23's writes (an alert rule changed or removed, an event corrected or removed) each
    in a write of its own: readers see the new values and no removed row, on both engines."""
    from warehouse import alert_rules
    from warehouse.events import delete_event, update_event

    seeded(warehouse_target)
    day = datetime(2026, 10, 3).date()
    with connect(warehouse_target) as con:
        rule = alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", z=3.0), "ana")
        event = add_event(con, CAMPAIGN, day, "Debate", "ana")

    def seen() -> tuple[list, list]:
        with connect(warehouse_target, read_only=True) as con:
            return ([(r.z, r.updated_by) for r in alert_rules.stored(con, CAMPAIGN)],
                    [(r["label"], r["edited_by"]) for r in events(con, CAMPAIGN)])

    assert seen() == ([(3.0, "ana")], [("Debate", None)])
    for _ in range(2):  # both read copies (the one readers leave becomes the next standby)
        with connect(warehouse_target) as con:
            assert alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", z=4.5), "luis") == rule
            update_event(con, CAMPAIGN, event, day, "Debate municipal", "luis")
        assert seen() == ([(4.5, "luis")], [("Debate municipal", "luis")])
    with connect(warehouse_target) as con:
        assert alert_rules.delete(con, CAMPAIGN, rule)
        delete_event(con, CAMPAIGN, event)
    for _ in range(2):
        assert seen() == ([], [])
        with connect(warehouse_target) as con:
            pass
