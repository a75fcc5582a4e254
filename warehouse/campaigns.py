"""The campaigns a warehouse holds, and the topics its views count."""

from __future__ import annotations

import duckdb

from warehouse.database import create_views, known_topics


def register_campaign(
    con: duckdb.DuckDBPyConnection, campaign_id: str, name: str, topics: list[str], timezone: str, sample: bool
) -> None:
    """Record (or update) a campaign; views gain an ``n_<topic>`` column for any new topic."""
    before = known_topics(con)
    con.execute(
        "INSERT OR REPLACE INTO campaigns (campaign, name, topics, sample, updated_at, timezone) "
        "VALUES (?, ?, ?, ?, now(), ?)",
        [campaign_id, name, topics, sample, timezone],
    )
    if known_topics(con) != before:
        create_views(con)
