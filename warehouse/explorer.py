"""Finding texts: accent- and case-insensitive search over `mentions`, ranked, filtered, paged,
and the whole selection exported.

No index: `mentions.search_text` holds title and text folded at write time (lower case, accents
stripped), and each search word is a plain substring test on it. The rank counts how often the
words occur, with a bonus when the title holds them.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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


def fold(text: str) -> str:
    """Lower case without accents: the form `mentions.search_text` is stored in."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def search_terms(query: str) -> list[str]:
    """The folded words and "quoted phrases" of a search box."""
    terms = [fold(p).strip() for p in re.findall(r'"([^"]+)"', query)]
    rest = re.sub(r'"[^"]*"', " ", query)
    terms += [fold(w) for w in rest.split()]
    return [t for t in dict.fromkeys(terms) if t]


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

    def where(self) -> tuple[str, list[Any]]:
        """A WHERE clause over `mentions` and its parameters."""
        clauses, params = ["campaign = ?"], [self.campaign]
        if self.start is not None:
            clauses.append("day >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append("day <= ?")
            params.append(self.end)
        for column, values in (("source_type", self.source_types), ("platform", self.platforms),
                               ("sentiment", self.sentiments), ("target_sentiment", self.target_sentiments),
                               ("stance", self.stances)):
            if values:
                clauses.append(f"list_contains(?, {column})")
                params.append(list(values))
        if self.topics:
            clauses.append("len(list_intersect(topics, ?)) > 0")
            params.append(list(self.topics))
        if not self.include_reprints:
            clauses.append("duplicate_of IS NULL")
        for term in search_terms(self.query):
            clauses.append("contains(search_text, ?)")
            params.append(term)
        return " AND ".join(clauses), params

    def rank(self) -> tuple[str, list[Any]]:
        """An ORDER BY expression: most occurrences first (title counts thrice), then newest."""
        terms = search_terms(self.query)
        if not terms:
            return "published_at DESC NULLS LAST, doc_id", []
        parts, params = [], []
        for term in terms:
            parts.append("(length(search_text) - length(replace(search_text, ?, ''))) / ?"
                         " + 2 * CAST(contains(strip_accents(lower(coalesce(title, ''))), ?) AS INTEGER)")
            params += [term, len(term), term]
        return f"({' + '.join(parts)}) DESC, published_at DESC NULLS LAST, doc_id", params


def count(con: duckdb.DuckDBPyConnection, selection: Selection) -> int:
    where, params = selection.where()
    return int(con.execute(f"SELECT count(*) FROM mentions WHERE {where}", params).fetchall()[0][0])


def page(con: duckdb.DuckDBPyConnection, selection: Selection, *, offset: int = 0, limit: int = 25) -> pd.DataFrame:
    """One page of the selection, best match first; an excerpt, never the whole text."""
    where, params = selection.where()
    order, order_params = selection.rank()
    columns = ", ".join("left(text, 240) AS excerpt" if c == "excerpt" else c for c in PAGE_COLUMNS)
    return con.execute(
        f"SELECT {columns} FROM mentions WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, *order_params, int(limit), int(offset)],
    ).df()


def export(con: duckdb.DuckDBPyConnection, selection: Selection, fmt: str) -> bytes:
    """The whole selection (at most ``EXPORT_LIMIT`` rows, best first) as CSV or Parquet bytes."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"export format must be csv or parquet, not {fmt!r}")
    where, params = selection.where()
    order, order_params = selection.rank()
    table: pa.Table = con.execute(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM mentions WHERE {where} ORDER BY {order} LIMIT ?",
        [*params, *order_params, EXPORT_LIMIT],
    ).to_arrow_table()
    buffer = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(table, buffer)
    else:
        frame = table.to_pandas()
        frame["topics"] = frame["topics"].map(lambda t: ";".join(t) if t is not None else "")
        frame.to_csv(buffer, index=False)
    return buffer.getvalue()
