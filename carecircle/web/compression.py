"""GZip for every response except those that carry a secret (BREACH: docs/architecture/page-weight.md).

BREACH recovers a secret from a compressed HTTPS response by reflecting guesses into the same body
and watching its length. Django masks the CSRF token afresh in every response, which defeats it for
that token; the pages in web.page_policy show other secrets (API tokens, invitation and share
links, the authenticator key) next to text a visitor can influence, so they are sent uncompressed.
Static files are compressed ahead of time by WhiteNoise (brotli and gzip) and never pass here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from carecircle.web.page_policy import carries_secret


class GZipUnlessSecretMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if carries_secret(request):
            return response
        return super().process_response(request, response)
