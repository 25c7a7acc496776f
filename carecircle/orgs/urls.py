from __future__ import annotations

from django.urls import path

from carecircle.orgs import views

app_name = "orgs"
urlpatterns = [
    path("organisations/", views.organisation_list, name="list"),
    path("organisations/<int:organisation_id>/", views.organisation_home, name="home"),
    path("organisations/<int:organisation_id>/staff/", views.staff, name="staff"),
    path("organisations/<int:organisation_id>/staff/<int:staff_id>/role", views.staff_role, name="staff_role"),
    path("organisations/<int:organisation_id>/staff/<int:staff_id>/remove", views.staff_remove, name="staff_remove"),
    path("organisations/join/<str:token>/", views.staff_join, name="staff_join"),
    path("commissioning/", views.commissioning, name="commissioning"),
]
