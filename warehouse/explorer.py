"""Finding texts: accent- and case-insensitive search over `mentions`, ranked, filtered, paged,
and the whole selection exported.

`mentions.search_text` holds title and text folded at write time (lower case, accents
stripped); the search box speaks the query language of ``warehouse.query`` (whole words,
phrases, OR, -exclusion, prefix*), compiled to a predicate over it. The rank is cheap to compute
on every hit: a word in the title counts most, then how early the text names it; ties go to the
newest. One scan finds the hits, their count and the page; the page's texts are read last, for
its 25 rows only.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from render import csv_bytes
from warehouse import query as query_language

PAGE_COLUMNS = (
    "doc_id", "published_at", "platform", "source_type", "author", "title", "excerpt", "sentiment",
    "sentiment_score", "target_sentiment", "stance", "topics", "url",
)
EXPORT_COLUMNS = (
    "doc_id", "campaign", "published_at", "source_type", "platform", "author", "title", "text", "url",
    "lang", "sentiment", "sentiment_score", "target_sentiment", "topics", "stance", "model",
    "duplicate_of", "corrected",
)
EXPORT_LIMIT = 200_000


def search_terms(query: str) -> list[str]:
    """The folded words, phrases and prefixes a hit of the search box can hold (the query
    language of ``warehouse.query``; excluded words are not among them)."""
    return [m.literal for m in query_language.positive_terms(query)]


@dataclass
class Selection:
    """What the explorer shows: a campaign, a search and the filters (None or empty: all)."""

    campaign: str
    query: str = ""
    start: date | None = None
    end: date | None = None
    source_types: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    sentiments: list[str] = field(default_factory=list)
    target_sentiments: list[str] = field(default_factory=list)
    stances: list[str] = field(default_factory=list)
    include_reprints: bool = False

    def where(self, *, alias: str = "", columns: Collection[str] | None = None) -> tuple[str, list[Any]]:
        """A WHERE clause over `mentions` (or another relation with its column names, each
        prefixed ``alias.``) and its parameters. ``columns``: the filters that relation can
        take (None: all); a filter set on one it lacks is an error, never silently ignored. A
        relation without ``duplicate_of`` is taken as it is (summaries count originals only)."""
        col = (lambda name: f"{alias}.{name}") if alias else (lambda name: name)
        wanted = {"campaign": True, "day": self.start is not None or self.end is not None,
                  "source_type": bool(self.source_types), "platform": bool(self.platforms),
                  "sentiment": bool(self.sentiments), "target_sentiment": bool(self.target_sentiments),
                  "stance": bool(self.stances), "topics": bool(self.topics),
                  "search_text": query_language.parse(self.query) is not None}
        if columns is not None:
            missing = sorted(name for name, on in wanted.items() if on and name not in columns)
            if missing:
                raise ValueError(f"this relation cannot be filtered on {', '.join(missing)}")
        clauses, params = [f"{col('campaign')} = ?"], [self.campaign]
        if self.start is not None:
            clauses.append(f"{col('day')} >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{col('day')} <= ?")
            params.append(self.end)
        for column, values in (("source_type", self.source_types), ("platform", self.platforms),
                               ("sentiment", self.sentiments), ("target_sentiment", self.target_sentiments),
                               ("stance", self.stances)):
            if values:
                clauses.append(f"list_contains(?, {col(column)})")
                params.append(list(values))
        if self.topics:
            clauses.append(f"len(list_intersect({col('topics')}, ?)) > 0")
            params.append(list(self.topics))
        if not self.include_reprints and (columns is None or "duplicate_of" in columns):
            clauses.append(f"{col('duplicate_of')} IS NULL")
        # The query language's tree (parsed once per query text); QueryError when malformed.
        # Its words are looked up in the term index by row_key where the relation has one.
        key = col("row_key") if columns is None or "row_key" in columns else None
        matched = query_language.where(self.query, col("search_text"), key=key)
        if matched is not None:
            clauses.append(matched[0])
            params += matched[1]
        return " AND ".join(clauses), params

    def rank(self) -> tuple[str, list[Any]]:
        """A rank expression (higher first): per word, 2 when the title holds it (the title is
        the start of ``search_text``), plus 1 minus how far into the text it first appears."""
        terms = search_terms(self.query)
        if not terms:
            return "0.0", []
        parts, params = [], []
        for term in terms:
            parts.append("(CASE WHEN instr(search_text, ?) <= length(coalesce(title, '')) THEN 2.0 ELSE 0.0 END"
                         " + 1.0 - instr(search_text, ?) / (length(search_text) + 1.0))")
            params += [term, term]
        return " + ".join(parts), params


ORDER = "rank DESC, published_at DESC NULLS LAST, doc_id"


def find(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, offset: int = 0, limit: int = 25,
    texts: bool = False,
) -> tuple[int, pd.DataFrame]:
    """How many texts match, and one page of them, best first (an excerpt; with ``texts``, also
    the page's whole ``text``, so the page can show where the query matches in it)."""
    where, params = selection.where()
    rank, rank_params = selection.rank()
    page_columns = (*PAGE_COLUMNS, "text") if texts else PAGE_COLUMNS
    columns = ", ".join("left(m.text, 240) AS excerpt" if c == "excerpt" else f"m.{c}" for c in page_columns)
    if not rank_params:  # no search words: newest first, the count from one cheap scan
        plain = ", ".join("left(text, 240) AS excerpt" if c == "excerpt" else c for c in page_columns)
        frame = con.execute(
            f"SELECT {plain} FROM mentions WHERE {where} ORDER BY published_at DESC NULLS LAST, doc_id LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        ).df()
        return count(con, selection), frame
    frame = con.execute(
        f"WITH hits AS MATERIALIZED (SELECT doc_id, published_at, {rank} AS rank FROM mentions WHERE {where}), "
        f"top AS (SELECT doc_id, rank FROM hits ORDER BY {ORDER} LIMIT ? OFFSET ?) "
        f"SELECT (SELECT count(*) FROM hits) AS total, {columns} FROM top JOIN mentions AS m USING (doc_id) "
        f"ORDER BY top.rank DESC, m.published_at DESC NULLS LAST, m.doc_id",
        [*rank_params, *params, int(limit), int(offset)],
    ).df()
    total = int(frame["total"].iloc[0]) if len(frame) else (0 if offset == 0 else count(con, selection))
    return total, frame.drop(columns=["total"])


def rows_of(con: duckdb.DuckDBPyConnection, doc_ids: list[str], *, texts: bool = False) -> pd.DataFrame:
    """The text list's columns (``PAGE_COLUMNS``, and ``text`` with ``texts``) for ``doc_ids``,
    in that order: a page whose order is already known (``warehouse.series.compare``'s
    ``ranked``)."""
    columns = (*PAGE_COLUMNS, "text") if texts else PAGE_COLUMNS
    frame = con.execute(
        f"SELECT {', '.join('left(text, 240) AS excerpt' if c == 'excerpt' else c for c in columns)} "
        "FROM mentions WHERE list_contains(?, doc_id)", [list(doc_ids)]).df()
    return frame.set_index("doc_id", drop=False).reindex(list(doc_ids)).reset_index(drop=True)


def rows_of_empty(*, texts: bool = False) -> pd.DataFrame:
    """An empty page with the text list's columns."""
    return pd.DataFrame(columns=[*PAGE_COLUMNS, *(["text"] if texts else [])])


def count(con: duckdb.DuckDBPyConnection, selection: Selection) -> int:
    where, params = selection.where()
    return int(con.execute(f"SELECT count(*) FROM mentions WHERE {where}", params).fetchall()[0][0])


def page(con: duckdb.DuckDBPyConnection, selection: Selection, *, offset: int = 0, limit: int = 25) -> pd.DataFrame:
    """One page of the selection, best match first."""
    return find(con, selection, offset=offset, limit=limit)[1]


def export(con: duckdb.DuckDBPyConnection, selection: Selection, fmt: str, *, bom: bool = False,
           timezone: str | None = None) -> bytes:
    """The whole selection (at most ``EXPORT_LIMIT`` rows, best first) as CSV or Parquet bytes.

    CSV is spreadsheet-safe (``render.write_csv``: a crawled ``=HYPERLINK(...)`` is not run as a
    formula), UTF-8, with a byte-order mark first when ``bom`` (Excel). Parquet keeps every
    value as stored. ``timezone`` (the campaign's): ``published_at`` is written in that zone's
    wall clock with its offset (``2026-10-28 13:00:00-05:00``), as the page shows it; the same
    moment, only no longer in UTC."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"export format must be csv or parquet, not {fmt!r}")
    where, params = selection.where()
    rank, rank_params = selection.rank()
    # con.sql, not con.execute: DuckDB copies a DB-API result once more to make Arrow of it (and warns)
    table: pa.Table = con.sql(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM (SELECT *, {rank} AS rank FROM mentions WHERE {where}) "
        f"ORDER BY {ORDER} LIMIT ?",
        params=[*rank_params, *params, EXPORT_LIMIT],
    ).to_arrow_table()
    if timezone:
        at = table.column_names.index("published_at")
        stored = table.column(at)
        table = table.set_column(at, "published_at", stored.cast(pa.timestamp(stored.type.unit, tz=timezone)))
    if fmt == "csv":
        return csv_bytes(table.column_names, (tuple(row.values()) for row in table.to_pylist()), bom=bom)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
