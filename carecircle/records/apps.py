from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "carecircle.records"
    label = "records"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.circles.registries import (
            register_emergency_plan,
            register_record_address,
            register_thread_subject,
        )
        from carecircle.records.access import address_for, entry_comments_label, entry_comments_rule
        from carecircle.records.display import SENTENCES
        from carecircle.records.selectors import emergency_plan_path

        register_sentences(SENTENCES)
        # The stand-ins' help request (tasks) links to the emergency plan when there is one.
        register_emergency_plan(emergency_plan_path)
        # Comments under record entries are a conversations thread, shown on the entry's history page.
        register_thread_subject("record_entry", entry_comments_rule, entry_comments_label)
        # The offer of support (orgs) finds services near the person, from an address this member may read.
        register_record_address(address_for)
