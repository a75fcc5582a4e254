"""The campaigns a warehouse holds, and the topics its views count."""

from __future__ import annotations

from typing import Any

from warehouse.database import first_row
from warehouse.engines import upsert


def register_campaign(
    con: Any, campaign_id: str, name: str, topics: list[str], timezone: str, sample: bool
) -> None:
    """Record (or update) a campaign. Readers' views gain an ``n_<topic>`` column for a new topic,
    and a new time zone recounts the campaign's days, when their copy is next brought up to date
    (``warehouse.readcopy``); an unchanged campaign is not written again."""
    row = first_row(con.execute(
        "SELECT name, topics, sample, timezone FROM campaigns WHERE campaign = ?", [campaign_id]))
    if row is not None and (row[0], list(row[1] or []), bool(row[2]), row[3]) == (name, list(topics), bool(sample), timezone):
        return
    con.execute(
        upsert("campaigns", ("campaign", "name", "topics", "sample", "updated_at", "timezone"), ("campaign",),
               "VALUES (?, ?, ?, ?, now(), ?)"),
        [campaign_id, name, list(topics), sample, timezone],
    )
