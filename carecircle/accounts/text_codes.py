"""Six-digit codes sent by text: signing in without an email address, and joining a circle by text.

- A code is six random digits; only an HMAC keyed with the site's secret (and bound to the number and
  the row) is stored, so the table alone reveals no code.
- It works for TEXT_CODE_MINUTES, once (a conditional UPDATE sets `used_at`), and for at most
  TEXT_CODE_ATTEMPTS tries, each counted by a conditional UPDATE before the code is compared, so a
  burst of guesses can't get more tries than that.
- Requests are counted before anything else, per number and per network address, with the cache's
  atomic counters (lib/ratelimit.py): a burst of requests sends at most the limit.
- Asking for a sign-in code answers the same whether or not the number has an account, and a wrong,
  used, expired or never-sent code gets the same words, so numbers can't be found out from the pages.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_noop, ngettext

from carecircle.accounts.emails import reader_language
from carecircle.accounts.models import TextCode, TextCodePurpose, User
from carecircle.lib import ratelimit
from carecircle.lib.hooks import audit_record, delivery_enqueue

HOUR = 3600
CODE_LENGTH = 6
HASH_SALT = "carecircle.accounts.text-code"
WRONG_CODE = gettext_noop(
    "That code isn't right, or it has run out. Check the text and try again, or ask for a new code."
)


class TextCodeLimited(Exception):
    """Too many codes asked for (or tried) from this number or address; `wait` seconds until the window ends."""

    def __init__(self, wait: int) -> None:
        super().__init__("Too many codes asked for.")
        self.wait = wait


class TextCodeWrong(Exception):
    """The code isn't one that works now. The message is the same whatever the reason."""

    def __init__(self) -> None:
        # Raised while the viewer's request is being answered, so it is in the viewer's language.
        super().__init__(gettext(WRONG_CODE))


@dataclass(frozen=True)
class TextCodeUsed:
    phone: str
    user: User | None
    subject: str


def _in(language: str, words: Callable[[str], str], code: str) -> str:
    with translation.override(language):
        return words(code)


def _hash(*, code_id: int, phone: str, code: str) -> str:
    return salted_hmac(HASH_SALT, f"{code_id}:{phone}:{code}", algorithm="sha256").hexdigest()


def _count_request(*, phone: str, address: str) -> None:
    """Count one request for a code; over either limit → TextCodeLimited. Counted whether or not it's sent."""
    over_number = (
        ratelimit.hit("text-code-number", phone, window_seconds=HOUR) > settings.TEXT_CODES_PER_NUMBER_PER_HOUR
    )
    over_address = (
        ratelimit.hit("text-code-address", address, window_seconds=HOUR) > settings.TEXT_CODES_PER_ADDRESS_PER_HOUR
    )
    if over_number or over_address:
        raise TextCodeLimited(ratelimit.seconds_left(window_seconds=HOUR))


def sign_in_code_text(*, code: str) -> str:
    """The text with a sign-in code, in the active language. Kept to one segment (tests/accounts)."""
    minutes = settings.TEXT_CODE_MINUTES
    return ngettext(
        "%(code)s is your CareCircle code to sign in. It works for %(minutes)s minute. Don't share it with anyone.",
        "%(code)s is your CareCircle code to sign in. It works for %(minutes)s minutes. Don't share it with anyone.",
        minutes,
    ) % {"code": code, "minutes": minutes}


def join_code_text(*, code: str, person_name: str) -> str:
    """The text with a code to join someone's circle, in the active language."""
    minutes = settings.TEXT_CODE_MINUTES
    return ngettext(
        "%(code)s is your CareCircle code to join %(person)s's circle. It works for %(minutes)s minute. "
        "Don't share it with anyone.",
        "%(code)s is your CareCircle code to join %(person)s's circle. It works for %(minutes)s minutes. "
        "Don't share it with anyone.",
        minutes,
    ) % {"code": code, "person": person_name, "minutes": minutes}


@transaction.atomic
def _code_send(
    *, phone: str, purpose: str, user: User | None, subject: str, language: str, words: Callable[[str], str]
) -> None:
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    now = timezone.now()
    row = TextCode.objects.create(
        phone=phone,
        purpose=purpose,
        user=user,
        subject=subject,
        code_hash="",
        expires_at=now + datetime.timedelta(minutes=settings.TEXT_CODE_MINUTES),
    )
    row.code_hash = _hash(code_id=row.pk, phone=phone, code=code)
    row.save(update_fields=["code_hash"])
    # Queued in this transaction; the worker sends it after commit, outside any transaction.
    delivery_enqueue(
        channel="sms",
        to=phone,
        body=_in(language, words, code),
        idempotency_key=f"accounts:text-code:{row.pk}",
    )


def sign_in_code_request(*, phone: str, address: str) -> None:
    """Text a sign-in code to the number if it is the mobile of exactly one account without an email address.

    Raises TextCodeLimited over the limits; otherwise returns the same (nothing) whether or not a text went.
    """
    _count_request(phone=phone, address=address)
    accounts = list(User.objects.filter(phone=phone, email="", is_active=True)[:2])
    if len(accounts) != 1:
        return
    _code_send(
        phone=phone,
        purpose=TextCodePurpose.SIGN_IN,
        user=accounts[0],
        subject="",
        language=reader_language(accounts[0]),
        words=lambda code: sign_in_code_text(code=code),
    )


def join_code_request(*, phone: str, address: str, invitation_id: int, person_name: str, language: str) -> None:
    """Text a code to the number an invitation was sent to, so its holder can join without an email address.

    The holder has no account yet, and is on the joining page as the code is asked for: `language` is
    that page's language, the best guess at theirs."""
    _count_request(phone=phone, address=address)
    _code_send(
        phone=phone,
        purpose=TextCodePurpose.JOIN,
        user=None,
        subject=f"invitation:{invitation_id}",
        language=language,
        words=lambda code: join_code_text(code=code, person_name=person_name),
    )


def text_code_use(*, phone: str, purpose: str, code: str, address: str, subject: str = "") -> TextCodeUsed:
    """Use a code: the newest one sent to the number for this purpose, if it is right, unused and in time.

    Each try is counted on the code first (at most TEXT_CODE_ATTEMPTS) and on the address; any failure
    raises TextCodeWrong with the same words, or TextCodeLimited when the address has tried too often.
    """
    if ratelimit.hit("text-code-check", address, window_seconds=HOUR) > settings.TEXT_CODE_CHECKS_PER_ADDRESS_PER_HOUR:
        raise TextCodeLimited(ratelimit.seconds_left(window_seconds=HOUR))
    code = "".join(code.split())
    now = timezone.now()
    latest = (
        TextCode.objects.filter(phone=phone, purpose=purpose, subject=subject, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise TextCodeWrong()
    counted = TextCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=settings.TEXT_CODE_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise TextCodeWrong()
    if not hmac.compare_digest(latest.code_hash, _hash(code_id=latest.pk, phone=phone, code=code)):
        if latest.user_id is not None:
            audit_record(actor=None, action="account.text_code_failed", subject=latest.user)
        raise TextCodeWrong()
    if not TextCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
        raise TextCodeWrong()  # Used by a simultaneous request a moment ago.
    return TextCodeUsed(phone=phone, user=latest.user, subject=latest.subject)
