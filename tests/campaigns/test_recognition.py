"""One recogniser for crawler and scorer: names, handles, leaders, acronyms and compound hashtags."""

import pytest

from campaigns import Actor, load_campaign
from campaigns.recognition import NameFinder, TargetRecognizer, fold
from crawler.mentions import TargetMatcher as CrawlerMatcher
from nlp.passages import TargetMatcher as ScorerMatcher

PP = Actor(id="pp", name="Partido Popular", acronyms=["PP"], handles=["@PPopular"], leaders=["Rajoy"])
PSOE = Actor(
    id="psoe", name="Partido Socialista Obrero Español", acronyms=["PSOE"], handles=["@PSOE"], leaders=["Pedro Sánchez"]
)


def test_fold_keeps_positions():
    text = "Cárlos ﬁnal İstanbul"
    assert len(fold(text)) == len(text)
    assert fold("Policía ÑANDÚ") == "policia nandu"


@pytest.mark.parametrize(
    ("text", "pp", "psoe"),
    [
        ("El #PPSOE nos ha robado", True, True),
        ("Rajoy miente otra vez", True, False),
        ("Gracias @PPopular y @PSOE por nada", True, True),
        ("el pp y el psoe, lo mismo", True, True),
        ("Qué #HAPPY estoy hoy", False, False),
        ("Votaré a Pedro  Sánchez", False, True),
        ("Las apps de hoy", False, False),
    ],
)
def test_party_names_acronyms_and_compounds(text, pp, psoe):
    assert NameFinder.for_actor(PP).search(text) is pp
    assert NameFinder.for_actor(PSOE).search(text) is psoe


def test_spans_point_into_the_original_text():
    text = "Ayer Rajoy habló; #PPSOE responde"
    spans = NameFinder.for_actor(PP).spans(text)
    assert [text[s:e] for s, e in spans] == ["Rajoy", "#PPSOE"]


def test_crawler_and_scorer_share_the_recogniser():
    campaign = load_campaign()
    crawler = CrawlerMatcher.for_campaign(campaign)
    scorer = ScorerMatcher.for_campaign(campaign)
    assert isinstance(scorer, TargetRecognizer)
    for text in ("Carlos Canales responde", "#CarlosCanales", "@carloscanalesa dice", "canales de televisión"):
        assert crawler.names_target(text) == scorer.finder.search(text)


def test_nicknames_and_hashtags_from_the_campaign_file():
    campaign = load_campaign()
    target = campaign.target.model_copy(update={"nicknames": ["el Chato"], "hashtags": ["#CanalesMiraflores"]})
    finder = NameFinder.for_actor(target)
    assert finder.search("Otra vez el Chato con sus drones")
    assert finder.search("#CanalesMiraflores hoy")
    assert not finder.search("chatos de cerveza")
