from __future__ import annotations

from django.urls import path

from carecircle.web import mail_inbound_views, offline, script_words, sms_inbound, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("language/", views.language, name="language"),
    path("sw.js", offline.service_worker, name="sw"),
    path("words.js", script_words.words, name="words"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline, name="offline"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("sms/inbound/twilio/", sms_inbound.twilio_inbound, name="sms-inbound-twilio"),
    path("sms/inbound/notify/", sms_inbound.notify_inbound, name="sms-inbound-notify"),
    path("mail/inbound/postmark/", mail_inbound_views.postmark_inbound, name="mail-inbound-postmark"),
]
