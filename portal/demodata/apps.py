from django.apps import AppConfig


class DemoDataConfig(AppConfig):
    name = "portal.demodata"
    label = "demodata"
    verbose_name = "Demo data"
