"""Stored policy profiles. A profile is never edited in place: a change is a new
version, so a decision that cites ``key@vN`` can always be replayed."""

from django.conf import settings
from django.db import models


class PolicyProfile(models.Model):
    key = models.SlugField("配置标识", max_length=80)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=200)
    jurisdiction = models.ForeignKey("accounts.Jurisdiction", on_delete=models.PROTECT, related_name="profiles",
                                     verbose_name="适用地区")
    parent_jurisdiction = models.ForeignKey("accounts.Jurisdiction", null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name="继承自")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    parameters = models.JSONField("参数", default=dict)
    source = models.CharField("依据文件", max_length=200, blank=True)
    is_current = models.BooleanField("当前版本", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="创建人")

    class Meta:
        verbose_name = verbose_name_plural = "政策配置"
        ordering = ["jurisdiction__code", "effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_profile_version"),
            models.UniqueConstraint(fields=["key"], condition=models.Q(is_current=True), name="one_current_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    @property
    def version_label(self) -> str:
        return f"{self.key}@v{self.version}"
