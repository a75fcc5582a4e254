"""Shares with intervals: what the page, the views (`daily_shares`, `weekly_shares`,
`campaign_shares`) and `vigia alerts` report for every share.

A share is estimated, never counted: DuckDB counts each group's texts per *cell* (the label the
model gave and how sure it was, ``prevalence.cells``) and per analyst-given label, and
``prevalence.estimate`` turns those counts into an estimate and a 90% interval, using how the
models err on labelled texts they never trained on (the calibration, below). The page reads
only these aggregates, never per-text probabilities.

Tasks: ``sentiment`` (the document's overall tone), ``target_sentiment`` (toward the target),
``stance``, ``topic:<name>`` (share of texts on it: no/yes), ``actor:<id>`` (tone toward another
actor). Reprints are folded into their original, as in `daily_trends`.

Calibration of a task, for the model set that scored the texts:
- in-domain: the analysts' newest corrections of that field whose documents that model set
  scored and whose heads did not train on them (table `correction_use`, written by `vigia
  train`: cross-fitting, a correction never trains and calibrates the same heads);
- bundled: the heads' own held-out calibration (`share_calibration`, from
  ``nlp/heads/calibration.json``), counted as few labels.

`refresh` stores the estimates per day, week and the whole campaign in `share_estimates` at the
end of each scoring, correction or training job, estimating again only the groups whose inputs
changed (their fingerprints are in `share_groups`: a scoring job's days, their weeks, the
totals; every group of a share whose calibration changed); `shares` reads them back for the page
when the selection is one they cover and they are current, and computes the selection's own
otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from prevalence import LEVEL, Calibration, estimate, labels_to_halve
from prevalence.cells import cuts_for
from warehouse.database import first_row, forget, record_deletions, stage, transaction, unstage
from warehouse.engines import upsert
from warehouse.explorer import Selection

SENTIMENTS = ("negative", "neutral", "positive")
STANCES = ("pro_recall", "anti_recall", "none")
TOPIC_CLASSES = ("no", "yes")
PERIODS = ("day", "week", "all")
_HEADS = re.compile(r"heads-([0-9a-f]{8})")


@dataclass(frozen=True)
class Task:
    """Where a task's texts are, how their cell is read, and which correction gives their label."""

    name: str
    classes: tuple[str, ...]
    relation: str  # FROM ... AS m (its ? placeholders take ``params``)
    label: str  # the model's label (or, when corrected, the analyst's), SQL over m
    top: str  # the model's top probability, SQL over m
    condition: str  # which rows count, SQL over m
    field: str | None  # corrections.field that gives a known label
    params: tuple = ()

    @property
    def columns(self) -> tuple[str, ...] | None:
        """The Selection filters its relation can take (None: all of `mentions`')."""
        return ("campaign", "day", "source_type", "platform") if self.name.startswith("actor:") else None


def task(name: str, rows_table: str = "mention_rows", actors_table: str = "actor_mentions") -> Task:
    """The task called ``name`` (sentiment, target_sentiment, stance, topic:<t>, actor:<id>), read
    from ``rows_table`` (`mention_rows` or a copy of some of its rows) and ``actors_table``."""
    rows = f"{rows_table} AS m"
    if name == "sentiment":
        return Task(name, SENTIMENTS, rows, "m.sentiment", "greatest(m.p_negative, m.p_neutral, m.p_positive)",
                    "m.sentiment IS NOT NULL AND m.duplicate_of IS NULL", None)
    if name == "target_sentiment":
        return Task(name, SENTIMENTS, rows, "m.target_sentiment", "m.target_confidence",
                    "m.target_sentiment IS NOT NULL AND m.duplicate_of IS NULL", "target_sentiment")
    if name == "stance":
        return Task(name, STANCES, rows, "m.stance", "m.stance_confidence",
                    "m.stance IS NOT NULL AND m.duplicate_of IS NULL", "stance")
    if name.startswith("topic:"):
        # A corrected text's label is whether the analyst kept the topic; otherwise the model's reading.
        relation = ("(SELECT *, CAST(topic_probs ->> ? AS DOUBLE) AS p_topic, list_contains(topics, ?) AS has_topic "
                    f"FROM {rows_table}) AS m")
        return Task(name, TOPIC_CLASSES, relation, "CASE WHEN m.has_topic THEN 'yes' ELSE 'no' END",
                    "greatest(m.p_topic, 1 - m.p_topic)",
                    "m.sentiment IS NOT NULL AND m.duplicate_of IS NULL AND m.p_topic IS NOT NULL", "topics",
                    (name.split(":", 1)[1],) * 2)
    if name.startswith("actor:"):
        return Task(name, SENTIMENTS, f"(SELECT * FROM {actors_table} WHERE actor = ?) AS m", "m.sentiment",
                    "m.confidence", "m.sentiment IS NOT NULL AND m.confidence IS NOT NULL", None,
                    (name.split(":", 1)[1],))
    raise ValueError(f"unknown share {name!r}: sentiment, target_sentiment, stance, topic:<name> or actor:<id>")


def task_names(con: duckdb.DuckDBPyConnection, campaign: str) -> list[str]:
    """Every share the campaign has: the three label tasks, each topic, each actor scored."""
    row = first_row(con.execute("SELECT topics FROM campaigns WHERE campaign = ?", [campaign]))
    topics = list(row[0]) if row and row[0] else []
    actors = [r[0] for r in con.execute(
        "SELECT DISTINCT actor FROM actor_mentions WHERE campaign = ? ORDER BY 1", [campaign]).fetchall()]
    return ["sentiment", "target_sentiment", "stance", *(f"topic:{t}" for t in topics), *(f"actor:{a}" for a in actors)]


