"""The audit trail: append-only events chained by HMAC (SECURITY.md 14–20)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    # The foreign keys have no index of their own: the (actor|organisation|project, seq) indexes below lead with
    # them. Every index is written by every audited action under the chain head's lock (issue #8).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="操作人", db_index=False)
    actor_name = models.CharField("操作人", max_length=150)
    roles = models.CharField("角色", max_length=200, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="机构", db_index=False)
    organisation_name = models.CharField("机构", max_length=100, blank=True)
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=60, blank=True)
    object_label = models.CharField("对象", max_length=200, blank=True)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="audit_events", verbose_name="项目", db_index=False)
    outcome = models.CharField("结果", max_length=20, default="success")
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)
    findings = models.JSONField("依据的规则结论", default=list, blank=True)
    profile = models.CharField("政策配置", max_length=200, blank=True)
    client_ip = models.CharField("客户端地址", max_length=45, blank=True)
    request_id = models.CharField("请求编号", max_length=36, blank=True)
    # The MAC algorithm this event was chained with (R18): "hmac-sha256", or "hmac-sm3" with national crypto on.
    # "" marks events written before the algorithm was recorded (verified in their original form).
    algorithm = models.CharField("链算法", max_length=20, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    # Not unique and not indexed: the chain is walked by seq (unique), never looked up by hash, and two indexes of
    # random 64-character keys (the unique one and its LIKE twin) were the costliest part of each insert at ten
    # million events (issue #8).
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["project", "seq"]),
            models.Index(fields=["organisation", "seq"]),
            models.Index(fields=["actor", "seq"]),
            models.Index(fields=["request_id"], name="audit_event_request_idx"),
            # The search's action filter is a prefix (action LIKE 'review.%'); on PostgreSQL this one index serves
            # it and equality, where db_index=True made two (issue #8).
            models.Index(fields=["action"], name="audit_event_action_idx", opclasses=["varchar_pattern_ops"]),
            # The audit search's user filter (actor_name = …) newest first: without it a user with few events
            # walks the whole trail (issue #8). The organisation filter's trigram index is in migration 0004.
            models.Index(fields=["actor_name", "seq"], name="audit_event_actor_name_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def at_ms(self) -> str:
        """The time in Beijing time with milliseconds (SECURITY.md 15)."""
        from django.utils import timezone

        local = timezone.localtime(self.at)
        return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"


class ChainHead(models.Model):
    """One row that every audit write locks: it serialises the chain so it never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq}"


class AuditCheckpoint(models.Model):
    """The anchor after a purge (R19): the last purged event's ``seq`` and ``hash``; verification restarts from
    the newest checkpoint. Its MAC (same key as the chain) stops anyone without the key from moving it.
    Append-only like the events (triggers in migration 0003)."""

    seq = models.BigIntegerField("最后清理的序号", unique=True)
    hash = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=20)
    mac = models.CharField(max_length=64)
    purged_at = models.DateTimeField("清理时间")
    purged_count = models.PositiveIntegerField("清理条数")

    class Meta:
        verbose_name = verbose_name_plural = "审计清理检查点"

    def __str__(self) -> str:
        return f"≤#{self.seq}"


class PurgePermit(models.Model):
    """SQLite only needs it: the delete trigger lets a row go only while a permit covering its ``seq`` exists,
    and only when the row is older than the legal minimum (180 days). ``purge_audit`` writes the permit and
    removes it in the same transaction, so no permit outlives the purge."""

    up_to_seq = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计清理许可"

    def __str__(self) -> str:
        return f"≤#{self.up_to_seq}"
