"""Pages for the end of a circle: closing it with a message, and reopening it while it's read-only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.closing import CloseReason, ClosingError, circle_close, circle_reopen, erase_date
from carecircle.circles.pages import circle_context


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the circle ending?"),
        choices=CloseReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why the circle is ending.")},
    )
    message = forms.CharField(
        label=_("A message to everyone in the circle"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("We'll email it to everyone, with what happens next. You can leave it empty."),
    )
    confirm = forms.BooleanField(
        label=_("I understand the circle becomes read-only, and everything in it is deleted later"),
        error_messages={"required": _("Tick the box to say you understand.")},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def close(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.close")
    circle = access.circle
    if circle.is_closed:
        return redirect("circles:home", circle_id=circle.pk)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        assert isinstance(request.user, User)
        try:
            circle_close(
                actor=request.user,
                circle=circle,
                reason=form.cleaned_data["reason"],
                message=form.cleaned_data["message"],
            )
        except ClosingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("The circle is closed. We've let everyone know."))
            return redirect("circles:home", circle_id=circle.pk)
    context = circle_context(access, form=form, erase_on=erase_date(timezone.now()))
    return render(request, "circles/close.html", context, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["POST"])
def reopen(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.close")
    assert isinstance(request.user, User)
    try:
        circle_reopen(actor=request.user, circle=access.circle)
    except ClosingError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, gettext("The circle is open again. Nothing will be deleted."))
    return redirect("circles:home", circle_id=circle_id)
