"""Centralized review and the annual list (第十七条), the approval application (第十八条、第十九条、第二十一条、
第二十三条、第二十五条、第十条), opinions (第二十二条), evaluation (第二十四条) and the approval (批复).

Records only: every write goes through reviews.services (lock, rules, write, audit in one transaction).
"""

from django.conf import settings
from django.db import models

from projects.models import MONEY

# Opinions and conclusions use the same three answers.


class Conclusion(models.TextChoices):
    AGREE = "agree", "同意"
    AGREE_WITH_CONDITIONS = "agree_with_conditions", "有条件同意"
    DISAGREE = "disagree", "不同意"


CONCLUSION_TONES = {Conclusion.AGREE: "green", Conclusion.AGREE_WITH_CONDITIONS: "amber", Conclusion.DISAGREE: "red"}


# --- 第十七条 集中审查 -------------------------------------------------------------------------

class ReviewConclusion(models.Model):
    """One body's conclusion of the centralized review of one submitted project (第十七条).

    A project returned for revision and submitted again is reviewed again: the earlier
    conclusions stay on record (``is_current`` false) and each body records a new one.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="review_conclusions",
                                verbose_name="项目")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="review_conclusions",
                             verbose_name="审查部门")
    conclusion = models.CharField("审查结论", max_length=30, choices=Conclusion.choices)
    text = models.TextField("审查意见", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="审查人")
    at = models.DateTimeField("记录时间")
    is_current = models.BooleanField("本轮审查", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "集中审查结论"
        ordering = ["project", "body__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "body"], condition=models.Q(is_current=True),
                                    name="one_current_conclusion_per_body"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.body} · {self.get_conclusion_display()}"

    @property
    def tone(self) -> str:
        return CONCLUSION_TONES[self.conclusion]


class AnnualProjectList(models.Model):
    """年度政务信息化项目清单 (第十七条). Its projects are those of its year in stage “listed” or later."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    number = models.CharField("清单文号", max_length=60, unique=True)
    fixed_at = models.DateTimeField("确定时间")
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="确定人")

    class Meta:
        verbose_name = verbose_name_plural = "年度政务信息化项目清单"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年度政务信息化项目清单（{self.number}）"


# --- 第十八条、第十九条 审批材料 ---------------------------------------------------------------

class ApprovalPath(models.TextChoices):
    TWO_STAGE = "two_stage", "可行性研究报告 + 初步设计方案（含投资概算）"
    MERGED = "merged", "合并编报项目实施方案"
    PURCHASED_SERVICE = "purchased_service", "项目服务需求方案（购买服务）"


