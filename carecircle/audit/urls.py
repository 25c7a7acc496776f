from __future__ import annotations

from django.urls import path

from carecircle.audit import views

app_name = "audit"
urlpatterns = [
    path("circles/<int:circle_id>/activity/", views.circle_log, name="circle_log"),
]
