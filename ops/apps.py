from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup, restore, the restore drill and file reconciliation (SECURITY.md 30, 41)."""

    name = "ops"
    verbose_name = "运维"
    default_auto_field = "django.db.models.BigAutoField"
