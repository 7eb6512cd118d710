"""Signed decisions (SECURITY.md R34; 《电子签名法》第十三条, GB/T 39786-2021 8.4 不可否认性)."""

from django.conf import settings
from django.db import models


class DecisionKind(models.TextChoices):
    APPROVAL = "approval", "批复（省发展改革委）"
    ACCEPTANCE = "acceptance", "竣工验收结论"
    SCORING = "scoring", "评标结果"


class DecisionSignature(models.Model):
    """An SM2 signature over the canonical form of one decision as stored.

    ``canonical_text`` is sorted-key JSON of the decision's fields (Decimal as string, dates ISO 8601), so anyone
    can re-derive it from the stored decision and check both that nothing changed since signing and that the
    signature is the platform's (``gmcrypto.signing.verify_signature``, ``manage.py verify_decision_signatures``).
    """

    kind = models.CharField("决定类型", max_length=20, choices=DecisionKind.choices)
    object_label = models.CharField("对象", max_length=100, db_index=True)  # "reviews.approval:12"
    object_id = models.CharField(max_length=64)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="decision_signatures", verbose_name="项目")
    canonical_text = models.TextField("规范文本")
    digest_algorithm = models.CharField("摘要算法", max_length=20, default="sm3")
    canonical_digest = models.CharField("规范文本摘要", max_length=128)
    algorithm = models.CharField("签名算法", max_length=20, default="sm2-sm3")
    signature = models.CharField("签名值", max_length=256)  # hex r || s
    public_key = models.CharField("公钥", max_length=130)  # hex x || y
    public_key_id = models.CharField("公钥标识", max_length=40)
    signed_at = models.DateTimeField("签名时间")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="决定人")

    class Meta:
        verbose_name = verbose_name_plural = "决定签名"
        ordering = ["-signed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_label}"
