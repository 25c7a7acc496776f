from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "carecircle.tasks"
    label = "tasks"

    def ready(self) -> None:
        from carecircle.audit.display import register_sentences
        from carecircle.tasks.sentences import SENTENCES

        register_sentences(SENTENCES)
