from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "realtime"
urlpatterns: list[URLPattern | URLResolver] = []
