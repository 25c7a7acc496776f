"""Texts members send us: `YES 4821`, `NO 4821`, `DONE 4821`, STOP, START, HELP, or a message for the circle.

Two webhooks, one per provider format, check the sender's proof (Twilio's signature, Notify's
bearer token) and a rate limit, then hand the text to `text_receive`. Nothing here runs inside a
transaction: each action is one service call with its own, and answers are queued deliveries.
Every action goes through the access helpers as the member the number belongs to; a number that
belongs to nobody gets one polite answer, ever, and nothing else.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carecircle.accounts.emails import in_language_of, reader_language
from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.models import Membership
from carecircle.conversations.selectors import conversation_access_for
from carecircle.conversations.services import family_conversation, message_post
from carecircle.lib import ratelimit
from carecircle.lib.addresses import client_address
from carecircle.lib.errors import DomainError
from carecircle.notifications.models import Channel, InboundText, TextOptOut
from carecircle.notifications.services import OPT_OUT_CONFIRMATION, delivery_enqueue
from carecircle.notifications.sms_providers import notify_bearer_valid, twilio_signature_valid
from carecircle.notifications.sms_text import fit
from carecircle.tasks.access import access_task
from carecircle.tasks.answers import Answer, Answered, Outcome, is_going, occurrence_answer, short_day
from carecircle.tasks.messages import covered_words
from carecircle.tasks.reply_codes import reply_code_find

logger = logging.getLogger("carecircle.sms")

NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
COMMAND = re.compile(r"^(YES|NO|DONE)\s+#?([0-9]{4,6})[.!]?$", re.IGNORECASE)
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
MAX_BODY = 1600
# Accounts read to find the language a shared number speaks: a number is rarely on more than a few.
MAX_SHARING_ACCOUNTS = 20
REPLY_CATEGORY = "sms_reply"

# Replies to a known member are written in their language (issue 13), inside `in_language_of`;
# the command words stay English because `COMMAND` and the word sets above only read English.
# A number that belongs to nobody is answered in English, with Welsh after it for a UK number
# (unknown_number_text). A number on several
# accounts is answered in their language when they all chose the same one (_shared_language).


def _help_text() -> str:
    # Translators: a text message. Keep YES, NO, DONE and STOP in English capitals: they are the
    # words a member types back, and CareCircle only understands them in English.
    return gettext(
        "CareCircle: reply YES and the number in our text to take it on, NO and the number to give it up, "
        "DONE and the number when it's done. Anything else goes to your circle's family conversation. "
        "Reply STOP to stop texts."
    )


# Translators: a text message to a number that belongs to nobody, sent in English followed by Welsh
# to a UK number (docs/architecture/i18n.md). Welsh: keep it under 160 characters and without
# circumflexes, so that both languages together fit in two texts.
UNKNOWN_TEXT = gettext_noop(
    "This number isn't linked to anyone in CareCircle, so we can't act on texts from it. "
    "Ask the person who invited you to check your number."
)
UK_NUMBERS = "+44"


def unknown_number_text(number: str) -> str:
    """The answer to a number no account has: English, and Welsh after it when the number is British."""
    with translation.override(settings.LANGUAGE_CODE):
        english = gettext(UNKNOWN_TEXT)
    if not number.startswith(UK_NUMBERS):
        return english
    with translation.override("cy"):
        welsh = gettext(UNKNOWN_TEXT)
    return f"{english} {welsh}"


@dataclass(frozen=True)
class Inbound:
    provider: str
    provider_id: str
    sender: str
    body: str


class InboundRefused(Exception):
    """A webhook request we can't take: the message says why, `status` how HTTP answers it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _over_limit(request: HttpRequest) -> bool:
    address = client_address(request) or "unknown"
    limit = settings.SMS_INBOUND_PER_MINUTE_PER_ADDRESS
    return ratelimit.hit("sms-inbound-address", address, window_seconds=60) > limit


