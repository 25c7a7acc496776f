from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "carecircle.circles"
    label = "circles"
