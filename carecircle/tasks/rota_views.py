"""Paid care rota and visit logs, "I can't cover", stand-ins and standing offers."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from carecircle.circles import registries
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.forms import ClientIdField, Radios, _with_client_id
from carecircle.circles.models import Circle
from carecircle.circles.pages import INVALID, circle_context, problem, viewer
from carecircle.tasks import pacing, rota_services
from carecircle.tasks.access import access_task
from carecircle.tasks.forms import WEEKDAY_NAMES
from carecircle.tasks.models import (
    Assignment,
    Category,
    PartOfDay,
    StandIn,
    StandingOffer,
    Task,
    Unavailability,
    VisitOutcome,
)
from carecircle.tasks.selectors import (
    away_handed_back,
    members_with,
    occurrence_detail,
    occurrences_for,
    visit_logs_for,
)
from carecircle.tasks.services import TaskError
from carecircle.tasks.task_views import detail_url
from carecircle.tasks.views import _midnight, by_day

ROTA_DAYS = 14
STAND_IN_PLACES = 5


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class VisitLogForm(forms.Form):
    arrived_at = forms.DateTimeField(widget=DateTimeInput(), label="Arrived")
    left_at = forms.DateTimeField(widget=DateTimeInput(), required=False, label="Left")
    outcome = forms.ChoiceField(
        choices=VisitOutcome.choices, initial=VisitOutcome.ALL_OK, widget=Radios, label=gettext_lazy("How was it?")
    )
    notes = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Notes",
        help_text=gettext_lazy(
            "What you did, and anything the family should know. A concern is sent to the organisers at once."
        ),
    )
    client_id = ClientIdField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_client_id(self)


class AwayForm(forms.Form):
    starts_at = forms.DateTimeField(widget=DateTimeInput(), label="From")
    ends_at = forms.DateTimeField(widget=DateTimeInput(), label="Until")
    note = forms.CharField(
        max_length=300,
        required=False,
        label=gettext_lazy("Anything to tell the stand-ins"),
        help_text=gettext_lazy('For example "I have flu".'),
    )


class OfferForm(forms.Form):
    weekday = forms.TypedChoiceField(coerce=int, choices=list(enumerate(WEEKDAY_NAMES.values())), label="Day")
    part = forms.ChoiceField(choices=PartOfDay.choices, label=gettext_lazy("Time of day"))


@require_http_methods(["GET"])
@login_required
def rota(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Paid carers' visits for the next two weeks and the latest visit logs, for the whole family to see."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    today = timezone.localdate()
    items = occurrences_for(
        accesses=[access],
        window_start=_midnight(today),
        window_end=_midnight(today + datetime.timedelta(days=ROTA_DAYS)),
    )
    visits = [item for item in items if item.task.category == Category.PAID_VISIT]
    logs = visit_logs_for(
        circle=access.circle, start=timezone.now() - datetime.timedelta(days=ROTA_DAYS), end=timezone.now()
    )
    logs.reverse()
    context = circle_context(access, days=by_day(visits), logs=logs, viewer_id=access.user_id, view="rota")
    return render(request, "tasks/rota.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def visit_log(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id, capability="tasks.volunteer")
    value = request.POST.get("on") if request.method == "POST" else request.GET.get("on")
    try:
        on = datetime.date.fromisoformat(value or "")
    except ValueError:
        on = None
    item = occurrence_detail(task, on) if on is not None else None
    if item is None or on is None:
        return problem(
            request,
            title=gettext("Which visit?"),
            text=gettext("Open the visit from the rota or the calendar, then log it."),
            status=INVALID if request.method == "POST" else 404,
            back=f"/circles/{circle_id}/rota/",
        )
    form = VisitLogForm(
        request.POST if request.method == "POST" else None,
        initial={"arrived_at": item.local_start(timezone.get_current_timezone()).replace(tzinfo=None)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rota_services.visit_log_create(
                actor=viewer(request),
                task=task,
                occurrence_date=on,
                arrived_at=data["arrived_at"],
                left_at=data["left_at"],
                notes=data["notes"],
                outcome=data["outcome"],
                client_id=data["client_id"],
            )
        except TaskError as error:
            form.add_error(None, str(error))
        else:
            if data["outcome"] == VisitOutcome.CONCERN:
                messages.success(request, gettext("Saved. The organisers have been told about your concern."))
            else:
                messages.success(request, gettext("Saved. Thank you."))
            return redirect(detail_url(task, on))
    status = INVALID if form.errors else 200
    return render(
        request, "tasks/visit_log.html", circle_context(access, form=form, item=item, task=task, on=on), status=status
    )


def emergency_plan_url(circle: Circle) -> str | None:
    """The record's emergency plan, for the stand-ins' help request, when the circle has written one."""
    path = registries.emergency_plan_path(circle)
    return settings.SITE_URL + path if path else None


@require_http_methods(["GET", "POST"])
@login_required
def away(request: HttpRequest, circle_id: int) -> HttpResponse:
    """ "I can't cover": hand back what you're down for in a period and ask the stand-ins."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.volunteer")
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    form = AwayForm(
        request.POST if request.method == "POST" else None,
        initial={"starts_at": now, "ends_at": now + datetime.timedelta(hours=48)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period, _ = rota_services.unavailability_declare(
                actor=viewer(request),
                circle=access.circle,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
                emergency_plan_url=emergency_plan_url(access.circle),
            )
        except TaskError as error:
            form.add_error(None, str(error))
        else:
            return redirect("tasks:away_done", circle_id=circle_id, period_id=period.pk)
    # Those who would be asked: not the member saying they can't cover, and only those who may still volunteer.
    volunteers = {user_id for user_id, _ in members_with(circle=access.circle, capability="tasks.volunteer")}
    stand_ins = [
        stand_in
        for stand_in in StandIn.objects.filter(circle=access.circle)
        .exclude(user_id=access.user_id)
        .select_related("user")
        if stand_in.user_id in volunteers
    ]
    status = INVALID if form.errors else 200
    names = ", ".join(stand_in.user.display_name for stand_in in stand_ins)
    context = circle_context(access, form=form, stand_ins=stand_ins, stand_in_names=names)
    return render(request, "tasks/away.html", context, status=status)


@require_http_methods(["GET"])
@login_required
def away_done(request: HttpRequest, circle_id: int, period_id: int) -> HttpResponse:
    """What "I can't cover" handed back, who was asked about each, and "Ask everyone who can help" where nobody was."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.volunteer")
    period = get_object_or_404(Unavailability, pk=period_id, circle=access.circle, user_id=access.user_id)
    rows = away_handed_back(access=access, period=period)
    return render(request, "tasks/away_done.html", circle_context(access, period=period, rows=rows))


def may_ask_everyone(access: CircleAccess, task: Task, on: datetime.date) -> bool:
    """Organisers, and the member who gave up a place on this occurrence, may ask everyone who can help."""
    if access.can("tasks.manage"):
        return True
    return Assignment.objects.filter(
        task=task, occurrence_date=on, user_id=access.user_id, withdrawn_at__isnull=False
    ).exists()


@require_http_methods(["POST"])
@login_required
def ask_everyone(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    """ "Ask everyone who can help" about one occurrence; pressing it again asks nobody twice."""
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id, capability="tasks.view")
    try:
        on = datetime.date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        on = None
    if on is None or occurrence_detail(task, on) is None:
        return problem(
            request,
            title=gettext("Which day?"),
            text=gettext("Open the day that needs help from the calendar, then ask everyone."),
            status=INVALID,
            back=f"/circles/{circle_id}/tasks/",
        )
    if not may_ask_everyone(access, task, on):
        raise PermissionDenied(gettext("Only organisers, or the person who gave it up, can ask everyone."))
    period = Unavailability.objects.filter(
        pk=_int(request.POST.get("period")), circle=access.circle, user_id=access.user_id
    ).first()
    try:
        count = pacing.help_ask_everyone(actor=viewer(request), task=task, occurrence_date=on)
    except TaskError as refusal:
        messages.error(request, str(refusal))
    else:
        if count:
            asked = ngettext(
                "Asked %(count)s person who can help. We'll tell you when someone takes it.",
                "Asked %(count)s people who can help. We'll tell you when someone takes it.",
                count,
            )
            messages.success(request, asked % {"count": count})
        else:
            messages.success(request, gettext("Everyone who can help has already been asked. Nobody was asked twice."))
    if period is not None:
        return redirect("tasks:away_done", circle_id=circle_id, period_id=period.pk)
    return redirect(detail_url(task, on))


@require_http_methods(["GET", "POST"])
@login_required
def stand_ins(request: HttpRequest, circle_id: int) -> HttpResponse:
    """The ranked stand-ins asked when someone can't cover (organisers)."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.manage")
    volunteers = members_with(circle=access.circle, capability="tasks.volunteer")
    choices = [("", "Nobody")] + [(str(user_id), name) for user_id, name in volunteers]
    current = [str(s.user_id) for s in StandIn.objects.filter(circle=access.circle)]
    fields = {f"place_{n}": current[n - 1] if n <= len(current) else "" for n in range(1, STAND_IN_PLACES + 1)}
    error = ""
    status = 200
    if request.method == "POST":
        chosen = [request.POST.get(f"place_{n}", "") for n in range(1, STAND_IN_PLACES + 1)]
        valid = {value for value, _ in choices}
        if any(value not in valid for value in chosen):
            error = gettext("Choose each stand-in from the list.")
        else:
            try:
                rota_services.stand_ins_set(
                    actor=viewer(request), circle=access.circle, user_ids=[int(v) for v in chosen if v]
                )
            except TaskError as refusal:
                error = str(refusal)
            else:
                messages.success(
                    request, gettext("Saved. These people are asked, in this order, when someone can't cover.")
                )
                return redirect("tasks:stand_ins", circle_id=circle_id)
        fields = {f"place_{n}": chosen[n - 1] for n in range(1, STAND_IN_PLACES + 1)}
        status = INVALID
    places = [{"name": name, "number": n, "value": value} for n, (name, value) in enumerate(fields.items(), start=1)]
    context = circle_context(access, places=places, choices=choices, error=error)
    return render(request, "tasks/stand_ins.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def offers(request: HttpRequest, circle_id: int) -> HttpResponse:
    """ "I can usually do Tuesday evenings": you're asked first when something then needs help."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.volunteer")
    actor = viewer(request)
    form = OfferForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            offer = StandingOffer.objects.filter(
                circle=access.circle, user=actor, pk=_int(request.POST.get("offer"))
            ).first()
            if offer is not None:
                rota_services.standing_offer_remove(actor=actor, offer=offer)
                messages.success(request, gettext("Removed."))
            return redirect("tasks:offers", circle_id=circle_id)
        form = OfferForm(request.POST)
        if form.is_valid():
            rota_services.standing_offer_add(
                actor=actor, circle=access.circle, weekday=form.cleaned_data["weekday"], part=form.cleaned_data["part"]
            )
            messages.success(
                request, gettext("Thank you. You'll be asked first when something at that time needs help.")
            )
            return redirect("tasks:offers", circle_id=circle_id)
        status = INVALID
    mine = [
        (offer, list(WEEKDAY_NAMES.values())[offer.weekday], PartOfDay(offer.part_of_day).label)
        for offer in StandingOffer.objects.filter(circle=access.circle, user=actor)
    ]
    return render(request, "tasks/offers.html", circle_context(access, form=form, mine=mine), status=status)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 18 else 0
