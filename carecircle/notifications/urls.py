from __future__ import annotations

from django.urls import path

from carecircle.notifications import views

app_name = "notifications"
urlpatterns = [path("outbox/", views.outbox, name="outbox")]
