from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync(sender, using="default", **kwargs):
    from accounts.models import Jurisdiction

    from .services import sync_shipped_profiles

    # After a test database flush the reference data is gone; there is nothing to attach the profile to.
    if Jurisdiction.objects.using(using).filter(code="510000").exists():
        sync_shipped_profiles()


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "政策配置"

    def ready(self):
        post_migrate.connect(_sync, sender=self, dispatch_uid="policy-sync-shipped-profiles")
