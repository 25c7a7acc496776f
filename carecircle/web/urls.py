from __future__ import annotations

from django.urls import path

from carecircle.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
]
