from __future__ import annotations

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "carecircle.conversations"
    label = "conversations"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.conversations.audit_sentences import SENTENCES
        from carecircle.conversations.selectors import register_thread_subject
        from carecircle.conversations.threads import update_replies_rule

        register_sentences(SENTENCES)
        register_thread_subject("update", update_replies_rule)
