"""Profile's HTTP API as campaign reads it: a segment's members and a customer's birthday.

Campaign never reads profile's tables; for what profile publishes no event about (who is in a
rule-based segment today, a birthday) it asks profile's API with a service token for the tenant
(`ServiceTokens`, in profile_tokens.py): minted with the shared secret in the embedded default,
fetched per tenant from the OIDC provider by client credentials, or one given token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx

from switchboard.campaign.profile_tokens import ServiceTokens
from switchboard.common.settings import ServiceSettings

PAGE = 1000


@dataclass(frozen=True)
class SegmentMember:
    customer_id: str
    name: str | None
    tier: str
    phone: str | None
    language: str | None
    time_zone: str | None


class ProfileClient:
    def __init__(self, settings: ServiceSettings, base_url: str, tokens: ServiceTokens | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._tokens = tokens or ServiceTokens(settings)
        self._client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30.0)

    async def close(self) -> None:
        await self._client.aclose()
        await self._tokens.close()

    async def _headers(self, tenant: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self._tokens.token(tenant)}"}

    async def segment_members(self, tenant: str, segment_id: str) -> AsyncIterator[SegmentMember]:
        """Every member of the segment, page by page (an unknown segment raises)."""
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": PAGE, **({"after": after} if after else {})}
            answer = await self._client.get(f"/v1/segments/{segment_id}/members", params=params,
                                            headers=await self._headers(tenant))
            answer.raise_for_status()
            page = answer.json()
            for item in page["items"]:
                phones = [p["address"] for p in item.get("contact_points", [])
                          if p["channel"] in ("sms", "voice")]
                yield SegmentMember(item["customer_id"], item.get("name"), item.get("tier") or "standard",
                                    phones[0] if phones else None, item.get("language"),
                                    item.get("time_zone"))
            after = page.get("next_after")
            if not after:
                return

    async def birthday(self, tenant: str, customer_id: str) -> date | None:
        answer = await self._client.get(f"/v1/customers/{customer_id}", headers=await self._headers(tenant))
        if answer.status_code == 404:
            return None  # erased or merged away since the segment was read
        answer.raise_for_status()
        value = answer.json().get("birthday")
        return date.fromisoformat(value) if value else None
