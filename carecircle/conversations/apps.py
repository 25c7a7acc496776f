from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "carecircle.conversations"
    label = "conversations"
