"""The member's notifications pages: the list, preferences, and the one-click links from emails."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.accounts.models import User
from carecircle.lib.caching import revalidated
from carecircle.notifications import preferences as prefs
from carecircle.notifications import push
from carecircle.notifications.categories import EMAIL, IN_APP, PUSH, SMS
from carecircle.notifications.channel_failing import channel_mark_working
from carecircle.notifications.instead import sent_instead_lines
from carecircle.notifications.models import Channel, Digest, Notification, NotificationSettings

LIST_LIMIT = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    return user


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True, in_app=True)


@login_required
@revalidated
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The latest notifications, newest first; those shown are marked read once the page is drawn."""
    user = _user(request)
    items = list(Notification.objects.filter(recipient=user, in_app=True).order_by("-created_at", "-id")[:LIST_LIMIT])
    unread_ids = [item.pk for item in items if item.read_at is None]
    response = render(
        request,
        "notifications/list.html",
        {
            "items": items,
            "unread_ids": set(unread_ids),
            "limit": LIST_LIMIT,
            "nav": "notifications",
            "channels": NotificationSettings.objects.filter(user=user).first(),
        },
    )
    if unread_ids:
        Notification.objects.filter(pk__in=unread_ids).update(read_at=timezone.now())
    return response


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to what it is about, marking it read."""
    item = get_object_or_404(Notification, pk=notification_id, recipient=_user(request))
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk).update(read_at=timezone.now())
    safe = url_has_allowed_host_and_scheme(item.url, allowed_hosts=None) and item.url.startswith("/")
    return HttpResponseRedirect(item.url if safe else "/notifications/")


def _same_site_path(address: str) -> str | None:
    """A path on this site (never another site, never "//host"), or None."""
    plain = address.startswith("/") and not address.startswith("//") and "\\" not in address
    return address if plain and url_has_allowed_host_and_scheme(address, allowed_hosts=None) else None


@login_required
@never_cache
@require_GET
def push_open(request: HttpRequest) -> HttpResponse:
    """Opening a push notification: mark that notification read, for the signed-in member only, then go on.

    The push's link carries the notification's key (`n`) and its page (`to`). Only the member's own
    notification is looked up, so someone else's key (or a made-up one) marks nothing and leads to
    `to`. Opening it again changes nothing more. This GET changes nothing but the member's own
    read mark, as opening a notification from the list does (docs/architecture/notifications.md).
    """
    key = request.GET.get("n", "")
    target = _same_site_path(request.GET.get("to", "")) or reverse("notifications:list")
    if key and len(key) <= 160:
        found = Notification.objects.filter(recipient=_user(request), key=key).only("url", "read_at").first()
        if found is not None:
            if found.read_at is None:
                Notification.objects.filter(pk=found.pk, read_at__isnull=True).update(read_at=timezone.now())
            target = _same_site_path(found.url) or target
    return HttpResponseRedirect(target)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark everything read."""
    unread(_user(request)).update(read_at=timezone.now())
    return redirect("notifications:list")


@login_required
@require_POST
def channel_resume(request: HttpRequest, channel: str) -> HttpResponse:
    """ "Start emailing me again" (or texting): the member says their address or number works now."""
    if channel not in (Channel.EMAIL, Channel.SMS):
        raise Http404("There is no such way of reaching you.")
    channel_mark_working(user_id=_user(request).pk, channel=channel)
    if channel == Channel.EMAIL:
        messages.success(request, _("We'll start emailing you again."))
    else:
        messages.success(request, _("We'll start texting you again."))
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return HttpResponseRedirect(back)
    return redirect("notifications:preferences")


@login_required
@never_cache
@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """How many notifications are unread, for the header's count (kept live by unread.js).

    `label` is what the header shows, in the member's language with its plural ("" for none), so the
    script writes no words of its own.
    """
    count = unread(_user(request)).count()
    label = ngettext("%(count)s new", "%(count)s new", count) % {"count": count} if count else ""
    return JsonResponse({"unread": count, "label": label})


def _time(value: str, error: str, errors: list[str]) -> datetime.time | None:
    if not value:
        return None
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        errors.append(error)
        return None


