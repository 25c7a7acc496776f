from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    label = "web"

    def ready(self) -> None:
        from carecircle.lib.date_words import use_lower_case_months

        use_lower_case_months()
