"""The bundled heads on the real all-MiniLM-L6-v2: the numbers nlp/EVALUATION.md reports.

Slow (they load the real encoder and score hundreds of texts); run with ``-m slow``.
"""

from pathlib import Path

import pytest

from nlp import DocText, load_scorer
from nlp.evaluation import evaluate

REPO = Path(__file__).resolve().parents[2]
UMSAB = REPO.parent / "shared" / "data" / "umsab-es"
DOMAIN = REPO / "tests" / "data" / "domain_eval.jsonl"
HOLDOUT = REPO / "tests" / "data" / "domain_holdout.jsonl"  # a second author, guidelines only

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def real_encoder(monkeypatch):
    monkeypatch.delenv("VIGIA_ENCODER_PATH", raising=False)
    monkeypatch.delenv("VIGIA_HEADS_DIR", raising=False)


def test_umsab_test_split_macro_f1(campaign):
    if not UMSAB.exists():
        pytest.skip(f"{UMSAB} is absent: the UMSAB-es split lives in ../shared/data beside the checkout")
    result = evaluate("sentiment", UMSAB, "offline", campaign, split="test")
    assert result["n"] == 870
    assert result["macro_f1"] >= 0.60


# The issue's goals; the bundled heads' figures are in nlp/EVALUATION.md.
@pytest.mark.parametrize("data", [DOMAIN, HOLDOUT], ids=["eval", "holdout"])
@pytest.mark.parametrize(("task", "floor"), [("target_sentiment", 0.70), ("topics", 0.80), ("stance", 0.70)])
def test_domain_sets_meet_the_goals(campaign, data, task, floor):
    result = evaluate(task, data, "offline", campaign)
    assert result["n"] >= 130
    assert result["macro_f1"] >= floor


def test_obvious_texts_get_obvious_scores(campaign):
    scorer = load_scorer("offline", campaign)
    fan, critic, report = scorer.score(
        [
            DocText("f", None, "Gracias alcalde Carlos Canales, excelente trabajo, Miraflores está más seguro que nunca 👏"),
            DocText("c", None, "Carlos Canales es un inútil y un mentiroso. Firmé por la revocatoria. #FueraCanales"),
            DocText("r", "Canales se reúne con la PNP", "El alcalde Carlos Canales se reunió con el comisario para coordinar patrullajes."),
        ]
    )
    assert fan.target_sentiment == "positive" and fan.sentiment == "positive"
    assert critic.target_sentiment == "negative" and critic.stance == "pro_recall"
    assert "recall" in critic.topics and "security" in report.topics
    assert report.target_sentiment == "neutral"
