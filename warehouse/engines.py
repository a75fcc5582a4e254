"""The two engines behind the warehouse, and everything that differs between them, in one place.

One setting picks the deployment, as Django's ``ENGINE`` or Scrapy's ``HTTPCACHE_STORAGE`` do:

- a file path (``data/vigia.duckdb``, the default): the **embedded** warehouse, a DuckDB file
  and no server; writers queue on a local lock (one host);
- a PostgreSQL URL (``postgresql://user:password@host:5432/vigia``): the **shared** warehouse;
  PostgreSQL stores and coordinates (documents keyed by ``doc_id``, crawl runs, source states,
  scoring claims taken with ``FOR UPDATE SKIP LOCKED``, scores), so crawlers and scorers may
  run on any host that reaches it.

In both, analysts read a local DuckDB *read copy* (``warehouse.readcopy``), so every read
query (views, dashboard, ``vigia sql``) is written once, in DuckDB's SQL. The write functions
of ``warehouse/`` use SQL both engines accept; what cannot be shared is an attribute of
:class:`Dialect` below, and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)


@dataclass(frozen=True)
class Dialect:
    """What differs between DuckDB and PostgreSQL for the write side of the warehouse."""

    name: str
    # The stamp every changed row carries (column `changed`), read by the read copy's sync:
    # DuckDB writes one at a time under the writer lock, so a sequence is in commit order;
    # PostgreSQL commits concurrently, so the row carries its transaction id and the sync
    # reads from the oldest transaction still running (``pg_snapshot_xmin``).
    change_stamp: str
    # Row locks taken by a claim query so two scorers never hand out the same batch.
    skip_locked: str
    # The schema tables live in (information_schema.columns.table_schema).
    schema: str
    # Type spellings a migration file may use that the engine spells differently.
    types: tuple[tuple[str, str], ...] = ()

    def migration_sql(self, sql: str) -> str:
        sql = sql.replace("{change_stamp}", self.change_stamp)
        for ours, theirs in self.types:
            sql = re.sub(rf"\b{ours}\b", theirs, sql)
        return sql


DUCKDB = Dialect(
    name="duckdb",
    change_stamp="nextval('change_seq')",
    skip_locked="",  # one writer at a time: the writer lock already serialises claims
    schema="main",
)

POSTGRESQL = Dialect(
    name="postgresql",
    change_stamp="(pg_current_xact_id()::text::bigint)",
    skip_locked=" FOR UPDATE OF d SKIP LOCKED",
    schema="public",
    types=(("DOUBLE", "DOUBLE PRECISION"),),
)


def dialect_of(con: Any) -> Dialect:
    """The dialect of a write connection (a DuckDB connection or a :class:`PgConnection`)."""
    return getattr(con, "dialect", DUCKDB)


def is_url(target: str | os.PathLike | None) -> bool:
    """Whether ``target`` names a shared (PostgreSQL) warehouse rather than a file."""
    return target is not None and bool(_URL.match(str(target)))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def placeholders(sql: str) -> str:
    """DuckDB's ``?`` parameters as psycopg's ``%s`` (a literal ``%`` doubled), outside quotes."""
    out, quote = [], None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def upsert(table: str, columns: Sequence[str], keys: Sequence[str], source: str) -> str:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` (both engines): every non-key column is replaced
    and the row gets a new change stamp (``changed``, whose default is the stamp)."""
    updates = [f"{c} = EXCLUDED.{c}" for c in columns if c not in keys and c != "changed"]
    updates.append("changed = EXCLUDED.changed")
    return (f"INSERT INTO {table} ({', '.join(columns)}) {source} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)}")


class PgCursor:
    """The part of DuckDB's cursor API the write functions use, over a psycopg cursor."""

    def __init__(self, cursor: Any):
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall() if self._cursor.description is not None else []

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone() if self._cursor.description is not None else None

    def fetchmany(self, size: int) -> list[tuple]:
        return self._cursor.fetchmany(size)

    def df(self) -> Any:
        import pandas as pd

        names = [d[0] for d in self._cursor.description or []]
        return pd.DataFrame(self.fetchall(), columns=names)


class PgConnection:
    """A psycopg connection that the warehouse's write functions use as they use DuckDB's.

    Autocommit, as DuckDB is: each statement commits unless ``BEGIN TRANSACTION`` opened one.
    ``register`` stages a DataFrame as a temporary table (COPY), as DuckDB's replacement scans do.
    """

    dialect = POSTGRESQL

    def __init__(self, raw: Any, url: str):
        self.raw = raw
        self.url = url

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        cursor = self.raw.cursor()
        cursor.execute(placeholders(sql), _adapt(params) if params else None)
        return PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(placeholders(sql), [_adapt(r) for r in rows])

    def register(self, name: str, frame: Any, like: str | None = None) -> None:
        columns = list(frame.columns)
        if like:
            self.execute(f"CREATE TEMP TABLE {name} (LIKE {like} INCLUDING DEFAULTS)")
        else:
            types = ", ".join(f"{c} {_pg_type(frame[c])}" for c in columns)
            self.execute(f"CREATE TEMP TABLE {name} ({types})")
        records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
        with self.raw.cursor() as cursor:
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row([_plain(v) for v in record])

    def unregister(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.raw.close()


def _plain(value: Any) -> Any:
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


def _adapt(params: Sequence[Any]) -> list[Any]:
    return [_plain(v) for v in params]


def _pg_type(series: Any) -> str:
    kind = series.dtype.kind
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "b":
        return "BOOLEAN"
    if kind == "M":
        return "TIMESTAMPTZ"
    return "TEXT"


def local_path(target: str | os.PathLike) -> Path:
    """The local DuckDB file of a warehouse: the warehouse itself when embedded; in the shared
    mode, the read copy analysts on this host read (``$VIGIA_READ_COPY``, else
    ``data/vigia.duckdb`` under the working directory)."""
    if is_url(target):
        return Path(os.environ.get("VIGIA_READ_COPY") or Path("data") / "vigia.duckdb")
    return Path(target)
