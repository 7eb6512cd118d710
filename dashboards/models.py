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
