from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "carecircle.circles"
    label = "circles"

    def ready(self) -> None:
        from carecircle.accounts.mfa import mfa_requirement_register
        from carecircle.accounts.renames import rename_listener_register
        from carecircle.accounts.scopes import circles_of_register
        from carecircle.circles.policies import circle_names_of, professional_must_use_mfa
        from carecircle.circles.services import member_renamed

        mfa_requirement_register(professional_must_use_mfa)
        circles_of_register(circle_names_of)
        rename_listener_register(member_renamed)
