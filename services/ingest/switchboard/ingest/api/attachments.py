"""Files that came with messages: listed per message, downloaded one at a time."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.repository import IngestRepository

router = APIRouter(tags=["messages"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "evaluator"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    inline: bool
    content_id: str | None
    stored: bool  # False: over the size limit, only described


@router.get("/v1/messages/{message_id}/attachments", response_model=list[AttachmentOut],
            summary="A message's attachments")
async def list_attachments(message_id: str, principal: Reader, uow: Uow) -> list[AttachmentOut]:
    repo = IngestRepository(uow.session)
    if await repo.message(principal.tenant, message_id) is None:
        raise NotFound(f"no message {message_id}")
    return [
        AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size,
                      inline=a.inline, content_id=a.content_id, stored=a.data is not None)
        for a in await repo.attachments_of(principal.tenant, message_id)
    ]


@router.get("/v1/attachments/{attachment_id}", summary="Download an attachment",
            response_class=Response)
async def download_attachment(attachment_id: str, principal: Reader, uow: Uow) -> Response:
    attachment = await IngestRepository(uow.session).attachment(principal.tenant, attachment_id)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    if attachment.data is None:
        raise NotFound(f"attachment {attachment_id} was over the size limit and was not kept")
    return Response(
        attachment.data, media_type=attachment.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
                 "X-Content-Type-Options": "nosniff"},
    )