class ApprovalApplication(models.Model):
    """What a unit submits for approval (第十八条、第十九条), one per project.

    Flat on purpose: each path's facts are a handful of fields, and the rules read them
    through frozen dataclasses built in reviews.services.
    """

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="approval_application",
                                   verbose_name="项目")
    path = models.CharField("报批方式", max_length=30, choices=ApprovalPath.choices)
    total_investment = models.DecimalField("报批总投资（元）", **MONEY)
    has_integration_sharing_chapter = models.BooleanField(
        "含系统整合、集约化建设和信息资源共享分析专篇（章）", default=False,
        help_text="可行性研究报告或项目实施方案（第十八条第一款）")
    summary = models.TextField("建设内容概述", blank=True)

    # 第十八条第二款 合并编报项目实施方案
    depth_requirements_met = models.BooleanField("前期工作深度达到规定要求", default=False)
    central_or_provincial_mandate = models.BooleanField("党中央、国务院和省委、省政府有明确要求", default=False)
    national_security_urgent = models.BooleanField("涉及国家安全等特殊原因，情况紧急", default=False)

    # 第十九条 项目服务需求方案 (contents) and its four conditions
    necessity_analysis = models.TextField("项目必要性分析", blank=True)
    technical_analysis = models.TextField("技术性分析", blank=True)
    economic_analysis = models.TextField("经济性分析", blank=True)
    sharing_analysis = models.TextField("信息资源共享分析", blank=True)
    security_requirements = models.TextField("信息安全要求", blank=True)
    build_vs_buy_comparison = models.TextField("采用自建和购买服务方式经济性比较分析", blank=True)
    funding_needs = models.TextField("经费需求", blank=True)
    procurement_plan = models.TextField("招标和采购方案", blank=True)
    main_objectives = models.TextField("主要目标", blank=True)
    service_requirements = models.TextField("服务需求", blank=True)
    is_goods_or_works = models.BooleanField("属于政府采购法律、行政法规规定的货物或工程", default=False)
    bundles_works_and_services = models.BooleanField("将工程和服务打包", default=False)
    potential_providers = models.PositiveIntegerField("潜在服务提供商家数", default=0)
    meets_security_secrecy_requirements = models.BooleanField("符合政务信息系统与信息资源安全保密要求", default=False)
    service_life_years = models.PositiveSmallIntegerField("信息系统使用期限（年）", default=0)
    # Decimal amounts as strings (JSON has no exact decimals), one per year of the service life.
    annual_service_fees = models.JSONField("逐年服务费（元）", default=list, blank=True)
    construction_cost = models.DecimalField("自行建设：建设经费（元）", null=True, blank=True, **MONEY)
    annual_om_costs = models.JSONField("自行建设：逐年运维经费（元）", default=list, blank=True)

    # 第二十三条
    has_new_civil_works = models.BooleanField("涉及新建土建工程", default=False)
    is_high_energy_use = models.BooleanField("属于高能耗项目", default=False)
    extra_review_documents = models.TextField("节能评估、规划选址、用地预审、环境影响评价审批文件", blank=True)

    # 第二十一条、第十条
    is_cross_department = models.BooleanField("省级跨部门共建共享项目", default=False)
    needs_city_collaboration = models.BooleanField("需市（州）共享协同", default=False)

    # 第二十四条 报省政府审定
    provincial_government_required = models.BooleanField("须报省政府审定", default=False)
    provincial_government_reason = models.TextField("报省政府审定的依据", blank=True)
    provincial_government_agreed_on = models.DateField("省政府同意日期", null=True, blank=True)
    provincial_government_reference = models.CharField("省政府同意文件", max_length=100, blank=True)

    # 第十八条第一款（两阶段）: feasibility study approval, then the preliminary design (第二十五条)
    feasibility_approved_investment = models.DecimalField("可研批复总投资（元）", null=True, blank=True, **MONEY)
    feasibility_approval_date = models.DateField("可研批复日期", null=True, blank=True)
    feasibility_approval_number = models.CharField("可研批复文号", max_length=60, blank=True)
    design_budget_estimate = models.DecimalField("初步设计投资概算（元）", null=True, blank=True, **MONEY)
    design_has_integration_sharing_chapter = models.BooleanField("初步设计方案含系统整合、集约化建设和信息资源共享分析专篇（章）",
                                                                 default=False)
    design_content_exceeds_feasibility = models.BooleanField("建设内容超出可研批复", default=False)
    design_has_adjustment_chapter = models.BooleanField("以独立章节说明调整内容及理由", default=False)
    design_adjustment_text = models.TextField("调整内容及理由", blank=True)
    design_is_major_change = models.BooleanField("存在重大变更", default=False)
    design_submitted_at = models.DateTimeField("初步设计方案报送时间", null=True, blank=True)

    submitted_at = models.DateTimeField("报送审批时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "审批申请"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(feasibility_approval_date__isnull=True)
                | models.Q(feasibility_approved_investment__isnull=False),
                name="feasibility_approval_has_investment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_path_display()}"

    @property
    def feasibility_approved(self) -> bool:
        return self.feasibility_approval_date is not None


class DepartmentPart(models.Model):
    """One department's part of a cross-department project (第二十一条): lead or participating."""

    application = models.ForeignKey(ApprovalApplication, on_delete=models.CASCADE, related_name="parts",
                                    verbose_name="审批申请")
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="部门")
    is_lead = models.BooleanField("牵头部门", default=False)
    scope = models.TextField("建设范围和主体内容")
    business_flows = models.TextField("业务流")
    data_flows = models.TextField("数据流")
    interfaces = models.TextField("系统接口")

    class Meta:
        verbose_name = verbose_name_plural = "跨部门项目各部门建设内容"
        ordering = ["-is_lead", "department__code"]
        constraints = [models.UniqueConstraint(fields=["application", "department"], name="one_part_per_department")]

    def __str__(self) -> str:
        return f"{self.department}（{'牵头' if self.is_lead else '参建'}）"


