from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zuofeng.rules"
    label = "rules"
    verbose_name = "rules"
