"""Pages for changing the email address."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carecircle.accounts.email_change import email_change_check, email_change_confirm, email_change_request
from carecircle.accounts.models import User
from carecircle.accounts.services import AccountError
from carecircle.accounts.stepup import stepup_required
from carecircle.accounts.verification import VerificationLinkError


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}),
        error_messages={
            "required": _("Enter your new email address."),
            "invalid": _("Enter an email address in the right format, like name@example.com."),
        },
    )


@never_cache
@login_required
@stepup_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = EmailChangeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            email_change_request(actor=user, new_email=form.cleaned_data["email"])
        except AccountError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                gettext(
                    "We've sent a link to %(email)s. Open it to start using that address. "
                    "Until then, your address stays the same."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:profile")
    context = {"nav": "profile", "form": form, "account": user}
    return render(request, "accounts/email_change.html", context, status=400 if form.is_bound else 200)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_change_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST changes the address (mail scanners open every link)."""
    try:
        user, new_email = email_change_check(token=token)
    except VerificationLinkError as error:
        context = {"problem": str(error), "expired": error.expired, "nav": "profile"}
        return render(request, "accounts/verify_email_failed.html", context, status=410 if error.expired else 400)
    if request.method == "POST":
        current = request.session.session_key if request.user.pk == user.pk else None
        try:
            email_change_confirm(user=user, new_email=new_email, current_session_key=current)
        except AccountError as error:
            return render(
                request, "accounts/verify_email_failed.html", {"problem": str(error), "nav": "profile"}, status=409
            )
        messages.success(request, gettext("Your email address is now %(email)s.") % {"email": new_email})
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    return render(request, "accounts/email_change_confirm.html", {"new_email": new_email, "nav": "profile"})
