"""Response headers Django doesn't set itself: Permissions-Policy and Cross-Origin-Resource-Policy,
and the Referrer-Policy of addresses that carry a secret token (lib/redaction.py says why).

Permissions-Policy turns off every powerful browser feature CareCircle doesn't use, and keeps
WebAuthn (passkeys) to this origin. CORP `same-origin` stops other sites embedding our responses
(photos, documents) with no-cors requests. COOP comes from SECURE_CROSS_ORIGIN_OPENER_POLICY.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from carecircle.lib.redaction import SECRET_ADDRESS_REFERRER_POLICY, holds_secret

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "autoplay=()",
        "bluetooth=()",
        "browsing-topics=()",
        "camera=()",
        "display-capture=()",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if holds_secret(request.path):
            response.headers["Referrer-Policy"] = SECRET_ADDRESS_REFERRER_POLICY
        return response
