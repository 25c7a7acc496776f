from __future__ import annotations

from django.urls import path

from carecircle.web.views import scaffold

app_name = "circles"
urlpatterns = [
    path("circles/", scaffold, name="list"),
    path("join/<str:token>/", scaffold, name="invitation"),
]
