"""What `vigia status` reads: documents per source, and the scoring backlog per model set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import connect
from warehouse.documents import insert_documents
from warehouse.scores import write_scores
from warehouse.status import Backlog, documents_per_source, mention_totals, scoring_backlog


def test_the_backlog_counts_never_scored_and_not_yet_rescored_documents(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        docs = synthetic_documents(5)
        insert_documents(con, docs)
        ids = [d["doc_id"] for d in docs]
        assert scoring_backlog(con) == Backlog(5, None, 0)
        write_scores(con, synthetic_scores(ids[:3], "m:old"))
        newer = synthetic_scores(ids[:1], "m:new")
        newer[0]["scored_at"] = datetime.now(UTC) + timedelta(minutes=1)
        write_scores(con, newer)
        assert scoring_backlog(con) == Backlog(2, "m:new", 4)
    with connect(tmp_path / "w.duckdb", read_only=True) as con:  # what `vigia status` reads
        assert scoring_backlog(con) == Backlog(2, "m:new", 4)
        assert mention_totals(con)[0] == 5 and mention_totals(con)[2] == 2
        assert sum(row[2] for row in documents_per_source(con)) == 5
