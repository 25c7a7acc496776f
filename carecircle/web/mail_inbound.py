"""Replies by email: one service for both ways in (`carecircle mail-inbound` over SMTP, and the webhook).

A reply is acted on once per Message-ID (an `InboundEmail` row, unique, written first in its own
short transaction; the message itself is posted with a client id made from the Message-ID too).
Nothing here runs inside a transaction that spans the network: the SMTP session or HTTP request has
already been read when `mail_receive` runs, and the post is one `message_post` call with its own.
The member the reply address names must still be able to write where it points, asked through the
access helpers as for any page; the mail's From must be that member's own address.

At most MAIL_INBOUND_PER_HOUR_PER_MEMBER replies from one member are posted an hour; the rest are
kept as "limited" and the member is told once that hour.

Answers: a refused reply (an address that isn't valid or no longer works, a role that can't write
there, nothing left to post) gets one email back, ever, per sender and reply address; a reply
from the wrong address gets nothing by email (From can be forged: answering it would send mail to
a stranger) and the member is told in the app. Automatic mail (out-of-office, bounces, lists)
is never posted and never answered, so two robots can't write to each other for ever.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.accounts.emails import in_language_of
from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.conversations.models import Conversation, Message, MessageKind
from carecircle.conversations.selectors import ConversationAccess, access_conversation, conversation_access_for
from carecircle.conversations.services import message_post, thread_conversation
from carecircle.conversations.threads import update_replies_rule
from carecircle.lib import ratelimit
from carecircle.lib.errors import DomainError
from carecircle.notifications.mail_authenticity import sender_authenticated, tell_member_unauthenticated
from carecircle.notifications.models import Channel, InboundEmail, Notification
from carecircle.notifications.reply_mail import ReplyAddress, is_reply_domain, reply_address_read
from carecircle.notifications.reply_parsing import is_automatic, reply_text, sender_address
from carecircle.notifications.services import delivery_enqueue

logger = logging.getLogger("carecircle.mail")

# Message ids made from Message-IDs, so a redelivered mail can't post twice even past the InboundEmail row.
CLIENT_ID_NAMESPACE = uuid.UUID("6f1d7c55-2a43-4b0c-9a57-1f3c2d8e9b10")
ANSWER_CATEGORY = "mail_reply"


@dataclass(frozen=True)
class InboundMail:
    """One mail as it arrived: the parsed message and what its envelope said."""

    message: EmailMessage
    recipients: tuple[str, ...]
    # The SMTP MAIL FROM (or the provider's Return-Path): "" for a null sender (a bounce), None if unknown.
    envelope_sender: str | None
    source: str
    size: int
    raw_digest: str = ""


def message_key(mail: InboundMail) -> tuple[str, str]:
    """(the key a mail is known by, its Message-ID): the Message-ID's hash, or the whole mail's without one."""
    message_id = " ".join(str(mail.message.get("Message-ID", "")).split()).strip()[:255]
    source = message_id or mail.raw_digest or repr(sorted(mail.message.items()))
    return hashlib.sha256(source.encode("utf-8", errors="replace")).hexdigest(), message_id


def reply_recipient(mail: InboundMail) -> str:
    """The reply address the mail was for: the envelope's first one at the reply domain, else To or Cc's."""
    for address in mail.recipients:
        if is_reply_domain(address):
            return address.strip().strip("<>")
    for header in ("Delivered-To", "To", "Cc"):
        for value in mail.message.get_all(header, []):
            for part in str(value).replace(";", ",").split(","):
                address = part.strip().rpartition("<")[2].strip(" >")
                if is_reply_domain(address):
                    return address
    return ""


def mail_receive(mail: InboundMail) -> str:
    """Act on one reply by email, once per Message-ID; returns what became of it."""
    key, message_id = message_key(mail)
    recipient = reply_recipient(mail)
    sender = sender_address(mail.message)
    try:
        with transaction.atomic():
            record = InboundEmail.objects.create(
                message_key=key,
                message_id=message_id,
                source=mail.source,
                sender=sender[:254],
                recipient=recipient[:254],
                size=mail.size,
            )
    except IntegrityError:
        logger.info("Email %s seen before: ignored.", message_id or key)
        return "replayed"
    try:
        outcome, user, conversation_id = _act(mail, key=key, sender=sender, recipient=recipient)
    except Exception:
        # Let a redelivery try again rather than lose the reply.
        InboundEmail.objects.filter(pk=record.pk).delete()
        raise
    InboundEmail.objects.filter(pk=record.pk).update(outcome=outcome, user=user, conversation_id=conversation_id)
    logger.info("Email %s from %s to %s: %s.", message_id or key, sender, recipient, outcome)
    return outcome


def _act(mail: InboundMail, *, key: str, sender: str, recipient: str) -> tuple[str, User | None, int | None]:
    if is_automatic(mail.message, envelope_sender=mail.envelope_sender):
        return "auto-reply", None, None
    named = reply_address_read(recipient) if recipient else None
    user = User.objects.filter(pk=named.user_id, is_active=True).first() if named is not None else None
    # Every answer is written in the member's language (English when the address names no one).
    with in_language_of(user):
        return _act_as(mail, key=key, sender=sender, recipient=recipient, named=named, user=user)


def _act_as(
    mail: InboundMail, *, key: str, sender: str, recipient: str, named: ReplyAddress | None, user: User | None
) -> tuple[str, User | None, int | None]:
    if named is None or user is None:
        _answer(
            to=sender,
            key=f"mail-unknown-{_digest(sender, recipient)}",
            text=_(
                "We couldn't post your reply: the address you wrote to isn't a CareCircle reply address, "
                "or no longer works. Open CareCircle to write in your circle."
            ),
        )
        return "unknown-address", None, None
    if not sender or sender != user.email.strip().lower():
        _tell_member_wrong_sender(user=user, sender=sender, key=key)
        return "wrong-sender", user, None
    authserv_id = settings.MAIL_INBOUND_AUTHSERV_ID
    if authserv_id and not sender_authenticated(mail.message, sender=sender, authserv_id=authserv_id):
        tell_member_unauthenticated(user=user, sender=sender, key=key)
        return "unauthenticated", user, None
    if (
        ratelimit.hit("mail-inbound-member", str(user.pk), window_seconds=3600)
        > settings.MAIL_INBOUND_PER_HOUR_PER_MEMBER
    ):
        hour = int(timezone.now().timestamp() // 3600)
        _answer(
            to=sender,
            user=user,
            key=f"mail-limited-{user.pk}-{hour}",
            text=ngettext(
                "You've sent more than %(count)s reply by email in an hour, "
                "so the latest weren't posted. Please write in the app, or try again in an hour.",
                "You've sent more than %(count)s replies by email in an hour, "
                "so the latest weren't posted. Please write in the app, or try again in an hour.",
                settings.MAIL_INBOUND_PER_HOUR_PER_MEMBER,
            )
            % {"count": settings.MAIL_INBOUND_PER_HOUR_PER_MEMBER},
        )
        return "limited", user, None
    try:
        where = _where(user, named)
        where.require_write()
    except (Http404, PermissionDenied):
        _answer(
            to=sender,
            user=user,
            key=f"mail-refused-{_digest(sender, recipient)}",
            text=_(
                "We couldn't post your reply: you're no longer in that circle, or your role there "
                "doesn't include writing in that conversation. Nothing was posted."
            ),
        )
        return "refused", user, None
    reply = reply_text(mail.message)
    if not reply.text:
        _answer(
            to=sender,
            user=user,
            key=f"mail-empty-{key[:40]}",
            text=_(
                "We couldn't find any words of yours in your reply, so nothing was posted. "
                "Write above the quoted email. Photos and files sent by email aren't posted: add them in the app."
            ),
        )
        return "empty", user, where.conversation.pk
    try:
        message_post(
            actor=user,
            where=where,
            body=reply.text,
            client_id=uuid.uuid5(CLIENT_ID_NAMESPACE, key),
            via="email",
        )
    except (PermissionDenied, DomainError) as refusal:
        _answer(
            to=sender,
            user=user,
            key=f"mail-refused-{key[:40]}",
            text=_("We couldn't post your reply. %(reason)s") % {"reason": refusal},
        )
        return "refused", user, where.conversation.pk
    if reply.attachments:
        _answer(
            to=sender,
            user=user,
            key=f"mail-attachments-{key[:40]}",
            subject=_("Your reply was posted without its attachments"),
            text=ngettext(
                "Your reply was posted, but not the %(count)s file attached to it: "
                "photos and files sent by email aren't posted. "
                "Add photos in the app if you'd like the circle to see them.",
                "Your reply was posted, but not the %(count)s files attached to it: "
                "photos and files sent by email aren't posted. "
                "Add photos in the app if you'd like the circle to see them.",
                reply.attachments,
            )
            % {"count": reply.attachments},
        )
    return "posted", user, where.conversation.pk


def _where(user: User, named: ReplyAddress) -> ConversationAccess:
    """The member's standing where the reply goes, through the access helpers (404 outsider, 403 role)."""
    if named.kind == "conversation":
        circle_id = Conversation.objects.filter(pk=named.object_id).values_list("circle_id", flat=True).first()
        if circle_id is None:
            raise Http404("No such conversation.")
        return access_conversation(user=user, circle_id=circle_id, conversation_id=named.object_id)
    circle_id = (
        Message.objects.filter(pk=named.object_id, kind=MessageKind.UPDATE).values_list("circle_id", flat=True).first()
    )
    if circle_id is None:
        raise Http404("No such update.")
    access = access_circle(user=user, circle_id=circle_id)
    update_replies_rule(access, named.object_id, False)
    conversation = thread_conversation(circle=access.circle, subject_kind="update", subject_id=named.object_id)
    return conversation_access_for(access, conversation)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(part.lower() for part in parts).encode()).hexdigest()[:40]


