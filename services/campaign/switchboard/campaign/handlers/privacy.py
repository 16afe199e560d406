"""Profile's erasures and merges applied to campaign's own rows.

Erasure forgets the person's addresses, list columns, answers and conversations. Their consent
refusals are kept (keyed by address, as suppression lists are), so an erased person who had
opted out is not contacted again by a later upload.
"""

from __future__ import annotations

from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.profile import CustomerErased, CustomerMerged


async def on_customer_erased(event: CustomerErased, ctx: EventContext) -> None:
    await CampaignRepository(ctx.uow.session).erase_customer(ctx.tenant, event.customer_id)


async def on_customer_merged(event: CustomerMerged, ctx: EventContext) -> None:
    await CampaignRepository(ctx.uow.session).rekey_customer(ctx.tenant, event.merged_id, event.survivor_id)
