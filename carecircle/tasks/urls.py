from __future__ import annotations

from django.urls import URLPattern, path

from carecircle.lib.converters import ensure_id_converter
from carecircle.tasks import email_action_views, feed_views, rota_views, task_views, views

ensure_id_converter()
app_name = "tasks"
urlpatterns: list[URLPattern] = [
    path("circles/<id:circle_id>/tasks/", views.agenda, name="agenda"),
    path("circles/<id:circle_id>/tasks/needs-help/", views.needs_help, name="needs_help"),
    path("circles/<id:circle_id>/tasks/week/", views.week, name="week"),
    path("circles/<id:circle_id>/tasks/month/", views.month, name="month"),
    path("circles/<id:circle_id>/tasks/new/", task_views.create, name="create"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/", task_views.detail, name="detail"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/edit/", task_views.edit, name="edit"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/cancel/", task_views.cancel, name="cancel"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/volunteer/", task_views.volunteer, name="volunteer"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/withdraw/", task_views.withdraw, name="withdraw"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/assign/", task_views.assign, name="assign"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/done/", task_views.done, name="done"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/thank/", task_views.thank, name="thank"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/visit/", rota_views.visit_log, name="visit_log"),
    path("circles/<id:circle_id>/rota/", rota_views.rota, name="rota"),
    path("circles/<id:circle_id>/tasks/cant-cover/", rota_views.away, name="away"),
    path("circles/<id:circle_id>/tasks/cant-cover/<id:period_id>/", rota_views.away_done, name="away_done"),
    path("circles/<id:circle_id>/tasks/<id:task_id>/ask-everyone/", rota_views.ask_everyone, name="ask_everyone"),
    path("circles/<id:circle_id>/tasks/stand-ins/", rota_views.stand_ins, name="stand_ins"),
    path("circles/<id:circle_id>/tasks/offers/", rota_views.offers, name="offers"),
    path("tasks/mine/", views.mine, name="mine"),
    path("tasks/calendar/", feed_views.settings_page, name="feeds"),
    path("calendar/<str:token>.ics", feed_views.feed, name="feed"),
    path("act/<str:token>/", email_action_views.email_action, name="email_action"),
]
