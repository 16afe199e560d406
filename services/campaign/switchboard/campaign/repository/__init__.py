"""All of campaign's SQL, one query class per area, combined in CampaignRepository. Every query
names its tenant; the scheduler's sweep is the one exception that looks across tenants, and
only to find which campaigns are running."""

from __future__ import annotations

from switchboard.campaign.repository._base import CONNECTED, RepositoryBase
from switchboard.campaign.repository.attempts import AttemptQueries
from switchboard.campaign.repository.campaigns import CampaignQueries
from switchboard.campaign.repository.people import PeopleQueries


class CampaignRepository(CampaignQueries, AttemptQueries, PeopleQueries, RepositoryBase):
    pass


__all__ = ["CONNECTED", "CampaignRepository"]
