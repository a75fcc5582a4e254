"""Events an analyst adds to the timelines (a debate, a scandal), with who added them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb

from warehouse.database import all_rows, first_row, table_columns


class EventError(ValueError):
    pass


def _checked(label: str, analyst: str, source: str | None) -> tuple[str, str, str | None]:
    if not label.strip():
        raise EventError("say what happened (event label)")
    if not analyst.strip():
        raise EventError("say who adds the event (analyst name)")
    source = (source or "").strip() or None
    if source is not None and not re.match(r"^https?://[^/\s]+\S*$", source):
        raise EventError(f"the source must be an http(s) link, not {source!r}")
    return label.strip(), analyst.strip(), source


def add_event(
    con: duckdb.DuckDBPyConnection, campaign: str, day: date, label: str, analyst: str, source: str | None = None,
    *, identified_by: str = "typed",
) -> int:
    """Store an event on ``day``; ``source`` (optional) must be an http(s) link; ``identified_by``
    says how ``analyst`` was known (``typed``, ``oidc``, ``proxy``)."""
    label, analyst, source = _checked(label, analyst, source)
    row = first_row(con.execute(
        "INSERT INTO analyst_events (campaign, day, label, source, analyst, added_at, identified_by) "
        "VALUES (?, ?, ?, ?, ?, now(), ?) RETURNING event_id",
        [campaign, day, label, source, analyst, identified_by],
    ))
    assert row is not None
    return int(row[0])


def update_event(
    con: duckdb.DuckDBPyConnection, campaign: str, event_id: int, day: date, label: str, analyst: str,
    source: str | None = None,
) -> None:
    """Change an event's day, label and source; who added it stays, who changed it is kept."""
    label, analyst, source = _checked(label, analyst, source)
    row = first_row(con.execute(
        "UPDATE analyst_events SET day = ?, label = ?, source = ?, edited_by = ?, edited_at = now() "
        "WHERE campaign = ? AND event_id = ? RETURNING event_id",
        [day, label, source, analyst, campaign, int(event_id)],
    ))
    if row is None:
        raise EventError(f"no event {event_id} in campaign {campaign}")


def delete_event(con: duckdb.DuckDBPyConnection, campaign: str, event_id: int) -> None:
    """Remove an event from the timelines."""
    row = first_row(con.execute(
        "DELETE FROM analyst_events WHERE campaign = ? AND event_id = ? RETURNING event_id", [campaign, int(event_id)]))
    if row is None:
        raise EventError(f"no event {event_id} in campaign {campaign}")


def events(con: duckdb.DuckDBPyConnection, campaign: str) -> list[dict[str, Any]]:
    """The campaign's analyst events, oldest day first (``identified_by``, ``edited_by`` and
    ``edited_at`` None when never set, or on a snapshot from before they were kept)."""
    have = set(table_columns(con, "analyst_events"))
    later = ", ".join(c if c in have else f"NULL AS {c}" for c in ("identified_by", "edited_by", "edited_at"))
    return all_rows(con.execute(
        f"SELECT event_id, day, label, source, analyst, added_at, {later} FROM analyst_events "
        "WHERE campaign = ? ORDER BY day, event_id",
        [campaign],
    ))
