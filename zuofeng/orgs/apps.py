from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zuofeng.orgs"
    label = "orgs"
    verbose_name = "orgs"
