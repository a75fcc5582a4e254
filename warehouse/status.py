"""What `vigia status` and the end of `vigia demo` report: reads over the warehouse's own tables."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.database import first_row
from warehouse.documents import count_to_score

SOURCE_COLUMNS = ("source", "platform", "docs", "duplicates", "newest")


@dataclass(frozen=True)
class Backlog:
    never_scored: int
    newest_model_set: str | None  # the model set that scored last, if any
    not_by_newest: int  # documents that model set has not scored (0 without one)


def documents_per_source(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source, platform, docs, duplicates, newest published_at) per source, most documents first."""
    return con.execute(
        "SELECT d.source, d.platform, count(*) AS docs, count(*) FILTER (WHERE d.duplicate_of IS NOT NULL) "
        "AS duplicates, max(d.published_at) AS newest FROM documents d GROUP BY ALL ORDER BY docs DESC"
    ).fetchall()


def scoring_backlog(con: duckdb.DuckDBPyConnection) -> Backlog:
    """Documents never scored, and those the newest model set has not scored yet."""
    never = first_row(con.execute(
        "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.doc_id = d.doc_id)"
    ))[0]
    newest = first_row(con.execute("SELECT model_set FROM scores GROUP BY model_set ORDER BY max(scored_at) DESC LIMIT 1"))
    if not newest:
        return Backlog(int(never), None, 0)
    return Backlog(int(never), newest[0], count_to_score(con, newest[0]))


def mention_totals(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """(mentions, platforms, unscored mentions) over every campaign."""
    row = first_row(con.execute(
        "SELECT count(*), count(DISTINCT platform), count(*) FILTER (WHERE sentiment IS NULL) FROM mentions"
    ))
    return int(row[0]), int(row[1]), int(row[2])
