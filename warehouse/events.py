"""Events an analyst adds to the timelines (a debate, a scandal), with who added them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb

from warehouse.database import all_rows, first_row


class EventError(ValueError):
    pass


def add_event(
    con: duckdb.DuckDBPyConnection, campaign: str, day: date, label: str, analyst: str, source: str | None = None,
    *, identified_by: str = "typed",
) -> int:
    """Store an event on ``day``; ``source`` (optional) must be an http(s) link; ``identified_by``
    says how ``analyst`` was known (``typed``, ``oidc``, ``proxy``)."""
    if not label.strip():
        raise EventError("say what happened (event label)")
    if not analyst.strip():
        raise EventError("say who adds the event (analyst name)")
    source = (source or "").strip() or None
    if source is not None and not re.match(r"^https?://[^/\s]+\S*$", source):
        raise EventError(f"the source must be an http(s) link, not {source!r}")
    row = first_row(con.execute(
        "INSERT INTO analyst_events (campaign, day, label, source, analyst, added_at, identified_by) "
        "VALUES (?, ?, ?, ?, ?, now(), ?) RETURNING event_id",
        [campaign, day, label.strip(), source, analyst.strip(), identified_by],
    ))
    assert row is not None
    return int(row[0])


def events(con: duckdb.DuckDBPyConnection, campaign: str) -> list[dict[str, Any]]:
    """The campaign's analyst events, oldest day first."""
    return all_rows(con.execute(
        "SELECT event_id, day, label, source, analyst, added_at, identified_by FROM analyst_events "
        "WHERE campaign = ? ORDER BY day, event_id",
        [campaign],
    ))
