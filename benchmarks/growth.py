"""Does the cost of a write and of making it visible grow with the warehouse? Both deployments.

    .venv/bin/python benchmarks/growth.py [--mode embedded|shared|both] [--sizes 100000,1000000,5000000]
                                          [--batches 5] [--bulk 1000000]

For each size the warehouse is first filled to that many tweet-length synthetic documents (the
bulk path, then one sync that builds the read copy), then ``--batches`` batches of 5,000 new
documents go through the public write path (``connect`` + ``insert_documents``), as the crawler
writes. Measured per batch:

- *write*: the write connection's whole life (open, migrate check, insert, checkpoint, close);
- *commit-to-visible*: from the batch's commit until a reader opening ``data/vigia.duckdb`` sees
  it: the read copy's sync (embedded: at the end of the write, under the writer lock; shared:
  a reader's ``connect(read_only=True)`` that finds the copy stale).

``--bulk N`` loads N documents from an empty warehouse in batches of 5,000 through the same public
path (each batch published: the issue's 190 s for 1M before this change, 47 s before snapshots).
The shared mode starts its own PostgreSQL (tests/pg.py: Debian's package). Prints one JSON line
per measurement and the table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from warehouse import connect  # noqa: E402
from warehouse.campaigns import register_campaign  # noqa: E402
from warehouse.documents import insert_document_frame, insert_documents  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
TEXTS = [
    "Fuera Canales, la seguridad en Miraflores está peor que nunca #RevocatoriaYa",
    "El alcalde Carlos Canales inauguró el parque; buena gestión en el distrito",
    "La revocatoria de Canales avanza: el JNE entregó los kits a los promotores",
    "Canales no escucha a los vecinos de Miraflores, ya basta de improvisación",
]


def doc_id(i: int) -> str:
    """Keyed as the crawler keys documents (a SHA-1 prefix): ids in no order, as real ones are
    (sequential ids would let DuckDB skip row groups by their key range, which real ones never do)."""
    return hashlib.sha1(f"bench|x:{i}".encode()).hexdigest()[:20]


def frame(n: int, offset: int) -> pd.DataFrame:
    """``n`` tweet-length documents numbered from ``offset``, arriving in time order."""
    ids = range(offset, offset + n)
    return pd.DataFrame({
        "doc_id": [doc_id(i) for i in ids],
        "campaign": "bench",
        "source": "x_search",
        "source_type": "social",
        "platform": "x",
        "url": [f"https://x.com/i/status/{i}" for i in ids],
        "title": None,
        "text": [f"{TEXTS[i % 4]} ({i})" for i in ids],
        "author": [f"user{i % 5000}" for i in ids],
        "published_at": [START + timedelta(seconds=30 * i) for i in ids],
        "fetched_at": [START + timedelta(seconds=30 * i + 60) for i in ids],
        "lang": "es",
        "native_id": [str(i) for i in ids],
        "content_hash": [f"h{i}" for i in ids],
    })


def rows(n: int, offset: int) -> list[dict]:
    return frame(n, offset).to_dict("records")


class Embedded:
    name = "embedded"

    def __init__(self, folder: Path):
        self.target = folder / "vigia.duckdb"

    def fill(self, n: int) -> float:
        for offset in range(0, n, 100_000):
            with connect(self.target, publish_when="never") as con:
                insert_document_frame(con, frame(min(100_000, n - offset), offset))
        started = time.perf_counter()
        with connect(self.target):  # published: the read copy built
            pass
        return time.perf_counter() - started

    def batch(self, docs: list[dict]) -> tuple[float, float]:
        started = time.perf_counter()
        with connect(self.target, publish_when="never") as con:
            insert_documents(con, docs)
        wrote = time.perf_counter()
        with connect(self.target):  # what it committed, published
            pass
        return wrote - started, time.perf_counter() - wrote

    def close(self) -> None:
        from warehouse import writer

        writer.release(self.target)

    def last_sync(self) -> dict | None:
        from warehouse import writer

        return writer.last_publish


class Shared:
    name = "shared"

    def __init__(self, folder: Path):
        from tests import pg

        self.server = pg.Server()
        self.target = self.server.create_database("bench")
        self.copy = folder / "read-copy.duckdb"
        os.environ["VIGIA_READ_COPY"] = str(self.copy)

    def fill(self, n: int) -> float:
        for offset in range(0, n, 100_000):
            with connect(self.target) as con:
                insert_document_frame(con, frame(min(100_000, n - offset), offset))
        return self.sync()

    def sync(self) -> float:
        from warehouse import readcopy

        started = time.perf_counter()
        self.synced = readcopy.refresh_shared(self.target, self.copy, force=True)
        return time.perf_counter() - started

    def last_sync(self) -> dict | None:
        return getattr(self, "synced", None)

    def batch(self, docs: list[dict]) -> tuple[float, float]:
        started = time.perf_counter()
        with connect(self.target) as con:
            insert_documents(con, docs)
        wrote = time.perf_counter() - started
        return wrote, self.sync()

    def close(self) -> None:
        self.server.close()


MODES = {"embedded": Embedded, "shared": Shared}


def seen(deployment) -> int:
    with connect(deployment.target, read_only=True) as con:
        return con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]


def growth(mode: str, size: int, batches: int) -> dict:
    with tempfile.TemporaryDirectory(dir=REPO / "data" if (REPO / "data").exists() else None) as tmp:
        deployment = MODES[mode](Path(tmp))
        try:
            with connect(deployment.target) as con:
                register_campaign(con, "bench", "bench", ["security"], "America/Lima", False)
            first_sync = deployment.fill(size)
            writes, visible = [], []
            for k in range(batches):
                w, v = deployment.batch(rows(5_000, size + 5_000 * k))
                writes.append(w)
                visible.append(v)
                print(json.dumps({"batch": k, "docs": size, "mode": mode, "write_s": round(w, 3),
                                  "visible_s": round(v, 3), "sync": deployment.last_sync()}), flush=True)
            assert seen(deployment) == size + 5_000 * batches, "a reader must see every batch"
        finally:
            deployment.close()
    return {"bench": "growth", "mode": mode, "docs": size, "batches": batches,
            "write_s": round(statistics.median(writes), 3), "visible_s": round(statistics.median(visible), 3),
            "write_max_s": round(max(writes), 3), "visible_max_s": round(max(visible), 3),
            "first_sync_s": round(first_sync, 1)}


def bulk(mode: str, n: int) -> dict:
    """``n`` documents from empty, 5,000 a batch, through the public write path as a crawler writes
    (``connect(..., publish_when="due")``: readers' copy synced at most every
    ``$VIGIA_PUBLISH_SECONDS``), then made visible (the last sync). Generating the batches is not
    counted."""
    from warehouse import writer

    with tempfile.TemporaryDirectory(dir=REPO / "data" if (REPO / "data").exists() else None) as tmp:
        deployment = MODES[mode](Path(tmp))
        try:
            spent = slowest = 0.0
            syncs_before = writer.publishes
            for offset in range(0, n, 5_000):
                batch = rows(5_000, offset)
                one = time.perf_counter()
                with connect(deployment.target, publish_when="due") as con:
                    insert_documents(con, batch)
                took = time.perf_counter() - one
                spent += took
                slowest = max(slowest, took)
            one = time.perf_counter()
            if mode == "embedded":
                with connect(deployment.target):  # what is left, published
                    pass
            else:
                deployment.sync()
            spent += time.perf_counter() - one
            syncs = writer.publishes - syncs_before
            assert seen(deployment) == n
        finally:
            deployment.close()
    return {"bench": "bulk", "mode": mode, "docs": n, "seconds": round(spent, 1), "slowest_batch_s": round(slowest, 2),
            "syncs": syncs if mode == "embedded" else 1}


def table(results: list[dict]) -> str:
    lines = ["| mode | documents | write per 5,000-doc batch (median / max) | commit-to-visible (median / max) | first sync |",
             "|---|---|---|---|---|"]
    for r in results:
        if r["bench"] == "growth":
            lines.append(f"| {r['mode']} | {r['docs']:,} | {r['write_s']:.3f} / {r['write_max_s']:.3f} s | "
                         f"{r['visible_s']:.3f} / {r['visible_max_s']:.3f} s | {r['first_sync_s']} s |")
    for mode in ("embedded", "shared"):
        sized = [r for r in results if r["bench"] == "growth" and r["mode"] == mode]
        if len(sized) >= 2:
            a, b = sized[0], sized[-1]
            lines.append(f"| {mode}: {b['docs']:,} / {a['docs']:,} | | x{b['write_s'] / a['write_s']:.2f} | "
                         f"x{b['visible_s'] / a['visible_s']:.2f} | |")
    for r in results:
        if r["bench"] == "bulk":
            lines.append(f"| {r['mode']}: bulk {r['docs']:,} from empty, 5,000 a batch | | {r['seconds']} s in all, "
                         f"visible at the end | slowest batch {r['slowest_batch_s']} s, {r['syncs']} syncs on the way | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "shared", "both"], default="both")
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--bulk", type=int, default=1_000_000, help="0 to skip")
    args = parser.parse_args()
    modes = ["embedded", "shared"] if args.mode == "both" else [args.mode]
    results = []
    for mode in modes:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            results.append(growth(mode, size, args.batches))
            print(json.dumps(results[-1]), flush=True)
        if args.bulk:
            results.append(bulk(mode, args.bulk))
            print(json.dumps(results[-1]), flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
