"""notify(): the one way any area tells members something (ARCHITECTURE rule 7).

It decides from each member's role defaults and own preferences who hears what, on which channel
and when; writes the in-app notifications and queues the deliveries in the caller's transaction; and
costs the same handful of queries for a circle of 6 or 60. Areas below notifications (accounts,
circles) and the domain apps reach it through `lib.hooks.notify`, never by importing this module.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.permissions import capabilities_for
from carecircle.lib.hooks import ReplyTarget, users_event_send
from carecircle.lib.new_rows import insert_values
from carecircle.lib.one_of import OneOf
from carecircle.notifications import chat
from carecircle.notifications.categories import EMAIL, IN_APP, PUSH, SMS, Category, category_named
from carecircle.notifications.emails import EmailHtml
from carecircle.notifications.fan_out import Notice, fan_out_record
from carecircle.notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)
from carecircle.notifications.preferences import mute_token, unsubscribe_token, unsubscribe_url
from carecircle.notifications.push import push_payload
from carecircle.notifications.recipients import Recipient
from carecircle.notifications.reply_mail import reply_to_header
from carecircle.notifications.services import DeliveryDraft, deliveries_enqueue
from carecircle.notifications.sms_text import fit

logger = logging.getLogger(__name__)

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Rendered:
    """What one member reads: the subject and text of the email, and the text message."""

    subject: str
    text: str
    sms: str = ""


Render = Callable[[User | Recipient], Rendered]


@dataclass(frozen=True)
class Choices:
    """One member's preferences, read in bulk."""

    overrides: dict[tuple[str, str], bool]
    settings: NotificationSettings | None
    # Whether the member turned push on for at least one device that still takes it.
    has_push: bool = False

    def wants(self, category: Category, channel: str, role: str) -> bool:
        # The default only when the member chose nothing (most members, most channels).
        chosen = self.overrides.get((category.key, channel)) if self.overrides else None
        return category.default(channel, role) if chosen is None else chosen


def quiet_until(
    settings_row: NotificationSettings | None, time_zone: str, now: datetime.datetime
) -> datetime.datetime | None:
    """When the member's quiet hours end, if they are in them now (on their own clock); else None."""
    if settings_row is None or settings_row.quiet_from is None or settings_row.quiet_until is None:
        return None
    start, end = settings_row.quiet_from, settings_row.quiet_until
    if start == end:
        return None
    try:
        zone = ZoneInfo(time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone).astimezone(datetime.UTC)


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def default_render(*, title: str | Promise, body: str | Promise, url: str, circle: Circle) -> Render:
    # The same words for every member reading one language: made once per language, not per member.
    made: dict[str, Rendered] = {}

    def render(user: User | Recipient) -> Rendered:
        # Called inside translation.override(the recipient's language): lazy text becomes theirs.
        language = translation.get_language() or ""
        rendered = made.get(language)
        if rendered is None:
            link = absolute(url) if url else settings.SITE_URL
            opener = _("Open it in CareCircle: %(link)s") % {"link": link}
            text = f"{title}\n\n{body}\n\n{opener}\n" if body else f"{title}\n\n{opener}\n"
            rendered = made[language] = Rendered(subject=str(title), text=text, sms=f"{title} {link}")
        return rendered

    return render


def _normalised(
    render: Callable[[User], Rendered | tuple[str, str]] | None,
    *,
    title: str | Promise,
    body: str | Promise,
    url: str,
    circle: Circle,
) -> Render:
    """The caller's own wording (a subject and text per member) or the default; texts stay short."""
    fallback = default_render(title=title, body=body, url=url, circle=circle)
    if render is None:
        return fallback

    def made(user: User | Recipient) -> Rendered:
        # The caller's render reads the whole account: notify() reads it when given one (`_members(accounts=True)`).
        account = user.account if isinstance(user, Recipient) else user
        if account is None:
            raise ValueError("A render(user) needs the member's account: read them with _members(accounts=True).")
        result = render(account)
        if isinstance(result, Rendered):
            return result
        subject, text = result
        return Rendered(subject=subject, text=text, sms=fallback(user).sms)

    return made


# The columns telling a member reads, in Recipient's order (is_active only to leave the inactive out).
_ROW = (
    "user_id",
    "role",
    "person_is_member",
    "user__is_active",
    "user__email",
    "user__phone",
    "user__language",
    "user__time_zone",
)


