"""A person's data rights: download everything about themselves, and delete their account.

Both reach every app through lib/privacy_registry.py. Erasure de-identifies rather than deletes the
account row: what must stay for others (a message in a shared conversation, an audit line, a
record entry) keeps pointing at an account called "Former member" with no email, phone or password.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.emails import in_language_of
from carecircle.accounts.models import ApiToken, Passkey, RecoveryCode, SignedInSession, TextCode, TotpDevice, User
from carecircle.accounts.sessions import session_tag
from carecircle.lib.hooks import audit_record, delivery_enqueue, user_event_send
from carecircle.lib.privacy_registry import erasure_blockers, erasure_handlers, erasure_kept, subject_parts
from carecircle.lib.zipstream import Member, zip_stream

FORMER_MEMBER = "Former member"
README = """Everything CareCircle holds about you, {when}.

account/        your details, where you're signed in, your API tokens
circles/        the circles you're in, invitations you sent or accepted
help/           help you offered, gave or logged
conversations/  messages you wrote, photos you shared, reactions, check-ins, thanks
record/         what you wrote in shared records and the documents you added, what you looked at, share links
activity-about-you.csv    every line of the activity logs by you or about you
messages-we-sent-you.csv  emails and texts CareCircle sent you

Other people's messages and the shared records themselves belong to each circle: an organiser
can download a circle's record from its page. Secrets (password, codes, keys) are never included.
"""


class ErasureBlocked(Exception):
    """Something must be done before this account can be deleted; `problems` says what."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def subject_access_members(user: User) -> Iterator[Member]:
    yield ("README.txt", [README.format(when=timezone.now().strftime("%-d %B %Y, %H:%M UTC")).encode()])
    for part in subject_parts().values():
        yield from part(user)


def subject_access_stream(*, actor: User) -> Iterator[bytes]:
    """A zip of everything about this person, streamed (the download starts at once)."""
    with transaction.atomic():
        audit_record(actor=actor, action="account.data_downloaded", subject=actor)
    return zip_stream(subject_access_members(actor))


def erasure_problems(user: User) -> list[str]:
    return [problem for blocker in erasure_blockers().values() for problem in blocker(user)]


def erasure_what_stays(user: User) -> list[str]:
    return [line for kept in erasure_kept().values() for line in kept(user)]


def _end_every_session(user: User) -> None:
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    SignedInSession.objects.filter(user=user).delete()
    if keys:
        user_event_send(user_id=user.pk, type="sessions.ended", sessions=[session_tag(key) for key in keys])


@transaction.atomic
def account_erase(*, actor: User) -> None:
    """Delete the account: personal data goes, what others need stays under "Former member"."""
    problems = erasure_problems(actor)
    if problems:
        raise ErasureBlocked(problems)
    old_email = actor.email
    for name, handler in erasure_handlers().items():
        if name != "accounts":
            handler(actor)
    for model in (ApiToken, TotpDevice, Passkey, RecoveryCode, TextCode):
        model._default_manager.filter(user=actor).delete()
    if actor.phone:
        TextCode.objects.filter(phone=actor.phone).delete()
    _end_every_session(actor)
    actor.email = f"erased-{actor.pk}-{uuid.uuid4().hex[:8]}@erased.invalid"
    actor.display_name = FORMER_MEMBER
    actor.phone = ""
    actor.set_unusable_password()
    actor.is_active = False
    actor.last_login = None
    actor.email_verified_at = None
    actor.save()
    audit_record(actor=actor, action="account.erased", subject=actor)
    if not old_email:
        return
    with in_language_of(actor):
        subject = gettext("Your CareCircle account has been deleted")
        body = gettext(
            "Hello,\n\nAs you asked, your CareCircle account has been deleted. Your details are gone; "
            "what you wrote in shared conversations and records stays for the others, as “Former member”.\n\n"
            "If you didn't ask for this, reply to this email straight away.\n"
        )
    delivery_enqueue(
        channel="email",
        to=old_email,
        subject=subject,
        body=body,
        idempotency_key=f"accounts:erased:{actor.pk}",
    )
