from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "carecircle.tasks"
    label = "tasks"
