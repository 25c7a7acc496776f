from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "carecircle.audit"
    label = "audit"

    def ready(self) -> None:
        from carecircle.audit.services import audit_record
        from carecircle.lib import hooks

        # accounts and circles sit below audit and write their rows through this hook.
        hooks.install(audit_record=audit_record)