def _members(
    circle: Circle,
    user_ids: Collection[int] | None,
    capability: str | None,
    exclude: set[int],
    *,
    accounts: bool = False,
) -> list[Recipient]:
    """The members to tell, as rows (their accounts too with `accounts`, for a caller's render(user))."""
    found = Membership.objects.filter(circle=circle)
    wanted = None if user_ids is None else set(user_ids)
    if wanted is not None:
        # Only the members asked about: the worker tells a big circle 250 at a time, and reading all
        # 1,000 members (and their accounts) for each chunk was most of its work.
        found = found.filter(OneOf("user_id", wanted))
    found = found.annotate(
        person_is_member=Exists(Membership.objects.filter(circle=OuterRef("circle"), role=Role.PERSON))
    )
    rows: list[tuple[int, str, bool, bool, str, str, str, str, User | None]]
    if accounts:
        rows = [
            (
                membership.user_id,
                membership.role,
                bool(getattr(membership, "person_is_member", False)),
                membership.user.is_active,
                membership.user.email,
                membership.user.phone,
                membership.user.language,
                membership.user.time_zone,
                membership.user,
            )
            for membership in found.select_related("user")
        ]
    else:
        # Tuples, not 2,000 model instances a message in a circle of 1,000: the same query's columns.
        rows = [(*row, None) for row in found.values_list(*_ROW)]
    # The same for every member with the same role: worked out once per role, not per member.
    allowed: dict[tuple[str, bool], bool] = {}
    chosen: list[Recipient] = []
    for user_id, role, person_is_member, is_active, email, phone, language, time_zone, account in rows:
        if user_id in exclude or (wanted is not None and user_id not in wanted) or not is_active:
            continue
        if capability is not None:
            key = (role, bool(person_is_member))
            if key not in allowed:
                allowed[key] = capability in capabilities_for(
                    role=role, consent=circle.consent, person_is_member=bool(person_is_member)
                )
            if not allowed[key]:
                continue
        chosen.append(
            Recipient(user_id, role, bool(person_is_member), email, phone, language, time_zone, account=account)
        )
    return chosen


# What a member who chose nothing and kept the default settings has: one, shared by all of them
# (a big circle's fan-out made a Choices and a dict for each of its 1,000 members). Never changed.
NOTHING_CHOSEN = Choices({}, None, False)


def choices_for(user_ids: list[int], category: Category) -> dict[int, Choices]:
    overrides: dict[int, dict[tuple[str, str], bool]] = {}
    # The ids as one array parameter (lib.one_of), not one per member: the same rows as `user_id__in`.
    for user_id, key, channel, enabled in NotificationPreference.objects.filter(
        OneOf("user_id", user_ids), category=category.key
    ).values_list("user_id", "category", "channel", "enabled"):
        overrides.setdefault(user_id, {})[(key, channel)] = enabled
    devices = PushSubscription.objects.filter(user_id=OuterRef("user_id"), failing_since__isnull=True)
    rows = {
        row.user_id: row
        for row in NotificationSettings.objects.filter(OneOf("user_id", user_ids)).annotate(has_push=Exists(devices))
    }
    found: dict[int, Choices] = {}
    for user_id in user_ids:
        mine, row = overrides.get(user_id), rows.get(user_id)
        if mine is None and row is None:
            found[user_id] = NOTHING_CHOSEN
        else:
            found[user_id] = Choices(mine or {}, row, bool(getattr(row, "has_push", False)))
    return found


def _devices(members: list[Recipient], choices: dict[int, Choices], category: Category) -> dict[int, list[int]]:
    """Each member's devices to push to, for those who want this pushed; a query only when someone does."""
    wanting = [
        member.user_id
        for member in members
        if choices[member.user_id].has_push and choices[member.user_id].wants(category, PUSH, member.role)
    ]
    if not wanting:
        return {}
    found: dict[int, list[int]] = {}
    for device_id, user_id in (
        PushSubscription.objects.filter(OneOf("user_id", wanting), failing_since__isnull=True)
        .order_by("id")
        .values_list("pk", "user_id")
    ):
        found.setdefault(user_id, []).append(device_id)
    return found


