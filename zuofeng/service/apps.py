from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "zuofeng.service"
    label = "service"
    verbose_name = "service"

    def ready(self) -> None:
        from zuofeng.service import permissions

        permissions.register()
