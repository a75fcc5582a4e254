"""Migrations, idempotent batched writes, the contract views, and sharing the file between processes."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import WarehouseError, connect
from warehouse.corrections import CorrectionError, add_correction, corrections_for_training
from warehouse.documents import count_to_score, documents_to_score, insert_documents
from warehouse.scores import write_scores

MENTIONS_CONTRACT = {
    "doc_id": "VARCHAR", "campaign": "VARCHAR", "source_type": "VARCHAR", "platform": "VARCHAR",
    "url": "VARCHAR", "title": "VARCHAR", "text": "VARCHAR", "author": "VARCHAR",
    "published_at": "TIMESTAMP WITH TIME ZONE", "fetched_at": "TIMESTAMP WITH TIME ZONE",
    "lang": "VARCHAR", "sentiment": "VARCHAR", "sentiment_score": "DOUBLE", "target_sentiment": "VARCHAR",
    "topics": "VARCHAR[]", "stance": "VARCHAR", "model": "VARCHAR",
}


def columns(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {view}").fetchall()}


def test_migrations_apply_once_and_record_themselves(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        first = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    with connect(path) as con:
        again = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    from warehouse.database import _migration_files

    assert first == again and [v for (v,) in first] == [v for v, _, _ in _migration_files()]
    assert [v for (v,) in first][:5] == [1, 2, 3, 4, 5]


def test_a_warehouse_migrated_before_a_later_migration_gets_it_on_open(tmp_path: Path) -> None:
    """A warehouse last opened by a build whose newest migration was 041_alert_rules still gets
    043_share_groups (migrations are applied by the versions missing, not above the newest), and
    every version names one migration only."""
    from warehouse.database import _migration_files

    versions = [v for v, _, _ in _migration_files()]
    assert len(versions) == len(set(versions))
    import duckdb

    from warehouse import writer
    from warehouse.database import writer_path

    path = tmp_path / "w.duckdb"
    with connect(path):
        pass
    writer.release(path)
    # the writers' file as a build whose newest migration was 041 left it
    old = duckdb.connect(str(writer_path(path)))
    old.execute("DROP TABLE share_groups")
    old.execute("DELETE FROM schema_migrations WHERE version = 43")
    old.close()
    with connect(path) as con:
        assert con.execute("SELECT name FROM schema_migrations WHERE version = 43").fetchone() == ("share_groups",)
        assert con.execute("SELECT count(*) FROM share_groups").fetchone() == (0,)


def test_documents_keep_how_they_name_the_target(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        kinds = {name: kind for name, kind, *_ in con.execute("DESCRIBE documents").fetchall()}
    assert kinds["target_match"] == "VARCHAR"


def test_mentions_view_has_the_contract_columns_and_types(filled_db: Path) -> None:
    with connect(filled_db, read_only=True) as con:
        cols = columns(con, "mentions")
    for name, kind in MENTIONS_CONTRACT.items():
        assert cols.get(name) == kind, name


def test_daily_trends_has_one_count_per_topic(filled_db: Path) -> None:
    with connect(filled_db, read_only=True) as con:
        cols = columns(con, "daily_trends")
        totals = con.execute("SELECT sum(n_docs), sum(n_security) FROM daily_trends").fetchone()
        direct = con.execute(
            "SELECT count(*) FILTER (WHERE list_contains(topics, 'security')) FROM mentions"
        ).fetchone()
    for name in ("day", "campaign", "source_type", "n_docs", "avg_sentiment", "share_negative",
                 "n_security", "n_politics", "n_recall"):
        assert name in cols
    assert cols["day"] == "DATE"
    assert totals == (90, direct[0])


def test_days_are_lima_days(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    doc = synthetic_documents(1)[0]
    doc["published_at"] = datetime(2026, 7, 28, 1, 0, tzinfo=UTC)  # 20:00 on the 27th in Lima
    from warehouse.campaigns import register_campaign

    with connect(path) as con:
        register_campaign(con, doc["campaign"], "c", ["security"], "America/Lima", False)
        insert_documents(con, [doc])
    with connect(path, read_only=True) as con:
        day = con.execute("SELECT day FROM daily_trends").fetchone()[0]
    assert str(day) == "2026-07-27"


def test_the_same_documents_twice_are_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    docs = synthetic_documents(40)
    with connect(path) as con:
        assert len(insert_documents(con, docs)) == 40
        changed = [dict(d, text="rewritten") for d in docs[:10]]
        assert insert_documents(con, changed + docs) == []
        count, texts = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE text = 'rewritten') FROM documents"
        ).fetchone()
    assert (count, texts) == (40, 0)


def test_new_model_set_keeps_old_scores_and_mentions_shows_newest(filled_db: Path) -> None:
    with connect(filled_db) as con:
        ids = [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
        assert len(documents_to_score(con, "test:model-b")) == 90
        assert len(documents_to_score(con, "test:model-b", only_rescore=True)) == 60
        assert count_to_score(con, "test:model-b") == 90
        assert count_to_score(con, "test:model-b", only_rescore=True) == 60
        rows = synthetic_scores(ids[:60], model_set="test:model-b", seed=9)
        write_scores(con, rows)
    with connect(filled_db, read_only=True) as con:  # what readers see once the write is done
        models = con.execute("SELECT model_set, count(*) FROM score_history GROUP BY 1 ORDER BY 1").fetchall()
        shown = con.execute("SELECT DISTINCT model FROM mentions WHERE model IS NOT NULL").fetchall()
        matches = con.execute("SELECT DISTINCT target_match FROM mentions WHERE model IS NOT NULL").fetchall()
    assert models == [("test:model-a", 60), ("test:model-b", 60)]
    assert shown == [("test:model-b",)]
    assert {m for (m,) in matches} <= {"name", "office", "implicit"}  # how the target was found is kept


def test_corrections_win_over_scores_and_survive_rescoring(filled_db: Path) -> None:
    with connect(filled_db, read_only=True) as con:
        doc_id = con.execute("SELECT doc_id FROM mentions WHERE stance <> 'pro_recall' LIMIT 1").fetchone()[0]
    with connect(filled_db) as con:
        add_correction(con, doc_id, "stance", "pro_recall", "ana")
        add_correction(con, doc_id, "topics", ["recall", "politics"], "ana", allowed_topics=["security", "politics", "recall"])
        write_scores(con, [dict(synthetic_scores([doc_id], model_set="test:model-c")[0], stance="none", topics=[])])
        training = corrections_for_training(con)
    with connect(filled_db, read_only=True) as con:
        row = con.execute("SELECT stance, topics, corrected, model FROM mentions WHERE doc_id = ?", [doc_id]).fetchone()
    assert row == ("pro_recall", ["politics", "recall"], True, "test:model-c")
    assert {(c["field"], str(c["value"])) for c in training} == {("stance", "pro_recall"), ("topics", "['politics', 'recall']")}


def test_bad_corrections_are_refused(filled_db: Path) -> None:
    with connect(filled_db) as con:
        with pytest.raises(CorrectionError, match="stance must be one of"):
            add_correction(con, "doc0001", "stance", "maybe", "ana")
        with pytest.raises(CorrectionError, match="unknown topics"):
            add_correction(con, "doc0001", "topics", ["weather"], "ana", allowed_topics=["security"])
        with pytest.raises(CorrectionError, match="no document"):
            add_correction(con, "nope", "stance", "none", "ana")


def test_reader_waits_for_a_writer_instead_of_failing(filled_db: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(1.5); c.close()",
         str(filled_db)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with connect(filled_db, read_only=True, timeout=20) as con:
        waited = time.monotonic() - started
        assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 90
    holder.wait()
    assert waited > 0.3


def test_reader_gives_up_with_a_clear_error(filled_db: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(3)",
         str(filled_db)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseError, match="cannot open"):
        with connect(filled_db, read_only=True, timeout=0.5):
            pass
    holder.kill()
    holder.wait()


def test_the_earliest_published_copy_is_the_original_whatever_order_they_came_in(tmp_path: Path) -> None:
    from datetime import timedelta

    path = tmp_path / "w.duckdb"
    agency, reprint_a, reprint_b = synthetic_documents(3)
    agency.update(doc_id="andina", platform="andina.pe", published_at=reprint_a["published_at"] - timedelta(hours=3))
    reprint_a.update(doc_id="exitosa", platform="exitosanoticias.pe")
    reprint_b.update(doc_id="peru21", platform="peru21.pe", duplicate_of="exitosa")
    agency["duplicate_of"] = "exitosa"  # the crawl met the reprint first
    with connect(path) as con:
        insert_documents(con, [reprint_a, reprint_b, agency])
    with connect(path, read_only=True) as con:
        rows = dict(con.execute("SELECT doc_id, duplicate_of FROM mentions ORDER BY doc_id").fetchall())
        trends = con.execute("SELECT sum(n_docs), sum(n_reach) FROM daily_trends").fetchall()
    assert rows == {"andina": None, "exitosa": "andina", "peru21": "andina"}
    assert trends == [(1, 3)]
