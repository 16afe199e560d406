"""Profile's HTTP API as campaign reads it: a segment's members and a customer's birthday.

Campaign never reads profile's tables; for what profile publishes no event about (who is in a
rule-based segment today, a birthday) it asks profile's API with a service token for the tenant.
The embedded default mints that token with the shared secret; with an OIDC provider the token is
given (`CAMPAIGN_PROFILE_TOKEN`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx

from switchboard.common.auth import mint_token
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
    def __init__(self, settings: ServiceSettings, base_url: str, token: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings, self._token = settings, token
        self._client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30.0)

    async def close(self) -> None:
        await self._client.aclose()

    def _headers(self, tenant: str) -> dict[str, str]:
        token = self._token or mint_token(self._settings, tenant=tenant, subject="campaign",
                                          roles=["service"], ttl_seconds=600)
        return {"Authorization": f"Bearer {token}"}

    async def segment_members(self, tenant: str, segment_id: str) -> AsyncIterator[SegmentMember]:
        """Every member of the segment, page by page (an unknown segment raises)."""
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": PAGE, **({"after": after} if after else {})}
            answer = await self._client.get(f"/v1/segments/{segment_id}/members", params=params,
                                            headers=self._headers(tenant))
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
        answer = await self._client.get(f"/v1/customers/{customer_id}", headers=self._headers(tenant))
        if answer.status_code == 404:
            return None  # erased or merged away since the segment was read
        answer.raise_for_status()
        value = answer.json().get("birthday")
        return date.fromisoformat(value) if value else None
