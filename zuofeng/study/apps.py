from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "zuofeng.study"
    label = "study"
    verbose_name = "study"

    def ready(self) -> None:
        from zuofeng.study import permissions

        permissions.register()
