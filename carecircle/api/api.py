"""The JSON API at /api/v1/: one NinjaAPI that mounts each app's router, with OpenAPI and docs."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import NinjaAPI, Schema

from carecircle.accounts.api import router as accounts_router
from carecircle.accounts.api_auth import SessionAuth, TokenAuth
from carecircle.api.errors import install_error_handlers
from carecircle.audit.api import router as audit_router
from carecircle.circles.api import router as circles_router
from carecircle.conversations.api import router as conversations_router
from carecircle.notifications.api import router as notifications_router
from carecircle.orgs.api import router as orgs_router
from carecircle.orgs.report_api import router as orgs_report_router
from carecircle.realtime.api import router as realtime_router
from carecircle.records.api import router as records_router
from carecircle.tasks.api import router as tasks_router

DESCRIPTION = """The CareCircle API: the same circles, people and permissions as the website.

Authenticate with a personal API token (`Authorization: Bearer <token>`, made at POST /tokens or
in your account settings) or with a signed-in browser session (unsafe methods then need the
`X-CSRFToken` header). Errors always look like `{"detail": "…", "errors": [{"field", "message"}]}`.
Anything about a circle you are not in answers 404, exactly as if it didn't exist.
"""

api = NinjaAPI(
    title="CareCircle API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", circles_router)
api.add_router("", realtime_router)
api.add_router("", audit_router)
api.add_router("", tasks_router)
api.add_router("", records_router)
api.add_router("", conversations_router)
api.add_router("", notifications_router)
api.add_router("", orgs_router)
api.add_router("", orgs_report_router)


class ApiIndexOut(Schema):
    name: str
    version: str
    openapi: str
    docs: str
    authentication: str


# Part of the API's own documentation, like the OpenAPI document and the docs page: public, and not
# an operation of the API itself (the permission matrix lists it with them).
@api.get("/", auth=None, response=ApiIndexOut, url_name="index", include_in_schema=False)
def api_index(request: HttpRequest) -> ApiIndexOut:
    """Public: `GET /api/v1/` points to the OpenAPI document and the docs, instead of a bare 404."""
    return ApiIndexOut(
        name=api.title,
        version=api.version,
        openapi=request.build_absolute_uri(reverse("api:openapi-json")),
        docs=request.build_absolute_uri(reverse("api:openapi-view")),
        authentication="Authorization: Bearer <token> (make one in your account settings), or a signed-in session.",
    )
