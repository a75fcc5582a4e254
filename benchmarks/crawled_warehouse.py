"""A second warehouse for the dashboard's benchmark: filled the way a crawl and `vigia score` fill
it, with article-length news texts.

    .venv/bin/python benchmarks/crawled_warehouse.py [--docs 1000000] [--batch 5000]

``benchmarks/dashboard_scale.py`` writes a million rows in ten bulk frames of texts made of 16
short campaign sentences (news about 1,000 characters). A crawl writes differently: the
pipeline stores its buffer through ``warehouse.documents.insert_documents`` on a short write
connection that publishes the snapshot when due (``crawler/pipelines.py``,
``WarehousePipeline.flush``), and ``vigia score`` writes each scored chunk through
``warehouse.scores.write_scores`` the same way (``cli.py``). Here: the same documents, days,
outlets and accounts as the benchmark's own, but each news text is an article: 2-4 campaign
sentences among 25-60 sentences of real Spanish news articles (the gold texts of
``../shared/real/news/pages``, read at run time and recombined, never copied into the project;
without them, the campaign sentences shuffled), 3,000-8,000 characters. Written in batches of
``--batch`` documents through those two functions (the pipeline's default is 100 a flush,
which at a million documents is 10,000 write connections: hours on this machine; the layout a
write leaves is one appended row group set per batch either way).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.dashboard_scale import CAMPAIGN, FRAGMENTS, TOPICS, synthetic_frames  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.campaigns import register_campaign  # noqa: E402
from warehouse.database import writer_folder  # noqa: E402
from warehouse.documents import insert_documents  # noqa: E402
from warehouse.scores import write_scores  # noqa: E402

PAGES = REPO.parent / "shared" / "real" / "news" / "pages"


def sentence_pool() -> tuple[list[str], str]:
    """Sentences of real Spanish news articles (gold texts under ``../shared``), and where
    they came from."""
    sentences: list[str] = []
    for path in sorted(PAGES.glob("*/*.expected.*")):
        if path.suffix == ".txt":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".json":
            text = json.loads(path.read_text(encoding="utf-8")).get("text") or ""
        else:
            continue
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s.strip()) <= 400]
    if len(sentences) >= 100:
        return sorted(set(sentences)), f"{len(set(sentences))} sentences of {PAGES}"
    return FRAGMENTS, "the 16 campaign sentences (../shared/real absent)"


def article(rng: np.random.Generator, pool: list[str]) -> str:
    body = list(rng.choice(pool, size=int(rng.integers(25, 61))))
    for fragment in rng.choice(FRAGMENTS, size=int(rng.integers(2, 5))):
        body.insert(int(rng.integers(0, len(body) + 1)), fragment)
    paragraphs, at = [], 0
    while at < len(body):  # paragraphs of 3-6 sentences, as extraction leaves them
        step = int(rng.integers(3, 7))
        paragraphs.append(" ".join(body[at:at + step]))
        at += step
    return "\n".join(paragraphs)[:8000]


def build(path: Path, n_docs: int, batch: int = 5000) -> dict:
    pool, origin = sentence_pool()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    shutil.rmtree(writer_folder(partial), ignore_errors=True)
    with connect(partial) as con:
        register_campaign(con, CAMPAIGN, "Revocatoria de Carlos Canales (Miraflores) [benchmark, crawled]",
                          TOPICS, "America/Lima", False)
    from datetime import UTC, datetime
    start = datetime(2025, 11, 25, 5, tzinfo=UTC)
    timings = {"generate_s": 0.0, "insert_documents_s": 0.0, "write_scores_s": 0.0}
    chars = 0
    for offset in range(0, n_docs, batch):
        t = time.perf_counter()
        size = min(batch, n_docs - offset)
        docs, scores = synthetic_frames(size, offset, seed=offset + 1, start=start, days=365)
        rng = np.random.default_rng(offset + 7)
        news = docs["source_type"] == "news"
        docs.loc[news, "text"] = [article(rng, pool) for _ in range(int(news.sum()))]
        chars += int(docs["text"].str.len().sum())
        items = [{k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in row.items()}
                 for row in docs.drop(columns=["crawl_run_id", "extra"]).to_dict("records")]
        rows = scores.to_dict("records")
        for row in rows:
            row["topics"] = list(row["topics"])
            for key in ("target_score", "target_confidence"):
                if isinstance(row[key], float) and np.isnan(row[key]):
                    row[key] = None
        timings["generate_s"] += time.perf_counter() - t
        t = time.perf_counter()
        with connect(partial, publish_when="due") as con:  # WarehousePipeline.flush
            insert_documents(con, items)
        timings["insert_documents_s"] += time.perf_counter() - t
        t = time.perf_counter()
        with connect(partial, publish_when="due") as con:  # vigia score, one chunk
            con.execute("BEGIN TRANSACTION")
            write_scores(con, rows)
            con.execute("COMMIT")
        timings["write_scores_s"] += time.perf_counter() - t
        if (offset // batch) % 20 == 0:
            print(f"  {offset + size:,} documents written", file=sys.stderr, flush=True)
    with connect(partial) as con:
        con.execute("CHECKPOINT")
    partial.rename(path)
    shutil.rmtree(writer_folder(partial), ignore_errors=True)
    return {**{k: round(v, 1) for k, v in timings.items()}, "texts_from": origin,
            "mean_text_chars": round(chars / n_docs), "batch": batch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    path = REPO / "data" / "bench" / f"crawled-{args.docs}.duckdb"
    t = time.perf_counter()
    report = build(path, args.docs, args.batch)
    report["total_s"] = round(time.perf_counter() - t, 1)
    report["file_mb"] = round(path.stat().st_size / 1e6)
    print(json.dumps({"bench": "crawled_warehouse", "docs": args.docs, "warehouse": str(path.relative_to(REPO)), **report}))


if __name__ == "__main__":
    main()
