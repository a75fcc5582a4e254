"""Fields are capped at extraction: a 1 MB title or a 500,000-character author is cut, the cut
logged and recorded on the document (the hostile corpus of tests/fixtures/hostile)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from campaigns import load_campaign
from crawler.items import DocumentItem
from crawler.pipelines import FIELD_CAPS, CleanPipeline
from tests.hostile import hostile_fields


@pytest.fixture(scope="module")
def clean() -> CleanPipeline:
    crawler = SimpleNamespace(settings=Settings({}), spider=SimpleNamespace(campaign=load_campaign()))
    crawler.stats = MemoryStatsCollector(crawler)
    return CleanPipeline(crawler)


@pytest.mark.parametrize("doc", hostile_fields(), ids=lambda d: d["id"])
def test_every_hostile_document_is_stored_within_the_caps(clean: CleanPipeline, doc: dict,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    item = DocumentItem(source="elcomercio", source_type="news", platform="elcomercio.pe",
                        url="https://elcomercio.pe/lima/nota/", title=doc["title"], author=doc["author"],
                        text=doc["text"], published_at="2026-11-02T10:00:00-05:00")
    with caplog.at_level(logging.WARNING, logger="vigia.pipelines"):
        out = clean.process_item(item)
    for name, cap in FIELD_CAPS.items():
        assert out[name] is None or len(out[name]) <= cap
    longer = {name: len(doc[name]) for name in FIELD_CAPS if len(doc[name]) > FIELD_CAPS[name]}
    assert (out.get("extra") or {}).get("truncated", {}).keys() == longer.keys()
    if longer:  # what was cut is recorded (its length before) and said in one log line
        assert out["extra"]["truncated"]["title"] >= 1_000_000 and out["extra"]["truncated"]["author"] >= 500_000
        assert out["title"].endswith("…") and out["title"].startswith("Canales revocatoria")
        assert any("cut title" in r.getMessage() for r in caplog.records)
    else:
        assert not caplog.records
