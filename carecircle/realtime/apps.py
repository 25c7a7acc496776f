from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "carecircle.realtime"
    label = "realtime"

    def ready(self) -> None:
        from carecircle.lib import hooks
        from carecircle.realtime.events import circle_event_record, user_event_send, users_event_send

        # accounts, circles and notifications publish their events through these hooks.
        hooks.install(
            circle_event_record=circle_event_record,
            user_event_send=user_event_send,
            users_event_send=users_event_send,
        )
