"""The account API: who am I, and my personal access tokens."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from carecircle.accounts.api_auth import viewer
from carecircle.accounts.models import ApiToken, User
from carecircle.accounts.scopes import circles_of
from carecircle.accounts.selectors import api_tokens_for
from carecircle.accounts.services import api_token_create, api_token_revoke
from carecircle.accounts.stepup import stepup_check_api
from carecircle.lib.errors import InvalidFields
from carecircle.lib.schemas import InputSchema, TokenId, TokenName, responses

router = Router(tags=["Account"])


class MeOut(Schema):
    id: int
    email: str
    email_verified: bool
    display_name: str
    phone: str
    time_zone: str
    language: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    active: bool
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    read_only: bool
    circle_id: int | None
    expires_at: datetime.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class TokenCreateIn(InputSchema):
    name: TokenName
    read_only: StrictBool = False
    circle_id: StrictInt | None = Field(default=None, ge=1, le=2**53, description="Only this circle; one of yours.")
    expires_in_days: StrictInt | None = Field(default=90, ge=1, le=3650, description="null: no end date.")


def _me(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        email=user.email,
        email_verified=user.email_verified,
        display_name=user.display_name,
        phone=user.phone,
        time_zone=user.time_zone,
        language=user.language,
    )


def _token(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "active": token.is_active,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "read_only": token.read_only,
        "circle_id": token.circle_id,
        "expires_at": token.expires_at,
    }


@router.get("/me", operation_id="me_get", summary="Your account", response=responses({200: MeOut}))
def me_get(request: HttpRequest) -> MeOut:
    return _me(viewer(request))


@router.get(
    "/tokens",
    operation_id="token_list",
    summary="List your personal API tokens",
    response=responses({200: list[TokenOut]}),
)
def token_list(request: HttpRequest) -> list[TokenOut]:
    """Every token you have made, newest first, including revoked ones. Secrets are never shown again."""
    return [TokenOut.model_validate(_token(token)) for token in api_tokens_for(user=viewer(request))]


@router.post(
    "/tokens",
    operation_id="token_create",
    summary="Create a personal API token",
    response=responses({201: TokenCreatedOut}, 400, 403, 422),
)
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenCreatedOut]:
    """The secret is in this response only: store it now. Send it as `Authorization: Bearer <secret>`."""
    actor = viewer(request)
    stepup_check_api(request)
    if payload.circle_id is not None and payload.circle_id not in circles_of(actor):
        raise InvalidFields({"circle_id": gettext("Choose one of your circles.")})
    token, secret = api_token_create(
        actor=actor,
        name=payload.name,
        read_only=payload.read_only,
        circle_id=payload.circle_id,
        expires_in_days=payload.expires_in_days,
    )
    return Status(201, TokenCreatedOut.model_validate({**_token(token), "secret": secret}))


@router.delete(
    "/tokens/{token_id}",
    operation_id="token_revoke",
    summary="Revoke a personal API token",
    response=responses({204: None}, 403, 404, 422),
)
def token_revoke(request: HttpRequest, token_id: TokenId) -> Status[None]:
    """The token stops working at once. Revoking a token twice is harmless."""
    user = viewer(request)
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(actor=user, token=token)
    return Status(204, None)