def notify(
    *,
    category: str,
    circle: Circle,
    key: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    actor: User | None = None,
    user_ids: Collection[int] | None = None,
    capability: str | None = None,
    skip_user_ids: Collection[int] = (),
    conversation_id: int | None = None,
    render: Callable[[User], Rendered | tuple[str, str]] | None = None,
    sms_suffix: Callable[[], str] | None = None,
    reply_target: ReplyTarget | None = None,
    later: bool = False,
    live_message_id: int | None = None,
) -> list[int]:
    """Tell the circle's members (only `user_ids`, only those with `capability`) about one thing.

    Call inside the transaction of the change. `key` names the thing ("message-42"): the same key
    never tells anyone twice. The actor is never told about their own action; a member who muted
    `conversation_id` hears nothing about it, nor does anyone in `skip_user_ids`. `render(user)`
    gives each member's own subject and text (e.g. times in their time zone); `sms_suffix()` ends
    each text message uncut ("Reply YES 4821 to help."), called only if someone is texted. With
    `reply_target`, each email carries the member's own reply address (reply_mail.py). Returns
    the ids of the members considered (told in at least the app, unless they turned everything off).

    Each member is told in their own language (User.language): pass `title` and `body` as
    gettext_lazy text, and `render` runs inside translation.override of the recipient's language.

    To NOTIFY_IN_WORKER_FROM members or more (without `render` or `sms_suffix`), only one FanOut
    row is written here; the worker writes each member's notification and deliveries right after
    the commit (fan_out.py), so the in-app list and badge of a big circle lag by that much.

    With `later` (no `render` or `sms_suffix`), whatever the size only that one row is written here,
    without reading the members (pass the circle's `user_ids` if you have them): a smaller circle's
    members are told by `fan_outs_finish(keys)` once the caller's transaction has committed and its
    live event left, a big circle's by the worker; the sweep tells them if the process died between.
    With `live_message_id` too (a message in `conversation_id`), whoever is reading the conversation
    live when told hears nothing more (conversations answer through the conversation_live_readers
    hook, after the commit rather than inside the change's transaction).
    Returns the ids recorded (each is checked when told).
    """
    chosen_category = category_named(category)
    exclude = {*skip_user_ids, *([actor.pk] if actor is not None else [])}
    notice = Notice(
        category=chosen_category.key,
        circle=circle,
        key=key,
        title=title,
        body=body,
        url=url,
        actor=actor,
        capability=capability,
        conversation_id=conversation_id,
        reply_target=reply_target,
        message_id=live_message_id if later else None,
    )
    if later:
        if render is not None or sms_suffix is not None:
            raise ValueError("notify(later=True) takes no render or sms_suffix: the row keeps only the words.")
        return _record_for_later(notice, user_ids, exclude)
    members = _members(circle, user_ids, capability, exclude, accounts=render is not None)
    if not members:
        return []
    ids = [member.user_id for member in members]
    if len(ids) >= settings.NOTIFY_IN_WORKER_FROM and render is None and sms_suffix is None:
        # A big circle: one row now, each member's rows from the worker after commit (fan_out.py).
        fan_out_record(notice, ids)
        return ids
    return tell(chosen_category, members, notice, render=render, sms_suffix=sms_suffix)


def _record_for_later(notice: Notice, user_ids: Collection[int] | None, exclude: set[int]) -> list[int]:
    """notify(later=True): one FanOut row now; the members are read and told after the commit."""
    if user_ids is None:
        user_ids = Membership.objects.filter(circle=notice.circle).values_list("user_id", flat=True)
    ids = sorted({user_id for user_id in user_ids if user_id not in exclude})
    if ids:
        fan_out_record(notice, ids, by_worker=len(ids) >= settings.NOTIFY_IN_WORKER_FROM)
    return ids


# The fields of each notification tell() writes, in the order of its rows.
_NOTIFICATION = (
    "recipient_id",
    "circle_id",
    "category",
    "title",
    "body",
    "url",
    "group",
    "key",
    "capability",
    "held_for_digest",
    "in_app",
    "created_at",
)


