from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "carecircle.records"
    label = "records"
