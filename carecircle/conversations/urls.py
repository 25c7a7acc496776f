from __future__ import annotations

from django.urls import path

from carecircle.conversations import checkin_views, search_views, views
from carecircle.lib.converters import ensure_id_converter

ensure_id_converter()
app_name = "conversations"

MESSAGE = "circles/<id:circle_id>/conversations/<id:conversation_id>/messages/<id:message_id>/"

urlpatterns = [
    path("circles/<id:circle_id>/talk/", views.family, name="family"),
    path("circles/<id:circle_id>/news/", views.news, name="news"),
    path("circles/<id:circle_id>/direct/", views.direct_list, name="direct_list"),
    path("circles/<id:circle_id>/conversations/<id:conversation_id>/", views.conversation, name="conversation"),
    path(
        "circles/<id:circle_id>/conversations/<id:conversation_id>/after/",
        views.messages_after,
        name="messages_after",
    ),
    path(MESSAGE, views.message, name="message"),
    path(MESSAGE + "edit/", views.message_edit, name="message_edit"),
    path(MESSAGE + "remove/", views.message_remove, name="message_remove"),
    path(MESSAGE + "restore/", views.message_restore, name="message_restore"),
    path(MESSAGE + "react/", views.react, name="react"),
    path(MESSAGE + "reactions/", views.message_reactions, name="message_reactions"),
    path(
        "circles/<id:circle_id>/threads/<slug:subject_kind>/<id:subject_id>/",
        views.thread,
        name="thread",
    ),
    path("circles/<id:circle_id>/photos/<id:photo_id>/", views.photo, name="photo"),
    path(
        "circles/<id:circle_id>/photos/<id:photo_id>/thumbnail/",
        views.photo,
        {"size": "thumbnail"},
        name="photo_thumbnail",
    ),
    path("circles/<id:circle_id>/keeping-in-touch/", views.home_fragment, name="home_fragment"),
    path("circles/<id:circle_id>/checkins/", checkin_views.checkins, name="checkins"),
    path("circles/<id:circle_id>/visitors/", checkin_views.visitors, name="visitors"),
    path("circles/<id:circle_id>/search/", search_views.search, name="search"),
    path("conversations/strings.js", views.strings, name="strings"),
]
