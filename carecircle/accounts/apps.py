from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carecircle.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from carecircle.accounts.signin import on_user_logged_in

        # Session bookkeeping only (like Django's own last_login receiver): every way of signing in,
        # including the test client's force_login, starts the session's clocks.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="carecircle-session-clocks")
