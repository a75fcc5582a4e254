"""Campaign configuration: who is monitored, with which words, from which sources."""

from campaigns.localize import from_local, to_local
from campaigns.model import (
    DEFAULT_CAMPAIGN,
    Actor,
    Campaign,
    CampaignError,
    Source,
    StanceConfig,
    Target,
    Topic,
    load_campaign,
)

__all__ = [
    "DEFAULT_CAMPAIGN",
    "Actor",
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
