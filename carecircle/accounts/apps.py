from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carecircle.accounts"
    label = "accounts"
