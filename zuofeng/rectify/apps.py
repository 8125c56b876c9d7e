from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "zuofeng.rectify"
    label = "rectify"
    verbose_name = "rectify"

    def ready(self) -> None:
        from zuofeng.rectify import permissions

        permissions.register()
