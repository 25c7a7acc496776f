"""One shape for every API error: {"detail": "plain words", "errors": [{"field", "message"}]}.

The words are in the request's language (docs/architecture/i18n.md, "The API's errors"); field
names, `code` values and the status never change with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from carecircle.lib.errors import DomainError

logger = logging.getLogger(__name__)

NOT_FOUND = gettext_lazy("Not found.")
SIGN_IN = gettext_lazy("Sign in, or send a personal API token in the Authorization header as 'Bearer <token>'.")
# Translators: "errors" is the name of a field in the answer; keep it in English.
INVALID_FIELDS = gettext_lazy("Some of what you sent isn't valid. Each problem is listed in errors.")
NOT_JSON = gettext_lazy("The request body isn't valid JSON. Send a JSON object with Content-Type: application/json.")
SERVER_ERROR = gettext_lazy("Something went wrong on our side. Try again in a minute.")
# The English texts of ninja's own HTTP errors, answered in the request's language instead.
NINJA_UNAUTHORIZED = "Unauthorized"
NINJA_BAD_BODY = "Cannot parse request body"
# Pydantic lists the allowed values as "'a', 'b' or 'c'"; each value is read back out of that.
_QUOTED = re.compile(r"'([^']*)'")
# Ninja's own parameter sources; they are not part of a field's name.
PARAMETER_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
# Every operation names its request body `payload`; that name is left out of field paths.
BODY_PARAMETER = "payload"
# The order methods are listed in an Allow header and in the words of a 405.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = list(location)
    if parts and parts[0] in PARAMETER_SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == BODY_PARAMETER:
            parts.pop(0)
    return ".".join(str(part) for part in parts) or "body"


def _choices(expected: str) -> str:
    """The allowed values of an enum, quoted as pydantic quotes them, joined in the request's language."""
    values = [f"'{value}'" for value in _QUOTED.findall(expected)]
    if len(values) < 2:
        return expected
    return pgettext("the last two of a list of choices", "%(earlier)s or %(last)s") % {
        "earlier": pgettext("between items of a list of choices", ", ").join(values[:-1]),
        "last": values[-1],
    }


