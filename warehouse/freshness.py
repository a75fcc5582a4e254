"""How fresh the data is: the last successful crawl of each source and what is still waiting.

A source's documents carry its name (``documents.source``); crawl runs are per spider, so a
source's runs are its spider's (the campaign file maps sources to spiders). A run counts as
successful when it ``finished``; ``failed`` and ``interrupted`` runs are shown as the last
attempt. The backlog is the documents the newest model set has not scored and the crawl batches
waiting in the spool for the writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.database import first_row, spool_folder
from warehouse.documents import count_to_score
from warehouse.spool import waiting_batches

SOURCE_COLUMNS = ("source", "spider", "documents", "newest_published_at", "newest_fetched_at",
                  "last_success_at", "last_attempt_at", "last_attempt_status")


@dataclass(frozen=True)
class Freshness:
    """``sources``: one row per source (``SOURCE_COLUMNS``), stalest success first.
    ``last_success_at``: the newest successful crawl of any spider (None: never).
    ``unscored``: documents of the campaign the newest model set has not scored.
    ``model_set``: that model set. ``spooled_batches``: crawl batches waiting for the writer."""

    sources: pd.DataFrame
    last_success_at: datetime | None
    unscored: int
    model_set: str | None
    spooled_batches: int


def freshness(con: duckdb.DuckDBPyConnection, campaign: str, spiders: Mapping[str, str] | None = None,
              db_path: str | Path | None = None) -> Freshness:
    """Freshness of ``campaign``; ``spiders`` maps each source name to its spider (from the
    campaign file: ``{s.name: s.spider for s in campaign.sources}``), so sources that never
    stored a document are listed too; ``db_path`` lets the spool be counted."""
    docs = con.execute(
        "SELECT source, count(*) AS documents, max(published_at) AS newest_published_at, "
        "max(fetched_at) AS newest_fetched_at FROM documents WHERE campaign = ? GROUP BY source",
        [campaign]).df()
    runs = con.execute(
        "SELECT spider, max(finished_at) FILTER (WHERE status = 'finished') AS last_success_at, "
        "arg_max(coalesce(finished_at, started_at), started_at) AS last_attempt_at, "
        "arg_max(status, started_at) AS last_attempt_status FROM crawl_runs WHERE campaign = ? GROUP BY spider",
        [campaign]).df()
    mapping = dict(spiders or {})
    names = list(dict.fromkeys([*mapping, *docs["source"].tolist()]))
    frame = pd.DataFrame({"source": names})
    # Without the campaign file, a source named like a spider (the social ones) is its own spider.
    frame["spider"] = frame["source"].map(lambda s: mapping.get(s, s if s in set(runs["spider"]) else None))
    frame = frame.merge(docs, on="source", how="left").merge(runs, on="spider", how="left")
    frame["documents"] = frame["documents"].fillna(0).astype("int64")
    frame = frame[list(SOURCE_COLUMNS)].sort_values(["last_success_at", "source"], na_position="first")
    newest = first_row(con.execute(
        "SELECT max(finished_at) FROM crawl_runs WHERE campaign = ? AND status = 'finished'", [campaign]))
    model = first_row(con.execute(
        "SELECT model_set FROM scores GROUP BY model_set ORDER BY max(scored_at) DESC LIMIT 1"))
    if model:
        unscored = count_to_score(con, model[0], campaign=campaign)
    else:
        unscored = int(first_row(con.execute("SELECT count(*) FROM documents WHERE campaign = ?", [campaign]))[0])
    spooled = len(waiting_batches(spool_folder(db_path))) if db_path is not None else 0
    return Freshness(frame.reset_index(drop=True), newest[0] if newest else None, unscored,
                     model[0] if model else None, spooled)
