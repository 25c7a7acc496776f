from __future__ import annotations

from django.urls import path

from carecircle.web.views import scaffold

app_name = "realtime"
urlpatterns = [path("circles/<int:circle_id>/events", scaffold, name="events")]
