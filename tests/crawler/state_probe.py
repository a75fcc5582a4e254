"""A spider for tests: counts its runs in its source state, and fails on request (PROBE_FAIL)."""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider

from campaigns import Source
from crawler.spiders.base import CampaignSpider


class StateProbeSpider(CampaignSpider):
    name = "state_probe"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sources = [Source(name="probe", spider="news_feeds", platform="probe", urls=["https://probe.pe/"])]

    def start_requests_for(self, source: Source):
        base = self.settings.get("VIGIA_LOCAL_BASE")
        yield scrapy.Request(f"{base}/probe.pe/", callback=self.parse, cb_kwargs={"source": source}, dont_filter=True)

    def parse(self, response: Any, source: Source):
        state = self.state_of(source)
        state["runs"] = str(int(state.get("runs", "0")) + 1)
        if self.settings.getbool("PROBE_FAIL"):
            raise CloseSpider("probe_failed")
        return []
