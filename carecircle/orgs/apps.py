from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "carecircle.orgs"
    label = "orgs"
