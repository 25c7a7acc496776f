from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    label = "web"
