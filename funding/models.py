"""Money (第三十五条–第三十八条) and procurement (第三十九条–第四十三条) of a project.

Amounts are Decimal yuan with two places (never float). Everything computed from these rows
(remaining budget, surplus, bid scores) is computed by ``rules.ch05_funding`` and
``rules.ch06_procurement``; the rows keep the facts and, for audit, the findings of the day.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from rules.ch05_funding import FUNDING_SOURCE_LABELS, FundingPurpose, FundingSource, OmRound
from rules.ch06_procurement import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    ProcurementCategory,
    ProcurementMethod,
    ScoringMethod,
)

MONEY = {"max_digits": 15, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
PERCENT = {"max_digits": 5, "decimal_places": 2,
           "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}

SOURCE_CHOICES = [
    (str(FundingSource.CAPITAL_CONSTRUCTION), FUNDING_SOURCE_LABELS[FundingSource.CAPITAL_CONSTRUCTION]),
    (str(FundingSource.CENTRAL_SPECIAL), FUNDING_SOURCE_LABELS[FundingSource.CENTRAL_SPECIAL]),
    (str(FundingSource.FINANCE_BUDGET), "财政预算资金（政府购买服务和运维）"),
    (str(FundingSource.OTHER), "其他"),
]
PURPOSE_CHOICES = [(str(FundingPurpose.CONSTRUCTION), "自行建设"),
                   (str(FundingPurpose.PURCHASED_SERVICE), "政府购买服务"),
                   (str(FundingPurpose.OM), "运行维护")]
METHOD_CHOICES = [(str(m), METHOD_LABELS[m]) for m in ProcurementMethod]
CATEGORY_CHOICES = [(str(c), CATEGORY_LABELS[c]) for c in ProcurementCategory]
DETERMINED_CHOICES = [(str(c), CATEGORY_LABELS[c]) for c in (ProcurementCategory.GOODS, ProcurementCategory.SERVICES)]
SCORING_CHOICES = [(str(ScoringMethod.COMPREHENSIVE), "综合评分法"), (str(ScoringMethod.LOWEST_PRICE), "最低评标价法")]
ROUND_CHOICES = [(str(OmRound.NEW), "新建项目维保结束后首次安排（第三十七条第一项）"),
                 (str(OmRound.CONTINUING), "续运维（第三十七条第二项）")]


class FundingSourceLine(models.Model):
    """资金来源 (第三十五条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="funding_sources",
                                verbose_name="项目")
    kind = models.CharField("资金来源", max_length=30, choices=SOURCE_CHOICES)
    purpose = models.CharField("资金用途", max_length=30, choices=PURPOSE_CHOICES)
    amount = models.DecimalField("金额（元）", **MONEY)
    note = models.CharField("说明", max_length=200, blank=True)
    findings = models.JSONField("规则结论", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金来源"
        ordering = ["project", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="funding_source_positive")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()} {self.amount}"


