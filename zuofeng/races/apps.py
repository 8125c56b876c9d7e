from django.apps import AppConfig


class RacesConfig(AppConfig):
    name = "zuofeng.races"
    label = "races"
    verbose_name = "races"
