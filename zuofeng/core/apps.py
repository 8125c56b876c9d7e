from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zuofeng.core"
    label = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from zuofeng.core import checks  # noqa: F401  (registers system checks)
