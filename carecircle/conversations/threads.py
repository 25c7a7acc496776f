"""Comment threads this app hangs on its own things: replies to an update in the news feed.

Other apps register their own rules the same way (registries.register_thread_subject) for tasks
and record entries; the rule decides who may read and write, from that app's capabilities.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from carecircle.circles import registries
from carecircle.circles.access import CircleAccess
from carecircle.conversations.models import ConversationKind, Message, MessageKind


def update_replies_rule(access: CircleAccess, subject_id: int, write: bool) -> None:
    """Replies to an update: read by whoever reads updates, written by whoever may send support."""
    exists = Message.objects.filter(
        pk=subject_id,
        circle=access.circle,
        kind=MessageKind.UPDATE,
        conversation__kind=ConversationKind.NEWS,
        deleted_at__isnull=True,
    ).exists()
    if not exists:
        raise Http404(_("No such update."))
    access.require("support.send" if write else "updates.read")


def thread_label(subject_kind: str, subject_id: int) -> str:
    """A short name for what a thread is about, for its page title."""
    if subject_kind == "update":
        title = Message.objects.filter(pk=subject_id).values_list("title", flat=True).first()
        return _("Replies to “%(title)s”") % {"title": title} if title else _("Replies")
    label = registries.THREAD_LABELS.get(subject_kind)
    return label(subject_id) if label is not None else _("Comments")
