from __future__ import annotations

from django.urls import path

from carecircle.web.views import scaffold

app_name = "accounts"
urlpatterns = [
    path("sign-in/", scaffold, name="login"),
    path("sign-out/", scaffold, name="logout"),
    path("create/", scaffold, name="signup"),
    path("", scaffold, name="profile"),
]
