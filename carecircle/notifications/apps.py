from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    label = "notifications"

    def ready(self) -> None:
        from carecircle.lib import hooks
        from carecircle.notifications.notify import notify
        from carecircle.notifications.services import delivery_enqueue

        # accounts and circles sit below notifications and queue their messages through these hooks;
        # the domain apps tell members things through hooks.notify too (they never import notifications).
        hooks.install(delivery_enqueue=delivery_enqueue, notify=notify)
