from django.apps import AppConfig


class RegulationConfig(AppConfig):
    name = "regulation"
    verbose_name = "管理办法"
