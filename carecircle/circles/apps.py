from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "carecircle.circles"
    label = "circles"

    def ready(self) -> None:
        from carecircle.accounts.mfa import mfa_requirement_register
        from carecircle.circles.policies import professional_must_use_mfa

        mfa_requirement_register(professional_must_use_mfa)
