"""Loading what an event about an attempt refers to."""

from __future__ import annotations

import logging

from switchboard.campaign.models import Attempt, Campaign, Contact
from switchboard.campaign.repository import CampaignRepository

log = logging.getLogger(__name__)


async def attempt_context(
    repo: CampaignRepository, tenant: str, attempt_id: str | None
) -> tuple[Attempt, Contact, Campaign] | None:
    """The attempt, its contact and campaign; None when the id is not one of this tenant's."""
    if attempt_id is None:
        return None
    attempt = await repo.attempt(tenant, attempt_id)
    if attempt is None:
        log.warning("event for an unknown attempt", extra={"fields": {"attempt_id": attempt_id}})
        return None
    contact = await repo.contact(tenant, attempt.contact_id)
    campaign = await repo.campaign(tenant, attempt.campaign_id)
    if contact is None or campaign is None:
        return None
    return attempt, contact, campaign
