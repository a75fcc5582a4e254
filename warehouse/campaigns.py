"""The campaigns a warehouse holds, and the topics its views count."""

from __future__ import annotations

import duckdb

from warehouse import mention_rows
from warehouse.database import create_views, first_row, known_topics


def register_campaign(
    con: duckdb.DuckDBPyConnection, campaign_id: str, name: str, topics: list[str], timezone: str, sample: bool
) -> None:
    """Record (or update) a campaign; views gain an ``n_<topic>`` column for any new topic."""
    before = known_topics(con)
    zone = first_row(con.execute("SELECT timezone FROM campaigns WHERE campaign = ?", [campaign_id]))
    con.execute(
        "INSERT OR REPLACE INTO campaigns (campaign, name, topics, sample, updated_at, timezone) "
        "VALUES (?, ?, ?, ?, now(), ?)",
        [campaign_id, name, topics, sample, timezone],
    )
    if known_topics(con) != before:
        create_views(con)
    if zone is not None and zone[0] != timezone:  # days move: recount them
        mention_rows.refresh(con, [r[0] for r in con.execute(
            "SELECT doc_id FROM documents WHERE campaign = ?", [campaign_id]).fetchall()])
