"""Shared fixtures: real warehouses in temporary folders, and where ../shared lives."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warehouse import connect
from warehouse.campaigns import register_campaign
from warehouse.documents import insert_documents
from warehouse.scores import write_scores

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_or_skip(name: str = "umsab-es") -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the labelled data set lives in ../shared beside the checkout")
    return path


def synthetic_documents(n: int, campaign: str = "miraflores-canales", seed: int = 1) -> list[dict]:
    """Documents shaped like the crawler's, spread over 30 days (not real texts)."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, 15, tzinfo=UTC)
    docs = []
    for i in range(n):
        published = start + timedelta(days=i % 30, hours=rng.randint(0, 8))
        social = i % 3 == 0
        docs.append({
            "doc_id": f"doc{i:04d}",
            "campaign": campaign,
            "source": "reddit_peru" if social else "elcomercio",
            "source_type": "social" if social else "news",
            "platform": "reddit" if social else "elcomercio.pe",
            "url": f"https://example.pe/{i}",
            "title": None if social else f"Titular {i} sobre Carlos Canales",
            "text": f"Texto {i} que menciona a Carlos Canales y la seguridad en Miraflores.",
            "author": "Autor",
            "published_at": published,
            "fetched_at": start + timedelta(days=31),
            "lang": "es",
            "content_hash": f"h{i}",
        })
    return docs


def sample_seeds(out: Path, step: int) -> Path:
    """Every ``step``-th line of each bundled seed file, written to ``out``: enough for retraining
    tests that check behaviour, not quality, at a fraction of the training time."""
    from nlp.training import SEEDS_DIR

    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(SEEDS_DIR.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()[::step]
        (out / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def synthetic_scores(doc_ids: list[str], model_set: str = "test:model-a", seed: int = 2) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for doc_id in doc_ids:
        p = [rng.random() for _ in range(3)]
        total = sum(p)
        neg, neu, pos = (x / total for x in p)
        label = ["negative", "neutral", "positive"][max(range(3), key=lambda k: (neg, neu, pos)[k])]
        rows.append({
            "doc_id": doc_id, "model_set": model_set, "scored_at": datetime.now(UTC),
            "sentiment": label, "p_negative": neg, "p_neutral": neu, "p_positive": pos,
            "sentiment_score": pos - neg, "target_sentiment": label, "target_score": pos - neg,
            "target_confidence": 0.8, "target_passages": 1, "target_match": rng.choice(["name", "office", "implicit"]),
            "topics": rng.sample(["security", "politics", "recall"], rng.randint(0, 2)),
            "topic_probs": {"security": 0.5}, "stance": rng.choice(["pro_recall", "anti_recall", "none"]),
            "stance_probs": {"none": 0.5},
        })
    return rows


@pytest.fixture(scope="session", autouse=True)
def _built_models_in_a_temporary_cache(tmp_path_factory):
    """The int8 encoders the tests build (tiny random models, a new one per session) go to a
    temporary cache, not the user's (``nlp.int8.cache_dir``); subprocesses inherit it."""
    import os

    before = os.environ.get("VIGIA_CACHE_DIR")
    os.environ["VIGIA_CACHE_DIR"] = str(tmp_path_factory.mktemp("vigia-cache"))
    yield
    if before is None:
        os.environ.pop("VIGIA_CACHE_DIR", None)
    else:
        os.environ["VIGIA_CACHE_DIR"] = before


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    """A warehouse with 90 synthetic documents, 60 of them scored, sample campaign flagged."""
    path = tmp_path / "vigia.duckdb"
    docs = synthetic_documents(90)
    with connect(path) as con:
        register_campaign(con, "miraflores-canales", "Revocatoria de Carlos Canales (Miraflores)",
                          ["security", "politics", "recall"], "America/Lima", True)
        insert_documents(con, docs)
        write_scores(con, synthetic_scores([d["doc_id"] for d in docs[:60]]))
    return path


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for this test session (tests/pg.py); skipped, saying why,
    only where PostgreSQL cannot be found."""
    from tests import pg

    try:
        server = pg.Server()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"shared-mode tests need PostgreSQL: {exc}")
    yield server
    server.close()


_databases = iter(range(1, 1_000_000))


@pytest.fixture(params=["embedded", "shared"])
def warehouse_target(request, tmp_path: Path, monkeypatch):
    """The warehouse contract's two engines: a DuckDB file, or a fresh PostgreSQL database (whose
    read copy for this host lives in ``tmp_path``). Reads sync at once (no freshness delay)."""
    monkeypatch.setenv("VIGIA_SYNC_SECONDS", "0")
    if request.param == "embedded":
        return tmp_path / "vigia.duckdb"
    server = request.getfixturevalue("postgres")
    monkeypatch.setenv("VIGIA_READ_COPY", str(tmp_path / "read-copy.duckdb"))
    return server.create_database(f"t{os.getpid()}_{next(_databases)}")
