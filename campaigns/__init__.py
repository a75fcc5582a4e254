"""Campaign configuration: who is monitored, with which words, from which sources."""

from campaigns.model import (
    DEFAULT_CAMPAIGN,
    Campaign,
    CampaignError,
    Source,
    StanceConfig,
    Target,
    Topic,
    load_campaign,
)
from campaigns.localize import from_local, to_local

__all__ = [
    "DEFAULT_CAMPAIGN",
    "Campaign",
    "CampaignError",
    "Source",
    "StanceConfig",
    "Target",
    "Topic",
    "from_local",
    "load_campaign",
    "to_local",
]
