from django.apps import AppConfig


class GmcryptoConfig(AppConfig):
    name = "gmcrypto"
    verbose_name = "商用密码（国密）"

    def ready(self):
        from . import checks  # noqa: F401  (registers the key-configuration checks)
