"""High-water marks per source (newest id, cursor, timestamp) so scheduled runs ask only for what is new."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def load_state(con: Any, campaign: str, source: str) -> dict[str, str]:
    """The high-water marks a source's last finished run left (shared by every host)."""
    rows = con.execute(
        "SELECT key, value FROM source_state WHERE campaign = ? AND source = ?", [campaign, source]
    ).fetchall()
    return {key: value for key, value in rows}


def save_state(
    con: Any, campaign: str, source: str, values: Mapping[str, str | None]
) -> None:
    """Keep a source's high-water marks (call only once everything fetched up to them is stored)."""
    if not values:
        return
    con.executemany(
        "INSERT INTO source_state (campaign, source, key, value, updated_at) VALUES (?, ?, ?, ?, now()) "
        "ON CONFLICT (campaign, source, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, "
        "changed = EXCLUDED.changed",
        [[campaign, source, key, value] for key, value in values.items()],
    )
