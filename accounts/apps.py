from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "机构与用户"

    def ready(self):
        from . import checks, signals  # noqa: F401  (checks register themselves)

        signals.connect()
