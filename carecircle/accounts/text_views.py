"""Signing in with a code sent by text, for accounts without an email address (accounts/text_codes.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from carecircle.accounts.emails import duration_words
from carecircle.accounts.forms import TextCodeForm, TextSignInForm
from carecircle.accounts.models import TextCodePurpose, User
from carecircle.accounts.signin import sign_in_after_password
from carecircle.accounts.text_codes import TextCodeLimited, TextCodeWrong, sign_in_code_request, text_code_use
from carecircle.accounts.views import FORM, _safe_next
from carecircle.lib.addresses import client_address
from carecircle.lib.phones import phone_for_display

# The number a code was asked for in this browser, and where to go after signing in.
SESSION_KEY = "_carecircle_text_sign_in"


def _limited(request: HttpRequest, template: str, context: dict[str, Any], wait: int) -> HttpResponse:
    context["wait"] = duration_words(wait)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@never_cache
@require_http_methods(FORM)
def sign_in_text(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    template = "accounts/sign_in_text.html"
    context: dict[str, Any] = {"next": next_url, "nav": "login"}
    form = TextSignInForm(request.POST if request.method == "POST" else None)
    context["form"] = form
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    phone: str = form.cleaned_data["phone"]
    try:
        sign_in_code_request(phone=phone, address=client_address(request) or "unknown")
    except TextCodeLimited as limited:
        return _limited(request, template, context, limited.wait)
    request.session[SESSION_KEY] = {"phone": phone, "next": next_url}
    return redirect("accounts:sign_in_text_code")


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(FORM)
def sign_in_text_code(request: HttpRequest) -> HttpResponse:
    asked = request.session.get(SESSION_KEY)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not isinstance(asked, dict) or not isinstance(asked.get("phone"), str):
        return redirect("accounts:sign_in_text")
    phone: str = asked["phone"]
    next_url = str(asked.get("next", ""))
    template = "accounts/sign_in_text_code.html"
    form = TextCodeForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "phone": phone_for_display(phone), "nav": "login"}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        used = text_code_use(
            phone=phone,
            purpose=TextCodePurpose.SIGN_IN,
            code=form.cleaned_data["code"],
            address=client_address(request) or "unknown",
        )
    except TextCodeLimited as limited:
        return _limited(request, template, context, limited.wait)
    except TextCodeWrong as wrong:
        form.add_error("code", str(wrong))
        return render(request, template, context, status=400)
    request.session.pop(SESSION_KEY, None)
    user = used.user
    if not isinstance(user, User) or not user.is_active:
        form.add_error("code", str(TextCodeWrong()))
        return render(request, template, context, status=400)
    return sign_in_after_password(request, user, next_url=next_url, factor="text code")
