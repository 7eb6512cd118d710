"""Configuration changes made in the Django admin site (jurisdictions, organisations, users, the holiday
calendar…) are audited like every other change (SECURITY.md 14): one event per admin log entry, written in the
admin's own transaction."""

from django.db import transaction

ADMIN_ACTIONS = {1: "admin.added", 2: "admin.changed", 3: "admin.deleted"}


def admin_change_recorded(sender, instance, created, **kwargs):
    if not created:
        return
    from .services import record

    content_type = instance.content_type
    with transaction.atomic():
        record(actor=instance.user, action=ADMIN_ACTIONS.get(instance.action_flag, "admin.changed"),
               object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "-",
               object_id=str(instance.object_id or "-"), object_label=instance.object_repr or "-",
               after={"change": instance.get_change_message() or instance.change_message or ""})
