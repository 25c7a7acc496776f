"""Mounts the NinjaAPI; the project's urls.py includes this under "api/v1/".

There is no app_name here: ninja's own (app "ninja", instance "api") namespace is the one that
reverse("api:…") and the OpenAPI view resolve.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from carecircle.api.api import api
from carecircle.api.errors import methods_answered_in_json

_patterns, _app_name, _namespace = api.urls
urlpatterns: list[URLPattern | URLResolver] = [
    path("", (methods_answered_in_json(api, _patterns), _app_name, _namespace)),
]
