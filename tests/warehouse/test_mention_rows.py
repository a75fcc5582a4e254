"""`mentions` and `daily_trends` read tables kept current at write time: they must say what the
documents, scores and corrections say, after every kind of write."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import connect
from warehouse.corrections import add_correction
from warehouse.documents import insert_documents
from warehouse.scores import write_scores


def read(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """What a reader sees once the write before it is done."""
    with connect(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_newest_score_and_corrections_show_and_counts_follow(filled_db: Path) -> None:
    before = read(filled_db, "SELECT sum(n_pro_recall) FROM daily_trends")[0][0]
    doc_id, stance = read(
        filled_db, "SELECT doc_id, stance FROM mentions WHERE stance <> 'pro_recall' AND duplicate_of IS NULL LIMIT 1"
    )[0]
    with connect(filled_db) as con:
        add_correction(con, doc_id, "stance", "pro_recall", "ana")
    assert read(filled_db, "SELECT stance, corrected FROM mentions WHERE doc_id = ?", [doc_id]) == [("pro_recall", True)]
    assert read(filled_db, "SELECT sum(n_pro_recall) FROM daily_trends")[0][0] == before + 1
    # a newer model set's score replaces the shown one, the correction still wins
    later = synthetic_scores([doc_id], model_set="test:model-b", seed=9)
    later[0]["scored_at"] = datetime.now(UTC) + timedelta(minutes=1)
    later[0]["stance"] = "anti_recall"
    with connect(filled_db) as con:
        write_scores(con, later)
    row = read(filled_db, "SELECT model, stance FROM mentions WHERE doc_id = ?", [doc_id])[0]
    assert row == ("test:model-b", "pro_recall")


def test_a_new_earlier_copy_becomes_the_original_and_days_recount(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    first, copy = synthetic_documents(2)
    copy = copy | {"doc_id": "copy", "duplicate_of": first["doc_id"], "published_at": first["published_at"] - timedelta(days=3)}
    with connect(path) as con:
        insert_documents(con, [first])
    assert read(path, "SELECT sum(n_docs), sum(n_reach) FROM daily_trends") == [(1, 1)]
    with connect(path) as con:
        insert_documents(con, [copy])
    rows = dict(read(path, "SELECT doc_id, duplicate_of FROM mentions"))
    trends = read(path, "SELECT sum(n_docs), sum(n_reach), count(*) FROM daily_trends")
    assert rows == {"copy": None, first["doc_id"]: "copy"}  # the earliest published copy is the original
    assert trends == [(1, 2, 2)]  # one story, two copies, on two days


def test_topic_columns_count_topics_per_day(filled_db: Path) -> None:
    with connect(filled_db, read_only=True) as con:
        by_view = con.execute("SELECT sum(n_security), sum(n_recall) FROM daily_trends").fetchall()[0]
        direct = con.execute(
            "SELECT count(*) FILTER (WHERE list_contains(topics, 'security')), "
            "count(*) FILTER (WHERE list_contains(topics, 'recall')) FROM mentions WHERE duplicate_of IS NULL"
        ).fetchall()[0]
    assert by_view == direct and sum(direct) > 0


def test_writes_inside_a_callers_transaction_commit_or_roll_back_with_it(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    docs = synthetic_documents(4)
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        insert_documents(con, docs[:2])
        write_scores(con, synthetic_scores([d["doc_id"] for d in docs[:2]]))
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        insert_documents(con, docs[2:])
        con.execute("ROLLBACK")
    shown = read(path, "SELECT count(*), count(sentiment) FROM mentions")
    days = read(path, "SELECT sum(n_docs) FROM daily_trends")
    assert shown == [(2, 2)] and days == [(2,)]


def postings(path: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]], int]:
    """The term index's (term, doc_id) pairs, those the current rows' texts hold (Python's own
    split into whole words), and how many postings point at no current row."""
    import re

    rows = read(path, "SELECT doc_id, search_text FROM mention_rows")
    expected = set()
    for doc_id, text in rows:
        words = re.findall(r"[^\W_]+", text)
        expected |= {(word, doc_id) for word in words} | {(f"{a} {b}", doc_id) for a, b in itertools.pairwise(words)}
    found = set(read(path, "SELECT t.term, m.doc_id FROM mention_terms AS t JOIN mention_rows AS m USING (row_key)"))
    orphans = read(path, "SELECT count(*) FROM mention_terms WHERE row_key NOT IN (SELECT row_key FROM mention_rows)")
    return found, expected, orphans[0][0]


def test_the_term_index_follows_every_write(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    first, second = synthetic_documents(2)
    first |= {"title": "Cámaras en Larco", "text": "El alcalde instaló CÁMARAS; robo evitado."}
    second |= {"title": None, "text": "Serenazgo y revocatoria: el alcalde responde."}
    with connect(path) as con:
        insert_documents(con, [first, second])
    found, expected, orphans = postings(path)
    assert found == expected and ("camaras", first["doc_id"]) in found and orphans == 0
    assert ("larco el", first["doc_id"]) in found  # title and text are one search_text
    # a score, a newer model set's score and a correction each rebuild the row under a new key
    with connect(path) as con:
        write_scores(con, synthetic_scores([first["doc_id"], second["doc_id"]]))
        later = synthetic_scores([first["doc_id"]], model_set="test:model-b", seed=9)
        later[0]["scored_at"] = datetime.now(UTC) + timedelta(minutes=1)
        write_scores(con, later)
        add_correction(con, second["doc_id"], "stance", "pro_recall", "ana")
    found, expected, orphans = postings(path)
    assert found == expected and orphans == 0
    # a new earlier copy makes the first one a reprint: both rows rebuilt, the index follows
    copy = second | {"doc_id": "copy", "duplicate_of": second["doc_id"], "text": "Copia: serenazgo y revocatoria.",
                     "published_at": second["published_at"] - timedelta(days=3)}
    with connect(path) as con:
        insert_documents(con, [copy])
    found, expected, orphans = postings(path)
    assert found == expected and ("copia", "copy") in found and orphans == 0
    assert read(path, "SELECT count(DISTINCT row_key), count(*) FROM mention_rows") == [(3, 3)]


def test_a_score_keeps_the_rows_postings_and_an_edited_text_replaces_them(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    doc = synthetic_documents(1)[0] | {"title": None, "text": "Serenazgo en Larco."}
    with connect(path) as con:
        insert_documents(con, [doc])
    before = read(path, "SELECT row_key FROM mention_rows")
    with connect(path) as con:
        write_scores(con, synthetic_scores([doc["doc_id"]]))
    # the text is the same: the row keeps its key, and no posting was written again
    assert read(path, "SELECT row_key FROM mention_rows") == before
    assert read(path, "SELECT count(*) FROM mention_terms") == [(5,)]  # 3 words, 2 pairs
    # an edited text (no write path edits one today; should one, its old words must go)
    import duckdb

    from warehouse import mention_rows
    from warehouse.database import migrate

    con = duckdb.connect()
    migrate(con)
    insert_documents(con, [doc])
    mention_rows.refresh(con)
    con.execute("UPDATE documents SET text = 'Drones en Larco.'")
    mention_rows.refresh(con, [doc["doc_id"]])
    terms = con.execute("SELECT t.term FROM mention_terms AS t JOIN mention_rows USING (row_key) ORDER BY 1").fetchall()
    assert terms == [("drones",), ("drones en",), ("en",), ("en larco",), ("larco",)]
    assert con.execute("SELECT count(*) FROM mention_terms").fetchall() == [(5,)]  # the old words are gone
