"""Real labelled Spanish text from ../shared/data (never copied here): cheap checks run always,
the bundled-heads checks on the real MiniLM are marked slow. Each skips when its data is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaigns import load_campaign
from campaigns.recognition import NameFinder

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
PARTIES = REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml"
CATALONIA = REPO / "nlp" / "eval_campaigns" / "catalonia_independence.toml"


def _rows(name: str) -> list[dict]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the real labelled sets live in ../shared/data beside the checkout")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_the_parties_campaign_finds_the_party_in_real_tweets():
    rows = _rows("stompol/train.jsonl")
    campaign = load_campaign(PARTIES)
    finders = {a.id: NameFinder.for_actor(a) for a in campaign.actors}
    found = [bool(finders[campaign.actor(r["target"]).id].spans(r["text"])) for r in rows]
    # Names, handles, leaders, hashtags of a name or acronym ("#PP") and compound hashtags and
    # handles ("#PPSOE", "@PPAntequera") find the party in >= 93% of the spans (94.2% measured).
    assert sum(found) / len(found) >= 0.93


def test_every_real_label_is_in_its_task_label_set(tmp_path):
    rows = _rows("cic-es/val.jsonl")[:200]
    path = tmp_path / "cic.jsonl"
    path.write_text("\n".join(json.dumps({"text": r["text"], "stance": r["stance"]}) for r in rows), encoding="utf-8")
    from nlp.evaluation import _examples

    _, gold, _, _ = _examples("stance", path, "test", load_campaign(CATALONIA))
    assert set(gold) <= {"pro_recall", "anti_recall", "none"} and len(gold) == 200


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "known defect, open in issue 8: the window head trained on STOMPOL + seeds still reads these "
    "two texts' targets wrong (nlp/EVALUATION.md, 'Known cases'); strict, so it fails once they come out right"))
def test_known_bad_target_cases_come_out_right(monkeypatch):
    monkeypatch.delenv("VIGIA_ENCODER_PATH", raising=False)
    monkeypatch.delenv("VIGIA_HEADS_DIR", raising=False)
    from nlp import DocText, load_scorer

    scorer = load_scorer("offline", load_campaign())
    (worst,) = scorer.score([DocText("a", None, "Canales es el peor alcalde que ha tenido Miraflores, ojalá lo saquen pronto")])
    assert worst.target_sentiment == "negative"
    parties = load_scorer("offline", load_campaign(PARTIES))
    (mixed,) = parties.score([DocText("c", None, "Gran mitin de Podemos, ilusión y propuestas. El PP, corrupto como siempre.")])
    assert mixed.actors["podemos"].sentiment == "positive" and mixed.actors["partido_popular"].sentiment == "negative"


@pytest.mark.slow
def test_generic_frames_of_the_recall_take_their_side(monkeypatch):
    # The known stance case: calling the recall a manoeuvre or a smear defends the mayor;
    # "que lo boten" asks for his removal (nlp/stance.py GENERIC_ANTI / GENERIC_PRO). A text that
    # only reports the recall takes no side.
    monkeypatch.delenv("VIGIA_ENCODER_PATH", raising=False)
    monkeypatch.delenv("VIGIA_HEADS_DIR", raising=False)
    from nlp import DocText, load_scorer

    scorer = load_scorer("offline", load_campaign())
    texts = ["La revocatoria contra Canales es una maniobra de la oposición",
             "La revocatoria es una campaña sucia de sus rivales políticos",
             "Que lo boten ya a Canales",
             "El JNE entregó el kit de revocatoria a los promotores"]
    scores = scorer.score([DocText(str(i), None, t) for i, t in enumerate(texts)])
    assert [s.stance for s in scores] == ["anti_recall", "anti_recall", "pro_recall", "none"]


# The learning curve (300 STOMPOL labels learnt, 200 scored; macro-F1 above 0.40) is a
# measurement, not a unit test: benchmarks/learning.py (`make bench-learning`).
