from __future__ import annotations

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "carecircle.conversations"
    label = "conversations"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.circles.conditional import register_viewer_part
        from carecircle.circles.registries import register_activity, register_conversations, register_thread_subject
        from carecircle.conversations.audit_sentences import SENTENCES
        from carecircle.conversations.figures import messages_as_activity
        from carecircle.conversations.pages import thread_context
        from carecircle.conversations.selectors import read_markers_version
        from carecircle.conversations.services import thanks_send
        from carecircle.conversations.telling import conversation_live_readers, conversation_unread
        from carecircle.conversations.threads import update_replies_rule
        from carecircle.lib import hooks

        register_sentences(SENTENCES)
        register_thread_subject("update", update_replies_rule)
        # Other apps draw comment threads and send thanks through the registries, never by import.
        register_conversations(thread_context=thread_context, thanks_send=thanks_send)
        # The delivery worker asks, before a batched chat email, whether the member has read it since.
        hooks.install(conversation_unread=conversation_unread, conversation_live_readers=conversation_live_readers)
        # Reading a conversation records no circle event but changes "N new" on the circle's pages.
        register_viewer_part("read markers", read_markers_version)
        # Commissioners' weekly active people count who wrote in a circle (totals only, never who).
        register_activity(messages_as_activity)
