"""Batches of documents that wait on disk when the writer file cannot be had.

A crawl never drops a batch: if the writer lock or file stays busy past its timeout (an
analyst opened the writer file itself, say), the batch is written here as one JSON Lines
file (written to a temporary name, then renamed, so a file is whole or absent). Every later
write connection stores waiting batches first; storing is keyed by ``doc_id``, so a batch
stored twice (a crash between storing and removing it) is still stored once.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.database import spool_folder
from warehouse.documents import insert_documents

log = logging.getLogger("vigia.warehouse")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def spool_documents(db_path: str | Path, docs: Sequence[dict[str, Any]]) -> Path:
    """Write ``docs`` as one spooled batch for ``db_path``'s warehouse; returns its file."""
    folder = spool_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{time.time_ns()}-{os.getpid()}.jsonl"
    temp = final.with_suffix(".part")
    with open(temp, "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(dict(doc), ensure_ascii=False, default=_plain) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, final)
    return final


def waiting_batches(folder: str | Path) -> list[Path]:
    """Spooled batch files not yet stored, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.jsonl"))


def ingest_spool(con: duckdb.DuckDBPyConnection, folder: str | Path) -> int:
    """Store every waiting batch in ``folder`` (call under the writer lock); returns new documents."""
    new = 0
    for batch in waiting_batches(folder):
        with open(batch, encoding="utf-8") as lines:
            docs = [json.loads(line) for line in lines if line.strip()]
        new += len(insert_documents(con, docs))
        batch.unlink()
        log.info("stored spooled batch %s (%d documents)", batch.name, len(docs))
    return new
