from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "carecircle.realtime"
    label = "realtime"
