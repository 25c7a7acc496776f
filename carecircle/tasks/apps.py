from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "carecircle.tasks"
    label = "tasks"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.circles.registries import (
            register_export_part,
            register_help_counter,
            register_home_section,
            register_note_provider,
            register_personal_help_counter,
            register_thread_subject,
        )
        from carecircle.tasks import exports
        from carecircle.tasks.access import task_thread_label, task_thread_rule
        from carecircle.tasks.figures import help_given_in, personal_help_between
        from carecircle.tasks.record_notes import visit_notes
        from carecircle.tasks.sentences import SENTENCES
        from carecircle.tasks.templatetags.tasks_summary import home_section

        register_sentences(SENTENCES)
        # Each task's comments are a conversations thread, shown on the task's page.
        register_thread_subject("task", task_thread_rule, task_thread_label)
        # Paid carers' visit logs appear on the record's daily notes page.
        register_note_provider(visit_notes)
        # The record's full export (one zip of the whole circle) carries the tasks too.
        register_export_part("csv/tasks.csv", exports.tasks_csv)
        register_export_part("csv/tasks_going.csv", exports.going_csv)
        register_export_part("csv/visit_logs.csv", exports.visit_logs_csv)
        # Commissioners' figures count tasks done and their planned hours (totals only).
        register_help_counter(help_given_in)
        # Each person's own weekly hours, the same count, for the private offer of support (orgs).
        register_personal_help_counter(personal_help_between)
        # The circle home reads the help-needed section ahead with its other kept sections.
        register_home_section("tasks:home", home_section)
