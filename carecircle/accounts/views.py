"""Account pages: sign up, sign in and out, email confirmation, passwords, profile, sessions and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from carecircle.accounts.devices import device_description
from carecircle.accounts.emails import duration_words, verification_email_send
from carecircle.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from carecircle.accounts.models import ApiToken, SignedInSession, User
from carecircle.accounts.scopes import circles_of
from carecircle.accounts.selectors import api_tokens_for
from carecircle.accounts.services import (
    AccountError,
    api_token_create,
    api_token_revoke,
    user_password_change,
    user_password_reset,
    user_sign_out,
    user_sign_up,
    user_update_profile,
    user_verify_email,
)
from carecircle.accounts.sessions import session_record, session_sign_out_one, sessions_sign_out_others
from carecircle.accounts.signin import sign_in_after_password
from carecircle.accounts.stepup import stepup_fresh, stepup_redirect
from carecircle.accounts.verification import VerificationLinkError, verification_token_check
from carecircle.lib import ratelimit
from carecircle.lib.addresses import client_address
from carecircle.lib.caching import revalidated
from carecircle.lib.hooks import audit_record

PAGE = ["GET", "HEAD"]
FORM = ["GET", "HEAD", "POST"]
ACTION = ["POST"]
SIGN_IN_ACCOUNT_SCOPE = "sign-in-account"
SIGN_IN_ADDRESS_SCOPE = "sign-in-address"
VERIFICATION_EMAILS_PER_HOUR = 5
MODEL_BACKEND = "carecircle.accounts.backends.EmailBackend"


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(gettext("Sign in to see this page."))
    return user


def _safe_next(request: HttpRequest) -> str:
    """The `next` address when it points back into this site; otherwise an empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _first_page_after_sign_up() -> str:
    try:
        return reverse("circles:create")
    except NoReverseMatch:
        return reverse("circles:list")


def _form_status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _sign_in(request: HttpRequest, user: User) -> None:
    login(request, user, backend=MODEL_BACKEND)  # Rotates the session key.
    session_record(request=request, user=user)


# Signing up, in and out


@revalidated
@sensitive_post_parameters("password")
@require_http_methods(FORM)
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            try:
                user = user_sign_up(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                    language=translation.get_language(),
                )
            except AccountError as error:
                form.add_error("email", str(error))
            except ValidationError as error:
                form.add_error("password", error)
            else:
                _sign_in(request, user)
                verification_email_send(user=user)
                messages.success(
                    request,
                    gettext(
                        "Welcome to CareCircle, %(name)s. We've sent an email to %(email)s: "
                        "open the link in it to confirm your address."
                    )
                    % {"name": user.display_name, "email": user.email},
                )
                return redirect(next_url or _first_page_after_sign_up())
    else:
        form = SignUpForm(initial={"email": request.GET.get("email", "")[:254]})
    context = {"form": form, "next": next_url, "nav": "signup"}
    return render(request, "accounts/signup.html", context, status=_form_status(form))


def _sign_in_counted(*, email: str, address: str) -> bool:
    """Count this attempt against the account and the address; True when either is over its limit.

    Counted atomically before the password is checked, so a burst of simultaneous attempts gets at
    most the limit checked, on one process or many sharing the cache.
    """
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    for_account = ratelimit.hit(SIGN_IN_ACCOUNT_SCOPE, email, window_seconds=window)
    for_address = ratelimit.hit(SIGN_IN_ADDRESS_SCOPE, address, window_seconds=window)
    return for_account > settings.LOGIN_ATTEMPTS_PER_ACCOUNT or for_address > settings.LOGIN_ATTEMPTS_PER_ADDRESS


def _sign_in_failed(*, email: str, address: str) -> None:
    account = User.objects.filter(email__iexact=email).first()
    if account is not None:
        # Security event (ASVS 16.3.1); unknown addresses are only counted, never logged by name.
        audit_record(actor=None, action="account.sign_in_failed", subject=account, data={"address": address})


def _sign_in_succeeded(*, email: str, address: str) -> None:
    """Clear the account's count, and take back this attempt from the address: only failures pause it."""
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    ratelimit.reset(SIGN_IN_ACCOUNT_SCOPE, email, window_seconds=window)
    ratelimit.take_back(SIGN_IN_ADDRESS_SCOPE, address, window_seconds=window)


