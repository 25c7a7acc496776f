from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carecircle.notifications"
    label = "notifications"

    def ready(self) -> None:
        from carecircle.circles.conditional import register_viewer_part
        from carecircle.lib import hooks
        from carecircle.notifications.account_notices import notify_account
        from carecircle.notifications.fan_out import fan_outs_finish
        from carecircle.notifications.notify import notify
        from carecircle.notifications.selectors import failed_deliveries_version
        from carecircle.notifications.services import delivery_enqueue

        # accounts and circles sit below notifications and queue their messages through these hooks;
        # the domain apps tell members things through hooks.notify too (they never import notifications).
        hooks.install(
            delivery_enqueue=delivery_enqueue,
            notify=notify,
            notify_account=notify_account,
            notify_finish=fan_outs_finish,
        )
        # Organisers see failed deliveries on the circle's home; a failure records no circle event.
        register_viewer_part("failed deliveries", failed_deliveries_version)
