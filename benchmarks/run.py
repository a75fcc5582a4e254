"""Vigia benchmarks: warehouse writes and views, scoring throughput, a full sample crawl,
and readers during a crawl (a long session on the snapshot, `vigia sql`-style reads).

    .venv/bin/python benchmarks/run.py [--only warehouse|scoring|scoring_memory|profile|crawl|readers] [--docs N]

Prints one JSON object per measurement and a summary table; results go in benchmarks/README.md.
Each measurement runs in its own process so peak memory (VmHWM) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    """This process's own peak resident memory. Linux's ru_maxrss in a child started by
    subprocess also counts the parent's peak (exec records the vforked memory it replaces),
    so VmHWM, which belongs to this process's memory alone, is read where there is one."""
    try:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_warehouse(n_docs: int) -> dict:
    from tests.conftest import synthetic_documents, synthetic_scores
    from warehouse import connect
    from warehouse.campaigns import register_campaign
    from warehouse.documents import insert_documents
    from warehouse.scores import write_scores

    docs = synthetic_documents(n_docs)
    for i, doc in enumerate(docs):
        doc["text"] = doc["text"] * 20  # news-length bodies (~1.4 KB)
        doc["doc_id"] = f"d{i:07d}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with connect(path) as con:
            register_campaign(con, "miraflores-canales", "bench", ["security", "politics", "recall"], "America/Lima", False)
        started = time.perf_counter()
        for i in range(0, n_docs, 500):  # the crawler flushes in batches of this order
            with connect(path, publish_when="due") as con:  # and publishes at most every 30 s
                insert_documents(con, docs[i : i + 500])
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        with connect(path):  # what the last batches wrote, published: one sync of the read copy
            pass
        publish_s = time.perf_counter() - started
        started = time.perf_counter()
        with connect(path) as con:
            insert_documents(con, docs)  # a full re-crawl: nothing new
        recrawl_s = time.perf_counter() - started
        scores = synthetic_scores([d["doc_id"] for d in docs])
        started = time.perf_counter()
        with connect(path) as con:
            write_scores(con, scores)
        score_s = time.perf_counter() - started
        timings = {}
        with connect(path, read_only=True) as con:
            for name, query in {
                "mentions_count": "SELECT count(*) FROM mentions",
                "daily_trends_all": "SELECT * FROM daily_trends",
                "dashboard_load": "SELECT doc_id, platform, published_at, sentiment_score, topics, stance FROM mentions",
            }.items():
                started = time.perf_counter()
                con.execute(query).fetchall()
                timings[name] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        with connect(path, read_only=True):
            pass
        open_s = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
    return {
        "bench": "warehouse", "docs": n_docs,
        "insert_docs_per_s": round(n_docs / insert_s), "recrawl_s": round(recrawl_s, 2),
        "write_scores_per_s": round(n_docs / score_s), "query_s": timings,
        "open_read_only_s": round(open_s, 3), "publish_snapshot_s": round(publish_s, 3), "file_mb": round(size_mb, 1), "peak_rss_mb": round(peak_rss_mb()),
    }


def sample_texts(n_tweets: int, n_articles: int) -> tuple[list, list]:
    """Distinct tweet-length posts and news articles from the demo's sample corpus (hand-written
    for this project, in the repository): realistic lengths, no sentence repeated on purpose."""
    from nlp import DocText
    from samples.news.corpus import corpus as news_corpus
    from samples.social import corpus as social_corpus

    posts = list(dict.fromkeys(p.text for p in social_corpus()))
    articles = [a for a in news_corpus() if a.duplicate_of is None]
    tweets = [DocText(f"t{i}", None, posts[i % len(posts)], "es") for i in range(n_tweets)]
    news = [DocText(f"a{i}", a.title, a.text, a.lang) for i, a in enumerate(articles[i % len(articles)] for i in range(n_articles))]
    return tweets, news