class Disbursement(models.Model):
    """资金支付 (第三十六条第一款): never above the approved total investment (第二十八条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="disbursements",
                                verbose_name="项目")
    paid_on = models.DateField("支付日期")
    amount = models.DecimalField("支付金额（元）", **MONEY)
    purpose = models.CharField("用途", max_length=200)
    voucher_no = models.CharField("凭证号", max_length=60)
    findings = models.JSONField("规则结论", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金支付"
        ordering = ["project", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_positive"),
            models.UniqueConstraint(fields=["project", "voucher_no"], name="disbursement_unique_voucher"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.paid_on} {self.amount}"


class FinalAccounts(models.Model):
    """竣工财务决算: fixes the day the surplus is determined (第三十六条第二款); no payments after it."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="final_accounts",
                                   verbose_name="项目")
    settled_on = models.DateField("决算日期（结余资金确定之日）")
    goals_and_content_unchanged = models.BooleanField("项目建设目标和内容不变", default=True)
    approved_total = models.DecimalField("决算时批复总投资（元）", **MONEY)
    spent_total = models.DecimalField("决算时累计支出（元）", **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "竣工财务决算"

    def __str__(self) -> str:
        return f"{self.project} · 决算 {self.settled_on}"


class SurplusReturn(models.Model):
    """结余资金退回 (第三十六条第二款)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="surplus_returns",
                                verbose_name="项目")
    returned_on = models.DateField("退回日期")
    amount = models.DecimalField("退回金额（元）", **MONEY)
    voucher_no = models.CharField("凭证号", max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "结余资金退回"
        ordering = ["project", "returned_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="surplus_return_positive")]

    def __str__(self) -> str:
        return f"{self.project} · 退回 {self.amount}"


class OmDeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已申报，待财政厅审核"
    APPROVED = "approved", "审核通过"
    REDUCED = "reduced", "核减后通过"
    REJECTED = "rejected", "不予安排"


class OmBudgetDeclaration(models.Model):
    """运维经费预算申报 (第三十七条) and finance's review (第三十八条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="om_declarations",
                                verbose_name="项目")
    round = models.CharField("申报情形", max_length=20, choices=ROUND_CHOICES)
    service_ends_on = models.DateField("维保结束日 / 本轮运维期满日")
    budget_year = models.PositiveSmallIntegerField("申请安排经费年度")
    declared_on = models.DateField("申报日期")
    amount = models.DecimalField("申报金额（元）", **MONEY)
    reassessed = models.BooleanField("已对新一轮运维需求重新论证评估", default=False)
    reassessment_note = models.TextField("论证评估情况", blank=True)
    status = models.CharField("状态", max_length=20, choices=OmDeclarationStatus.choices,
                              default=OmDeclarationStatus.SUBMITTED)
    approved_amount = models.DecimalField("核定金额（元）", null=True, blank=True, **MONEY)
    opinion = models.TextField("财政厅审核意见", blank=True)
    findings = models.JSONField("申报时规则结论", default=list, blank=True)
    profile = models.CharField("配置版本", max_length=60, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="申报人")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审核人")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "运维经费预算申报"
        ordering = ["project", "-budget_year", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="om_declaration_positive"),
            models.UniqueConstraint(fields=["project", "budget_year"], condition=~models.Q(status="rejected"),
                                    name="om_declaration_one_per_year"),
            models.CheckConstraint(condition=~models.Q(status="reduced") | models.Q(approved_amount__isnull=False),
                                   name="om_declaration_reduced_has_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.budget_year} 年度运维经费"


class Procurement(models.Model):
    """一次政府采购 (第三十九条–第四十三条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="procurements",
                                verbose_name="项目")
    title = models.CharField("采购项目名称", max_length=200)
    budget = models.DecimalField("采购预算（元）", **MONEY)
    method = models.CharField("采购方式", max_length=30, choices=METHOD_CHOICES)
    method_justification = models.TextField("采用该方式的法定依据", blank=True)
    category = models.CharField("项目属性", max_length=20, choices=CATEGORY_CHOICES)
    determined_category = models.CharField("采购人确定的项目属性", max_length=20, choices=DETERMINED_CHOICES,
                                           blank=True)
    category_reason = models.TextField("确定项目属性的理由", blank=True)
    classified = models.BooleanField("涉密政府采购", default=False)
    in_central_catalogue = models.BooleanField("属于集中采购目录", default=True)
    below_threshold = models.BooleanField("低于采购限额标准", default=False)
    works_requiring_tender = models.BooleanField("涉及依法必须招标的工程建设", default=False)
    scoring_method = models.CharField("评审方法", max_length=20, choices=SCORING_CHOICES, blank=True)
    price_weight = models.DecimalField("价格分值", null=True, blank=True, **PERCENT)
    # [{"name": "技术", "weight": "50"}, ...]: the other criteria and their weights (Decimal strings).
    criteria = models.JSONField("其他评分因素及分值", default=list, blank=True)
    om_service = models.BooleanField("运行维护服务采购（第四十二条）", default=False)
    service_first_day = models.DateField("服务期首日", null=True, blank=True)
    service_last_day = models.DateField("服务期末日", null=True, blank=True)
    annual_budget_secured = models.BooleanField("年度预算能够保障", default=True)
    findings = models.JSONField("规则结论", default=list, blank=True)
    profile = models.CharField("配置版本", max_length=60, blank=True)
    evaluation = models.JSONField("评审结论", default=dict, blank=True)
    lowest_valid_price = models.DecimalField("最低有效报价（元）", null=True, blank=True, **MONEY)
    evaluated_at = models.DateTimeField("评审时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "政府采购"
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(om_service=True)
                                   | models.Q(service_first_day__isnull=False, service_last_day__isnull=False),
                                   name="procurement_om_service_has_term"),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.title}"


class Bid(models.Model):
    """投标（响应）及评审结果."""

    procurement = models.ForeignKey(Procurement, on_delete=models.PROTECT, related_name="bids", verbose_name="采购")
    bidder = models.CharField("投标人", max_length=200)
    price = models.DecimalField("投标报价（元）", **MONEY)
    scores = models.JSONField("其他评分因素得分", default=dict, blank=True)  # {"技术": "80"}: Decimal strings
    valid = models.BooleanField("有效投标", default=True)
    invalid_reason = models.CharField("无效原因", max_length=200, blank=True)
    price_score = models.DecimalField("价格得分", max_digits=7, decimal_places=2, null=True, blank=True)
    weighted_scores = models.JSONField("加权得分", default=list, blank=True)
    total = models.DecimalField("综合得分", max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True)
    tied = models.BooleanField("并列", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "投标"
        ordering = ["procurement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "bidder"], name="bid_unique_bidder"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="bid_price_positive"),
            models.CheckConstraint(condition=models.Q(valid=True) | ~models.Q(invalid_reason=""),
                                   name="bid_invalid_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.bidder} · {self.price}"


class OmContract(models.Model):
    """运维服务分年签订的政府采购合同 (第四十二条)."""

    procurement = models.ForeignKey(Procurement, on_delete=models.PROTECT, related_name="om_contracts",
                                    verbose_name="采购")
    first_day = models.DateField("合同期首日")
    last_day = models.DateField("合同期末日")
    amount = models.DecimalField("合同金额（元）", **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "运维服务合同"
        ordering = ["procurement", "first_day"]
        constraints = [models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")),
                                              name="om_contract_period_order")]

    def __str__(self) -> str:
        return f"{self.procurement} · {self.first_day}–{self.last_day}"
