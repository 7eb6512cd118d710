from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "obligations"
    verbose_name = "义务与期限"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from audit.models import AuditEvent

        from .receivers import audit_event_recorded

        post_save.connect(audit_event_recorded, sender=AuditEvent, dispatch_uid="obligations.audit_event_recorded")
