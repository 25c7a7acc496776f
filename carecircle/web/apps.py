from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    label = "web"

    def ready(self) -> None:
        # Django's per-request values read without asgiref's lock (docs/architecture/serving.md,
        # "Context values read without the lock").
        from carecircle.web import context_reads

        context_reads.install()
        # The CSRF secret and mask from one read of the system's randomness (web/csrf_tokens.py).
        from carecircle.web import csrf_tokens

        csrf_tokens.install()
