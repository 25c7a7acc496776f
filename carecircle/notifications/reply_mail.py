"""Reply addresses: each member's own `reply+<token>@REPLY_DOMAIN` on emails about a conversation.

The token is signed, not stored: 25 bytes in lower-case base32 (40 characters, so the local part
stays well under the 64 that mail allows, and survives servers that fold case). It holds a format
version, the member's id, what the reply goes to (a conversation, or the replies to an update) and
its id, and 13 bytes of an HMAC-SHA256 over them keyed from SECRET_KEY with its own salt. Nobody
can make or alter one without the key; checking it costs no query. What it does *not* prove is
that the member may still write there: that is asked of the access helpers when a reply arrives,
so an address stops working the moment its member leaves the circle or loses the right to post.
docs/architecture/notifications.md, "Reply by email", has the rules.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Literal

from django.conf import settings
from django.utils.crypto import salted_hmac

from carecircle.circles.models import Circle
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.hooks import ReplyTarget
from carecircle.notifications.recipients import Recipient

SALT = "carecircle.notifications.reply-address"
PREFIX = "reply+"
VERSION = 1
KINDS: dict[str, int] = {"conversation": 1, "update": 2}
KIND_NAMES: dict[int, Literal["conversation", "update"]] = {1: "conversation", 2: "update"}
ID_BYTES = 5
MAC_BYTES = 13
TOKEN_BYTES = 1 + ID_BYTES + 1 + ID_BYTES + MAC_BYTES
TOKEN_CHARACTERS = 40


@dataclass(frozen=True)
class ReplyAddress:
    """What a valid reply address names: the member, and where their reply goes."""

    user_id: int
    kind: Literal["conversation", "update"]
    object_id: int


def _mac(payload: bytes, secret: str) -> bytes:
    return salted_hmac(SALT, payload.hex(), secret=secret, algorithm="sha256").digest()[:MAC_BYTES]


def reply_token(*, user_id: int, kind: str, object_id: int) -> str:
    """The signed token naming the member and where their reply goes."""
    payload = (
        bytes([VERSION])
        + user_id.to_bytes(ID_BYTES, "big")
        + bytes([KINDS[kind]])
        + object_id.to_bytes(ID_BYTES, "big")
    )
    raw = payload + _mac(payload, settings.SECRET_KEY)
    return base64.b32encode(raw).decode("ascii").lower()


def reply_address(*, user_id: int, kind: str, object_id: int) -> str:
    return f"{PREFIX}{reply_token(user_id=user_id, kind=kind, object_id=object_id)}@{settings.REPLY_DOMAIN}"


def is_reply_domain(address: str) -> bool:
    """Whether an address is at this site's reply domain (any local part)."""
    domain = str(settings.REPLY_DOMAIN).lower()
    _, at, host = address.strip().strip("<>").rpartition("@")
    return bool(domain) and bool(at) and host.lower().rstrip(".") == domain


def reply_address_read(address: str) -> ReplyAddress | None:
    """What a reply address names, if it is one this site signed (with SECRET_KEY or a fallback); else None."""
    if not is_reply_domain(address):
        return None
    local = address.strip().strip("<>").rpartition("@")[0].lower()
    if not local.startswith(PREFIX):
        return None
    token = local.removeprefix(PREFIX)
    if len(token) != TOKEN_CHARACTERS:
        return None
    try:
        raw = base64.b32decode(token.upper())
    except (binascii.Error, ValueError):
        return None
    if len(raw) != TOKEN_BYTES:
        return None
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if payload[0] != VERSION:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _mac(payload, secret)) for secret in secrets):
        return None
    kind = KIND_NAMES.get(payload[1 + ID_BYTES])
    if kind is None:
        return None
    user_id = int.from_bytes(payload[1 : 1 + ID_BYTES], "big")
    object_id = int.from_bytes(payload[2 + ID_BYTES :], "big")
    return ReplyAddress(user_id=user_id, kind=kind, object_id=object_id)


def reply_to_header(*, member: Recipient, circle: Circle, target: ReplyTarget | None) -> str:
    """The Reply-To of one member's email about `target`, or "" (replies off, or they may not write there).

    No query: the role's capabilities are worked out from the member's row notify() already read.
    """
    if target is None or not settings.REPLY_DOMAIN:
        return ""
    if target.capability:
        capabilities = capabilities_for(
            role=member.role, consent=circle.consent, person_is_member=member.person_is_member
        )
        if target.capability not in capabilities:
            return ""
    address = reply_address(user_id=member.user_id, kind=target.kind, object_id=target.object_id)
    return str(Address(display_name="CareCircle", addr_spec=address))
