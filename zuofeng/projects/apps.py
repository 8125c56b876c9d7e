from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "zuofeng.projects"
    label = "projects"
    verbose_name = "projects"