def _plain_message(error: dict[str, Any]) -> str:
    """What is wrong with one field, in the request's language: pydantic's own words are English."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return gettext("This field is required.")
    if kind == "string_too_long":
        limit = int(context.get("max_length", 0))
        return ngettext("Use at most %(count)s character.", "Use at most %(count)s characters.", limit) % {
            "count": limit
        }
    if kind == "string_too_short":
        minimum = int(context.get("min_length", 1))
        if minimum == 1:
            return gettext("This can't be empty.")
        return ngettext("Use at least %(count)s character.", "Use at least %(count)s characters.", minimum) % {
            "count": minimum
        }
    if kind == "too_long":
        limit = int(context.get("max_length", 0))
        return ngettext("Send at most %(count)s item.", "Send at most %(count)s items.", limit) % {"count": limit}
    if kind in {"greater_than_equal", "greater_than"}:
        return gettext("Enter a number no smaller than %(number)s.") % {"number": context.get("ge", context.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return gettext("Enter a number no bigger than %(number)s.") % {"number": context.get("le", context.get("lt"))}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return gettext("Enter a whole number.")
    if kind in {"enum", "literal_error"}:
        if "expected" not in context:
            return gettext("Choose one of the listed values.")
        return gettext("Choose one of %(choices)s.") % {"choices": _choices(str(context["expected"]))}
    if kind in {"uuid_parsing", "uuid_type"}:
        return gettext("Send a UUID, like 3f2c6b1e-8d4a-4e57-9c1b-2a7d5e9f0c31.")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"}:
        return gettext("Enter a date as YYYY-MM-DD.")
    if kind in {"datetime_parsing", "datetime_type", "datetime_from_date_parsing"}:
        return gettext("Enter a date and time with its offset, like 2026-03-10T10:30:00+00:00.")
    if kind in {"time_parsing", "time_type"}:
        return gettext("Enter a time as HH:MM, like 10:30.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return gettext("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return gettext("Send true or false.")
    if kind == "string_type":
        return gettext("Send text.")
    if kind == "string_unicode":
        return gettext("This text isn't valid Unicode: check how it was encoded.")
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return gettext("Send a JSON object.")
    if kind == "list_type":
        return gettext("Send a list.")
    if kind == "extra_forbidden":
        return gettext("This field isn't recognised. Check its spelling against the API documentation.")
    if kind == "value_error" and "error" in context:
        # Raised by CareCircle's own validators, already in the request's language.
        return str(context["error"])
    return gettext("This value isn't valid. Check it against the API documentation.")


def _error_response(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _handle[E: Exception](
    api: NinjaAPI, exception_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    def adapter(request: HttpRequest, error: E | type[E]) -> HttpResponse:
        # Ninja's signature allows an exception class too, but it always passes an instance.
        return handler(request, cast(E, error))

    api.add_exception_handler(exception_class, adapter)


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default error responses with CareCircle's single error shape."""

    def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
        errors = [{"field": _field_name(item.get("loc", ())), "message": _plain_message(item)} for item in error.errors]
        return _error_response(api, request, 422, str(INVALID_FIELDS), errors)

    def refused(request: HttpRequest, error: DomainError) -> HttpResponse:
        # The refusal's own kind decides the status (lib/errors.py), the same as on the web pages.
        status = error.api_status
        errors = [{"field": field, "message": message} for field, message in error.field_errors.items()]
        response = _error_response(api, request, status, str(INVALID_FIELDS) if status == 422 else str(error), errors)
        code = getattr(error, "code", "")
        if code:
            # A machine-readable reason (lib/refusals.py), so a client can re-authenticate, or use a
            # wider token, and retry.
            return api.create_response(request, {"detail": str(error), "code": code}, status=status)
        return response

    def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        detail = error.message if error.message != NINJA_UNAUTHORIZED else str(SIGN_IN)
        response = _error_response(api, request, 401, detail)
        response["WWW-Authenticate"] = 'Bearer realm="CareCircle"'
        return response

    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        detail = error.message
        if error.status_code == 400 and detail.startswith(NINJA_BAD_BODY):
            detail = str(NOT_JSON)
        return _error_response(api, request, error.status_code, detail)

    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        # The same answer whether the thing is missing or belongs to a circle the viewer isn't in.
        return _error_response(api, request, 404, str(NOT_FOUND))

    def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        detail = str(error) or gettext("Your role in this circle doesn't allow this.")
        return _error_response(api, request, 403, detail)

    def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return _error_response(
            api,
            request,
            413,
            gettext("The request body is too big. Send at most %(megabytes)s MB.") % {"megabytes": limit},
        )

    def suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
        return _error_response(api, request, 400, gettext("This request can't be read. Check what you sent."))

    def unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
        logger.error("API error on %s %s", request.method, request.path, exc_info=error)
        return _error_response(api, request, 500, str(SERVER_ERROR))

    _handle(api, ValidationError, validation_error)
    _handle(api, DomainError, refused)
    _handle(api, AuthenticationError, authentication_error)
    _handle(api, HttpError, http_error)
    _handle(api, Http404, not_found)
    _handle(api, PermissionDenied, permission_denied)
    _handle(api, RequestDataTooBig, too_big)
    _handle(api, SuspiciousOperation, suspicious)
    _handle(api, Exception, unexpected)


def _in_words(methods: Sequence[str]) -> str:
    if len(methods) <= 1:
        return "".join(methods)
    return pgettext("the last two of a list of HTTP methods", "%(earlier)s and %(last)s") % {
        "earlier": pgettext("between items of a list of HTTP methods", ", ").join(methods[:-1]),
        "last": methods[-1],
    }


def _allowed_methods(response: HttpResponseBase) -> list[str]:
    allowed = {method.strip().upper() for method in response.get("Allow", "").split(",") if method.strip()}
    known = [method for method in METHOD_ORDER if method in allowed]
    return known + sorted(allowed - set(known))


def method_not_allowed(api: NinjaAPI, request: HttpRequest, allowed: Sequence[str]) -> HttpResponse:
    """405 in the API's error shape, with the Allow header every 405 must carry."""
    method = (request.method or "").upper()
    if allowed:
        detail = gettext("This address doesn't accept %(method)s. It accepts %(allowed)s.") % {
            "method": method,
            "allowed": _in_words(allowed),
        }
    else:
        detail = gettext("This address doesn't accept %(method)s.") % {"method": method}
    response = _error_response(api, request, 405, detail)
    response["Allow"] = ", ".join(allowed)
    return response


def methods_answered_in_json(
    api: NinjaAPI, patterns: Sequence[URLPattern | URLResolver]
) -> list[URLPattern | URLResolver]:
    """The API's URL patterns, with ninja's plain-text 405 for a wrong method replaced by a JSON one.

    Ninja answers a method no operation accepts before any exception handler runs, so the answer is
    replaced on its way out of the view.
    """

    def wrap(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                return method_not_allowed(api, request, _allowed_methods(response))
            return response

        return wrapper

    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern = URLPattern(pattern.pattern, wrap(pattern.callback), pattern.default_args, pattern.name)
        wrapped.append(pattern)
    return wrapped
