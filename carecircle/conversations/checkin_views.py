"""Check-ins ("how I'm doing") and "visitors welcome?"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.audit.display import when_text
from carecircle.circles.access import access_circle
from carecircle.circles.pages import INVALID, circle_context, viewer
from carecircle.conversations import selectors, services
from carecircle.conversations.forms import CheckInForm, VisitorsForm


@require_http_methods(["GET", "POST"])
@login_required
def checkins(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Any member can say how they are doing; each sees the check-ins meant for them."""
    access = access_circle(user=request.user, circle_id=circle_id)
    status = 200
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.checkin_post(
                    actor=viewer(request),
                    access=access,
                    feeling=data["feeling"],
                    note=data["note"],
                    audience=data["audience"],
                    client_id=data["client_id"],
                )
            except services.ConversationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Thank you for saying how you are."))
                return redirect("conversations:checkins", circle_id=circle_id)
        status = INVALID
    else:
        form = CheckInForm()
    rows = [(checkin, when_text(checkin.created_at)) for checkin in selectors.checkins_visible_to(access=access)]
    context = circle_context(access, form=form, rows=rows, visitors=selectors.visitors_status(circle=access.circle))
    return render(request, "conversations/checkins.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def visitors(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Whether visitors are welcome: everyone sees it; the person and organisers change it."""
    access = access_circle(user=request.user, circle_id=circle_id)
    current = selectors.visitors_status(circle=access.circle)
    status = 200
    form = None
    if request.method == "POST":
        access.require("circle.edit")
        form = VisitorsForm(request.POST)
        if form.is_valid():
            try:
                services.visitors_set(
                    actor=viewer(request),
                    access=access,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except services.ConversationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved. Everyone in the circle can see it."))
                return redirect("conversations:visitors", circle_id=circle_id)
        status = INVALID
    elif access.can("circle.edit"):
        initial = {"status": current.status, "note": current.note} if current else {}
        form = VisitorsForm(initial=initial)
    context = circle_context(access, form=form, visitors=current)
    return render(request, "conversations/visitors.html", context, status=status)
