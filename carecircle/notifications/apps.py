from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    label = "notifications"
