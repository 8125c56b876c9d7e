from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "zuofeng.projects"
    label = "projects"
    verbose_name = "projects"

    def ready(self) -> None:
        from zuofeng.projects import permissions

        permissions.register()