class CityProjectLink(models.Model):
    """A city's project linked to a provincial project that needs city collaboration (第十条)."""

    application = models.ForeignKey(ApprovalApplication, on_delete=models.CASCADE, related_name="city_links",
                                    verbose_name="审批申请")
    city_project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="provincial_links",
                                     verbose_name="市（州）项目")

    class Meta:
        verbose_name = verbose_name_plural = "省市协同项目关联"
        constraints = [models.UniqueConstraint(fields=["application", "city_project"], name="one_link_per_city_project")]

    def __str__(self) -> str:
        return f"{self.application.project} ↔ {self.city_project.number}"


# --- 第二十二条 征求意见 -----------------------------------------------------------------------

# Each body's remit in the opinion round (第二十二条).
OPINION_REMITS = {
    "finance": "项目资金审核意见",
    "cyberspace_office": "信息安全审核意见",
    "secrecy_bureau": "信息安全审核意见",
    "economy_it_department": "信息安全审核意见",
    "public_security": "信息安全审核意见",
    "cryptography_bureau": "项目安全可靠和密码应用合规性审核意见",
    "big_data_center": "技术审核意见",
}


class OpinionRequest(models.Model):
    """A written opinion the DRC asks of one body before approval (第二十二条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="opinion_requests",
                                verbose_name="项目")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="opinion_requests",
                             verbose_name="征求意见部门")
    requested_at = models.DateTimeField("征求时间")
    due_date = models.DateField("答复期限")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="征求人")
    remit = models.CharField("意见类型", max_length=40, blank=True)
    answer = models.CharField("意见", max_length=30, choices=Conclusion.choices, blank=True)
    text = models.TextField("意见内容", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="出具人")
    answered_at = models.DateTimeField("出具时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "征求意见"
        ordering = ["project", "body__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "body"], name="one_request_per_body"),
            models.CheckConstraint(
                condition=(models.Q(answer="") & models.Q(answered_at__isnull=True))
                | (~models.Q(answer="") & models.Q(answered_at__isnull=False)),
                name="opinion_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.body}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def time_taken(self):
        """How long the body took to answer (a timedelta), None while unanswered."""
        return self.answered_at - self.requested_at if self.answered_at else None

    @property
    def days_taken(self) -> int | None:
        """Calendar days from the request to the answer (the request day not counted)."""
        if not self.answered_at:
            return None
        from django.utils import timezone

        return (timezone.localtime(self.answered_at).date() - timezone.localtime(self.requested_at).date()).days

    @property
    def tone(self) -> str:
        return CONCLUSION_TONES.get(self.answer, "grey")


# --- 第二十四条 评估论证 -----------------------------------------------------------------------

class EvaluatorKind(models.TextChoices):
    EXPERTS = "experts", "专家评审"
    THIRD_PARTY = "third_party", "第三方咨询评估机构"
    DEPARTMENTS = "departments", "相关部门"


class Evaluation(models.Model):
    """The evaluation the DRC organises before approving (第二十四条)."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="evaluation",
                                   verbose_name="项目")
    evaluator_kind = models.CharField("评估方式", max_length=20, choices=EvaluatorKind.choices)
    evaluator = models.CharField("评估机构或专家组", max_length=200)
    conclusion = models.CharField("评估结论", max_length=30, choices=Conclusion.choices)
    text = models.TextField("评估意见", blank=True)
    evaluated_on = models.DateField("评估日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="记录人")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "评估论证"

    def __str__(self) -> str:
        return f"{self.project} · {self.evaluator}"


# --- 批复 -------------------------------------------------------------------------------------

class Approval(models.Model):
    """省发展改革委的批复 (第二十二条、第二十四条). The project's approved total and date are set with it."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="approval",
                                   verbose_name="项目")
    number = models.CharField("批复文号", max_length=60, unique=True)
    approved_total_investment = models.DecimalField("批复总投资（元）", **MONEY)
    approved_content = models.TextField("批复建设内容")
    funding_sources = models.TextField("资金来源")
    approval_date = models.DateField("批复日期")
    construction_months = models.PositiveSmallIntegerField("建设周期（月）")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="批复人")
    approved_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "项目批复"
        constraints = [
            models.CheckConstraint(condition=models.Q(construction_months__gte=1), name="construction_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.project.name}"
