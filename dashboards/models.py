"""Which fields the public feed (政务公开) publishes: configured by the leading group office, from a fixed safe set."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# The only fields that may ever be published, in the order they appear (name → label).
PUBLIC_FIELDS = {
    "number": "平台项目编号",
    "name": "项目名称",
    "unit": "项目单位",
    "year": "申报年度",
    "delivery_mode": "实施方式",
    "approved_total_investment": "批复总投资（元）",
    "approval_date": "批复日期",
    "stage": "阶段",
}
DEFAULT_PUBLIC_FIELDS = ["number", "name", "unit", "year", "approved_total_investment"]


def default_fields() -> list[str]:
    return list(DEFAULT_PUBLIC_FIELDS)


def validate_public_fields(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("公开字段必须是字段名列表")
    unknown = [v for v in value if v not in PUBLIC_FIELDS]
    if unknown:
        raise ValidationError(f"不能公开的字段：{'、'.join(unknown)}")
    if not value:
        raise ValidationError("请至少选择一个公开字段")


class PublicFeedConfig(models.Model):
    """One row (pk=1): the fields of approved projects the public feed shows."""

    fields = models.JSONField("公开字段", default=default_fields, validators=[validate_public_fields])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "政务公开字段配置"

    def __str__(self) -> str:
        return "、".join(PUBLIC_FIELDS[f] for f in self.published_fields)

    @property
    def published_fields(self) -> list[str]:
        """The configured fields that are in the safe set, in the safe set's order (never anything else)."""
        chosen = set(self.fields or [])
        return [f for f in PUBLIC_FIELDS if f in chosen]


class DashboardSnapshot(models.Model):
    """The figures of a dashboard for one scope as computed at ``computed_at`` by dashboards.selectors, stored as
    JSON (dashboards.snapshots.dump): the page reads them instead of aggregating the whole portfolio per request
    (issue #8). One row per scope; ``computed_at`` is empty until the first computation."""

    PROVINCE = "province"
    SCOPES = {PROVINCE: "省级看板"}

    scope = models.CharField("范围", max_length=30, unique=True, choices=list(SCOPES.items()))
    today = models.DateField("统计日", null=True, blank=True)
    figures = models.JSONField("统计数据", default=dict, blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    # When a page last found the snapshot stale and queued its recomputation: the next page does not queue it again
    # until the maximum age has passed once more (the worker may be busy or down).
    refresh_requested_at = models.DateTimeField("请求刷新时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "看板统计快照"

    def __str__(self) -> str:
        return f"{self.SCOPES.get(self.scope, self.scope)} · {self.computed_at or '未计算'}"
