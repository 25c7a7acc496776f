"""One task: its page, adding and changing it, cancelling, "I'll do it", "I can't any more", assigning, done.

Every page reaches tasks through tasks/access.py and changes them only through tasks/services.py.
A refusal of the services (TaskError) is shown with what to do next, never as a server error.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.circles import registries
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.pages import CONFLICT, INVALID, circle_context, problem, viewer
from carecircle.lib.errors import DomainError
from carecircle.tasks import pacing, rota_services, services
from carecircle.tasks.access import access_task
from carecircle.tasks.forms import (
    AssignForm,
    CancelForm,
    DoneForm,
    ReasonForm,
    ScopeForm,
    TaskForm,
    ThankForm,
    initial_for,
)
from carecircle.tasks.messages import covered_words, gave_up_rest_sentence, took_off_sentence
from carecircle.tasks.models import CATEGORY_DETAILS, Assignment, Task
from carecircle.tasks.schedule import DAY, TaskOccurrence
from carecircle.tasks.selectors import (
    members_with,
    next_occurrence_date,
    occurrence_detail,
    visit_logs_of,
    withdrawals_for,
)
from carecircle.tasks.views import LIVE_TYPES


def _on(request: HttpRequest, task: Task) -> datetime.date | None:
    """The occurrence a request is about: `on` from the form or the query, else the next one."""
    value = request.POST.get("on") if request.method == "POST" else request.GET.get("on")
    if not value:
        return None if request.method == "POST" else next_occurrence_date(task, after=timezone.now())
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def detail_url(task: Task, on: datetime.date) -> str:
    return reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk}) + f"?on={on}"


def _occurrence_or_problem(
    request: HttpRequest, access: CircleAccess, task: Task
) -> tuple[TaskOccurrence | None, HttpResponse | None]:
    on = _on(request, task)
    item = occurrence_detail(task, on) if on is not None else None
    if item is None:
        back = reverse("tasks:agenda", kwargs={"circle_id": access.circle.pk})
        text = _("This task doesn't happen on that date. Go back to the calendar and choose it there.")
        return None, problem(
            request, title=_("No such date"), text=text, status=INVALID if request.method == "POST" else 404, back=back
        )
    return item, None


def _members(access: CircleAccess) -> list[tuple[int, str]]:
    return members_with(circle=access.circle, capability="tasks.volunteer")


def _who_went_choices(access: CircleAccess, item: TaskOccurrence) -> list[tuple[int, str]] | None:
    """Whom "Who went?" offers: asked only when nobody was down for it (None: not asked)."""
    if item.going:
        return None
    capability = "tasks.manage" if item.task.private else "tasks.volunteer"
    return members_with(circle=access.circle, capability=capability)


@require_http_methods(["GET"])
@login_required
def detail(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id)
    item, refusal = _occurrence_or_problem(request, access, task)
    if refusal is not None:
        return refusal
    assert item is not None
    context = _detail_context(request, access, item)
    if request.headers.get("X-Requested-With") == "fetch":
        return render(request, "tasks/detail.html#occurrence", context)
    return render(request, "tasks/detail.html", context)


def _covered_part(item: TaskOccurrence, withdrawals: list[Assignment]) -> list[tuple[Assignment, str]]:
    """Each withdrawal with the days its member covered before giving up the rest of this stay ("" if none).

    The days before the rest stay theirs (docs/architecture/tasks.md).
    """
    pairs = []
    for assignment in withdrawals:
        days = item.covered_days(assignment)
        words = covered_words(first=days[0], rest_from=days[1] + DAY) if days is not None else ""
        pairs.append((assignment, words))
    return pairs


def _detail_context(request: HttpRequest, access: CircleAccess, item: TaskOccurrence, **extra: Any) -> dict[str, Any]:
    task = item.task
    labels = CATEGORY_DETAILS.get(task.category, {})
    withdrawals = withdrawals_for(task, item.original_date) if access.can("tasks.manage") else []
    now = timezone.now()
    context: dict[str, Any] = {
        "item": item,
        "task": task,
        "on": item.original_date,
        "details": [(labels[key], value) for key, value in task.details.items() if key in labels],
        # With the days each who gave up the rest of a stay under way had covered ("" for others).
        "withdrawals": _covered_part(item, withdrawals),
        "is_going": access.user_id in item.going_ids(),
        "reason_form": ReasonForm(),
        "done_form": DoneForm(
            initial={"how_it_went": item.change.how_it_went if item.change else "", "who_went": access.user_id},
            members=_who_went_choices(access, item),
        ),
        "done_from": services.done_from(task, item.original_date, item.change),
        # Nobody takes a day that has ended (the service refuses it too); "Who went?" still can.
        "day_ended": services.day_ended(task, item.original_date, item.change),
        # A stay under way: taking it now means the rest of it (docs/architecture/tasks.md).
        "running_stay": item.running_stay(now),
        "rest_from": item.rest_from(now),
        # A stay that is over can't be given up (the service refuses it too).
        "stay_ended": item.ended_stay(now),
        "taken_during": {a.pk for a in item.going if item.is_stay() and a.created_at > item.start_utc()},
        "visit_logs": visit_logs_of(task=task, occurrence_date=item.original_date),
        "now": timezone.now(),
        # Organisers may take someone else off (the service tells them); not once it's done, cancelled or over.
        "take_off": [assignment for assignment in item.going if assignment.user_id != access.user_id]
        if access.can("tasks.manage") and item.status not in ("done", "cancelled") and not item.ended_stay(now)
        else [],
        # Organisers may ask everyone who can help about an upcoming day that still needs someone.
        "can_ask_everyone": access.can("tasks.manage") and not task.private and pacing.still_wanted(item),
        "live_types": LIVE_TYPES,
        "live_src": detail_url(task, item.original_date),
        "thread": registries.comment_thread(
            request, access=access, subject_kind="task", subject_id=task.pk, heading="Comments"
        ),
    }
    if "assign_form" not in extra:
        context["assign_form"] = AssignForm(members=_members(access)) if access.can("tasks.manage") else None
    context.update(extra)
    return circle_context(access, **context)


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.manage")
    actor = viewer(request)
    if request.method == "POST":
        form = TaskForm(request.POST, time_zone=actor.time_zone)
        if form.is_valid():
            try:
                task = services.task_create(
                    actor=actor,
                    circle=access.circle,
                    fields=form.task_fields(),
                    client_id=form.cleaned_data["client_id"],
                )
            except services.TaskError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("“%(title)s” is on the calendar. People can now say they'll do it.") % {"title": task.title},
                )
                return redirect(detail_url(task, task.start_date))
    else:
        form = TaskForm(time_zone=actor.time_zone, initial={"date": request.GET.get("date") or timezone.localdate()})
    status = INVALID if form.errors else 200
    return render(request, "tasks/form.html", circle_context(access, form=form, editing=None), status=status)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id, capability="tasks.manage")
    item, refusal = _occurrence_or_problem(request, access, task)
    if refusal is not None:
        return refusal
    assert item is not None
    on = item.original_date
    actor = viewer(request)
    scope_form = ScopeForm(request.POST if request.method == "POST" else None) if task.repeats else None
    if request.method == "POST":
        form = TaskForm(request.POST, time_zone=task.time_zone)
        if form.is_valid() and (scope_form is None or scope_form.is_valid()):
            scope: services.Scope = scope_form.cleaned_data["scope"] if scope_form is not None else "all"
            try:
                result = services.task_update(
                    actor=actor, task=task, fields=form.task_fields(), scope=scope, occurrence_date=on
                )
            except services.TaskError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved. Everyone going can see the change."))
                return redirect(detail_url(result, on if result.pk == task.pk else result.start_date))
    else:
        form = TaskForm(time_zone=task.time_zone, initial=initial_for(task, on))
    status = INVALID if form.errors or (scope_form is not None and scope_form.errors) else 200
    context = circle_context(access, form=form, scope_form=scope_form, editing=task, on=on)
    return render(request, "tasks/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def cancel(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id, capability="tasks.manage")
    item, refusal = _occurrence_or_problem(request, access, task)
    if refusal is not None:
        return refusal
    assert item is not None
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actor = viewer(request)
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["scope"] == "all" or not task.repeats:
                services.task_cancel(actor=actor, task=task, reason=reason)
                messages.success(request, _("“%(title)s” is cancelled.") % {"title": task.title})
            else:
                services.occurrence_cancel(actor=actor, task=task, occurrence_date=item.original_date, reason=reason)
                day = item.original_date
                messages.success(
                    request,
                    # Translators: %(day)s is a date such as "Friday 4 December", inside the sentence.
                    _("“%(title)s” is cancelled for %(day)s.")
                    % {"title": task.title, "day": date_format(day, "l j E")},
                )
        except services.TaskError as error:
            form.add_error(None, str(error))
        else:
            return redirect("tasks:agenda", circle_id=circle_id)
    status = INVALID if form.errors else 200
    return render(request, "tasks/cancel.html", circle_context(access, form=form, item=item, task=task), status=status)


def _act(
    request: HttpRequest, circle_id: int, task_id: int, capability: str
) -> tuple[CircleAccess, Task, TaskOccurrence | None, HttpResponse | None]:
    access, task = access_task(user=request.user, circle_id=circle_id, task_id=task_id, capability=capability)
    item, refusal = _occurrence_or_problem(request, access, task)
    return access, task, item, refusal


def _refused(
    request: HttpRequest, access: CircleAccess, task: Task, on: datetime.date, error: services.TaskError
) -> HttpResponse:
    return problem(
        request, title=_("That didn't work"), text=str(error), status=error.status, back=detail_url(task, on)
    )


@require_http_methods(["POST"])
@login_required
def volunteer(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task, item, refusal = _act(request, circle_id, task_id, "tasks.volunteer")
    if refusal is not None:
        return refusal
    assert item is not None
    rest_of_stay = item.running_stay(timezone.now())
    try:
        services.task_volunteer(actor=viewer(request), task=task, occurrence_date=item.original_date)
    except services.TaskError as error:
        return _refused(request, access, task, item.original_date, error)
    if rest_of_stay:
        thanks = _("Thank you. You're down for the rest of “%(title)s”, until %(day)s.") % {
            "title": task.title,
            "day": date_format(item.last_day(), "l j E"),
        }
    else:
        thanks = _("Thank you. You're down for “%(title)s”. We'll remind you before.") % {"title": task.title}
    messages.success(request, thanks)
    return redirect(detail_url(task, item.original_date))


@require_http_methods(["POST"])
@login_required
def withdraw(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task, item, refusal = _act(request, circle_id, task_id, "tasks.view")
    if refusal is not None:
        return refusal
    assert item is not None
    form = ReasonForm(request.POST)
    member_id = request.POST.get("member", "")
    if member_id:
        # Withdrawing someone else: only for those who manage tasks, and never falls back to the actor.
        access.require("tasks.manage")
    if not form.is_valid():
        if member_id.isdigit() and len(member_id) < 19:
            # Taking someone off: the error belongs to the note in that person's form, opened, and the summary
            # links to it there (the note field has its own id per person).
            form.fields["reason"].widget.attrs["id"] = f"take-off-note-{member_id}"
            context = _detail_context(request, access, item, take_off_form=form, take_off_member=int(member_id))
        else:
            context = _detail_context(request, access, item, reason_form=form)
        return render(request, "tasks/detail.html", context, status=INVALID)
    actor = viewer(request)
    person: User | None = None
    if member_id:
        person = User.objects.filter(
            pk=member_id if member_id.isdigit() and len(member_id) < 19 else 0, memberships__circle=access.circle
        ).first()
        if person is None:
            error = services.TaskError(_("That person isn't in this circle. Choose a member."))
            return _refused(request, access, task, item.original_date, error)
    rest_from = item.rest_from(timezone.now()) if item.running_stay(timezone.now()) else None
    mine = next((assignment for assignment in item.going if assignment.user_id == actor.pk), None)
    try:
        withdrawn = services.task_withdraw(
            actor=actor, task=task, occurrence_date=item.original_date, user=person, reason=form.cleaned_data["reason"]
        )
    except services.TaskError as error:
        return _refused(request, access, task, item.original_date, error)
    if person is not None and person.pk != actor.pk:
        _said_taken_off(request, item, person, withdrawn=withdrawn, rest_from=rest_from)
    elif withdrawn and rest_from is not None:
        # A stay under way: they gave up the rest of it and keep the days before (docs/architecture/tasks.md).
        words = covered_words(first=item.covered_from(mine) if mine else item.first_day(), rest_from=rest_from)
        messages.success(request, gave_up_rest_sentence(title=task.title, rest_from=rest_from, covered=words))
    elif withdrawn:
        messages.success(request, _("Done. The task shows it needs help again, so someone else can take it."))
    else:
        messages.info(request, _("You weren't down for this one, so nothing changed."))
    return redirect(detail_url(task, item.original_date))


def _said_taken_off(
    request: HttpRequest, item: TaskOccurrence, person: User, *, withdrawn: bool, rest_from: datetime.date | None
) -> None:
    """The organiser's flash after taking someone off: whom, and for a stay under way which days stay theirs."""
    name = person.display_name
    if not withdrawn:
        # A second press, or someone else was quicker: nothing more happened.
        messages.info(request, _("%(name)s wasn't down for this one, so nothing changed.") % {"name": name})
        return
    covered = ""
    if rest_from is not None:
        theirs = next((assignment for assignment in item.going if assignment.user_id == person.pk), None)
        covered = covered_words(first=item.covered_from(theirs) if theirs else item.first_day(), rest_from=rest_from)
    sentence = took_off_sentence(
        name=name, title=item.task.title, day=item.first_day(), rest_from=rest_from, covered=covered
    )
    messages.success(request, sentence)