def legacy_embed(encoder, texts, batch_size: int = 64, max_length: int = 256):
    """The encoder as it was before issue 8: every text whole, once per occurrence, no reuse."""
    vectors, _ = encoder._embed_spans([t if (t or "").strip() else "-" for t in texts], batch_size, max_length, None)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def bench_scoring(n_docs: int, rounds: int = 3) -> dict:
    """Scorers and reference encoder passes side by side in one process on the same texts,
    interleaved over ``rounds`` rounds; each figure is the median (the machine is shared)."""
    import statistics

    import torch

    from campaigns import load_campaign
    from nlp.documents import doc_input
    from nlp.encoder import get_encoder
    from nlp.linear_heads import resolve_heads_dir
    from nlp.offline import OfflineScorer

    campaign = load_campaign()
    heads = resolve_heads_dir()
    load_s = {}
    scorers = {}
    for precision in ("fp32", "int8"):
        started = time.perf_counter()
        os.environ["VIGIA_ENCODER_PRECISION"] = precision
        scorers[precision] = OfflineScorer(campaign, heads, None)
        load_s[precision] = round(time.perf_counter() - started, 1)
    os.environ.pop("VIGIA_ENCODER_PRECISION")
    fp32, int8 = get_encoder(precision="fp32"), get_encoder(precision="int8")
    tweets, articles = sample_texts(n_docs, max(n_docs // 3, 32))
    tweet_texts = [doc_input(d.title, d.text) for d in tweets]
    article_texts = [doc_input(d.title, d.text) for d in articles]

    class Legacy:  # the scorer as it was: fp32, every text embedded whole, nothing reused
        def __init__(self, scorer):
            self.scorer = scorer

        def score(self, docs):
            enc = self.scorer.encoder
            enc.embed = lambda texts, **kw: legacy_embed(enc, texts, **kw)  # shadows the method
            try:
                return self.scorer.score(docs)
            finally:
                del enc.embed

    runs = {
        "scorer_before": lambda docs, texts: Legacy(scorers["fp32"]).score(docs),
        "scorer_fp32": lambda docs, texts: scorers["fp32"].score(docs),
        "scorer_int8": lambda docs, texts: scorers["int8"].score(docs),
        "encoder_fp32_batched": lambda docs, texts: legacy_embed(fp32, texts),
        "encoder_int8": lambda docs, texts: legacy_embed(int8, texts),  # ONNX Runtime, each span alone
        "encoder_fp32_one_at_a_time": lambda docs, texts: [legacy_embed(fp32, [t]) for t in texts],
    }
    timings: dict[str, list[float]] = {}
    calls: dict[str, tuple[int, int]] = {}
    for kind, docs, texts in (("tweet", tweets, tweet_texts), ("article", articles, article_texts)):
        for fn in runs.values():  # warm-up
            fn(docs[:8], texts[:8])
        for _ in range(rounds):
            for name, fn in runs.items():
                if kind == "article" and name == "encoder_fp32_one_at_a_time":
                    continue
                enc = int8 if "int8" in name else fp32
                before = (enc.model_calls, enc.model_tokens)
                started = time.perf_counter()
                fn(docs, texts)
                timings.setdefault(f"{kind}:{name}", []).append(len(docs) / (time.perf_counter() - started))
                calls[f"{kind}:{name}"] = (enc.model_calls - before[0], enc.model_tokens - before[1])
    speed = {k: round(statistics.median(v), 1) for k, v in timings.items()}
    spans = {k: {"spans_per_doc": round(c / len(tweets if k.startswith("tweet") else articles), 1),
                 "tokens_per_doc": round(t / len(tweets if k.startswith("tweet") else articles))}
             for k, (c, t) in calls.items()}
    ratios = {}
    for kind in ("tweet", "article"):
        ref = speed[f"{kind}:encoder_fp32_batched"]
        for name in ("scorer_before", "scorer_fp32", "scorer_int8", "encoder_int8"):
            ratios[f"{kind}:{name}_vs_fp32_batched"] = round(speed[f"{kind}:{name}"] / ref, 2)
    ratios["tweet:scorer_int8_vs_one_at_a_time"] = round(
        speed["tweet:scorer_int8"] / speed["tweet:encoder_fp32_one_at_a_time"], 2)
    return {
        "bench": "scoring", "profile": "offline", "tweets": len(tweets), "articles": len(articles),
        "rounds": rounds, "threads": torch.get_num_threads(),
        "model_sets": {p: s.model_set for p, s in scorers.items()}, "load_s": load_s,
        "docs_per_s": speed, "ratios": ratios, "encoder_work": spans, "peak_rss_mb": round(peak_rss_mb()),
    }


def bench_scoring_memory(n_docs: int) -> dict:
    """The default scorer alone (what `vigia score` loads): its load time and peak memory."""
    from campaigns import load_campaign
    from nlp import load_scorer

    started = time.perf_counter()
    scorer = load_scorer("offline", load_campaign())
    load_s = time.perf_counter() - started
    tweets, articles = sample_texts(n_docs, max(n_docs // 3, 32))
    started = time.perf_counter()
    scorer.score(tweets + articles)
    return {"bench": "scoring_memory", "model_set": scorer.model_set, "load_s": round(load_s, 1),
            "docs": len(tweets) + len(articles), "score_s": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(peak_rss_mb())}


def profile_articles(n_docs: int) -> dict:
    """Where an article's scoring time goes, before (fp32, every text whole) and now (default
    precision, each span once): cProfile's cumulative seconds for the main stages."""
    import cProfile
    import pstats

    from campaigns import load_campaign
    from nlp.linear_heads import resolve_heads_dir
    from nlp.offline import OfflineScorer

    campaign = load_campaign()
    _, articles = sample_texts(0, n_docs)
    stages = {  # (file suffix, function name) -> stage
        ("nlp/encoder.py", "_embed_spans"): "encoder (model + tokenizer)",
        ("tokenization_utils_base.py", "__call__"): "tokenizer",
        ("nlp/passages.py", "passages"): "finding passages",
        ("nlp/features.py", "sparse_features"): "hashed n-grams",
        ("nlp/features.py", "lexicon_matrix"): "lexicon",
        ("nlp/features.py", "cue_matrix"): "judgement cues",
        ("nlp/offline.py", "topic_zs"): "topic zero-shot features",
        ("nlp/offline.py", "stance_zs"): "stance features",
        ("nlp/offline.py", "_targets"): "target heads (incl. passage features)",
    }
    result: dict = {"bench": "profile_articles", "articles": len(articles)}
    for label, precision, legacy in (("before_fp32_whole", "fp32", True), ("now_default", None, False)):
        if precision:
            os.environ["VIGIA_ENCODER_PRECISION"] = precision
        scorer = OfflineScorer(campaign, resolve_heads_dir(), None)
        os.environ.pop("VIGIA_ENCODER_PRECISION", None)
        enc = scorer.encoder
        if legacy:
            enc.embed = lambda texts, enc=enc, **kw: legacy_embed(enc, texts, **kw)
        scorer.score(articles[:4])
        calls, tokens = enc.model_calls, enc.model_tokens
        prof = cProfile.Profile()
        started = time.perf_counter()
        prof.enable()
        scorer.score(articles)
        prof.disable()
        total = time.perf_counter() - started
        if legacy:
            del enc.embed
        stats = pstats.Stats(prof).stats
        shares = {}
        for (file, _, func), (_, _, _, cum, _) in stats.items():
            for (suffix, name), stage in stages.items():
                if func == name and file.endswith(suffix):
                    shares[stage] = shares.get(stage, 0.0) + cum
        result[label] = {
            "model_set": scorer.model_set, "total_s": round(total, 2),
            "spans_per_article": round((enc.model_calls - calls) / len(articles), 1),
            "tokens_per_article": round((enc.model_tokens - tokens) / len(articles)),
            "share": {k: round(v / total, 3) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])},
        }
    return result


def bench_crawl() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        timings = {}
        for attempt in ("first", "second"):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "cli", "demo", "--no-dashboard", "--db", str(db)],
                cwd=REPO, env=env, capture_output=True, text=True,
            )
            timings[attempt] = round(time.perf_counter() - started, 1)
            if proc.returncode != 0:
                return {"bench": "crawl", "error": proc.stderr.strip().splitlines()[-1:]}
        out = subprocess.run(
            [sys.executable, "-m", "cli", "sql", "--db", str(db), "--format", "json",
             "SELECT count(*) AS mentions, count(DISTINCT platform) AS platforms FROM mentions"],
            cwd=REPO, capture_output=True, text=True,
        )
        counts = json.loads(out.stdout)[0]
    return {"bench": "crawl", "demo_first_run_s": timings["first"], "demo_second_run_s": timings["second"], **counts}