def _number(raw: str) -> str:
    number = raw.strip().replace(" ", "")
    if number and not number.startswith("+"):
        number = f"+{number}"
    if not NUMBER.match(number):
        raise InboundRefused("The sender's number is missing or not in international format.")
    return number


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio posts each text as a form, signed with the account's auth token."""
    if _over_limit(request):
        return _plain("Too many requests; try again in a minute.", 429)
    url = f"{settings.SITE_URL}{request.get_full_path()}"
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    if not twilio_signature_valid(url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")):
        logger.warning("Inbound text refused: the Twilio signature did not match.")
        return _plain("The request signature is not valid.", 403)
    try:
        inbound = Inbound(
            provider="twilio",
            provider_id=_provider_id(request.POST.get("MessageSid", "")),
            sender=_number(request.POST.get("From", "")),
            body=request.POST.get("Body", ""),
        )
    except InboundRefused as refusal:
        logger.warning("Inbound text refused: %s", refusal)
        return _plain(str(refusal), refusal.status)
    text_receive(inbound)
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")


@csrf_exempt
@require_POST
def notify_inbound(request: HttpRequest) -> HttpResponse:
    """GOV.UK Notify's received-text callback: JSON, with the bearer token set in Notify's settings."""
    if _over_limit(request):
        return _plain("Too many requests; try again in a minute.", 429)
    if not notify_bearer_valid(request.headers.get("Authorization", "")):
        logger.warning("Inbound text refused: the Notify bearer token did not match.")
        return _plain("The bearer token is not valid.", 403)
    try:
        payload = json.loads(request.body)
        if not isinstance(payload, dict):
            raise InboundRefused("The body must be a JSON object.")
        message = payload.get("message", "")
        if not isinstance(message, str):
            raise InboundRefused("The message must be text.")
        inbound = Inbound(
            provider="notify",
            provider_id=_provider_id(str(payload.get("id", ""))),
            sender=_number(str(payload.get("source_number", ""))),
            body=message,
        )
    except ValueError:
        logger.warning("Inbound text refused: the body was not JSON.")
        return _plain("The body must be JSON.", 400)
    except InboundRefused as refusal:
        logger.warning("Inbound text refused: %s", refusal)
        return _plain(str(refusal), refusal.status)
    text_receive(inbound)
    return _plain("Received.", 200)


def _provider_id(raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > 64:
        raise InboundRefused("The message id is missing or too long.")
    return value


def text_receive(inbound: Inbound) -> str:
    """Act on one text, once per provider message id; returns what became of it."""
    body = " ".join(inbound.body.split())[:MAX_BODY]
    try:
        with transaction.atomic():
            record = InboundText.objects.create(
                provider=inbound.provider, provider_id=inbound.provider_id, sender=inbound.sender, body=body
            )
    except IntegrityError:
        logger.info("Inbound text %s/%s seen before: ignored.", inbound.provider, inbound.provider_id)
        return "replayed"
    hourly = ratelimit.hit("sms-inbound-number", inbound.sender, window_seconds=3600)
    if hourly > settings.SMS_INBOUND_PER_HOUR_PER_NUMBER:
        outcome, user = "refused", None
        logger.warning("Inbound text from %s refused: over the hourly limit.", inbound.sender)
    else:
        outcome, user = _act(inbound, body)
    InboundText.objects.filter(pk=record.pk).update(outcome=outcome, user=user)
    return outcome


def _act(inbound: Inbound, body: str) -> tuple[str, User | None]:
    word = body.split(" ", 1)[0].upper().strip(".!") if body else ""
    users = list(User.objects.filter(phone=inbound.sender, is_active=True)[:2])
    # STOP and START are honoured for any number; the answer is in the member's language if the
    # number is one member's, else English.
    sole = users[0] if len(users) == 1 else None
    if word in STOP_WORDS and body.upper().strip(".!") == word:
        TextOptOut.objects.get_or_create(number=inbound.sender)
        with in_language_of(sole):
            # Translators: a text message. Keep START in English capitals: it is the word to type back.
            text = gettext("You won't get any more texts from CareCircle. Reply START to get them again.")
        _reply(inbound, text, category=OPT_OUT_CONFIRMATION)
        return "stop", None
    if word in START_WORDS and body.upper().strip(".!") == word:
        TextOptOut.objects.filter(number=inbound.sender).delete()
        with in_language_of(sole):
            # Translators: a text message. Keep STOP in English capitals: it is the word to type back.
            text = gettext("You'll get texts from CareCircle again. Reply STOP to stop them.")
        _reply(inbound, text)
        return "start", None
    if not users:
        _reply(inbound, unknown_number_text(inbound.sender), key=f"sms-unknown-{inbound.sender}")
        return "unknown", None
    if len(users) > 1:
        with translation.override(_shared_language(inbound.sender)):
            text = gettext("This number belongs to more than one CareCircle account, so please answer in the app.")
        _reply(inbound, text)
        return "ambiguous", None
    user = users[0]
    # Everything below, the answer's `when` and any refusal a service raises included, is written
    # in the member's language, as if they had acted from their own page.
    with in_language_of(user):
        if word in HELP_WORDS and body.upper().strip(".!?") == word:
            _reply(inbound, _help_text(), user=user)
            return "help", user
        command = COMMAND.match(body)
        if command:
            return _command(inbound, user, command.group(1).upper(), command.group(2)), user
        return _post_message(inbound, user, body), user


def _shared_language(number: str) -> str:
    """The language every active account with this number chose, when they agree; else English."""
    languages = {
        reader_language(user)
        for user in User.objects.filter(phone=number, is_active=True).only("language")[:MAX_SHARING_ACCOUNTS]
    }
    return languages.pop() if len(languages) == 1 else settings.LANGUAGE_CODE


def _command(inbound: Inbound, user: User, verb: str, code: str) -> str:
    found = reply_code_find(user=user, code=code)
    # Translators: a text message; %(code)s is the 4- to 6-digit number from our text. Keep HELP in
    # English capitals: it is the word to type back.
    not_found = gettext("We couldn't find %(code)s in your circles. Check the number in our text, or reply HELP.") % {
        "code": code
    }
    if found is None:
        _reply(inbound, not_found, user=user)
        return "unknown-code"
    capability = "tasks.volunteer" if verb == "YES" else "tasks.view"
    try:
        access, task = access_task(user=user, circle_id=found.circle_id, task_id=found.task_id, capability=capability)
        manages = access.can("tasks.manage")
        if verb == "DONE" and not manages and not is_going(user=user, task=task, occurrence_date=found.occurrence_date):
            raise PermissionDenied(gettext("Only someone going, or an organiser, can mark this done."))
        # The same service as the email's "I'll do it" and "I can't" links (tasks/answers.py).
        answered = occurrence_answer(actor=user, task=task, occurrence_date=found.occurrence_date, answer=ANSWERS[verb])
        answer = _answer_text(answered, code)
    except Http404:
        _reply(inbound, not_found, user=user)
        return "unknown-code"
    except PermissionDenied:
        # Translators: a text message; %(verb)s is the member's command (YES, NO or DONE, kept in
        # English) and %(code)s the number from our text.
        refused = gettext("Your role in that circle doesn't allow %(verb)s %(code)s. Open CareCircle to see why.")
        _reply(inbound, refused % {"verb": verb, "code": code}, user=user)
        return "refused"
    except DomainError as refusal:
        _reply(inbound, str(refusal), user=user)
        return "refused"
    _reply(inbound, answer, user=user)
    return verb.lower()


ANSWERS = {"YES": Answer.TAKE, "NO": Answer.CANT, "DONE": Answer.DONE}


def _answer_text(answered: Answered, code: str) -> str:
    """The answer to YES/NO/DONE in the active language; `answered.when` was made in the same one."""
    values = {"when": str(answered.when), "code": code}
    outcome = answered.outcome
    # Translators: text messages; %(when)s is a day and time ("Fri 5 Dec, 10:30"), %(code)s the
    # number from our text. Keep NO in English capitals: it is the word to type back.
    if outcome == Outcome.TAKEN:
        return gettext("Thank you: you're down for %(when)s. Reply NO %(code)s if you can't go after all.") % values
    if outcome == Outcome.TAKEN_REST:
        # Translators: a text message; %(when)s is a stay that has begun ("Stay with Dad on Fri 13 Mar"),
        # %(until)s its last day ("Sun 15 Mar").
        return gettext("Thank you: you're down for the rest of %(when)s, until %(until)s.") % {
            "when": str(answered.when),
            "until": answered.until,
        }
    if outcome == Outcome.GAVE_UP_REST:
        assert answered.first_day is not None
        assert answered.rest_from is not None
        rest = {
            "when": str(answered.when),
            "from": short_day(answered.rest_from),
            "covered": covered_words(first=answered.first_day, rest_from=answered.rest_from, short=True),
        }
        if rest["covered"]:
            # Translators: a text message; %(when)s is a stay that has begun ("Stay with Dad on Fri 4 Dec"),
            # %(from)s the first day given up ("Sat 5 Dec"), %(covered)s the days before it ("Fri", "Fri to Sun").
            return gettext("You've given up the rest of %(when)s, from %(from)s. Thank you for %(covered)s.") % rest
        # Translators: a text message; %(when)s is a stay that has begun, %(from)s the first day given up.
        return gettext("You've given up the rest of %(when)s, from %(from)s. Thank you for the time you gave.") % rest
    if outcome == Outcome.ALREADY_GOING:
        return gettext("You're already down for %(when)s. Reply NO %(code)s if you can't go after all.") % values
    if outcome == Outcome.GAVE_UP:
        return gettext("Done: you're no longer down for %(when)s. We'll ask others.") % values
    if outcome == Outcome.DECLINED:
        return gettext("Thanks for letting us know. We won't ask you about %(when)s again.") % values
    if outcome == Outcome.ALREADY_DECLINED:
        return gettext("You've already said you can't do %(when)s. Nothing changed.") % values
    return gettext("Thank you: %(when)s is marked done.") % values


def _post_message(inbound: Inbound, user: User, body: str) -> str:
    """Post the text in the family conversation of the member's circle, marked as sent by text."""
    circle_ids = list(Membership.objects.filter(user=user).values_list("circle_id", flat=True)[:2])
    if len(circle_ids) != 1:
        if circle_ids:
            text = gettext(
                "We couldn't post your message because you're in more than one circle. Please write it in the app."
            )
        else:
            text = gettext("We couldn't post your message because you aren't in a circle. Please write it in the app.")
        _reply(inbound, text, user=user)
        return "not-posted"
    try:
        access = access_circle(user=user, circle_id=circle_ids[0])
        where = conversation_access_for(access, family_conversation(circle=access.circle))
        message_post(actor=user, where=where, body=body, via="sms")
    except (Http404, PermissionDenied):
        _reply(inbound, gettext("Your role in the circle doesn't include writing in its conversation."), user=user)
        return "not-posted"
    except DomainError as refusal:
        _reply(inbound, str(refusal), user=user)
        return "not-posted"
    return "message"


def _reply(
    inbound: Inbound, text: str, *, user: User | None = None, category: str = REPLY_CATEGORY, key: str = ""
) -> None:
    delivery_enqueue(
        channel=Channel.SMS,
        to=inbound.sender,
        body=fit(text),
        idempotency_key=key or f"sms-reply-{inbound.provider}-{inbound.provider_id}"[:120],
        recipient_id=user.pk if user is not None else None,
        category=category,
    )
