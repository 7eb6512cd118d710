from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from django.core.signals import got_request_exception

        from .middleware import log_exception_with_request_id

        got_request_exception.connect(log_exception_with_request_id, dispatch_uid="zwxm-error-id")
