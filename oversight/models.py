"""Performance, supervision, data sharing and security records (第十一条–第十三条, 第二十条, 第三十三条,
第四十四条–第五十二条).

Records only: every write goes through oversight.services (lock the project, ask the rules, write, audit in
one transaction). Everything derived — missing reports, variance and risk, the self-evaluation's status,
the next escalation step, the sanctions of 第三十三条 and 第五十一条 — is computed by the rules layer
from these facts when read, never stored as a flag.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from projects.models import MONEY
from rules.ch07_performance import ESCALATION_STEP_LABELS, SUPERVISION_AREA_LABELS, SupervisionArea
from rules.ch08_security import ASSESSMENT_RESULT_LABELS, AssessmentResult

PERCENT = {"max_digits": 5, "decimal_places": 2,
           "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}
AREA_CHOICES = [(str(a), SUPERVISION_AREA_LABELS[a]) for a in SupervisionArea]
STEP_CHOICES = list(ESCALATION_STEP_LABELS.items())
ASSESSMENT_CHOICES = [(str(r), ASSESSMENT_RESULT_LABELS[r]) for r in AssessmentResult]


def _user_fk(verbose_name: str, **kw):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=verbose_name, **kw)


# --- 第四十五条、第四十六条 绩效 ----------------------------------------------------------------------


class MonitoringReport(models.Model):
    """项目绩效监控报告 (第四十五条): filed by the project unit to the DRC and finance once a year."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="monitoring_reports",
                                verbose_name="项目")
    year = models.PositiveSmallIntegerField("年度")
    planned_progress_percent = models.DecimalField("计划完成进度（%）", **PERCENT)
    actual_progress_percent = models.DecimalField("实际完成进度（%）", **PERCENT)
    planned_spend = models.DecimalField("截至报告期计划累计支出（元）", **MONEY)
    actual_spend = models.DecimalField("实际累计支出（元）", **MONEY)
    progress = models.TextField("项目实施进度情况")
    budget_execution = models.TextField("资金计划执行情况")
    trial_run_effects = models.TextField("试运行效果及遇到的问题", blank=True)
    using_unit_opinion = models.TextField("项目使用单位意见")
    supervision_opinion = models.TextField("监理单位意见")
    submitted_on = models.DateField("提交日期")
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60)
    submitted_by = _user_fk("提交人")

    class Meta:
        verbose_name = verbose_name_plural = "绩效监控报告"
        ordering = ["project", "-year"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="oversight_one_report_per_year")]

    def __str__(self) -> str:
        return f"{self.project} · {self.year} 年度绩效监控报告"


class GoLive(models.Model):
    """投入运行日期 (第四十六条), recorded by the unit where the platform has no acceptance date."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="go_live",
                                   verbose_name="项目")
    went_live_on = models.DateField("投入运行日期")
    recorded_by = _user_fk("登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "投入运行"

    def __str__(self) -> str:
        return f"{self.project} · 投入运行 {self.went_live_on}"


class SelfEvaluation(models.Model):
    """项目单位自评价 (第四十六条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="self_evaluations",
                                verbose_name="项目")
    filed_on = models.DateField("提交日期")
    summary = models.TextField("自评价结论")
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60)
    filed_by = _user_fk("提交人")

    class Meta:
        verbose_name = verbose_name_plural = "自评价"
        ordering = ["project", "filed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.project} · 自评价 {self.filed_on}"


class EvaluationKind(models.TextChoices):
    RESOURCE_USE = "resource_use", "资源利用"
    SHARING = "sharing", "信息资源共享"
    SECURITY = "security", "安全风险"


class EvaluationResult(models.TextChoices):
    EXCELLENT = "excellent", "优"
    GOOD = "good", "良"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class Evaluation(models.Model):
    """政务信息化建设运维主管部门的评价 (第四十六条), reported to the DRC and finance."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="evaluations",
                                verbose_name="项目")
    kind = models.CharField("评价内容", max_length=20, choices=EvaluationKind.choices)
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="评价部门")
    result = models.CharField("评价结果", max_length=20, choices=EvaluationResult.choices)
    report = models.TextField("评价报告摘要")
    evaluated_on = models.DateField("评价日期")
    recorded_by = _user_fk("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "主管部门评价"
        ordering = ["project", "-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}评价 {self.get_result_display()}"


class PostEvaluationMethod(models.TextChoices):
    EXPERTS = "experts", "组织专家"
    THIRD_PARTY = "third_party", "委托第三方机构"


class PostEvaluation(models.Model):
    """省发展改革委、财政厅组织的后评价 (第四十六条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="post_evaluations",
                                verbose_name="项目")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="组织部门")
    method = models.CharField("方式", max_length=20, choices=PostEvaluationMethod.choices)
    evaluator = models.CharField("专家组或第三方机构", max_length=200)
    result = models.CharField("评价结果", max_length=20, choices=EvaluationResult.choices)
    conclusion = models.TextField("后评价结论")
    evaluated_on = models.DateField("评价日期")
    recorded_by = _user_fk("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "后评价"
        ordering = ["project", "-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · 后评价 {self.get_result_display()}"


# --- 第四十七条、第四十八条 监督 ----------------------------------------------------------------------


class SupervisionFinding(models.Model):
    """领导小组及有关部门（单位）的监督发现 (第四十七条第一款); each orders a rectification."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="supervision_findings",
                                verbose_name="项目")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="监督部门")
    area = models.CharField("监督事项", max_length=30, choices=AREA_CHOICES)
    description = models.TextField("发现的问题")
    requirement = models.TextField("整改要求")
    found_on = models.DateField("发现日期")
    recorded_by = _user_fk("登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监督发现"
        ordering = ["project", "-found_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_area_display()}"


class Rectification(models.Model):
    """限期整改 (第四十七条第一款). The current deadline is the last decision's new deadline, if any."""

    finding = models.OneToOneField(SupervisionFinding, on_delete=models.PROTECT, related_name="rectification",
                                   verbose_name="监督发现")
    ordered_on = models.DateField("要求整改日期")
    due_on = models.DateField("整改期限")
    rectified_on = models.DateField("整改报送日期", null=True, blank=True)
    rectification_report = models.TextField("整改情况", blank=True)
    recheck_passed = models.BooleanField("复查合格", null=True, blank=True)
    recheck_note = models.TextField("复查意见", blank=True)
    rechecked_by = _user_fk("复查人", null=True, blank=True)
    rechecked_at = models.DateTimeField("复查时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "限期整改"
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_on__gte=models.F("ordered_on")),
                                   name="oversight_rectification_due_after_order"),
            models.CheckConstraint(condition=models.Q(recheck_passed__isnull=True) | models.Q(rectified_on__isnull=False),
                                   name="oversight_recheck_after_rectification"),
        ]

    def __str__(self) -> str:
        return f"{self.finding} · 整改期限 {self.due_on}"

    @property
    def project(self):
        return self.finding.project


