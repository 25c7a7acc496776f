from __future__ import annotations

from django.urls import path

from carecircle.realtime import views

app_name = "realtime"
urlpatterns = [path("circles/<int:circle_id>/events", views.events, name="events")]
