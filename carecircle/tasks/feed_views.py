"""Calendar addresses and reminders: the member's settings page, and the feed itself.

The feed is reached by its secret alone (calendar apps can't sign in); it answers 404 for an
unknown or revoked secret and only ever contains what the member may see today.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from carecircle.circles.access import access_circle
from carecircle.circles.pages import INVALID, viewer
from carecircle.circles.selectors import circle_memberships_for
from carecircle.tasks import feed_services
from carecircle.tasks.feeds import feed_calendar
from carecircle.tasks.models import CalendarFeed, ReminderSetting
from carecircle.tasks.selectors import calendar_feeds_for


class ReminderForm(forms.Form):
    day_before = forms.BooleanField(required=False, label=gettext_lazy("The day before"))
    hours_before = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=72,
        label=gettext_lazy("Hours before it starts"),
        help_text=gettext_lazy("Leave empty for no reminder on the day."),
    )


def feed_url(request: HttpRequest, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("tasks:feed", kwargs={"token": feed.token}))


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    person = viewer(request)
    setting = ReminderSetting.objects.filter(user=person).first()
    form = ReminderForm(
        initial={
            "day_before": setting.day_before if setting else True,
            "hours_before": setting.hours_before if setting else 2,
        }
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "reminders":
            form = ReminderForm(request.POST)
            if form.is_valid():
                feed_services.reminder_setting_update(
                    actor=person,
                    day_before=form.cleaned_data["day_before"],
                    hours_before=form.cleaned_data["hours_before"],
                )
                messages.success(request, _("Saved. Reminders will come at these times."))
                return redirect("tasks:feeds")
            status = INVALID
        elif action in {"renew", "revoke"}:
            circle_value = request.POST.get("circle", "")
            circle = None
            if circle_value != "all":
                if not circle_value.isdigit():
                    raise Http404(_("No such circle."))
                circle = access_circle(user=person, circle_id=int(circle_value), capability="tasks.view").circle
            if action == "renew":
                feed_services.calendar_feed_renew(actor=person, circle=circle)
                messages.success(
                    request, _("Your calendar address is ready. Any older address for it has stopped working.")
                )
            else:
                feed_services.calendar_feed_revoke(actor=person, circle=circle)
                messages.success(request, _("That calendar address has stopped working."))
            return redirect("tasks:feeds")
        else:
            messages.error(request, _("Choose one of the buttons on this page."))
            status = INVALID
    feeds = {feed.circle_id: feed for feed in calendar_feeds_for(user=person)}
    rows: list[dict[str, Any]] = [{"label": _("All your circles"), "value": "all", "feed": feeds.get(None)}]
    for membership in circle_memberships_for(viewer=person):
        rows.append(
            {
                "label": _("Helping %(name)s") % {"name": membership.circle.person_name},
                "value": membership.circle_id,
                "feed": feeds.get(membership.circle_id),
            }
        )
    for row in rows:
        feed = row["feed"]
        row["url"] = feed_url(request, feed) if isinstance(feed, CalendarFeed) else ""
    context = {"nav": "profile", "rows": rows, "form": form}
    return render(request, "tasks/feeds.html", context, status=status)


@require_http_methods(["GET"])
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = CalendarFeed.objects.select_related("user", "circle").filter(token=token).first()
    if found is None or not found.user.is_active:
        raise Http404(_("No such calendar."))
    response = HttpResponse(feed_calendar(found), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
