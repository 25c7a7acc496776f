"""The page a link from an email lands on: it shows what will happen, and a button does it.

No sign-in is needed (the signed link is the proof) and a bare GET changes nothing, so mail
scanners that open links can't take or refuse help on anyone's behalf (carecircle.tasks.email_actions).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from carecircle.lib.errors import DomainError
from carecircle.tasks.email_actions import (
    ACTIONS,
    CANT,
    TAKE,
    THANK,
    LinkError,
    action_perform,
    action_read,
    link_access,
)
from carecircle.tasks.schedule import is_running_stay, series_occurrence
from carecircle.tasks.selectors import occurrence_detail

NOTE_LIMIT = 500


@csrf_exempt  # The signed, single-use token is the proof; the member may not have a session here.
@never_cache
@require_http_methods(["GET", "POST"])
def email_action(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = action_read(token)
        _, task = link_access(link)
    except LinkError as error:
        return render(request, "tasks/email_action_invalid.html", {"message": str(error)}, status=410)
    context = {
        "token": token,
        "task": task,
        "link": link,
        "label": ACTIONS[link.action],
        "thanking": link.action == THANK,
        "note_limit": NOTE_LIMIT,
    }
    if link.action in (TAKE, CANT):
        # A stay under way: the button takes on, or gives up, the rest of it (docs/architecture/tasks.md).
        # The series alone says whether it may be one, so other links' pages cost no more queries.
        base = series_occurrence(task, link.occurrence_date)
        maybe = base is not None and is_running_stay(base, task.time_zone, timezone.now())
        detail = occurrence_detail(task, link.occurrence_date) if maybe else None
        if detail is not None and detail.running_stay(timezone.now()):
            context["running_stay"] = detail
            context["rest_from"] = detail.rest_from(timezone.now())
    if request.method == "GET":
        return render(request, "tasks/email_action.html", context)
    note = str(request.POST.get("note", "")).strip()
    if len(note) > NOTE_LIMIT:
        context["error"] = gettext("Keep the note under %(limit)s characters.") % {"limit": NOTE_LIMIT}
        return render(request, "tasks/email_action.html", context, status=400)
    try:
        _, _, message = action_perform(token=token, note=note)
    except LinkError as error:
        return render(request, "tasks/email_action_invalid.html", {"message": str(error)}, status=410)
    except DomainError as error:
        context["error"] = str(error)
        return render(request, "tasks/email_action.html", context, status=error.status)
    return render(request, "tasks/email_action_done.html", {"task": task, "message": message})
