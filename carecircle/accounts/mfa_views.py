"""Pages for two-step sign-in: the second step, the security page, and "Confirm it's you"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from carecircle.accounts.emails import duration_words
from carecircle.accounts.mfa import (
    MfaError,
    mfa_required_reason,
    mfa_status,
    recovery_codes_regenerate,
    second_factor_check,
    totp_disable,
    totp_enable,
    totp_new_secret,
    totp_provisioning_uri,
    totp_qr_svg,
)
from carecircle.accounts.mfa_forms import CodeForm, PasskeyAnswerForm, PasskeyForm, PasswordConfirmForm, TotpSetupForm
from carecircle.accounts.models import Passkey, User
from carecircle.accounts.passkeys import (
    passkey_authentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
    passkey_verify,
)
from carecircle.accounts.signin import SETUP_REQUIRED, sign_in_complete, sign_in_pending_user
from carecircle.accounts.stepup import stepup_fresh, stepup_mark, stepup_required
from carecircle.lib import ratelimit
from carecircle.lib.hooks import audit_record

FORM = ["GET", "HEAD", "POST"]
ACTION = ["POST"]
PENDING_SECRET = "_carecircle_totp_pending"
NEW_CODES = "_carecircle_new_recovery_codes"
CODE_SCOPE = "second-factor"


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(gettext("Sign in to see this page."))
    return user


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _throttled(request: HttpRequest, user: User, *, template: str, context: dict[str, Any]) -> HttpResponse | None:
    """Counts this try first (atomically), then refuses once the account has used up its tries."""
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    if ratelimit.hit(CODE_SCOPE, str(user.pk), window_seconds=window) <= settings.LOGIN_ATTEMPTS_PER_ACCOUNT:
        return None
    wait = ratelimit.seconds_left(window_seconds=window)
    response = render(request, template, {**context, "wait": duration_words(wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _factor_answer(request: HttpRequest, user: User) -> tuple[bool, CodeForm, str]:
    """Checks a typed code or a passkey's answer from the POST: whether it passed, the form, and a problem."""
    if request.POST.get("credential"):
        answer = PasskeyAnswerForm(request.POST)
        passkey = None
        if answer.is_valid():
            passkey = passkey_verify(
                user=user, session=request.session, credential_json=answer.cleaned_data["credential"]
            )
        if passkey is None:
            return False, CodeForm(), "That passkey couldn't be checked. Try again, or type a code instead."
        return True, CodeForm(), ""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return False, form, ""
    if second_factor_check(user=user, code=form.cleaned_data["code"]) is None:
        form.add_error("code", gettext("That code isn't right. Try the newest code from your app, or a recovery code."))
        return False, form, ""
    return True, form, ""


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(FORM)
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user, next_url = sign_in_pending_user(request)
    if user is None:
        messages.info(request, gettext("Please sign in again: the first step ran out or was never done."))
        return redirect("accounts:login")
    context: dict[str, Any] = {
        "nav": "login",
        "has_passkeys": user.passkeys.exists(),
        "has_totp": mfa_status(user).totp,
    }
    template = "accounts/sign_in_verify.html"
    if request.method == "POST":
        throttled = _throttled(request, user, template=template, context={**context, "form": CodeForm()})
        if throttled is not None:
            return throttled
        passed, form, context["problem"] = _factor_answer(request, user)
        factor = "passkey" if request.POST.get("credential") else "code"
        if passed:
            ratelimit.reset(CODE_SCOPE, str(user.pk), window_seconds=settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
            return sign_in_complete(request, user, next_url=_safe_next(request, next_url), factor=factor)
        audit_record(actor=None, action="account.second_step_failed", subject=user, data={"factor": factor})
    else:
        form = CodeForm()
    if context["has_passkeys"]:
        context["passkey_options"] = passkey_authentication_options(session=request.session, user=user)
    context["form"] = form
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@never_cache
@login_required
@sensitive_post_parameters("password", "code")
@require_http_methods(FORM)
def step_up(request: HttpRequest) -> HttpResponse:
    """ "Confirm it's you": the password, or a second factor when the account has one."""
    user = _user(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    status = mfa_status(user)
    template = "accounts/step_up.html"
    context: dict[str, Any] = {
        "nav": "profile",
        "next": next_url,
        "uses_factor": status.enabled,
        "has_passkeys": status.passkeys > 0,
        "minutes": settings.STEP_UP_MAX_AGE_SECONDS // 60,
    }
    form: Any
    if request.method == "POST":
        throttled = _throttled(request, user, template=template, context={**context, "form": CodeForm()})
        if throttled is not None:
            return throttled
        if status.enabled:
            passed, form, context["problem"] = _factor_answer(request, user)
        else:
            form = PasswordConfirmForm(request.POST)
            passed = form.is_valid() and user.check_password(form.cleaned_data["password"])
            if form.is_valid() and not passed:
                form.add_error("password", gettext("That password isn't right. Try again."))
        if passed:
            ratelimit.reset(CODE_SCOPE, str(user.pk), window_seconds=settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
            stepup_mark(request.session)
            return redirect(next_url or "accounts:security")
    else:
        form = CodeForm() if status.enabled else PasswordConfirmForm()
    if status.passkeys:
        context["passkey_options"] = passkey_authentication_options(session=request.session, user=user)
    context["form"] = form
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "nav": "profile",
        "status": mfa_status(user),
        "passkeys": Passkey.objects.filter(user=user),
        "required_reason": mfa_required_reason(user),
        "setup_required": bool(request.session.get(SETUP_REQUIRED)),
        "new_codes": request.session.pop(NEW_CODES, None),
        "fresh": stepup_fresh(request),
    }
    return render(request, "accounts/security.html", context)


def _show_codes_once(request: HttpRequest, codes: list[str]) -> None:
    if codes:
        # Kept in the session only until the security page shows them (that response is no-store).
        request.session[NEW_CODES] = codes


@never_cache
@login_required
@stepup_required
@sensitive_post_parameters("code")
@require_http_methods(FORM)
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    secret = str(request.session.get(PENDING_SECRET) or "")
    form = TotpSetupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and not secret:
        form.is_valid()
        form.add_error(
            None, gettext("Setting up ran out of time. Add the new code below to your app, then type its code.")
        )
    elif form.is_valid():
        try:
            codes = totp_enable(actor=user, secret=secret, code=form.cleaned_data["code"], request=request)
        except MfaError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(PENDING_SECRET, None)
            request.session.pop(SETUP_REQUIRED, None)
            _show_codes_once(request, codes)
            messages.success(
                request, gettext("Your authenticator app is set up. You'll be asked for a code when you sign in.")
            )
            return redirect("accounts:security")
    if not secret or not form.is_bound:
        # A new key each time the page is opened; a failed code keeps the key already in the app.
        secret = totp_new_secret()
        request.session[PENDING_SECRET] = secret
    uri = totp_provisioning_uri(user=user, secret=secret)
    grouped = " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
    context = {"nav": "profile", "form": form, "qr_svg": totp_qr_svg(uri), "secret": grouped}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/totp_setup.html", context, status=status)


@login_required
@stepup_required
@require_http_methods(ACTION)
def totp_remove(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if mfa_required_reason(user) and mfa_status(user).passkeys == 0:
        messages.error(
            request, gettext("Your account must keep a second factor. Add a passkey before removing the app.")
        )
        return redirect("accounts:security")
    totp_disable(actor=user, request=request)
    messages.success(request, gettext("The authenticator app has been removed from your account."))
    return redirect("accounts:security")


@never_cache
@login_required
@stepup_required
@require_http_methods(FORM)
def passkey_add(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasskeyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            _, codes = passkey_register(
                actor=user,
                session=request.session,
                credential_json=form.cleaned_data["credential"],
                name=form.cleaned_data["name"],
                request=request,
            )
        except MfaError as error:
            form.add_error(None, str(error))
        else:
            request.session.pop(SETUP_REQUIRED, None)
            _show_codes_once(request, codes)
            messages.success(request, gettext("Your passkey has been added."))
            return redirect("accounts:security")
    context = {
        "nav": "profile",
        "form": form,
        "passkey_options": passkey_registration_options(session=request.session, user=user),
    }
    return render(request, "accounts/passkey_add.html", context, status=400 if form.is_bound else 200)


@login_required
@stepup_required
@require_http_methods(ACTION)
def passkey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    passkey = get_object_or_404(Passkey, pk=pk, user=user)
    status = mfa_status(user)
    if mfa_required_reason(user) and not status.totp and status.passkeys <= 1:
        messages.error(
            request, gettext("Your account must keep a second factor. Add another one before removing this passkey.")
        )
        return redirect("accounts:security")
    passkey_remove(actor=user, passkey=passkey, request=request)
    messages.success(request, gettext("The passkey “%(name)s” has been removed.") % {"name": passkey.name})
    return redirect("accounts:security")


@never_cache
@login_required
@stepup_required
@require_http_methods(ACTION)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        codes = recovery_codes_regenerate(actor=user)
    except MfaError as error:
        messages.error(request, str(error))
    else:
        _show_codes_once(request, codes)
        messages.success(request, gettext("Here are your new recovery codes. The old ones no longer work."))
    return redirect("accounts:security")
