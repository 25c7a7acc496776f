"""Whether a reply by email really comes from its From's domain, as the mail relay in front verified it.

The relay (the site's MTA with OpenDKIM/OpenDMARC or rspamd) checks DKIM, SPF and DMARC and writes
an `Authentication-Results` header (RFC 8601) under its own authserv-id, removing any with that id
that arrived from outside. Only that header is believed: the topmost one with the configured id
(MAIL_INBOUND_AUTHSERV_ID). docs/architecture/notifications.md, "Reply by email", has the decision.
"""

from __future__ import annotations

import re
from email.message import Message

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.notifications.models import Notification

COMMENT = re.compile(r"\([^()]*\)")


def _results(header: str) -> tuple[str, list[dict[str, str]]]:
    """(authserv-id, one dict per method result like {"dkim": "pass", "header.d": "example.org"})."""
    text = COMMENT.sub(" ", header)
    head, _sep, rest = text.partition(";")
    parts = head.split()
    authserv_id = parts[0].lower() if parts else ""
    results = []
    for clause in rest.split(";"):
        pairs: dict[str, str] = {}
        for word in clause.split():
            name, equals, value = word.partition("=")
            if equals:
                pairs.setdefault(name.lower(), value.strip('"').lower())
        if pairs:
            results.append(pairs)
    return authserv_id, results


def _aligned(signer: str, domain: str) -> bool:
    """DMARC's relaxed alignment, approximately: the signing domain is the From's domain or a parent of it."""
    signer = signer.strip(".")
    return bool(signer) and "." in signer and (domain == signer or domain.endswith("." + signer))


def sender_authenticated(message: Message, *, sender: str, authserv_id: str) -> bool:
    """True when the relay's own Authentication-Results says DMARC passed, or DKIM passed for the From's domain."""
    domain = sender.rpartition("@")[2].strip().lower()
    if not domain or not authserv_id:
        return False
    for header in message.get_all("Authentication-Results") or []:
        found_id, results = _results(str(header))
        if found_id != authserv_id.lower():
            continue
        # Only the topmost header of the relay counts (the loop returns on it).
        # DMARC decides when the From's domain publishes a policy; without one (none), an aligned DKIM pass does.
        for result in results:
            if "dmarc" in result and result["dmarc"] != "none":
                return result["dmarc"] == "pass" and result.get("header.from", domain) == domain
        return any(result.get("dkim") == "pass" and _aligned(result.get("header.d", ""), domain) for result in results)
    return False


def tell_member_unauthenticated(*, user: User, sender: str, key: str) -> None:
    """In the app only, in the member's language: the mail may be forged, so nothing is emailed back."""
    language = user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        title = _("A reply by email to your CareCircle address wasn't posted")
        body = _(
            "It said it came from %(sender)s, but your email provider couldn't confirm that it did. If it was "
            "you, write in CareCircle instead, or ask your email provider about DKIM and DMARC."
        ) % {"sender": sender}
    Notification.objects.get_or_create(
        key=f"mail-unauthenticated-{key[:60]}",
        defaults={"recipient": user, "category": "account", "title": title[:200], "body": body[:500], "url": "/"},
    )
