from __future__ import annotations

from django.urls import path

from carecircle.lib.converters import ensure_id_converter
from carecircle.realtime import views

ensure_id_converter()
app_name = "realtime"
urlpatterns = [path("circles/<id:circle_id>/events", views.events, name="events")]
