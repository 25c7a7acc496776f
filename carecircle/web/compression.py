"""GZip for every response except those that carry a secret (BREACH: docs/architecture/page-weight.md).

BREACH recovers a secret from a compressed HTTPS response by reflecting guesses into the same body
and watching its length. Django masks the CSRF token afresh in every response, which defeats it for
that token; the pages in web.page_policy show other secrets (API tokens, invitation and share
links, the authenticator key) next to text a visitor can influence, so they are sent uncompressed.
Static files are compressed ahead of time by WhiteNoise (brotli and gzip) and never pass here.

Pages are compressed at zlib's fastest level (1) when that still fits the first round trip
(FIRST_ROUND_TRIP, the HTML budget in ../shared/BUDGETS.md), else at Django's level (6). At level 6
compression was ≈ 19 % of the signed-in one-query page's instructions; level 1 takes about half the
time for ≈ 10 % more bytes (≈ 450 B on a 13 KB page), which arrive in the same round trip
(docs/architecture/serving.md, "The signed-in frame"). Everything else is Django's
GZipMiddleware: the random bytes in the header against BREACH, Vary, the weak ETag, streaming
responses.
"""

from __future__ import annotations

import gzip
import secrets

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

from carecircle.web.page_policy import carries_secret

FAST_LEVEL = 1
# The budget for a page's first HTML response, compressed: what fits the first round trip.
FIRST_ROUND_TRIP = 14_336


def compressed(content: bytes, *, max_random_bytes: int) -> bytes:
    """Django's `compress_string`, at level 1 when the result fits the first round trip."""
    fast = gzip.compress(content, compresslevel=FAST_LEVEL, mtime=0)
    if len(fast) + max_random_bytes > FIRST_ROUND_TRIP:
        return compress_string(content, max_random_bytes=max_random_bytes)
    if not max_random_bytes:
        return fast
    # Django's header: the FNAME flag and a name of 0 to max_random_bytes - 1 letters (its BREACH guard).
    header = bytearray(fast[:10])
    header[3] = gzip.FNAME
    return bytes(header) + b"a" * secrets.randbelow(max_random_bytes) + b"\x00" + fast[10:]


class GZipUnlessSecretMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if carries_secret(request):
            return response
        if response.streaming:
            return super().process_response(request, response)
        # Django's GZipMiddleware for a whole response, with `compressed` for its `compress_string`.
        content = response.content  # type: ignore[attr-defined]
        if len(content) < 200 or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        body = compressed(content, max_random_bytes=self.max_random_bytes)
        if len(body) >= len(content):
            return response
        response.content = body  # type: ignore[attr-defined]
        response.headers["Content-Length"] = str(len(body))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
