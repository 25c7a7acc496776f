from __future__ import annotations

from django.urls import path

from carecircle.circles import closing_views, invitation_views, member_views, views
from carecircle.lib.converters import ensure_id_converter

ensure_id_converter()
app_name = "circles"
urlpatterns = [
    path("circles/", views.circle_list, name="list"),
    path("circles/new/", views.circle_create, name="create"),
    path("circles/<id:circle_id>/", views.circle_home, name="home"),
    path("circles/<id:circle_id>/edit/", views.circle_edit, name="edit"),
    path("circles/<id:circle_id>/photo/", views.circle_photo, name="photo"),
    path("circles/<id:circle_id>/photo/change/", views.circle_photo_change, name="photo_change"),
    path("circles/<id:circle_id>/photo/remove/", views.circle_photo_remove, name="photo_remove"),
    path("circles/<id:circle_id>/people/", member_views.members, name="members"),
    path("circles/<id:circle_id>/people/fragment/", member_views.members_fragment, name="members_fragment"),
    path("circles/<id:circle_id>/people/<id:member_id>/", member_views.member_edit, name="member_edit"),
    path("circles/<id:circle_id>/people/<id:member_id>/remove/", member_views.member_remove, name="member_remove"),
    path("circles/<id:circle_id>/leave/", member_views.leave, name="leave"),
    path("circles/<id:circle_id>/invite/", invitation_views.invite, name="invite"),
    path("circles/<id:circle_id>/invitations/", invitation_views.invitations, name="invitations"),
    path(
        "circles/<id:circle_id>/invitations/<id:invitation_id>/cancel/",
        invitation_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("circles/<id:circle_id>/consent/", views.consent, name="consent"),
    path("circles/<id:circle_id>/close/", closing_views.close, name="close"),
    path("circles/<id:circle_id>/reopen/", closing_views.reopen, name="reopen"),
    path("join/<str:token>/", invitation_views.invitation, name="invitation"),
    path("join/<str:token>/by-text/", invitation_views.invitation_by_text, name="invitation_by_text"),
]
