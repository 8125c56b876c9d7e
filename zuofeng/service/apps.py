from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "zuofeng.service"
    label = "service"
    verbose_name = "service"