class EscalationDecision(models.Model):
    """一步处理措施的决定 (第四十七条第一款：通报批评、暂缓安排投资计划、暂停项目建设直至终止项目)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="decisions",
                                      verbose_name="限期整改")
    step = models.CharField("处理措施", max_length=30, choices=STEP_CHOICES)
    decision = models.TextField("决定内容")
    new_due_on = models.DateField("新的整改期限", null=True, blank=True)
    decided_by = _user_fk("决定人")
    decided_at = models.DateTimeField("决定时间")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="决定部门")
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60)

    class Meta:
        verbose_name = verbose_name_plural = "处理措施决定"
        ordering = ["rectification", "decided_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["rectification", "step"], name="oversight_step_once")]

    def __str__(self) -> str:
        return f"{self.rectification} · {self.get_step_display()}"


class AuditFinding(models.Model):
    """审计厅的审计发现 (第四十七条第二款)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="audit_findings",
                                verbose_name="项目")
    title = models.CharField("审计事项", max_length=200)
    description = models.TextField("审计发现")
    amount_involved = models.DecimalField("涉及金额（元）", null=True, blank=True, **MONEY)
    found_on = models.DateField("审计日期")
    recorded_by = _user_fk("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "审计发现"
        ordering = ["project", "-found_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.title}"


class MisconductFinding(models.Model):
    """责任追究 (第四十八条): against the unit and the persons responsible."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="misconduct_findings",
                                verbose_name="项目")
    unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="misconduct_findings",
                             verbose_name="单位")
    persons = models.JSONField("负有直接责任的主管人员和其他责任人员", default=list)
    skipped_filing_or_approval = models.BooleanField("未履行备案、审批程序", default=False)
    serious_consequence = models.BooleanField("因管理不善、弄虚作假造成严重后果", default=False)
    funds_diverted = models.BooleanField("截留、挪用项目资金", default=False)
    om_funds_misallocated = models.BooleanField("违规安排运行维护经费", default=False)
    description = models.TextField("事实")
    handling = models.TextField("处理意见", blank=True)
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="认定部门")
    found_on = models.DateField("认定日期")
    findings = models.JSONField("规则结论", default=list)
    recorded_by = _user_fk("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "责任追究"
        ordering = ["-found_on", "-pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(skipped_filing_or_approval=True) | models.Q(serious_consequence=True)
            | models.Q(funds_diverted=True) | models.Q(om_funds_misallocated=True),
            name="oversight_misconduct_has_ground")]

    def __str__(self) -> str:
        return f"{self.unit} · 责任追究 {self.found_on}"


# --- 第十一条–第十三条、第二十条、第三十三条 信息共享 --------------------------------------------------


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", "无条件共享"
    CONDITIONAL = "conditional", "有条件共享"
    NOT_SHARED = "not_shared", "不予共享"


class InformationResource(models.Model):
    """信息资源目录中的一项资源 (第十一条、第二十条、第三十三条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="information_resources",
                                verbose_name="项目")
    name = models.CharField("信息资源名称", max_length=200)
    sharing_type = models.CharField("共享类型", max_length=20, choices=SharingType.choices)
    legal_basis = models.TextField("法律法规依据", blank=True,
                                   help_text="有条件共享、不予共享的，须写明法律法规依据（第十一条）")
    on_exchange_platform = models.BooleanField("已接入省级政务信息资源共享交换平台", default=False)
    in_public_catalogue = models.BooleanField("已纳入全省公共数据资源目录", default=False)
    specific_companies_only = models.BooleanField("仅向特定企业、社会组织开放", default=False)
    state_secret = models.BooleanField("涉及国家秘密", default=False)
    findings = models.JSONField("规则结论", default=list)
    recorded_by = _user_fk("登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "信息资源"
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sharing_type="unconditional") | ~models.Q(legal_basis=""),
                                   name="oversight_restricted_sharing_has_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.name}"


class SharingFeedback(models.Model):
    """共享信息使用情况反馈 (第十一条)."""

    resource = models.ForeignKey(InformationResource, on_delete=models.PROTECT, related_name="feedback",
                                 verbose_name="信息资源")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name="反馈单位")
    text = models.TextField("使用情况")
    recorded_on = models.DateField("反馈日期")
    recorded_by = _user_fk("反馈人")

    class Meta:
        verbose_name = verbose_name_plural = "共享使用反馈"
        ordering = ["resource", "-recorded_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.resource} · {self.organisation}"


class SharingViolation(models.Model):
    """未按要求共享数据资源或重复采集数据 (第三十三条), found for a project in a year."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="sharing_violations",
                                verbose_name="项目")
    year = models.PositiveSmallIntegerField("违规年度")
    failed_to_share = models.BooleanField("未按要求共享数据资源", default=False)
    duplicate_collection = models.BooleanField("重复采集数据", default=False)
    description = models.TextField("事实")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="认定部门")
    recorded_on = models.DateField("认定日期")
    recorded_by = _user_fk("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "数据共享违规"
        ordering = ["project", "-year", "-pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(failed_to_share=True) | models.Q(duplicate_collection=True),
            name="oversight_sharing_violation_has_ground")]

    def __str__(self) -> str:
        return f"{self.project} · {self.year} 年共享违规"


# --- 第四十九条–第五十二条 安全 --------------------------------------------------------------------------


class SecurityProfile(models.Model):
    """A project's security facts (第四十九条–第五十一条); the sanctions are derived from them."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="security_profile",
                                   verbose_name="项目")
    classified = models.BooleanField("涉密信息系统", default=False)
    mlps_level = models.PositiveSmallIntegerField("等保定级", null=True, blank=True,
                                                  validators=[MinValueValidator(1), MaxValueValidator(5)])
    mlps_plan = models.BooleanField("已编制等级保护方案", default=False)
    classified_protection_plan = models.BooleanField("已编制分级保护方案", default=False)
    cryptography_plan = models.BooleanField("已编制密码应用方案", default=False)
    secure_reliable_statement = models.BooleanField("报批时已说明软硬件产品安全可靠情况", default=False)
    mlps_test = models.CharField("等保测评", max_length=20, choices=ASSESSMENT_CHOICES, default="not_done")
    classified_protection_test = models.CharField("分保测评", max_length=20, choices=ASSESSMENT_CHOICES,
                                                  default="not_done")
    cryptography_assessment = models.CharField("密码应用安全性评估", max_length=20, choices=ASSESSMENT_CHOICES,
                                               default="not_done")
    data_security_assessment = models.CharField("数据安全风险评估", max_length=20, choices=ASSESSMENT_CHOICES,
                                                default="not_done")
    new_data_centre = models.BooleanField("新建数据中心", default=False)
    pue = models.DecimalField("新建数据中心 PUE（验收时）", max_digits=4, decimal_places=2, null=True, blank=True,
                              validators=[MinValueValidator(Decimal("1.00"))])
    network_security_issue_open = models.BooleanField("不符合网络安全要求且尚未整改", default=False)
    cryptography_issue_open = models.BooleanField("不符合密码应用要求且尚未整改", default=False)
    major_hidden_danger = models.BooleanField("存在重大安全隐患", default=False)
    issue_note = models.TextField("监管部门认定说明", blank=True)
    updated_by = _user_fk("更新人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全情况"

    def __str__(self) -> str:
        return f"{self.project} · 安全情况"