def _answer(*, to: str, key: str, text: str, user: User | None = None, subject: str = "") -> None:
    """One email back to the sender (queued, sent by the worker), never to our own reply addresses."""
    if not to or "@" not in to or is_reply_domain(to):
        return
    delivery_enqueue(
        channel=Channel.EMAIL,
        to=to,
        subject=subject or _("Your reply to CareCircle wasn't posted"),
        body=f"{text}\n\n{_('This is an automatic answer; replies to it are not read.')}\n{settings.SITE_URL}\n",
        idempotency_key=key[:120],
        recipient_id=user.pk if user is not None else None,
        category=ANSWER_CATEGORY,
    )


def _tell_member_wrong_sender(*, user: User, sender: str, key: str) -> None:
    """In the app only, in the member's language (see `_act`): the From may be forged, so nothing is emailed to it."""
    advice = _(
        "If it was you, reply from the address CareCircle writes to, or change your email address in your account."
    )
    if sender:
        came = _("It came from %(sender)s, not from %(address)s.") % {"sender": sender, "address": user.email}
    else:
        came = _("It came from an unknown address, not from %(address)s.") % {"address": user.email}
    Notification.objects.get_or_create(
        key=f"mail-wrong-sender-{key[:60]}",
        defaults={
            "recipient": user,
            "category": "account",
            "title": _("A reply by email to your CareCircle address wasn't posted")[:200],
            "body": f"{came} {advice}"[:500],
            "url": "/account/",
        },
    )
