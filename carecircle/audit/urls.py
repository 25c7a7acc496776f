from __future__ import annotations

from django.urls import path

from carecircle.audit import views
from carecircle.lib.converters import ensure_id_converter

ensure_id_converter()
app_name = "audit"
urlpatterns = [
    path("circles/<id:circle_id>/activity/", views.circle_log, name="circle_log"),
]