def bench_readers() -> dict:
    """`vigia demo` on a fresh warehouse, clean; then again while an analyst's read-only session
    holds the snapshot for the whole run and a `vigia sql`-style read runs every 0.25 s."""
    import statistics

    from tests.warehouse.holders import hold, release
    from warehouse import connect
    from warehouse.console import run_query

    def demo(db: Path) -> subprocess.Popen:
        log = open(db.with_suffix(".log"), "w+")  # noqa: SIM115 - a file, not a pipe: a full pipe blocks the demo
        return subprocess.Popen([sys.executable, "-m", "cli", "demo", "--no-dashboard", "--db", str(db)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=log, text=True)

    def last_line(db: Path) -> list[str]:
        return db.with_suffix(".log").read_text().strip().splitlines()[-1:]

    def documents(db: Path) -> int:
        return run_query(db, "SELECT count(*) FROM documents")[1][0][0]

    with tempfile.TemporaryDirectory() as tmp:
        clean_db, held_db = Path(tmp) / "clean.duckdb", Path(tmp) / "held.duckdb"
        clean = demo(clean_db)
        clean.wait()
        if clean.returncode != 0:
            return {"bench": "readers", "error": last_line(clean_db)}
        with connect(held_db):  # the snapshot exists before the analyst opens it
            pass
        holder, _ = hold(held_db, "read", "SELECT count(*) FROM documents")
        held_since = time.perf_counter()
        run = demo(held_db)
        waits, failures = [], 0
        while run.poll() is None:
            started = time.perf_counter()
            try:
                run_query(held_db, "SELECT count(*) AS n, max(fetched_at) FROM mentions")
            except Exception:  # counted: a read that failed is what this measures
                failures += 1
            waits.append(time.perf_counter() - started)
            time.sleep(0.25)
        held_s = time.perf_counter() - held_since
        release(holder)
        if run.returncode != 0:
            return {"bench": "readers", "error": last_line(held_db)}
        clean_n, held_n = documents(clean_db), documents(held_db)
    return {
        "bench": "readers", "clean_run_documents": clean_n, "held_run_documents": held_n,
        "documents_lost": clean_n - held_n, "long_reader_held_s": round(held_s, 1),
        "reads": len(waits), "read_failures": failures,
        "read_wait_p50_s": round(statistics.median(waits), 3) if waits else None,
        "read_wait_max_s": round(max(waits), 3) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["warehouse", "scoring", "scoring_memory", "profile", "crawl", "readers"])
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fn = {"warehouse": lambda: bench_warehouse(args.docs or 50_000),
              "scoring": lambda: bench_scoring(args.docs or 256),
              "scoring_memory": lambda: bench_scoring_memory(args.docs or 256),
              "profile": lambda: profile_articles(args.docs or 48),
              "crawl": bench_crawl, "readers": bench_readers}[args.child]
        print(json.dumps(fn()))
        return
    for name in [args.only] if args.only else ["warehouse", "scoring", "scoring_memory", "profile", "crawl", "readers"]:
        cmd = [sys.executable, __file__, "--child", name] + (["--docs", str(args.docs)] if args.docs else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else json.dumps(
            {"bench": name, "error": proc.stderr.strip().splitlines()[-1:] if proc.stderr else "no output"})
        print(line, flush=True)


if __name__ == "__main__":
    main()