def tell(
    chosen_category: Category,
    members: list[Recipient],
    notice: Notice,
    *,
    render: Callable[[User], Rendered | tuple[str, str]] | None = None,
    sms_suffix: Callable[[], str] | None = None,
) -> list[int]:
    """Write the notifications and queue the deliveries of these members (chosen by `_members`).

    Returns the ids of those not muting the conversation.
    """
    circle, key, title, body, url = notice.circle, notice.key, notice.title, notice.body, notice.url
    actor, capability, conversation_id = notice.actor, notice.capability, notice.conversation_id
    reply_target = notice.reply_target
    ids = [member.user_id for member in members]
    if conversation_id is not None:
        muted = set(
            ConversationMute.objects.filter(OneOf("user_id", ids), conversation_id=conversation_id).values_list(
                "user_id", flat=True
            )
        )
        members = [member for member in members if member.user_id not in muted]
        ids = [member.user_id for member in members]
    choices = choices_for(ids, chosen_category)
    devices = _devices(members, choices, chosen_category)
    now = timezone.now()
    make = _normalised(render, title=title, body=body, url=url, circle=circle)
    notifications: list[tuple[int, int, str, str, str, str, str, str, str, bool, bool, datetime.datetime]] = []
    circle_id, category_key, short_url, capability_text = circle.pk, chosen_category.key, url[:500], capability or ""
    drafts: list[DeliveryDraft] = []
    group = f"conversation-{conversation_id}" if conversation_id is not None else ""
    suffix = _once(sms_suffix)
    html = EmailHtml()
    words = _in_language(title, body)
    links = Links()
    # Chat: members with an email already waiting get this message added to it (chat.grow), no draft.
    batching = chosen_category.key == "message" and bool(group)
    waiting = chat.batches(ids, group=group, now=now) if batching else chat.Batches()
    growing: list[int] = []
    # Each member's language (chat.batch writes each email in it), worked out once per member.
    languages: dict[int, str] = {}
    for member in members:
        user_id = member.user_id
        mine = choices[user_id]
        in_app = mine.wants(chosen_category, IN_APP, member.role)
        # The digest follows the member's email choice for the category, whatever they chose for the app.
        held = held_for_digest(chosen_category, member, mine)
        language = language_of(member)
        if batching:
            languages[user_id] = language
        if in_app or held:
            title_text, body_text = words(language)
            # A row of values in _NOTIFICATION's order, not a Notification instance (lib/new_rows.insert_values).
            notifications.append(
                (
                    user_id,
                    circle_id,
                    category_key,
                    title_text[:200],
                    body_text[:500],
                    short_url,
                    group,
                    f"{key}-{user_id}"[:160],
                    capability_text,
                    held,
                    in_app,
                    now,
                )
            )
        wanted = _channels(chosen_category, member, mine)
        channels = [channel for channel in wanted if not waiting.covers(user_id, channel)]
        if EMAIL in wanted and (user_id, EMAIL) in waiting.waiting:
            growing.append(user_id)
        mine_devices = [] if waiting.covers(user_id, PUSH) else devices.get(user_id, [])
        if not channels and not mine_devices:
            continue
        drafts.extend(
            _drafts(
                chosen_category,
                member,
                mine,
                make,
                channels,
                key=key,
                now=now,
                conversation_id=conversation_id,
                sms_suffix=suffix,
                reply_to=reply_to_header(member=member, circle=circle, target=reply_target),
                devices=mine_devices,
                url=url,
                # A chat batch's first email is written again by chat.batch: its HTML is made there, once.
                html=NO_HTML if batching else html,
                links=links,
                language=language,
            )
        )
    if notifications:
        # One INSERT from arrays on PostgreSQL, bulk_create elsewhere; a key already told is skipped.
        insert_values(Notification, _NOTIFICATION, notifications)
        # One live event for everyone told in the app (the header's unread badge), not one per member.
        users_event_send(
            user_ids=[row[0] for row in notifications if row[10]],
            circle_id=circle.pk,
            type="notification",
        )
    drafts = within_daily_cap(drafts, category=chosen_category, now=now)
    if batching:
        # One line in the email, however the message was written.
        line = " ".join((f"{actor.display_name}: {body}" if actor is not None else str(body)).split())
        drafts = chat.batch(drafts, group=group, line=line, now=now, languages=languages, html=html)
        if growing:
            chat.grow(growing, group=group, line=line)
    deliveries_enqueue(drafts)
    return ids


