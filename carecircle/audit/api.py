"""The audit API: a circle's activity log, newest first, in plain sentences."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params.functions import Query
from pydantic import Field

from carecircle.accounts.api_auth import viewer
from carecircle.audit.display import entry_sentence
from carecircle.audit.selectors import audit_page
from carecircle.circles.access import access_circle
from carecircle.lib.schemas import MAX_ID, CircleId, responses

router = Router(tags=["Audit"])

AUDIT_LIMIT_DEFAULT = 50
AUDIT_LIMIT_MAX = 100

Before = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only entries with an id below this one.")]
Limit = Annotated[int, Query(ge=1, le=AUDIT_LIMIT_MAX, description="How many entries to return.")]


class AuditEntryOut(Schema):
    id: int
    sentence: str = Field(description='What happened, in words: "Olivia invited Priya as a helper by email".')
    action: str
    actor_id: int | None
    actor_name: str
    subject_user_id: int | None
    subject_name: str
    created_at: datetime.datetime


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page; null on the last page.")


@router.get(
    "/circles/{circle_id}/audit",
    operation_id="audit_list",
    summary="A circle's activity log",
    response=responses({200: AuditPageOut}, 403, 404, 422),
)
def audit_list(
    request: HttpRequest, circle_id: CircleId, before: Before = None, limit: Limit = AUDIT_LIMIT_DEFAULT
) -> AuditPageOut:
    """Newest first. Page back with `before` set to the previous page's next_before."""
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="audit.view")
    page, more = audit_page(circle=access.circle, before=before, limit=limit)
    return AuditPageOut(
        items=[
            AuditEntryOut(
                id=entry.pk,
                sentence=entry_sentence(entry),
                action=entry.action,
                actor_id=entry.actor_id,
                actor_name=entry.actor_name,
                subject_user_id=entry.subject_user_id,
                subject_name=entry.subject_name,
                created_at=entry.created_at,
            )
            for entry in page
        ],
        next_before=page[-1].pk if more else None,
    )
