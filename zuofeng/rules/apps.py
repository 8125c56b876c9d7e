from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zuofeng.rules"
    label = "rules"
    verbose_name = "rules"

    def ready(self) -> None:
        from zuofeng.rectify import references
        from zuofeng.rules import permissions

        permissions.register()
        references.register(r"R[HF]-\d+", "rules_ref")  # hits and micro-power flags
