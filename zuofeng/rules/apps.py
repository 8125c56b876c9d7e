from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zuofeng.rules"
    label = "rules"
    verbose_name = "rules"

    def ready(self) -> None:
        from zuofeng.rules import permissions

        permissions.register()
