from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "carecircle.audit"
    label = "audit"
