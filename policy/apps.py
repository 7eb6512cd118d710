from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync(sender, using="default", **kwargs):
    from .services import sync_shipped_profiles

    sync_shipped_profiles()


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "政策配置"

    def ready(self):
        post_migrate.connect(_sync, sender=self, dispatch_uid="policy-sync-shipped-profiles")
