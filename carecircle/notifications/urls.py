from __future__ import annotations

from django.urls import path

from carecircle.notifications import mail_events, pages, sms_status, views

app_name = "notifications"
urlpatterns = [
    path("dev/outbox/", views.outbox, name="outbox"),
    path("notifications/", pages.notification_list, name="list"),
    path("notifications/read/", pages.notifications_read, name="read_all"),
    path("notifications/unread/", pages.unread_count, name="unread"),
    path("notifications/<id:notification_id>/", pages.notification_open, name="open"),
    path("notifications/preferences/", pages.preferences_page, name="preferences"),
    path("notifications/preferences/when/", pages.preferences_when, name="preferences_when"),
    path("notifications/preferences/push/", pages.preferences_push, name="preferences_push"),
    path("notifications/preferences/kinds/", pages.preferences_kinds, name="preferences_kinds"),
    path("notifications/stop/<str:token>/", pages.stop_emails, name="stop_emails"),
    path("notifications/mute/<str:token>/", pages.mute, name="mute"),
    path("notifications/resume/<str:channel>/", pages.channel_resume, name="channel_resume"),
    path("notifications/push/open/", pages.push_open, name="push_open"),
    path("notifications/push/remove/", pages.push_device_remove, name="push_device_remove"),
    path("mail/events/postmark/", mail_events.postmark_events, name="mail_events_postmark"),
    path("mail/events/brevo/", mail_events.brevo_events, name="mail_events_brevo"),
    path("sms/status/twilio/", sms_status.twilio_status, name="sms_status_twilio"),
]
