"""Pages for data rights: download everything about you, and delete your account."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carecircle.accounts.data_rights import (
    ErasureBlocked,
    account_erase,
    erasure_problems,
    erasure_what_stays,
    subject_access_stream,
)
from carecircle.accounts.models import User
from carecircle.accounts.stepup import stepup_required


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand my account will be deleted and this can't be undone"),
        error_messages={"required": _("Tick the box to say you understand, or go back if you've changed your mind.")},
    )


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied(gettext("Sign in to see this page."))
    return request.user


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def your_data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/your_data.html", {"nav": "profile"})


@never_cache
@login_required
@stepup_required
@require_http_methods(["GET"])
def your_data_download(request: HttpRequest) -> StreamingHttpResponse:
    user = _user(request)
    response = StreamingHttpResponse(subject_access_stream(actor=user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="carecircle-your-data-{timezone.localdate():%Y-%m-%d}.zip"'
    return response


@never_cache
@login_required
@stepup_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    problems = erasure_problems(user)
    if form.is_valid() and not problems:
        try:
            account_erase(actor=user)
        except ErasureBlocked as error:
            problems = error.problems
        else:
            logout(request)
            messages.success(request, gettext("Your account has been deleted. Thank you for using CareCircle."))
            return redirect("web:home")
    context = {"nav": "profile", "form": form, "problems": problems, "stays": erasure_what_stays(user)}
    status = 409 if problems and form.is_bound else 400 if form.is_bound else 200
    return render(request, "accounts/delete_account.html", context, status=status)
