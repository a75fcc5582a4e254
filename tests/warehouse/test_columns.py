"""The tables' columns are the one declaration of what a row holds: a column added by a migration
is written without another list to edit, and a field with no column is refused, never dropped."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nlp.documents import ActorScore, Score
from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import connect
from warehouse.database import UnknownColumns, table_columns
from warehouse.documents import insert_documents
from warehouse.scores import ACTOR_NOT_STORED, NOT_STORED, write_scores


def test_a_column_added_by_a_migration_is_stored_by_the_plain_insert(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        con.execute("ALTER TABLE documents ADD COLUMN reach INTEGER")  # what a new migration would do
        docs = synthetic_documents(2)
        docs[0]["reach"] = 1200
        insert_documents(con, docs)
        stored = dict(con.execute("SELECT doc_id, reach FROM documents").fetchall())
    assert stored == {docs[0]["doc_id"]: 1200, docs[1]["doc_id"]: None}


def test_a_document_field_with_no_column_is_refused_by_name_and_nothing_is_written(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        docs = synthetic_documents(2)
        docs[1]["reach"] = 5
        with pytest.raises(UnknownColumns, match="documents has no column for reach"):
            insert_documents(con, docs)
        assert con.execute("SELECT count(*) FROM documents").fetchall()[0][0] == 0


def test_a_score_field_with_no_column_is_refused(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        docs = synthetic_documents(1)
        insert_documents(con, docs)
        rows = synthetic_scores([docs[0]["doc_id"]])
        rows[0]["irony"] = 0.9
        with pytest.raises(UnknownColumns, match="scores has no column for irony"):
            write_scores(con, rows)


def test_every_field_a_scorer_returns_has_a_column_or_is_declared_not_stored(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        scores, actors = table_columns(con, "scores"), table_columns(con, "actor_scores")
    assert {f.name for f in dataclasses.fields(Score)} - {"scored_at"} <= set(scores) | set(NOT_STORED)
    assert {f.name for f in dataclasses.fields(ActorScore)} <= set(actors) | set(ACTOR_NOT_STORED)


def test_a_column_a_migration_adds_to_mention_rows_shows_in_mentions(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        insert_documents(con, synthetic_documents(1))
        con.execute("ALTER TABLE mention_rows ADD COLUMN reach INTEGER")  # what a new migration would do
        names = [row[0] for row in con.execute("DESCRIBE mentions").fetchall()]
    assert names[-1] == "reach" and "stance_confidence" not in names
