"""A small warehouse with a story the analyst's reads must tell (written for these tests).

40 days (2026-09-01 .. 2026-10-10, noon in Lima). Every day: 4 news texts on the serenazgo from
two outlets and 2 posts on the budget. On 2026-10-05 a scandal: 30 posts about stolen cameras
("cámaras robadas"), 24 of them by @denunciante, negative toward the mayor, tagged security.
Actor scores: Lucía Carranza is named in every budget post.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from warehouse import connect
from warehouse.campaigns import register_campaign
from warehouse.documents import insert_documents
from warehouse.scores import write_scores

CAMPAIGN = "miraflores-canales"
FIRST = date(2026, 9, 1)
LAST = date(2026, 10, 10)
SPIKE = date(2026, 10, 5)

NEWS = ["El serenazgo patrulla el parque Kennedy de Miraflores.",
        "Más serenazgo en Larco, anunció el alcalde Carlos Canales."]
BUDGET = "La regidora Lucía Carranza critica el presupuesto municipal."
SCANDAL = "Escándalo: denuncian cámaras robadas del malecón, el alcalde calla."


def _doc(i: int, day: date, platform: str, text: str, author: str) -> dict:
    social = platform in ("x", "reddit")
    noon_lima = datetime(day.year, day.month, day.day, 17, tzinfo=UTC) + timedelta(minutes=i % 50)
    return {
        "doc_id": f"a{i:05d}", "campaign": CAMPAIGN, "source": platform if social else "elcomercio",
        "source_type": "social" if social else "news", "platform": platform, "url": f"https://example.pe/{i}",
        "title": None if social else "Titular", "text": text, "author": author, "published_at": noon_lima,
        "fetched_at": noon_lima + timedelta(hours=1), "lang": "es", "content_hash": f"h{i}",
    }


def _score(doc: dict, sentiment: str, target: str | None, topics: list[str], stance: str,
           actors: dict | None = None) -> dict:
    p = {"negative": (0.7, 0.2, 0.1), "neutral": (0.2, 0.6, 0.2), "positive": (0.1, 0.2, 0.7)}[sentiment]
    return {
        "doc_id": doc["doc_id"], "model_set": "test:model", "scored_at": datetime.now(UTC),
        "sentiment": sentiment, "p_negative": p[0], "p_neutral": p[1], "p_positive": p[2],
        "sentiment_score": p[2] - p[0], "target_sentiment": target, "target_score": p[2] - p[0] if target else None,
        "target_confidence": 0.8 if target else None, "target_passages": 1 if target else 0,
        "target_match": "name" if target else None, "topics": topics, "topic_probs": {"security": 0.5},
        "stance": stance, "stance_probs": {"none": 0.5}, "actors": actors or {},
    }


def build(path: Path) -> Path:
    docs, scores = [], []
    i = 0
    day = FIRST
    while day <= LAST:
        for k in range(4):
            doc = _doc(i, day, "elcomercio.pe" if k % 2 else "rpp.pe", NEWS[k % 2], "Redacción")
            docs.append(doc)
            scores.append(_score(doc, "neutral", "neutral" if k % 2 else None, ["security"], "none"))
            i += 1
        for k in range(2):
            doc = _doc(i, day, "reddit", BUDGET + f" ({day} #{k})", f"vecino{k}")
            docs.append(doc)
            scores.append(_score(doc, "negative", None, ["politics"], "pro_recall",
                                 {"lucia_carranza": {"sentiment": "negative", "score": -0.6, "confidence": 0.9,
                                                     "match": "name"}}))
            i += 1
        if day == SPIKE:
            for k in range(30):
                doc = _doc(i, day, "x", SCANDAL + f" {k}", "@denunciante" if k < 24 else f"@otro{k}")
                docs.append(doc)
                scores.append(_score(doc, "negative", "negative", ["security"], "pro_recall"))
                i += 1
        day += timedelta(days=1)
    with connect(path) as con:
        register_campaign(con, CAMPAIGN, "Revocatoria de Carlos Canales (Miraflores)",
                          ["security", "politics", "recall"], "America/Lima", False)
        insert_documents(con, docs)
        write_scores(con, scores)
    return path
