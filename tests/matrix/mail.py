"""Replies by email: the provider's inbound webhook. A session is no proof; without the webhook's
basic-auth secret (none is set here) every request is refused with 403."""

from __future__ import annotations

WEB: dict[tuple[str, str], str] = {
    ("web:mail-inbound-postmark", "GET"): "405 405 405 405 405 405 405 405 405",
    ("web:mail-inbound-postmark", "POST"): "403 403 403 403 403 403 403 403 403",
}
