"""The project's spiders, as Scrapy's own spider loader finds them in ``SPIDER_MODULES``.

There is no second list: a spider is a class with a ``name`` in a module of
``crawler/spiders/``, and ``scrapy list``, ``vigia crawl --spider`` and the campaign file's
``spider`` field all accept exactly the names found here. Each spider class also says what
kind of source it reads (``source_type``) and which credentials it needs (``credentials_env``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from campaigns import Campaign, CampaignError, Source

SETTINGS_MODULE = "crawler.settings"


@cache
def spider_classes() -> dict[str, Any]:
    """Spider name -> class, for every spider of the project (sorted by name)."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    loader = SpiderLoader.from_settings(settings)
    return {name: loader.load(name) for name in sorted(loader.list())}


def spider_names() -> list[str]:
    """Every spider's name, as ``scrapy list`` prints them."""
    return list(spider_classes())


def source_type(spider: str) -> str:
    """``news`` or ``social``: what kind of source ``spider`` reads."""
    return spider_classes()[spider].source_type


def required_credentials(spider: str) -> tuple[str, ...]:
    """The environment variables ``spider`` needs set before it can run (names, never values)."""
    return tuple(spider_classes()[spider].credentials_env)


def check_spiders(campaign: Campaign) -> Campaign:
    """``campaign`` if every source names a spider found here and the files it names exist;
    else CampaignError naming the field, as a bad value anywhere else in the campaign file is
    named. (The campaigns package does not import the crawler: the dashboard and the scorer
    read campaign files too.)"""
    names = spider_names()
    for n, source in enumerate(campaign.sources, 1):  # counted from 1, as every field error is
        if source.spider not in names:
            where = f"{campaign.source_file}: " if campaign.source_file else ""
            raise CampaignError(
                f"{where}field 'sources.{n}.spider': {source.spider!r} is not a spider of this project; "
                f"the spiders are: {', '.join(names)}"
            )
    return campaign.with_files()


def missing_credentials(source: Source) -> list[str]:
    """Names (never values) of the credential variables ``source`` needs that are not set."""
    return source.missing_credentials(required_credentials(source.spider))