def _weekday(value: str) -> int:
    """The chosen day of the weekly email; anything else is -1, which the service refuses clearly."""
    return int(value) if value.isdigit() and len(value) == 1 else -1


_TIMING_FIELDS = ("quiet_from", "quiet_until", "digest", "digest_weekday")
# The preferences page shows these channels; push has its own page, beside the device's push controls.
PAGE_CHANNELS = (IN_APP, EMAIL, SMS)
PUSH_CHANNELS = (PUSH,)


def _timing_save(request: HttpRequest, user: User, errors: list[str], *, enabled: list[str] | None) -> bool:
    """Save quiet hours and the digest from the form (and the choices, when given); False with `errors` if not."""
    quiet_from = _time(
        request.POST.get("quiet_from", "").strip(),
        _("Give the start of your quiet hours as a time, like 21:30."),
        errors,
    )
    quiet_until = _time(
        request.POST.get("quiet_until", "").strip(),
        _("Give the end of your quiet hours as a time, like 21:30."),
        errors,
    )
    if errors:
        return False
    digest = request.POST.get("digest", Digest.OFF)
    weekday = _weekday(request.POST.get("digest_weekday", "0"))
    try:
        if enabled is None:
            prefs.timing_save(
                user=user, quiet_from=quiet_from, quiet_until=quiet_until, digest=digest, digest_weekday=weekday
            )
        else:
            prefs.preferences_save(
                user=user,
                enabled=enabled,
                quiet_from=quiet_from,
                quiet_until=quiet_until,
                digest=digest,
                digest_weekday=weekday,
            )
    except prefs.PreferenceError as error:
        errors.append(str(error))
        return False
    return True


def _choices_save(request: HttpRequest, user: User, errors: list[str], *, channels: tuple[str, ...]) -> bool:
    """Save the ticked boxes of `channels` from the form; False with `errors` if they can't be saved."""
    enabled = [name for name in request.POST.getlist("on") if isinstance(name, str)]
    try:
        prefs.choices_save(user=user, enabled=enabled, channels=channels)
    except prefs.PreferenceError as error:
        errors.append(str(error))
        return False
    return True


@login_required
@revalidated
@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest) -> HttpResponse:
    """Which kinds of news reach the member in the app, by email and by text; the rest is one link away.

    Its form saves those three channels. A form that also sends quiet hours or the digest (the
    whole form from before they had their own page) is saved whole, every channel, as before.
    """
    user = _user(request)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if any(field in request.POST for field in _TIMING_FIELDS):
            enabled = [name for name in request.POST.getlist("on") if isinstance(name, str)]
            saved = _timing_save(request, user, errors, enabled=enabled)
        else:
            saved = _choices_save(request, user, errors, channels=PAGE_CHANNELS)
        if saved:
            messages.success(request, _("Saved. You'll hear about things as you chose."))
            return redirect("notifications:preferences")
        status = 400
    chosen = prefs.preferences_for(user)
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": _rows_on(chosen, PAGE_CHANNELS),
            "channels": chosen.settings,
            "errors": errors,
            "nav": "notifications",
        },
        status=status,
    )


def _rows_on(chosen: prefs.Preferences, channels: tuple[str, ...]) -> list[prefs.Row]:
    return [prefs.Row(row.category, [cell for cell in row.cells if cell.channel in channels]) for row in chosen.rows]


@login_required
@revalidated
@require_http_methods(["GET", "POST"])
def preferences_when(request: HttpRequest) -> HttpResponse:
    """Quiet hours, the daily or weekly email, and how urgent news comes when a channel can't take it."""
    user = _user(request)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if _timing_save(request, user, errors, enabled=None):
            messages.success(request, _("Saved. You'll hear about things as you chose."))
            return redirect("notifications:preferences_when")
        status = 400
    chosen = prefs.preferences_for(user)
    return render(
        request,
        "notifications/preferences_when.html",
        {
            "preferences": chosen,
            "digests": Digest.choices,
            "weekdays": sorted(WEEKDAYS.items()),
            "errors": errors,
            "nav": "notifications",
            "urgent": [row.category.label for row in chosen.rows if row.category.urgent],
            "sent_instead": sent_instead_lines(user, now=timezone.now()),
        },
        status=status,
    )


