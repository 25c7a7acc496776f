from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "carecircle.records"
    label = "records"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.records.display import SENTENCES

        register_sentences(SENTENCES)
