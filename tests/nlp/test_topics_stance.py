"""Topics that come from the campaign file alone, and the recall stance."""

import pytest

from nlp import DocText, load_scorer


def with_transport_topic(campaign):
    data = campaign.model_dump()
    data["topics"].append(
        {
            "name": "transport",
            "description_es": "transporte y tránsito: buses, congestión vehicular, ciclovías, avenidas",
            "description_en": "transport and traffic: buses, congestion, bike lanes, avenues",
            "keywords": ["tránsito", "tráfico", "buses", "ciclovía", "congestión", "traffic"],
        }
    )
    return type(campaign).model_validate(data)


@pytest.fixture
def scorer_for(use_tiny_encoder, tiny_heads):
    return lambda campaign: load_scorer("offline", campaign, heads_dir=tiny_heads)


def test_a_topic_added_to_the_campaign_file_is_scored_without_retraining(scorer_for, campaign):
    extended = with_transport_topic(campaign)
    scorer = scorer_for(extended)
    on, off = scorer.score(
        [
            DocText("t", None, "El tráfico en la Vía Expresa y la congestión de buses es insoportable; ¿y la ciclovía?"),
            DocText("s", None, "Nos robaron en el parque y el serenazgo no llegó."),
        ]
    )
    assert set(on.topic_probs) == {"security", "politics", "recall", "transport"}
    assert "transport" in on.topics and "transport" not in off.topics
    assert on.topic_probs["transport"] > off.topic_probs["transport"] + 0.3


def test_trained_topics_follow_their_vocabulary(scorer_for, campaign):
    sec, rec = scorer_for(campaign).score(
        [
            DocText("s", None, "Asaltos y robos en Miraflores: el serenazgo y la policía no se dan abasto."),
            DocText("r", None, "Los promotores de la revocatoria entregaron las firmas a la ONPE."),
        ]
    )
    assert "security" in sec.topics and "recall" not in sec.topics
    assert "recall" in rec.topics
    assert rec.topic_probs["recall"] > sec.topic_probs["recall"]


def test_stance_reads_the_campaign_keywords(scorer_for, campaign):
    pro, anti, none = scorer_for(campaign).score(
        [
            DocText("p", None, "Firma por la revocatoria, que se vaya Canales #RevocatoriaYa #FueraCanales"),
            DocText("a", None, "No a la revocatoria: es una guerra sucia y una campaña de demolición. #NoALaRevocatoria"),
            DocText("n", None, "El clima en Lima estará nublado el fin de semana."),
        ]
    )
    assert pro.stance == "pro_recall"
    assert anti.stance == "anti_recall"
    assert none.stance == "none"
    assert pro.stance_probs["pro_recall"] > anti.stance_probs["pro_recall"]