def _in_language(title: str | Promise, body: str | Promise) -> Callable[[str], tuple[str, str]]:
    """The notification's title and body in a language, translated once per language, not per member."""
    made: dict[str, tuple[str, str]] = {}

    def words(language: str) -> tuple[str, str]:
        found = made.get(language)
        if found is None:
            with translation.override(language):
                found = made[language] = (str(title), str(body))
        return found

    return words


class Links:
    """Each member's "mute" and "stop these emails" links in one fan-out.

    The URL is reversed once per fan-out and only each member's signed token is made per member:
    the same bytes as `unsubscribe_url` and reversing the mute page for every member.
    """

    def __init__(self) -> None:
        self.patterns: dict[str, tuple[str, str]] = {}

    def url(self, name: str, token: str) -> str:
        pattern = self.patterns.get(name)
        if pattern is None:
            before, _sep, after = absolute(reverse(name, kwargs={"token": "TOKEN"})).rpartition("TOKEN")
            pattern = self.patterns[name] = (before, after)
        return f"{pattern[0]}{token}{pattern[1]}"

    def stop(self, *, user_id: int, category: str) -> str:
        return self.url("notifications:stop_emails", unsubscribe_token(user_id=user_id, category=category))

    def mute(self, *, user_id: int, conversation_id: int) -> str:
        return self.url("notifications:mute", mute_token(user_id=user_id, conversation_id=conversation_id))


class _NoHtml(EmailHtml):
    """For drafts whose email is written again later (chat.batch): no HTML made twice."""

    def __call__(self, text: str, *, subject: str) -> str:
        return ""


NO_HTML = _NoHtml()


def _once(make: Callable[[], str] | None) -> Callable[[], str]:
    """`make`, called at most once however many members are texted; "" without it."""
    made: list[str] = []

    def value() -> str:
        if not made:
            made.append(make() if make is not None else "")
        return made[0]

    return value