@dataclass(frozen=True)
class Hits:
    """A query's texts (``docs``: a table of ``doc_id``) with their `mention_rows` and
    `actor_mentions` rows copied once into temporary tables (``rows``, ``actors``): every count
    of :func:`counts` then reads those few rows instead of joining the whole warehouse's again."""

    docs: str
    rows: str
    actors: str | None  # None: not copied (no actor's share asked for); actor counts then join


# What any task's count reads of a text (its filters, label, top probability, reprint link).
_HIT_ROW_COLUMNS = ("doc_id", "campaign", "day", "source_type", "platform", "duplicate_of", "sentiment",
                    "target_sentiment", "stance", "topics", "model", "p_negative", "p_neutral", "p_positive",
                    "target_confidence", "stance_confidence", "topic_probs")


@contextmanager
def hits(con: duckdb.DuckDBPyConnection, within: str | Hits, actors: bool = True) -> Iterator[Hits]:
    """The texts of ``within`` (a table of ``doc_id``, e.g. ``series.compare``'s ``kept``) read
    once from `mention_rows` and, with ``actors``, `actor_mentions` (one semi-join each,
    instead of one per count: 22 per query page), for the block's counts; dropped after it. A
    :class:`Hits` is passed through as it is."""
    if isinstance(within, Hits):
        yield within
        return
    found = Hits(within, f"{within}_share_rows", f"{within}_share_actors" if actors else None)
    try:
        con.execute(f"CREATE TEMP TABLE {found.rows} AS SELECT {', '.join(_HIT_ROW_COLUMNS)} FROM mention_rows "
                    f"WHERE doc_id IN (SELECT doc_id FROM {within})")
        if found.actors:
            con.execute(f"CREATE TEMP TABLE {found.actors} AS SELECT * FROM actor_mentions "
                        f"WHERE doc_id IN (SELECT doc_id FROM {within})")
        yield found
    finally:
        con.execute(f"DROP TABLE IF EXISTS {found.rows}")
        if found.actors:
            con.execute(f"DROP TABLE IF EXISTS {found.actors}")


def _asks_actors(names: Sequence[str] | None) -> bool:
    # Every share (None) holds the campaign's actors; the headline's three never do.
    return names is None or any(name.startswith("actor:") for name in names)


def _cell(t: Task) -> tuple[str, list]:
    """SQL for a text's cell (label index x bins + bin of its top probability), as
    ``prevalence.cells.cell_of`` reads it from the probabilities, and its parameters."""
    cuts = cuts_for(len(t.classes))
    index = f"CASE {t.label} " + " ".join(f"WHEN ? THEN {i}" for i in range(len(t.classes))) + " END"
    level = " + ".join(f"CAST({t.top} >= ? AS INTEGER)" for _ in cuts) or "0"
    return f"({index}) * {len(cuts) + 1} + ({level})", [*t.classes, *cuts]


def _known(t: Task) -> str:
    if t.field is None:
        return "false"
    return f"EXISTS (SELECT 1 FROM corrections AS c WHERE c.doc_id = m.doc_id AND c.field = '{t.field}')"


def _period(period: str) -> str:
    return {"day": "m.day", "week": "CAST(date_trunc('week', m.day) AS DATE)", "all": "CAST(NULL AS DATE)"}[period]


