from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "zuofeng.dashboard"
    label = "dashboard"
    verbose_name = "dashboard"

    def ready(self) -> None:
        from zuofeng.dashboard import permissions

        permissions.register()
