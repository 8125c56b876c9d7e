from django.apps import AppConfig


class RacesConfig(AppConfig):
    name = "zuofeng.races"
    label = "races"
    verbose_name = "races"

    def ready(self) -> None:
        from zuofeng.races import permissions

        permissions.register()
