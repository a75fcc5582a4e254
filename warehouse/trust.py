"""How far to trust the scores: per-task agreement with the analyst's corrections (``model_trust``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warehouse.database import all_rows
from warehouse.engines import upsert


def write_trust(con: Any, campaign: str, model_set: str, rows: Sequence[dict[str, Any]]) -> int:
    """Store one row per task (``nlp.learning.trust_by_task``); a (campaign, task, model set)
    measured again is replaced."""
    for row in rows:
        con.execute(
            upsert("model_trust", ("campaign", "task", "model_set", "n_labels", "agreement", "macro_f1", "method", "computed_at"),
                   ("campaign", "task", "model_set"), "VALUES (?, ?, ?, ?, ?, ?, ?, now())"),
            [campaign, row["task"], model_set, int(row["n_labels"]), row.get("agreement"), row.get("macro_f1"), row["method"]],
        )
    return len(rows)


def latest_trust(con: Any, campaign: str) -> list[dict[str, Any]]:
    """The newest trust row per task for ``campaign``."""
    return all_rows(con.execute(
        "SELECT task, model_set, n_labels, agreement, macro_f1, method, computed_at FROM ("
        " SELECT *, row_number() OVER (PARTITION BY task ORDER BY computed_at DESC) AS rn"
        " FROM model_trust WHERE campaign = ?) WHERE rn = 1 ORDER BY task",
        [campaign],
    ))