def within_daily_cap(drafts: list[DeliveryDraft], *, category: Category, now: datetime.datetime) -> list[DeliveryDraft]:
    """At most SMS_DAILY_CAP texts a member a day (urgent ones always go); one query, only when texting."""
    texts = [draft for draft in drafts if draft.channel == SMS]
    if not texts or category.urgent:
        return drafts
    sent = dict(
        Delivery.objects.filter(
            channel=SMS, recipient_id__in=[draft.recipient_id for draft in texts], created_at__gte=now - DAY
        )
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    cap = settings.SMS_DAILY_CAP
    return [draft for draft in drafts if draft.channel != SMS or sent.get(draft.recipient_id or 0, 0) < cap]


def held_for_digest(category: Category, member: Recipient, mine: Choices) -> bool:
    """Whether this waits for the member's daily or weekly digest instead of an email now."""
    row = mine.settings
    if row is None or row.digest == "off" or category.urgent or row.email_failing_since is not None:
        return False
    return bool(member.email) and mine.wants(category, EMAIL, member.role)


def _channels(category: Category, member: Recipient, mine: Choices) -> list[str]:
    """The channels (email, text) this member is told on now: wanted, working, not waiting for a digest."""
    row = mine.settings
    wanted = []
    email_works = bool(member.email) and (row is None or row.email_failing_since is None)
    # In digest mode only urgent news is emailed at once; the rest waits for the digest.
    email_now = row is None or row.digest == "off" or category.urgent
    if email_works and email_now and mine.wants(category, EMAIL, member.role):
        wanted.append(EMAIL)
    sms_works = bool(member.phone) and (row is None or row.sms_failing_since is None)
    if sms_works and mine.wants(category, SMS, member.role):
        wanted.append(SMS)
    return wanted


def _drafts(
    category: Category,
    member: Recipient,
    mine: Choices,
    make: Render,
    wanted: list[str],
    *,
    key: str,
    now: datetime.datetime,
    conversation_id: int | None,
    sms_suffix: Callable[[], str],
    reply_to: str = "",
    devices: Collection[int] = (),
    url: str = "",
    html: EmailHtml | None = None,
    links: Links | None = None,
    language: str | None = None,
) -> list[DeliveryDraft]:
    """One member's drafts on the `wanted` channels (`_channels`) and their push devices, in `language` (theirs)."""
    if not wanted and not devices:
        return []
    mute_url = ""
    if conversation_id is not None and EMAIL in wanted:
        mute_url = (links or Links()).mute(user_id=member.user_id, conversation_id=conversation_id)
    row = mine.settings
    with translation.override(language or language_of(member)):
        return drafts_in_language(
            category,
            member,
            make,
            wanted,
            key=key,
            now=now,
            row=row,
            mute_url=mute_url,
            sms_suffix=sms_suffix,
            reply_to=reply_to,
            devices=devices,
            url=url,
            html=html,
            links=links,
        )


def language_of(user: User | Recipient) -> str:
    """The language a member reads: the one on their profile, if CareCircle still speaks it."""
    return user.language if user.language in _spoken() else settings.LANGUAGE_CODE


# settings.LANGUAGES and its codes: language_of runs for each member told, and made a dict each time.
_languages: list[tuple[object, frozenset[str]]] = []


def _spoken() -> frozenset[str]:
    languages = settings.LANGUAGES
    if not _languages or _languages[0][0] is not languages:
        _languages[:] = [(languages, frozenset(code for code, _name in languages))]
    return _languages[0][1]


def drafts_in_language(
    category: Category,
    user: User | Recipient,
    make: Render,
    wanted: list[str],
    *,
    key: str,
    now: datetime.datetime,
    row: NotificationSettings | None,
    mute_url: str,
    sms_suffix: Callable[[], str],
    reply_to: str,
    devices: Collection[int] = (),
    url: str = "",
    html: EmailHtml | None = None,
    links: Links | None = None,
) -> list[DeliveryDraft]:
    """One member's emails, texts and pushes, rendered in their own language (the caller overrides it).

    `html` makes the HTML of the emails; one shared by a fan-out renders the template once per language.
    """
    html = html or EmailHtml()
    rendered = make(user)
    later = None if category.urgent else quiet_until(row, user.time_zone, now)
    drafts = []
    for channel in wanted:
        email = channel == EMAIL
        headers: dict[str, str] = {}
        text = fit(rendered.sms or rendered.subject, tail="" if email else sms_suffix())
        if email:
            stop = (
                links.stop(user_id=user.pk, category=category.key)
                if links
                else unsubscribe_url(user_id=user.pk, category=category.key)
            )
            # RFC 8058: mail programs offer a one-click "unsubscribe" that POSTs to this address.
            headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            if reply_to:
                headers["Reply-To"] = reply_to
            text = email_footer(rendered.text, category=category, stop=stop, mute=mute_url, reply=bool(reply_to))
        drafts.append(
            DeliveryDraft(
                channel=channel,
                to=user.email if email else user.phone,
                subject=rendered.subject[:200] if email else "",
                body=text,
                html_body=html(text, subject=rendered.subject) if email else "",
                idempotency_key=f"{key}-{channel}-{user.pk}"[:120],
                recipient_id=user.pk,
                category=category.key,
                headers=headers,
                not_before=later,
            )
        )
    # Opening the push marks the member's in-app notification (key `<key>-<member>`, as notify() writes it) read.
    payload = (
        push_payload(category=category.key, title=rendered.subject, url=url, notification_key=f"{key}-{user.pk}"[:160])
        if devices
        else ""
    )
    drafts.extend(
        DeliveryDraft(
            channel=PUSH,
            to=str(device_id),
            subject=rendered.subject[:200],
            body=payload,
            idempotency_key=f"{key}-push-{user.pk}-{device_id}"[:120],
            recipient_id=user.pk,
            category=category.key,
            not_before=later,
        )
        for device_id in devices
    )
    return drafts


def email_footer(text: str, *, category: Category, stop: str, mute: str, reply: bool = False) -> str:
    """Why the member got this email and how to hear less: one click, no sign-in needed."""
    lines = [text.rstrip(), "", "—"]
    if reply:
        lines.append(_("Reply to this email to write back in CareCircle: only your new words are posted, as you."))
    # The label as the preferences page shows it, quoted: pasted after "about" it read "about someone is struggling".
    lines.append(_("You get this because you chose emails about “%(what)s”.") % {"what": category.label})
    if mute:
        lines.append(_("Mute this conversation: %(link)s") % {"link": mute})
    lines.append(_("Stop these emails: %(link)s") % {"link": stop})
    preferences = absolute(reverse("notifications:preferences"))
    lines.append(_("Choose what you hear about: %(link)s") % {"link": preferences})
    return "\n".join(lines) + "\n"
