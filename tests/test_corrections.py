"""An analyst's correction, end to end: made in the dashboard, kept through re-scoring, and
learnt by the retrained heads (real MiniLM, real training, real warehouse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import sample_seeds
from warehouse import connect
from warehouse.campaigns import register_campaign
from warehouse.documents import insert_documents

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# Short texts written for this test (not from any data set).
TEXTS = [
    "El alcalde Carlos Canales inauguró la nueva central de cámaras con inteligencia artificial en Miraflores.",
    "Vecinos de Miraflores recogen firmas para la revocatoria de Carlos Canales por la inseguridad en Larco.",
    "Carlos Canales dijo que la revocatoria es una campaña de demolición de sus adversarios políticos.",
    "La municipalidad de Miraflores informó que Carlos Canales presentará el plan de drones el lunes.",
    "Carlos Canales no ejecutó ni un sol de los 17,5 millones para seguridad, denuncian regidores.",
    "Comerciantes del Parque Kennedy agradecen a Carlos Canales por el nuevo patrullaje de serenazgo.",
]


def vigia(*args: str) -> subprocess.CompletedProcess:
    # `train` is a full retraining: ~3 min quiet, past 15 min when another training shares the 2 cores.
    result = subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True,
                            timeout=1800, env=dict(os.environ))
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def sql(db: Path, query: str) -> list[dict]:
    return json.loads(vigia("sql", "--db", str(db), "--format", "json", query).stdout)


def test_dashboard_correction_survives_rescoring_and_teaches_the_retrained_heads(tmp_path: Path, monkeypatch) -> None:
    db, heads = tmp_path / "w.duckdb", tmp_path / "heads"
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    with connect(db) as con:
        register_campaign(con, "miraflores-canales", "Revocatoria de Carlos Canales (Miraflores)",
                          ["security", "politics", "recall"], "America/Lima", False)
        insert_documents(con, [
            {"doc_id": f"c{i}", "campaign": "miraflores-canales", "source": "elcomercio", "source_type": "news",
             "platform": "elcomercio.pe", "url": f"https://elcomercio.pe/lima/c{i}-noticia/", "title": None,
             "text": text, "published_at": now - timedelta(days=i), "fetched_at": now, "lang": "es",
             "content_hash": f"c{i}"}
            for i, text in enumerate(TEXTS)
        ])
    vigia("score", "--db", str(db), "--profile", "offline", "--heads", str(REPO / "nlp" / "heads"))
    before = sql(db, "SELECT doc_id, stance, target_sentiment, model FROM mentions WHERE doc_id = 'c3'")[0]
    new_stance = "pro_recall" if before["stance"] != "pro_recall" else "anti_recall"
    new_target = "negative" if before["target_sentiment"] != "negative" else "positive"

    monkeypatch.setenv("VIGIA_DB", str(db))
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.query_params["tab"] = "texts"  # the text list, where a text is read and corrected
    app.run()
    app.selectbox(key="doc").set_value("c3").run()
    app.text_input(key="correction_analyst").input("rosa")
    app.selectbox(key="correct_stance").select(new_stance)
    app.selectbox(key="correct_target").select(new_target)
    next(b for b in app.get("form_submit_button") if b.label == "Save correction").click().run()
    assert not app.exception and any("Saved 2 correction" in s.value for s in app.success)

    # Every third seed is enough to show the correction is learnt, at a third of the training time;
    # without ../shared/data (an empty folder) the training embeds no thousands of shared tweets,
    # as on a machine without that data: 27 minutes on a loaded machine before, the test's cost.
    seeds = sample_seeds(tmp_path / "seeds", 3)
    no_shared = tmp_path / "no-shared-data"
    no_shared.mkdir()
    trained = json.loads(vigia("train", "--db", str(db), "--out", str(heads), "--seeds", str(seeds),
                               "--shared-data", str(no_shared)).stdout.splitlines()[-1])
    assert trained["corrections"] == 2 and trained["seeds"] < 600
    rescored = vigia("score", "--db", str(db), "--profile", "offline", "--rescore", "--heads", str(heads))
    assert f"scoring {len(TEXTS)} documents" in rescored.stderr

    after = sql(db, "SELECT stance, target_sentiment, corrected, model FROM mentions WHERE doc_id = 'c3'")[0]
    assert (after["stance"], after["target_sentiment"], after["corrected"]) == (new_stance, new_target, True)
    assert after["model"] != before["model"]
    history = sql(db, "SELECT model_set, stance, target_sentiment FROM score_history WHERE doc_id = 'c3' ORDER BY scored_at")
    assert [h["model_set"] for h in history] == [before["model"], after["model"]]
    # the retrained model itself now says what the analyst said
    assert (history[-1]["stance"], history[-1]["target_sentiment"]) == (new_stance, new_target)
    assert sql(db, "SELECT count(DISTINCT model_set) AS n FROM score_history")[0]["n"] == 2