@login_required
@require_GET
def preferences_kinds(request: HttpRequest) -> HttpResponse:
    """What each kind of news the member can hear about covers, one link from the preferences page.

    The preferences page names each kind in its fieldset's legend only, so it fits the first round
    trip in every language; the longer words for each kind are here (docs/architecture/notifications.md).
    """
    chosen = prefs.preferences_for(_user(request))
    return render(
        request,
        "notifications/preferences_kinds.html",
        {"categories": [row.category for row in chosen.rows], "nav": "notifications"},
    )


@login_required
@revalidated
@require_http_methods(["GET", "POST"])
def preferences_push(request: HttpRequest) -> HttpResponse:
    """Which kinds of news come as push notifications, this device's push (push.js), and the member's devices."""
    user = _user(request)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if _choices_save(request, user, errors, channels=PUSH_CHANNELS):
            messages.success(request, _("Saved. You'll hear about things as you chose."))
            return redirect("notifications:preferences_push")
        status = 400
    chosen = prefs.preferences_for(user)
    return render(
        request,
        "notifications/preferences_push.html",
        {
            "rows": _rows_on(chosen, PUSH_CHANNELS),
            "errors": errors,
            "nav": "notifications",
            "devices": _devices(request, user),
            "push_key": push.vapid_keys().public_key,
        },
        status=status,
    )


def _devices(request: HttpRequest, user: User) -> dict[str, Any]:
    """The part of the member's devices `?from=` asks for, and the links to the next part and the first."""
    given = request.GET.get("from", "")
    # A member has a handful of devices: anything longer than a few digits is not a place in the list.
    part = push.devices_part(user, int(given) if given.isdigit() and len(given) <= 6 else 0)
    page = reverse("notifications:preferences_push")
    return {
        "part": part,
        "more": f"{page}?from={part.following}#devices" if part.following is not None else "",
        "first": f"{page}#devices" if part.start else "",
    }


@login_required
@require_POST
def push_device_remove(request: HttpRequest) -> HttpResponse:
    """ "Stop notifying" one of the member's own devices from the list (works without JavaScript)."""
    value = request.POST.get("device", "")
    device_id = int(value) if value.isdigit() and len(value) < 19 else None
    removed = push.push_unsubscribe(user=_user(request), subscription_id=device_id) if device_id else 0
    if removed:
        messages.success(request, _("That device won't get push notifications any more."))
    else:
        messages.info(request, _("That device already wasn't getting push notifications."))
    return HttpResponseRedirect(reverse("notifications:preferences_push"))


@csrf_exempt  # The signed token is the proof (RFC 8058: mail programs post without a session or form).
@never_cache
@require_http_methods(["GET", "POST"])
def stop_emails(request: HttpRequest, token: str) -> HttpResponse:
    """ "Stop these emails": GET asks to confirm (so mail scanners change nothing); POST stops them."""
    try:
        found = prefs.unsubscribe_read(token)
    except ValueError as error:
        return render(request, "notifications/link_invalid.html", {"message": str(error)}, status=400)
    done = False
    if request.method == "POST":
        prefs.unsubscribe(token=token)
        done = True
    return render(
        request,
        "notifications/stop_emails.html",
        {"category": found.category, "done": done, "token": token},
    )


@csrf_exempt  # The signed token is the proof; it can only ever mute.
@never_cache
@require_http_methods(["GET", "POST"])
def mute(request: HttpRequest, token: str) -> HttpResponse:
    """ "Mute this conversation": GET asks to confirm; POST mutes (or unmutes with undo=1)."""
    try:
        user, conversation_id = prefs.mute_read(token)
    except ValueError as error:
        return render(request, "notifications/link_invalid.html", {"message": str(error)}, status=400)
    done = request.method == "POST"
    undo = request.POST.get("undo") == "1"
    if done:
        prefs.conversation_mute(user=user, conversation_id=conversation_id, muted=not undo)
    return render(request, "notifications/mute.html", {"done": done, "undone": undo, "token": token})