@require_http_methods(["POST"])
@login_required
def assign(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task, item, refusal = _act(request, circle_id, task_id, "tasks.manage")
    if refusal is not None:
        return refusal
    assert item is not None
    form = AssignForm(request.POST, members=_members(access))
    if not form.is_valid():
        return render(
            request, "tasks/detail.html", _detail_context(request, access, item, assign_form=form), status=INVALID
        )
    person = User.objects.get(pk=form.cleaned_data["member"])
    try:
        if form.cleaned_data["every"] and task.repeats:
            taken = rota_services.task_assign_series(
                actor=viewer(request), task=task, user=person, from_date=item.original_date
            )
            words = {"name": person.display_name, "title": task.title, "count": f"{taken:,}"}
            messages.success(
                request,
                ngettext(
                    "%(name)s is down for “%(title)s” %(count)s time.",
                    "%(name)s is down for “%(title)s” %(count)s times.",
                    taken,
                )
                % words,
            )
        else:
            services.task_volunteer(actor=viewer(request), task=task, occurrence_date=item.original_date, user=person)
            messages.success(
                request, _("%(name)s is down for “%(title)s”.") % {"name": person.display_name, "title": task.title}
            )
    except services.TaskError as error:
        return _refused(request, access, task, item.original_date, error)
    return redirect(detail_url(task, item.original_date))


@require_http_methods(["POST"])
@login_required
def done(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    access, task, item, refusal = _act(request, circle_id, task_id, "tasks.view")
    if refusal is not None:
        return refusal
    assert item is not None
    if not (access.can("tasks.manage") or access.user_id in item.going_ids()):
        return problem(
            request,
            title=_("Only someone going can mark this done"),
            text=_("Say you'll do it first, or ask an organiser."),
            status=403,
            back=detail_url(task, item.original_date),
        )
    form = DoneForm(request.POST, members=_who_went_choices(access, item))
    if not form.is_valid():
        return render(
            request, "tasks/detail.html", _detail_context(request, access, item, done_form=form), status=INVALID
        )
    who_went = form.cleaned_data.get("who_went")
    try:
        services.occurrence_done(
            actor=viewer(request),
            task=task,
            occurrence_date=item.original_date,
            how_it_went=form.cleaned_data["how_it_went"],
            who_went=User.objects.get(pk=who_went) if who_went else None,
        )
    except services.TaskError as error:
        return _refused(request, access, task, item.original_date, error)
    messages.success(request, _("Marked as done. Thank you."))
    return redirect(detail_url(task, item.original_date))


@require_http_methods(["POST"])
@login_required
def thank(request: HttpRequest, circle_id: int, task_id: int) -> HttpResponse:
    """Thank someone who went, once the task is done; the thanks reach them through conversations."""
    access, task, item, refusal = _act(request, circle_id, task_id, "tasks.view")
    if refusal is not None:
        return refusal
    assert item is not None
    back = detail_url(task, item.original_date)
    form = ThankForm(request.POST)
    going = {assignment.user_id: assignment.user for assignment in item.going}
    if item.change is None or item.change.done_at is None:
        return problem(
            request, title=_("Not done yet"), text=_("Thanks can be sent once it's done."), status=CONFLICT, back=back
        )
    if not form.is_valid() or form.cleaned_data["recipient"] not in going:
        return problem(
            request, title=_("Who to thank?"), text=_("Choose someone who went, then send."), status=INVALID, back=back
        )
    recipient = going[form.cleaned_data["recipient"]]
    try:
        registries.thanks_send(
            actor=viewer(request),
            circle=access.circle,
            recipient=recipient,
            subject_kind="task_occurrence",
            subject_id=item.change.pk,
            subject_label=f"{task.title}, {item.original_date:%-d %b}",
            note=form.cleaned_data["note"],
            client_id=form.cleaned_data["client_id"],
        )
    except DomainError as error:
        return problem(request, title=_("That didn't work"), text=str(error), status=error.status, back=back)
    messages.success(request, _("Your thanks are on their way to %(name)s.") % {"name": recipient.display_name})
    return redirect(back)
