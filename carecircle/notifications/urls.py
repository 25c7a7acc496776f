from __future__ import annotations

from django.urls import path

from carecircle.web.views import scaffold

app_name = "notifications"
urlpatterns = [path("outbox/", scaffold, name="outbox")]
