from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    label = "web"

    def ready(self) -> None:
        # Django's per-request values read without asgiref's lock (docs/architecture/serving.md,
        # "Context values read without the lock").
        from carecircle.web import context_reads

        context_reads.install()
