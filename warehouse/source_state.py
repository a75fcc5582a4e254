"""High-water marks per source (newest id, cursor, timestamp) so scheduled runs ask only for what is new."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb


def load_state(con: duckdb.DuckDBPyConnection, campaign: str, source: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT key, value FROM source_state WHERE campaign = ? AND source = ?", [campaign, source]
    ).fetchall()
    return {key: value for key, value in rows}


def save_state(
    con: duckdb.DuckDBPyConnection, campaign: str, source: str, values: Mapping[str, str | None]
) -> None:
    if not values:
        return
    con.executemany(
        "INSERT OR REPLACE INTO source_state (campaign, source, key, value, updated_at) "
        "VALUES (?, ?, ?, ?, now())",
        [[campaign, source, key, value] for key, value in values.items()],
    )
