from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("carecircle.web.urls")),
    path("account/", include("carecircle.accounts.urls")),
    path("", include("carecircle.circles.urls")),
    path("", include("carecircle.audit.urls")),
    path("", include("carecircle.realtime.urls")),
    path("", include("carecircle.tasks.urls")),
    path("", include("carecircle.records.urls")),
    path("", include("carecircle.conversations.urls")),
    path("", include("carecircle.notifications.urls")),
    path("", include("carecircle.orgs.urls")),
    path("api/v1/", include("carecircle.api.urls")),
]

handler400 = "carecircle.web.views.bad_request"
handler403 = "carecircle.web.views.permission_denied"
handler404 = "carecircle.web.views.page_not_found"
handler500 = "carecircle.web.views.server_error"
