"""Alert rules: what `vigia alerts` watches and the dashboard edits, stored in `alert_rules`.

The campaign file's ``[alerts]`` gives the defaults: one rule per metric of ``metrics`` over
every text, with its ``z``, ``min_count`` and ``window_days``. A row of ``alert_rules`` for the
same (metric, query) overrides its default (``enabled = false`` turns it off); a row with a query
adds a rule that watches only that query's texts. Deleting a row brings the default back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from campaigns.model import Campaign
from warehouse import query as query_language
from warehouse.database import first_row
from warehouse.trends import has_relation

METRICS = ("volume", "target_negative", "pro_recall", "anti_recall")


class AlertRuleError(ValueError):
    pass


@dataclass(frozen=True)
class AlertRule:
    metric: str
    query: str = ""
    enabled: bool = True
    z: float = 3.0
    min_count: int = 10
    window_days: int = 28
    rule_id: int | None = None        # None: the campaign file's default, not stored
    updated_by: str | None = None
    updated_at: Any = None

    @property
    def origin(self) -> str:
        return "campaign file" if self.rule_id is None else "warehouse"


def defaults(campaign: Campaign) -> list[AlertRule]:
    """The rules the campaign file's ``[alerts]`` sets: one per metric, over every text."""
    a = campaign.alerts
    return [AlertRule(metric=m, z=a.z, min_count=a.min_count, window_days=a.window_days) for m in a.metrics]


def stored(con: duckdb.DuckDBPyConnection, campaign_id: str) -> list[AlertRule]:
    """The rules stored for the campaign (none on a warehouse that predates the table)."""
    if not has_relation(con, "alert_rules"):
        return []
    rows = con.execute(
        "SELECT rule_id, metric, query, enabled, z, min_count, window_days, updated_by, updated_at "
        "FROM alert_rules WHERE campaign = ? ORDER BY metric, query, rule_id", [campaign_id]).fetchall()
    return [AlertRule(metric=r[1], query=r[2], enabled=bool(r[3]), z=float(r[4]), min_count=int(r[5]),
                      window_days=int(r[6]), rule_id=int(r[0]), updated_by=r[7], updated_at=r[8]) for r in rows]


def effective(con: duckdb.DuckDBPyConnection, campaign: Campaign) -> list[AlertRule]:
    """Every rule in force or switched off: the stored ones, then the campaign file's defaults
    that no stored rule overrides. `vigia alerts` runs the enabled ones."""
    return merged(stored(con, campaign.id), campaign)


def merged(mine: Sequence[AlertRule], campaign: Campaign | None) -> list[AlertRule]:
    """``mine`` (the stored rules), then the defaults none of them overrides: the campaign
    file's, or without one, every metric with the standard thresholds."""
    overridden = {(r.metric, r.query) for r in mine}
    base = defaults(campaign) if campaign is not None else [AlertRule(metric=m) for m in METRICS]
    return list(mine) + [d for d in base if (d.metric, d.query) not in overridden]


def _check(rule: AlertRule) -> None:
    if rule.metric not in METRICS:
        raise AlertRuleError(f"metric must be one of {', '.join(METRICS)}, not {rule.metric!r}")
    if not 1.0 <= rule.z <= 10.0:
        raise AlertRuleError(f"z must be between 1 and 10 standard deviations, not {rule.z}")
    if rule.min_count < 1:
        raise AlertRuleError(f"the minimum count must be at least 1, not {rule.min_count}")
    if not 7 <= rule.window_days <= 120:
        raise AlertRuleError(f"the baseline window must be 7 to 120 days, not {rule.window_days}")
    problem = query_language.problem(rule.query)
    if problem:
        raise AlertRuleError(f"the rule's query cannot be read: {problem}")


def save(con: duckdb.DuckDBPyConnection, campaign_id: str, rule: AlertRule, analyst: str) -> int:
    """Store ``rule`` (a new one, or the stored one with the same metric and query, updated);
    returns its id. The query is kept as the tree reads it back, so two spellings are one rule."""
    if not analyst.strip():
        raise AlertRuleError("say who changes the rule (analyst name)")
    _check(rule)
    query = query_language.canonical(rule.query)
    row = first_row(con.execute(
        "INSERT INTO alert_rules (campaign, metric, query, enabled, z, min_count, window_days, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()) ON CONFLICT (campaign, metric, query) DO UPDATE SET "
        "enabled = excluded.enabled, z = excluded.z, min_count = excluded.min_count, "
        "window_days = excluded.window_days, updated_by = excluded.updated_by, updated_at = excluded.updated_at "
        "RETURNING rule_id",
        [campaign_id, rule.metric, query, rule.enabled, float(rule.z), int(rule.min_count),
         int(rule.window_days), analyst.strip()],
    ))
    assert row is not None
    return int(row[0])


def delete(con: duckdb.DuckDBPyConnection, campaign_id: str, rule_id: int) -> bool:
    """Remove a stored rule (a default it overrode comes back); False when there was none."""
    row = first_row(con.execute(
        "DELETE FROM alert_rules WHERE campaign = ? AND rule_id = ? RETURNING rule_id", [campaign_id, int(rule_id)]))
    return row is not None
