from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "records"
urlpatterns: list[URLPattern] = []
