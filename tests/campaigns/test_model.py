"""The campaign file: loads, validates with field names, and maps onto the sample server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from campaigns import DEFAULT_CAMPAIGN, CampaignError, from_local, load_campaign, to_local
from crawler.catalog import check_spiders, required_credentials

REPO = Path(__file__).resolve().parents[2]


def test_bundled_campaign_loads_with_its_target_topics_and_sources() -> None:
    campaign = load_campaign()
    assert campaign.target.name == "Carlos Canales"
    assert campaign.topic_names == ["security", "politics", "recall"]
    outlets = {s.platform for s in campaign.sources if s.spider == "news_feeds"}
    assert {"elcomercio.pe", "larepublica.pe", "rpp.pe", "infobae.com", "andina.pe", "peru21.pe"} <= outlets
    assert {"reddit", "bluesky", "mastodon", "youtube", "x"} <= set(campaign.spiders)


def test_a_copied_campaign_whose_figures_csv_is_missing_fails_with_the_field(tmp_path: Path) -> None:
    # copied elsewhere, the bundled file's relative [figures] path points nowhere
    copy = tmp_path / "other_mayor.toml"
    copy.write_text(DEFAULT_CAMPAIGN.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CampaignError, match=r"other_mayor\.toml: field 'figures\.path': no file .*miraflores_figures\.sample\.csv"):
        check_spiders(load_campaign(copy))  # what every vigia command and spider loads a campaign with
    (tmp_path / "miraflores_figures.sample.csv").write_bytes(
        (DEFAULT_CAMPAIGN.parent / "miraflores_figures.sample.csv").read_bytes())
    assert check_spiders(load_campaign(copy)).figures_path == tmp_path / "miraflores_figures.sample.csv"


def test_list_positions_in_field_errors_count_from_one(tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('"https://rpp.pe/feed"', '"rpp.pe/feed"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    rpp = 1 + [s.name for s in load_campaign().sources].index("rpp")
    with pytest.raises(CampaignError, match=rf"field 'sources\.{rpp}\.urls': .*'rpp\.pe/feed' is not an http"):
        load_campaign(bad)


def test_wrong_field_names_the_field_and_the_reason(tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('timezone = "America/Lima"', 'timezone = "Lima/Peru"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match=r"field 'timezone': .*not an IANA time zone"):
        load_campaign(bad)


def test_unknown_spider_and_bad_url_are_refused(tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('spider = "news_search"', 'spider = "telegram"', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    position = 1 + [s for s in load_campaign().sources].index(
        next(s for s in load_campaign().sources if s.spider == "news_search"))
    # the file is named, as for every other field, and the 12th [[sources]] block is sources.12
    with pytest.raises(CampaignError, match=rf"^{re.escape(str(bad.resolve()))}: field 'sources\.{position}\.spider': "
                                            r"'telegram' is not a spider"):
        check_spiders(load_campaign(bad))  # what every vigia command and spider loads a campaign with
    bad.write_text(DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace(
        '"https://rpp.pe/feed"', '"rpp.pe/feed"'), encoding="utf-8")
    with pytest.raises(CampaignError, match="is not an http"):
        load_campaign(bad)


def test_missing_and_broken_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="not found"):
        load_campaign(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("id = [", encoding="utf-8")
    with pytest.raises(CampaignError, match="not valid TOML"):
        load_campaign(broken)


def test_environment_variable_names_the_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.toml"
    other.write_text(DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace(
        'id = "miraflores-canales"', 'id = "other-mayor"'), encoding="utf-8")
    monkeypatch.setenv("VIGIA_CAMPAIGN", str(other))
    assert load_campaign().id == "other-mayor"


def test_localized_urls_map_back_to_the_real_ones() -> None:
    base = "http://127.0.0.1:8765"
    real = "https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml"
    local = to_local(real, base)
    assert local == "http://127.0.0.1:8765/elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml"
    assert from_local(local, base) == real
    assert from_local(real, base) == real
    campaign = load_campaign().localized(base)
    assert campaign.sample and all(u.startswith(base) for s in campaign.sources for u in s.urls)


def test_missing_credentials_are_named_never_valued() -> None:
    reddit = next(s for s in load_campaign().sources if s.spider == "reddit")
    declared = required_credentials("reddit")  # what the reddit spider declares
    assert reddit.missing_credentials(declared, {}) == ["REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"]
    assert reddit.missing_credentials(declared, {"REDDIT_CLIENT_ID": "a", "REDDIT_CLIENT_SECRET": "b"}) == []
    assert reddit.model_copy(update={"credentials_env": ["MY_TOKEN"]}).missing_credentials(declared, {}) == ["MY_TOKEN"]


def test_reading_a_campaign_file_does_not_import_the_crawler() -> None:
    # The dashboard and the scorer read campaign files too: they must not pay for Scrapy.
    code = "import sys; from campaigns import load_campaign; load_campaign(); print('crawler' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("blank", ['name = "   "', 'name = ""', 'name = " \\t "'])
def test_a_blank_target_name_is_refused_with_the_field(blank: str, tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('name = "Carlos Canales"', blank, 1)
    bad = tmp_path / "blank.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match=r"field 'target\.name'"):
        load_campaign(bad)


def test_a_blank_alias_is_refused_with_the_field(tmp_path: Path) -> None:
    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('aliases = ["Carlos Canales Anchorena"', 'aliases = ["  ", "Carlos Canales Anchorena"', 1)
    bad = tmp_path / "blank.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError, match=r"field 'target\.aliases'"):
        load_campaign(bad)
