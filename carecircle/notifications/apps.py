from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    label = "notifications"

    def ready(self) -> None:
        from carecircle.lib import hooks
        from carecircle.notifications.services import delivery_enqueue

        # accounts and circles sit below notifications and queue their messages through this hook.
        hooks.install(delivery_enqueue=delivery_enqueue)
