from __future__ import annotations

from django.urls import path

from carecircle.circles import views

app_name = "circles"
urlpatterns = [
    path("circles/", views.circle_list, name="list"),
    path("circles/new/", views.circle_create, name="create"),
    path("circles/<int:circle_id>/", views.circle_home, name="home"),
    path("circles/<int:circle_id>/edit/", views.circle_edit, name="edit"),
    path("circles/<int:circle_id>/photo/", views.circle_photo, name="photo"),
    path("circles/<int:circle_id>/people/", views.members, name="members"),
    path("circles/<int:circle_id>/people/fragment/", views.members_fragment, name="members_fragment"),
    path("circles/<int:circle_id>/people/<int:member_id>/", views.member_edit, name="member_edit"),
    path("circles/<int:circle_id>/people/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("circles/<int:circle_id>/leave/", views.leave, name="leave"),
    path("circles/<int:circle_id>/invite/", views.invite, name="invite"),
    path(
        "circles/<int:circle_id>/invitations/<int:invitation_id>/cancel/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("circles/<int:circle_id>/consent/", views.consent, name="consent"),
    path("join/<str:token>/", views.invitation, name="invitation"),
]
