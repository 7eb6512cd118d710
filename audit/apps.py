from django.apps import AppConfig
from django.core import checks

MIN_RETENTION_DAYS = 180  # 网络安全法 第二十一条: network logs kept not less than six months


def check_retention(app_configs=None, **kwargs):
    from django.conf import settings

    days = getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        return [checks.Error(
            f"AUDIT_RETENTION_DAYS={days!r}：审计日志至少保存 {MIN_RETENTION_DAYS} 天（网络安全法 第二十一条），不能设得更低",
            id="audit.E001")]
    return []


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from django.contrib.admin.models import LogEntry
        from django.core.signals import got_request_exception
        from django.db.models.signals import post_save

        from .middleware import log_exception_with_request_id
        from .redaction import install_log_redaction
        from .signals import admin_change_recorded

        got_request_exception.connect(log_exception_with_request_id, dispatch_uid="zwxm-error-id")
        # Every log record of every logger is redacted when created (SECURITY.md 16).
        install_log_redaction()
        checks.register(check_retention)
        post_save.connect(admin_change_recorded, sender=LogEntry, dispatch_uid="zwxm-audit-admin-log")
        # django-admin's bulk "delete selected" writes its LogEntry rows with bulk_create, which sends no post_save,
        # so those deletions would escape the audit trail (SECURITY.md 14). Objects are deleted one at a time in
        # the admin site, each with its own LogEntry and audit record.
        from django.contrib import admin

        admin.site.disable_action("delete_selected")
