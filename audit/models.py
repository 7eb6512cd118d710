"""The audit trail: append-only events chained by HMAC (SECURITY.md 14–20)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150)
    roles = models.CharField("角色", max_length=200, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="机构")
    organisation_name = models.CharField("机构", max_length=100, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=60, blank=True)
    object_label = models.CharField("对象", max_length=200, blank=True)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="audit_events", verbose_name="项目")
    outcome = models.CharField("结果", max_length=20, default="success")
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)
    findings = models.JSONField("依据的规则结论", default=list, blank=True)
    profile = models.CharField("政策配置", max_length=200, blank=True)
    client_ip = models.CharField("客户端地址", max_length=45, blank=True)
    request_id = models.CharField("请求编号", max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["project", "seq"]),
            models.Index(fields=["organisation", "seq"]),
            models.Index(fields=["actor", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class ChainHead(models.Model):
    """One row that every audit write locks: it serialises the chain so it never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq}"