def counts(con: duckdb.DuckDBPyConnection, sel: Selection, name: str, period: str,
           by_source_type: bool = False, within: str | Hits | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per group (``period_start`` [, ``source_type``]): the texts per cell whose label the
    models gave, and the texts per class an analyst labelled. Returns (keys, cells (G, K),
    known (G, C)). ``within``: a table of ``doc_id`` the texts must be among (a query's hits,
    found once by ``warehouse.series.compare``), read instead of the selection's own query, or
    those texts' rows already copied (:func:`hits`), read without joining `mention_rows`."""
    copied = (isinstance(within, Hits) and not sel.query.strip()  # a query reads search_text: not copied
              and (within.actors is not None or not name.startswith("actor:")))
    t = task(name, within.rows, within.actors or "actor_mentions") if copied else task(name)
    where, params = sel.where(alias="m", columns=t.columns)
    if within is not None and not copied:
        docs = within.docs if isinstance(within, Hits) else within
        where += f" AND m.doc_id IN (SELECT doc_id FROM {docs})"
    cell, cell_params = _cell(t)
    src = ", m.source_type" if by_source_type else ""
    sql = (
        f"SELECT {_period(period)} AS period_start{src}, {_known(t)} AS known, "
        f"CASE WHEN {_known(t)} THEN {t.label} END AS label, {cell} AS cell, count(*) AS n "
        f"FROM {t.relation} WHERE {where} AND m.day IS NOT NULL AND {t.condition} GROUP BY ALL"
    )
    frame = con.execute(sql, [*cell_params, *t.params, *params]).df()
    keys = ["period_start", "source_type"] if by_source_type else ["period_start"]
    k = len(t.classes) * (len(cuts_for(len(t.classes))) + 1)
    if frame.empty:
        return pd.DataFrame(columns=keys), np.zeros((0, k), dtype=np.int64), np.zeros((0, len(t.classes)), dtype=np.int64)
    groups = frame[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    group = frame[keys].merge(groups.reset_index(), on=keys, how="left")["index"].to_numpy()
    n = frame["n"].to_numpy(dtype=np.int64)
    known_rows = frame["known"].to_numpy(dtype=bool)
    cells = np.zeros((len(groups), k), dtype=np.int64)
    model = ~known_rows & frame["cell"].notna().to_numpy()
    np.add.at(cells, (group[model], frame["cell"].to_numpy()[model].astype(np.int64)), n[model])
    known = np.zeros((len(groups), len(t.classes)), dtype=np.int64)
    labels = frame["label"].map({c: i for i, c in enumerate(t.classes)}).to_numpy()
    have = known_rows & ~pd.isna(labels)
    np.add.at(known, (group[have], labels[have].astype(np.int64)), n[have])
    return groups, cells, known


def _model_set(con: duckdb.DuckDBPyConnection, campaign: str) -> str | None:
    """The model set that scored most of the campaign's texts (its errors are what is learnt)."""
    row = first_row(con.execute(
        "SELECT model FROM mention_rows WHERE campaign = ? AND model IS NOT NULL GROUP BY model "
        "ORDER BY count(*) DESC, model LIMIT 1", [campaign]))
    return row[0] if row else None


def heads_of(model_set: str | None) -> str | None:
    """The heads hash in a model set's name (``...+heads-ef08232f``), or None (hub models)."""
    found = _HEADS.search(model_set or "")
    return found.group(1) if found else None


def calibration(con: duckdb.DuckDBPyConnection, campaign: str, name: str) -> tuple[Calibration, str | None]:
    """The calibration of a task for the campaign's model set, and that model set."""
    t = task(name)
    model = _model_set(con, campaign)
    heads = heads_of(model)
    bundled = None
    key = "target_sentiment" if name.startswith("actor:") else name
    row = first_row(con.execute("SELECT classes, source, texts FROM share_calibration WHERE heads = ? AND task = ?",
                                [heads, key])) if heads else None
    if row is not None and tuple(row[0]) == t.classes:
        rows = np.array(json.loads(row[2]), dtype=np.float64).reshape(-1, len(t.classes) + 1)
        bundled = Calibration.from_labels(t.classes, rows[:, 1:], [t.classes[int(i)] for i in rows[:, 0]], source=row[1])
    labels, probs = _corrections(con, campaign, t, model, heads)
    cal = Calibration.from_labels(t.classes, probs, labels, bundled=bundled,
                                  source="analyst corrections the heads did not train on" if labels else "")
    return cal, model


def _corrections(con, campaign: str, t: Task, model: str | None, heads: str | None) -> tuple[list[str], np.ndarray]:
    """The newest corrections of the task's field, with the probabilities that model set gave
    the document (a correction whose doc it did not score, or that trained its heads, is left out)."""
    if t.field is None or model is None:
        return [], np.zeros((0, len(t.classes)))
    rows = con.execute(
        "SELECT c.new_value, s.target_sentiment, s.target_confidence, s.stance_probs, s.topic_probs "
        "FROM latest_corrections AS c JOIN documents AS d USING (doc_id) "
        "JOIN scores AS s ON s.doc_id = c.doc_id AND s.model_set = ? "
        "WHERE d.campaign = ? AND c.field = ? AND NOT EXISTS (SELECT 1 FROM correction_use AS u "
        "  WHERE u.doc_id = c.doc_id AND u.field = c.field AND u.heads = ?)",
        [model, campaign, t.field, heads or ""],
    ).fetchall()
    labels, probs = [], []
    for value, target, confidence, stance_probs, topic_probs in rows:
        value = json.loads(value)
        if t.name == "target_sentiment":
            if value not in t.classes or target not in t.classes or confidence is None:
                continue
            # The top probability and its label are what the cell reads; spread the rest evenly.
            p = np.full(3, (1 - confidence) / 2)
            p[t.classes.index(target)] = confidence
        elif t.name == "stance":
            probs_by = json.loads(stance_probs or "{}")
            if value not in t.classes or not probs_by:
                continue
            p = np.array([float(probs_by.get(c, 0.0)) for c in t.classes])
        else:  # topic:<name>
            topic = t.name.split(":", 1)[1]
            probs_by = json.loads(topic_probs or "{}")
            if topic not in probs_by or not isinstance(value, list):
                continue
            p = np.array([1 - float(probs_by[topic]), float(probs_by[topic])])
            value = "yes" if topic in value else "no"
        labels.append(value)
        probs.append(p)
    return labels, np.array(probs).reshape(-1, len(t.classes))


def estimates(con: duckdb.DuckDBPyConnection, sel: Selection, name: str, period: str, *,
              by_source_type: bool = False, cal: Calibration | None = None, level: float = LEVEL,
              within: str | Hits | None = None) -> pd.DataFrame:
    """The selection's shares of task ``name`` per ``period`` (one row per group and label):
    ``period_start``, [``source_type``,] ``label``, ``estimate``, ``low``, ``high``, ``n``,
    ``n_known``. Computed now, from the counts."""
    t = task(name)
    if cal is None:
        cal, _ = calibration(con, sel.campaign, name)
    groups, cells, known = counts(con, sel, name, period, by_source_type, within)
    return _estimated(t, cal, groups, cells, known, level)


def _estimated(t: Task, cal: Calibration, groups: pd.DataFrame, cells: np.ndarray, known: np.ndarray,
               level: float = LEVEL) -> pd.DataFrame:
    """:func:`estimates`' frame for groups already counted."""
    columns = [*groups.columns, "label", "estimate", "low", "high", "n", "n_known"]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    shares = estimate(cal, cells, known, level=level)
    out = groups.loc[groups.index.repeat(len(t.classes))].reset_index(drop=True)
    out["label"] = list(t.classes) * len(groups)
    out["estimate"] = shares.estimate.ravel()
    out["low"] = shares.low.ravel()
    out["high"] = shares.high.ravel()
    out["n"] = np.repeat(shares.n, len(t.classes))
    out["n_known"] = np.repeat(known.sum(axis=1), len(t.classes))
    return out[columns]


def _per_period(groups: pd.DataFrame, cells: np.ndarray, known: np.ndarray,
                period: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Day counts (:func:`counts` per ``day``) summed into ``period``'s groups: what counting
    per week (Monday-first, as DuckDB's ``date_trunc('week')``) or over the whole selection
    gives, without reading the texts again (a text is in one day, so its day's counts add up)."""
    if period == "day" or groups.empty:
        return groups, cells, known
    days = groups["period_start"]
    if period == "week":
        key = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).to_numpy()
    else:
        key = np.zeros(len(days), dtype=np.int64)
    keys, c, k = _sum_by(key, cells, known)
    start = keys if period == "week" else pd.Series([pd.NaT], dtype=days.dtype)
    return pd.DataFrame({"period_start": pd.Series(start, dtype=days.dtype)}), c, k


def _full_range(con: duckdb.DuckDBPyConnection, campaign: str) -> tuple[date, date] | None:
    row = first_row(con.execute("SELECT min(day), max(day) FROM mention_rows WHERE campaign = ?", [campaign]))
    return (row[0], row[1]) if row and row[0] is not None else None


def _fingerprint(*parts: Any) -> str:
    """A short hash of what an estimate is computed from (arrays by their bytes)."""
    h = hashlib.sha1()
    for part in parts:
        h.update(np.ascontiguousarray(part).tobytes() if isinstance(part, np.ndarray) else repr(part).encode())
        h.update(b"|")
    return h.hexdigest()[:20]


def _calibration_fingerprint(cal: Calibration, model: str | None) -> str:
    return _fingerprint(cal.classes, cal.cuts, cal.concentration(), cal.describe(), cal.n_labels, model, LEVEL)


def _sum_by(key: np.ndarray, cells: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``cells`` and ``known`` summed per distinct ``key`` (sorted)."""
    keys, index = np.unique(key, return_inverse=True)
    c = np.zeros((len(keys), cells.shape[1]), dtype=np.int64)
    k = np.zeros((len(keys), known.shape[1]), dtype=np.int64)
    np.add.at(c, index, cells)
    np.add.at(k, index, known)
    return keys, c, k


def _groups(name: str, keys: pd.DataFrame, cells: np.ndarray, known: np.ndarray, span: tuple[date, date]) -> list[dict]:
    """Every group a refresh stores for one task, from its texts per (day, source type): each day
    (all source types), each week and the whole campaign (each source type and all), and for
    overall sentiment the last 7 days and the 7 before (all, news, social)."""
    days = pd.to_datetime(keys["period_start"]).dt.date.to_numpy()
    types = keys["source_type"].astype(str).to_numpy()
    mondays = np.array([d - pd.Timedelta(days=d.weekday()) for d in days])
    out: list[dict] = []

    def add(period: str, first: date, last: date, kind: str, c: np.ndarray, k: np.ndarray) -> None:
        out.append({"period": period, "period_start": first, "period_end": last, "source_type": kind,
                    "cells": c, "known": k})

    for day, c, k in zip(*_sum_by(days, cells, known), strict=True):
        add("day", day, day, "all", c, k)
    for kind_of in (types, np.full(len(types), "all")):
        pairs = np.array([f"{m.isoformat()}|{t}" for m, t in zip(mondays, kind_of, strict=True)])
        for pair, c, k in zip(*_sum_by(pairs, cells, known), strict=True):
            monday, kind = pair.split("|")
            first = date.fromisoformat(monday)
            add("week", first, first + pd.Timedelta(days=6), kind, c, k)
        for kind, c, k in zip(*_sum_by(kind_of, cells, known), strict=True):
            add("all", span[0], span[1], str(kind), c, k)
    if name == "sentiment":
        end = span[1]
        for kind in ("all", "news", "social"):
            of_kind = np.ones(len(types), dtype=bool) if kind == "all" else types == kind
            for period, (first, last) in RECENT.items():
                lo, hi = max(end - pd.Timedelta(days=first), span[0]), end - pd.Timedelta(days=last)
                inside = of_kind & (days >= lo) & (days <= hi)
                add(period, span[1] - pd.Timedelta(days=first), span[1] - pd.Timedelta(days=last), kind,
                    cells[inside].sum(axis=0).astype(np.int64), known[inside].sum(axis=0).astype(np.int64))
    return out


GROUP_KEYS = ["task", "period", "period_start", "source_type"]


def _stored(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame:
    """The stored estimate rows with what each was computed from (``inputs``)."""
    rows = con.execute(
        "SELECT e.*, g.inputs FROM share_estimates AS e JOIN share_groups AS g "
        "USING (campaign, task, period, period_start, source_type) WHERE e.campaign = ?", [campaign]).df()
    for column in ("period_start", "period_end"):
        rows[column] = pd.to_datetime(rows[column]).dt.date
    return rows


def refresh(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame:
    """Every share of the campaign per day (all source types), per week and for the whole
    campaign (each source type and all), and overall sentiment in the last 7 days and the 7
    before: to be stored by :func:`store`.

    One count per share reads the texts per day and source type; a group whose texts per cell,
    analyst labels and calibration are what its stored estimate was computed from (column
    ``inputs``, kept in `share_groups`) keeps its stored rows; only the others (the days a write
    touched, their weeks, the totals) are estimated again. Each group's estimate depends only on
    its own inputs, so the result is what a full recomputation gives."""
    span = _full_range(con, campaign)
    if span is None:
        return pd.DataFrame()
    stored = _stored(con, campaign)
    frames = []
    now = datetime.now(UTC)
    for name in task_names(con, campaign):
        cal, model = calibration(con, campaign, name)
        cal_print = _calibration_fingerprint(cal, model)
        keys, cells, known = counts(con, Selection(campaign=campaign), name, "day", by_source_type=True)
        if keys.empty:
            continue
        groups = _groups(name, keys, cells, known, span)
        wanted = pd.DataFrame({
            "task": name, "period": [g["period"] for g in groups], "period_start": [g["period_start"] for g in groups],
            "source_type": [g["source_type"] for g in groups], "period_end": [g["period_end"] for g in groups],
            "inputs": [_fingerprint(cal_print, g["period"], g["cells"], g["known"]) for g in groups]})
        kept = stored[stored["task"] == name].merge(wanted, on=[*GROUP_KEYS, "period_end", "inputs"])
        complete = kept.groupby(GROUP_KEYS)["label"].transform("size") == len(cal.classes)
        kept = kept[complete]
        reuse = set(zip(kept["period"], kept["period_start"], kept["source_type"], strict=True))
        fresh = [(g, i) for g, i in zip(groups, wanted["inputs"], strict=True)
                 if (g["period"], g["period_start"], g["source_type"]) not in reuse]
        if len(kept):
            frames.append(kept)
        if not fresh:
            continue
        shares = estimate(cal, np.array([g["cells"] for g, _ in fresh]), np.array([g["known"] for g, _ in fresh]))
        n_classes = len(cal.classes)
        recent_period = np.array([g["period"] in RECENT for g, _ in fresh])
        frames.append(pd.DataFrame({
            "campaign": campaign, "task": name,
            "period": np.repeat([g["period"] for g, _ in fresh], n_classes),
            "period_start": np.repeat(np.array([g["period_start"] for g, _ in fresh], dtype=object), n_classes),
            "period_end": np.repeat(np.array([g["period_end"] for g, _ in fresh], dtype=object), n_classes),
            "source_type": np.repeat([g["source_type"] for g, _ in fresh], n_classes),
            "label": list(cal.classes) * len(fresh),
            "estimate": shares.estimate.ravel(), "low": shares.low.ravel(), "high": shares.high.ravel(),
            "level": LEVEL, "n": np.repeat(shares.n, n_classes),
            # The last-7-days rows have always said 0 here (their labelled texts are in n).
            "n_known": np.repeat(np.where(recent_period, 0, [g["known"].sum() for g, _ in fresh]), n_classes),
            "n_labels": cal.n_labels, "calibration": cal.describe(), "model": model, "computed_at": now,
            "inputs": np.repeat([i for _, i in fresh], n_classes),
        }))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values([*GROUP_KEYS, "label"], ignore_index=True)


TRUST_TASKS = ("sentiment", "target_sentiment", "stance")


def trust(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame:
    """Per main share: the campaign's latest week, its interval width and how many more in-domain
    labels would halve it (computed; :func:`store` keeps it in `share_trust`). A week whose
    texts and calibration are those of the stored row keeps its stored figures (finding how many
    labels would halve it is the costly part)."""
    rows = []
    now = datetime.now(UTC)
    stored = {r[0]: r[1:] for r in con.execute(
        "SELECT t.task, g.inputs, t.week, t.labels_to_halve, t.width, t.computed_at FROM share_trust AS t "
        "JOIN share_groups AS g ON g.campaign = t.campaign AND g.task = t.task AND g.period = 'trust' "
        "AND g.period_start = t.week WHERE t.campaign = ?", [campaign]).fetchall()}
    for name in TRUST_TASKS:
        cal, model = calibration(con, campaign, name)
        last_day = first_row(con.execute(
            f"SELECT max(m.day) FROM {task(name).relation} WHERE m.campaign = ? AND {task(name).condition}",
            [*task(name).params, campaign]))
        if not last_day or last_day[0] is None:
            continue
        monday = last_day[0] - pd.Timedelta(days=last_day[0].weekday())
        groups, cells, known = counts(con, Selection(campaign=campaign, start=monday), name, "week")
        if groups.empty:
            continue
        last = len(groups) - 1
        inputs = _fingerprint(_calibration_fingerprint(cal, model), "trust", cells[last], known[last])
        week = pd.Timestamp(groups["period_start"].iloc[last]).date()
        old = stored.get(name)
        if old is not None and old[0] == inputs and old[1] == week:
            halve, width_now, computed = old[2], old[3], old[4]
            n_now = int(cells[last].sum() + known[last].sum())
        else:
            shares_now = estimate(cal, cells[last:], known[last:])
            halve, width_now, computed = labels_to_halve(cal, cells[last], known[last]), \
                float(np.mean(shares_now.high - shares_now.low)), now
            n_now = int(shares_now.n[0])
        rows.append({"campaign": campaign, "task": name, "week": week, "n": n_now, "width": width_now,
                     "labels_to_halve": None if halve is None or pd.isna(halve) else int(halve),
                     "n_labels": cal.n_labels, "calibration": cal.describe(), "computed_at": computed,
                     "inputs": inputs})
    return pd.DataFrame(rows, columns=["campaign", "task", "week", "n", "width", "labels_to_halve", "n_labels",
                                       "calibration", "computed_at", "inputs"])


def store(con: Any, campaign: str, frame: pd.DataFrame, trusted: pd.DataFrame | None = None) -> int:
    """Replace the campaign's stored estimates with ``frame`` (from :func:`refresh`) and its trust
    rows with ``trusted`` (from :func:`trust`), with what each was computed from, in one
    transaction on either engine (readers' copies drop the old rows and take the new ones at their
    next sync)."""
    cols = ["campaign", "task", "period", "period_start", "period_end", "source_type", "label", "estimate", "low",
            "high", "level", "n", "n_known", "n_labels", "calibration", "model", "computed_at"]
    with transaction(con):
        forget(con, "share_estimates", {"campaign": campaign})
        _forget_groups(con, campaign, trust=False)
        if trusted is not None:
            forget(con, "share_trust", {"campaign": campaign})
            _forget_groups(con, campaign, trust=True)
            if len(trusted):
                trust_cols = ["campaign", "task", "week", "n", "width", "labels_to_halve", "n_labels", "calibration",
                              "computed_at"]
                stage(con, "incoming_trust", trusted[trust_cols].astype({"labels_to_halve": "Int64"}), like="share_trust")
                try:
                    con.execute(f"INSERT INTO share_trust ({', '.join(trust_cols)}) "
                                f"SELECT {', '.join(trust_cols)} FROM incoming_trust")
                finally:
                    unstage(con, "incoming_trust")
                if "inputs" in trusted:
                    _store_inputs(con, trusted.assign(period="trust", period_start=trusted["week"], source_type="all"))
        if frame.empty:
            return 0
        stage(con, "incoming_shares", frame[cols], like="share_estimates")
        try:
            con.execute(f"INSERT INTO share_estimates ({', '.join(cols)}) SELECT {', '.join(cols)} FROM incoming_shares")
        finally:
            unstage(con, "incoming_shares")
        if "inputs" in frame:
            _store_inputs(con, frame)
    return len(frame)


def _forget_groups(con: Any, campaign: str, *, trust: bool) -> None:
    """Delete the campaign's fingerprints of share_trust's rows (``trust``) or of the estimates'
    and record, per period deleted, that read copies delete theirs too."""
    periods = {r[0] for r in con.execute(
        f"DELETE FROM share_groups WHERE campaign = ? AND period {'=' if trust else '<>'} 'trust' RETURNING period",
        [campaign]).fetchall()}
    record_deletions(con, "share_groups", [{"campaign": campaign, "period": p} for p in sorted(periods)])


def _store_inputs(con: Any, frame: pd.DataFrame) -> None:
    columns = ["campaign", *GROUP_KEYS, "inputs"]
    groups = frame[columns].drop_duplicates(subset=["campaign", *GROUP_KEYS])
    stage(con, "incoming_groups", groups, like="share_groups")
    try:
        con.execute(f"INSERT INTO share_groups ({', '.join(columns)}) SELECT {', '.join(columns)} FROM incoming_groups")
    finally:
        unstage(con, "incoming_groups")


def store_calibration(con: Any, heads: str, tasks: dict[str, dict]) -> int:
    """Keep the heads' bundled calibration (``nlp/heads/calibration.json``'s ``tasks``)."""
    now = datetime.now(UTC)
    columns = ("heads", "task", "classes", "source", "texts", "stored_at")
    for name, entry in tasks.items():
        con.execute(
            upsert("share_calibration", columns, ("heads", "task"), "VALUES (?, ?, ?, ?, ?, ?)"),
            [heads, name, list(entry["classes"]), entry["source"], json.dumps(entry["texts"]), now],
        )
    return len(tasks)


def record_training(con: Any, heads: str, used: Sequence[tuple[str, str]]) -> int:
    """Which corrections (doc_id, field) trained the heads ``heads``: they never calibrate them."""
    for doc_id, field in used:
        con.execute("INSERT INTO correction_use (heads, doc_id, field) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [heads, doc_id, field])
    return len(used)


def is_current(con: duckdb.DuckDBPyConnection, campaign: str) -> bool:
    """Whether the stored estimates are newer than every score and correction of the campaign."""
    row = first_row(con.execute(
        "SELECT (SELECT max(computed_at) FROM share_estimates WHERE campaign = ?), "
        "(SELECT max(scored_at) FROM mention_rows WHERE campaign = ?), "
        "(SELECT max(c.corrected_at) FROM corrections AS c JOIN documents AS d USING (doc_id) WHERE d.campaign = ?)",
        [campaign, campaign, campaign]))
    if not row or row[0] is None:
        return False
    return all(v is None or v <= row[0] for v in row[1:])


def covers(sel: Selection, span: tuple[date, date] | None) -> bool:
    """Whether the stored estimates answer this selection (the whole campaign, at most a
    source-type filter; reprints folded)."""
    plain = not (sel.platforms or sel.topics or sel.sentiments or sel.target_sentiments or sel.stances
                 or sel.query.strip() or sel.include_reprints) and len(sel.source_types) <= 1
    whole = span is not None and (sel.start is None or sel.start <= span[0]) and (sel.end is None or sel.end >= span[1])
    return plain and whole


def shares(con: duckdb.DuckDBPyConnection, sel: Selection, name: str, period: str, *,
           stored: bool | None = None, cal: Calibration | None = None,
           within: str | Hits | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The selection's shares of ``name`` per ``period`` (``period_start``, ``label``,
    ``estimate``, ``low``, ``high``, ``n``, ``n_known``) and what they rest on (``calibration`` in
    words, ``n_labels``, ``stored``: read from `share_estimates` or computed now). ``stored``:
    whether the stored rows answer this selection (:func:`use_stored`; asked when None)."""
    if within is not None:
        stored = False  # a query's texts: never the stored whole-campaign rows
    if stored is None:
        stored = use_stored(con, sel)
    if stored:
        kind = sel.source_types[0] if sel.source_types else "all"
        frame = con.execute(
            "SELECT period_start, label, estimate, low, high, n, n_known, n_labels, calibration FROM share_estimates "
            "WHERE campaign = ? AND task = ? AND period = ? AND source_type = ? ORDER BY period_start, label",
            [sel.campaign, name, period, kind]).df()
        if len(frame):
            meta = {"calibration": frame["calibration"].iloc[0], "n_labels": int(frame["n_labels"].iloc[0]), "stored": True}
            return frame.drop(columns=["n_labels", "calibration"]), meta
    if cal is None:
        cal, _ = calibration(con, sel.campaign, name)
    return estimates(con, sel, name, period, cal=cal, within=within), {"calibration": cal.describe(), "n_labels": cal.n_labels,
                                                        "stored": False}


def use_stored(con: duckdb.DuckDBPyConnection, sel: Selection) -> bool:
    """Whether `share_estimates` answers this selection now (it covers it and is current)."""
    return covers(sel, _full_range(con, sel.campaign)) and is_current(con, sel.campaign)


def stored_trust(con: duckdb.DuckDBPyConnection, campaign: str) -> pd.DataFrame:
    """The trust rows kept by the last refresh when current, else computed now."""
    if is_current(con, campaign):
        frame = con.execute("SELECT task, week, n, width, labels_to_halve, n_labels, calibration FROM share_trust "
                            "WHERE campaign = ? ORDER BY task", [campaign]).df()
        if len(frame):
            return frame
    return trust(con, campaign).drop(columns=["campaign", "computed_at"])


def overview(con: duckdb.DuckDBPyConnection, sel: Selection, within: str | Hits | None = None,
             days: Selection | None = None, weekly: bool = True, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything the page draws about shares, in one connection: per share the weekly estimates
    and the selection's own (``weekly``, ``whole``, and what they rest on), the last 7 days of
    overall sentiment against the 7 before (``recent``), the trust rows (``trust``) and the daily
    shares spikes are found on (``days``, for the selection ``days`` when given: the page's range
    with the days before it that spikes are measured against). ``within``: a query's texts
    (:func:`counts`), read once for every count (:func:`hits`). ``weekly=False`` and
    ``names`` (only these shares) apply where the shares are estimated, not stored: a page that
    shows the selection's headline and spikes first need not estimate ~500 weekly groups and
    every topic and actor for them (:func:`by_task` gives the rest when it is drawn)."""
    if isinstance(within, str):
        with hits(con, within, actors=_asks_actors(names)) as found:
            return overview(con, sel, found, days, weekly, names)
    day_counts: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}
    # The spikes' days are the selection's with the days before it: where the shares are
    # estimated, each is counted once over them all (the headline's estimates take its own days).
    wider = days if days is not None and replace(days, start=sel.start, end=sel.end) == sel else None
    out: dict[str, Any] = {"tasks": by_task(con, sel, within, names=names, weekly=weekly, counted=day_counts,
                                            count_over=wider)}
    stored = within is None and use_stored(con, sel)
    span = _full_range(con, sel.campaign)
    if span is not None:
        out["recent"] = _stored_recent(con, sel) if stored else None
        if not out["recent"]:
            out["recent"] = recent(con, sel, span, within=within, days=day_counts.get("sentiment"))
    out["trust"] = stored_trust(con, sel.campaign)  # the campaign's, whatever the filters
    out["days"] = day_shares(con, sel if days is None else days, None if days is not None and within is None else stored,
                             within=within, counted=day_counts if wider is not None else None)
    return out


def by_task(con: duckdb.DuckDBPyConnection, sel: Selection, within: str | Hits | None = None, *,
            names: Sequence[str] | None = None, weekly: bool = True,
            counted: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]] | None = None,
            count_over: Selection | None = None) -> dict[str, dict[str, Any]]:
    """Per share of the campaign: its weekly estimates (``weekly``), the selection's own
    (``whole``) and what they rest on (``calibration``, ``n_labels``, ``stored``), read from
    `share_estimates` when they answer the selection, else estimated from one count per day
    (its weeks and total summed from it). Where estimated: ``names`` gives only those shares,
    ``weekly=False`` leaves the weeks ``None``, and ``counted`` receives each share's per-day
    counts, over ``count_over`` when given (the same filters over a range holding the
    selection's: its days outside the selection are counted for ``counted`` only)."""
    if isinstance(within, str):
        with hits(con, within, actors=_asks_actors(names)) as found:
            return by_task(con, sel, found, names=names, weekly=weekly, counted=counted, count_over=count_over)
    stored = within is None and use_stored(con, sel)
    out: dict[str, dict[str, Any]] = {}
    if stored:
        for name in [r[0] for r in con.execute(
                "SELECT DISTINCT task FROM share_estimates WHERE campaign = ? ORDER BY task", [sel.campaign]).fetchall()]:
            per_week, meta = shares(con, sel, name, "week", stored=True)
            out[name] = {"weekly": per_week, "whole": shares(con, sel, name, "all", stored=True)[0], **meta}
        return out
    counted = {} if counted is None else counted
    # Shares asked for by name are taken as the campaign's (the headline's three always are):
    # listing its actors reads every actor mention.
    for name in task_names(con, sel.campaign) if names is None else names:
        cal = calibration(con, sel.campaign, name)[0]
        counted[name] = counts(con, count_over or sel, name, "day", within=within)
        own = _days_within(*counted[name], sel) if count_over is not None else counted[name]
        out[name] = {
            "weekly": _estimated(task(name), cal, *_per_period(*own, "week")) if weekly else None,
            "whole": _estimated(task(name), cal, *_per_period(*own, "all")),
            "calibration": cal.describe(), "n_labels": cal.n_labels, "stored": False}
    return out


SPIKE_SHARES = ("target_sentiment", "stance")


def day_shares(con: duckdb.DuckDBPyConnection, sel: Selection, stored: bool | None = None,
               within: str | Hits | None = None,
               counted: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]] | None = None) -> dict[str, pd.DataFrame]:
    """The daily shares spikes are found on: negativity toward the target and stance.
    ``counted``: shares already counted per day over this very selection (:func:`by_task`'s),
    estimated from those counts instead of counting again (never where stored rows answer)."""
    if isinstance(within, str):
        with hits(con, within, actors=False) as found:  # negativity and stance: no actor's share
            return day_shares(con, sel, stored, found, counted)
    stored = (within is None and use_stored(con, sel)) if stored is None else stored
    out = {}
    for name in SPIKE_SHARES:
        if counted and name in counted and not stored:
            out[name] = _estimated(task(name), calibration(con, sel.campaign, name)[0], *counted[name])
        else:
            out[name] = shares(con, sel, name, "day", stored=stored, within=within)[0]
    return out


def _days_within(groups: pd.DataFrame, cells: np.ndarray, known: np.ndarray,
                 sel: Selection) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Day counts (:func:`counts` per ``day``) of the selection's own range."""
    day = groups["period_start"]
    keep = np.ones(len(groups), dtype=bool)
    if sel.start is not None:
        keep &= (day >= pd.Timestamp(sel.start)).to_numpy()
    if sel.end is not None:
        keep &= (day <= pd.Timestamp(sel.end)).to_numpy()
    return groups[keep].reset_index(drop=True), cells[keep], known[keep]


RECENT = {"last7": (6, 0), "prev7": (13, 7)}  # days before the selection's last day: first, last


def recent(con: duckdb.DuckDBPyConnection, sel: Selection, span: tuple[date, date], cal: Calibration | None = None,
           within: str | Hits | None = None,
           days: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = None) -> dict[str, pd.DataFrame]:
    """Overall sentiment in the selection's last 7 days (``last7``) and the 7 before
    (``prev7``), each one group: ``label``, ``estimate``, ``low``, ``high``, ``n``. ``days``:
    the selection's overall sentiment already counted per day (:func:`counts`), summed over
    each window instead of counting it again."""
    end = min(sel.end or span[1], span[1])
    if cal is None:
        cal, _ = calibration(con, sel.campaign, "sentiment")
    cells, known = [], []
    for first, last in RECENT.values():
        window = Selection(**{**sel.__dict__, "start": max(end - pd.Timedelta(days=first), sel.start or span[0]),
                              "end": end - pd.Timedelta(days=last)})
        if window.start > window.end:
            c, k = [], []
        elif days is not None:
            _, c, k = _days_within(*days, window)
        else:
            _, c, k = counts(con, window, "sentiment", "all", within=within)
        cells.append(np.sum(c, axis=0) if len(c) else np.zeros(cal.n_cells, dtype=np.int64))
        known.append(np.sum(k, axis=0) if len(k) else np.zeros(len(cal.classes), dtype=np.int64))
    both = estimate(cal, np.array(cells), np.array(known))  # one call for both windows
    return {key: pd.DataFrame({"label": cal.classes, "estimate": both.estimate[i], "low": both.low[i],
                               "high": both.high[i], "n": both.n[i]})
            for i, key in enumerate(RECENT)}


def _stored_recent(con: duckdb.DuckDBPyConnection, sel: Selection) -> dict[str, pd.DataFrame]:
    kind = sel.source_types[0] if sel.source_types else "all"
    frame = con.execute(
        "SELECT period, label, estimate, low, high, n FROM share_estimates WHERE campaign = ? AND task = 'sentiment' "
        "AND period IN ('last7', 'prev7') AND source_type = ? ORDER BY label", [sel.campaign, kind]).df()
    return {key: frame[frame["period"] == key].drop(columns=["period"]).reset_index(drop=True)
            for key in RECENT} if len(frame) else {}


def queue(con: duckdb.DuckDBPyConnection, campaign: str, limit: int = 10) -> pd.DataFrame:
    """The texts to label to narrow this week's share intervals (view `share_queue`)."""
    return con.execute(
        "SELECT doc_id, task, label, published_at, platform, title FROM share_queue WHERE campaign = ? "
        "ORDER BY draw LIMIT ?", [campaign, limit]).df()