@revalidated
@sensitive_post_parameters("password")
@require_http_methods(FORM)
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    context: dict[str, Any] = {"next": next_url, "nav": "login"}
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            email: str = form.cleaned_data["email"]
            address = client_address(request) or "unknown"
            if _sign_in_counted(email=email, address=address):
                wait = ratelimit.seconds_left(window_seconds=settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
                context.update(form=SignInForm(initial={"email": email}), wait=duration_words(wait))
                response = render(request, "accounts/login.html", context, status=429)
                response["Retry-After"] = str(wait)
                return response
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if isinstance(user, User):
                _sign_in_succeeded(email=email, address=address)
                # A second step when the account has a second factor; otherwise signed in now.
                return sign_in_after_password(request, user, next_url=next_url)
            _sign_in_failed(email=email, address=address)
            # The same words whether or not the address has an account.
            form.add_error(
                None,
                gettext("The email address or password isn't right. Check them and try again, or reset your password."),
            )
    else:
        form = SignInForm(initial={"email": request.GET.get("email", "")[:254]})
    context["form"] = form
    return render(request, "accounts/login.html", context, status=_form_status(form))


@require_http_methods(ACTION)
def logout_view(request: HttpRequest) -> HttpResponse:
    session_key = request.session.session_key
    user = request.user if isinstance(request.user, User) else None
    logout(request)
    if user is not None:
        if session_key:
            user_sign_out(actor=user, session_key=session_key)
        messages.info(request, gettext("You're signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# Confirming the email address


@never_cache
@require_http_methods(FORM)
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for a press of a button; only the POST confirms.

    Email security scanners open every link in a message, so a GET that confirmed would confirm
    addresses nobody had read.
    """
    try:
        user = verification_token_check(token=token)
    except VerificationLinkError as error:
        context = {"problem": str(error), "expired": error.expired, "nav": "profile"}
        return render(request, "accounts/verify_email_failed.html", context, status=410 if error.expired else 400)
    already_confirmed = user.email_verified
    if request.method != "POST" and not already_confirmed:
        return render(request, "accounts/verify_email_confirm.html", {"email": user.email, "nav": "profile"})
    if not already_confirmed:
        user_verify_email(user=user)
    context = {"confirmed_email": user.email, "already_confirmed": already_confirmed, "nav": "profile"}
    return render(request, "accounts/verify_email_done.html", context)


@require_http_methods(ACTION)
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:profile"))
    user = _signed_in_user(request)
    if user.email_verified:
        messages.info(request, gettext("Your email address is already confirmed. There's nothing more to do."))
    elif ratelimit.hit("verify-email-resend", str(user.pk), window_seconds=3600) > VERIFICATION_EMAILS_PER_HOUR:
        messages.error(
            request,
            gettext(
                "We've already sent you several emails in the last hour. Check your spam or junk folder, "
                "or try again in an hour."
            ),
        )
    else:
        verification_email_send(user=user)
        messages.success(
            request,
            gettext("We've sent a new link to %(email)s. Open it to confirm your address.") % {"email": user.email},
        )
    return redirect(_safe_next(request) or "accounts:profile")


# Passwords


@method_decorator(require_http_methods(FORM), name="dispatch")
class PasswordResetRequestView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_sent")
    extra_context = {"nav": "login"}

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


@require_http_methods(PAGE)
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    context = {"valid_for": duration_words(settings.PASSWORD_RESET_TIMEOUT), "nav": "login"}
    return render(request, "accounts/password_reset_sent.html", context)


@method_decorator(require_http_methods(FORM), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"nav": "login"}

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.user
        assert isinstance(user, User)
        # Anyone who knew the old password is signed out everywhere; this browser stays signed in
        # only if it already was, as this account.
        user_password_reset(actor=user, password=form.cleaned_data["new_password1"], request=self.request)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@require_http_methods(PAGE)
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html", {"nav": "login"})


@login_required
@sensitive_post_parameters()
@require_http_methods(FORM)
def password_change(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    form = ChangePasswordForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        ended = user_password_change(actor=user, password=form.cleaned_data["new_password1"], request=request)
        text = gettext("Your password has been changed.")
        if ended:
            signed_out = ngettext(
                "You've been signed out on %(count)s other device.",
                "You've been signed out on %(count)s other devices.",
                ended,
            )
            text = f"{text} {signed_out % {'count': ended}}"
        messages.success(request, text)
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form, "nav": "profile"}, status=_form_status(form))


# Profile


@login_required
@require_http_methods(FORM)
def profile(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        needs_stepup = form.is_valid() and form.cleaned_data["phone"] != user.phone and not stepup_fresh(request)
        if needs_stepup:
            # Texts with codes and alerts go to this number, so changing it needs a fresh confirmation.
            form.add_error(
                "phone",
                gettext(
                    "To change your phone number, confirm it's you first (the link below opens in a new tab and "
                    "keeps what you typed here), then save again."
                ),
            )
        if form.is_valid():
            user_update_profile(
                actor=user,
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, gettext("Your details have been saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(user=user)
        needs_stepup = False
    context = {"form": form, "account": user, "nav": "profile", "needs_stepup": needs_stepup}
    return render(request, "accounts/profile.html", context, status=_form_status(form))


# Where you're signed in


@login_required
@require_http_methods(PAGE)
def sessions(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    current_key = request.session.session_key
    entries = [
        {
            "pk": signed_in.pk,
            "device": device_description(signed_in.user_agent),
            "ip_address": signed_in.ip_address,
            "created_at": signed_in.created_at,
            "last_seen_at": signed_in.last_seen_at,
            "is_current": signed_in.session_key == current_key,
        }
        for signed_in in SignedInSession.objects.filter(user=user)
    ]
    entries.sort(key=lambda entry: not entry["is_current"])
    others = sum(1 for entry in entries if not entry["is_current"])
    return render(request, "accounts/sessions.html", {"entries": entries, "others": others, "nav": "profile"})


@require_http_methods(ACTION)
def sessions_sign_out_others_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:sessions"))
    user = _signed_in_user(request)
    ended = sessions_sign_out_others(actor=user, current_session_key=request.session.session_key)
    if ended:
        messages.success(
            request,
            ngettext("Signed out on %(count)s other device.", "Signed out on %(count)s other devices.", ended)
            % {"count": ended},
        )
    else:
        messages.info(request, gettext("You weren't signed in anywhere else."))
    return redirect("accounts:sessions")


@require_http_methods(ACTION)
def session_sign_out(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:sessions"))
    user = _signed_in_user(request)
    signed_in = get_object_or_404(SignedInSession, pk=pk, user=user)
    if signed_in.session_key == request.session.session_key:
        return logout_view(request)
    device = device_description(signed_in.user_agent)
    session_sign_out_one(actor=user, signed_in_session=signed_in)
    messages.success(request, gettext("Signed out on %(device)s.") % {"device": device})
    return redirect("accounts:sessions")


# Personal API tokens


@never_cache
@login_required
@require_http_methods(FORM)
def tokens(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    new_secret = ""
    new_token: ApiToken | None = None
    circles = circles_of(user)
    if request.method == "POST":
        if not stepup_fresh(request):
            return stepup_redirect(request, next_url=reverse("accounts:tokens"))
        form = ApiTokenForm(request.POST, circles=circles)
        if form.is_valid():
            data = form.cleaned_data
            new_token, new_secret = api_token_create(
                actor=user,
                name=data["name"],
                read_only=data["access"] == "read",
                circle_id=int(data["circle"]) if data["circle"] else None,
                expires_in_days=int(data["lifetime"]) if data["lifetime"] else None,
            )
            # The secret is shown in this response only; it is never stored, so it cannot be shown again.
            form = ApiTokenForm(circles=circles)
    else:
        form = ApiTokenForm(circles=circles)
    context = {
        "form": form,
        "tokens": api_tokens_for(user=user),
        "new_token": new_token,
        "new_secret": new_secret,
        "nav": "profile",
    }
    return render(request, "accounts/tokens.html", context, status=_form_status(form))


@require_http_methods(ACTION)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:tokens"))
    user = _signed_in_user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    if token.is_active:
        api_token_revoke(actor=user, token=token)
        messages.success(
            request,
            gettext("The token “%(name)s” has been revoked. Programs using it can no longer sign in.")
            % {"name": token.name},
        )
    else:
        messages.info(request, gettext("The token “%(name)s” was already revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
