"""Construction, changes, trouble, termination, trial run and acceptance (第二十六条–第三十二条).

Records only: every write goes through delivery.services (lock, rules, write, audit in one
transaction). The project's stage changes only through its lifecycle transitions.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models

from projects.models import MONEY
from rules.ch04_construction import (
    CHANGE_REASON_LABELS,
    MATERIAL_LABELS,
    AcceptanceMaterial,
    ChangeKind,
    ChangeReason,
    TerminationCause,
)

PERCENT = {"max_digits": 12, "decimal_places": 6}


class ConstructionRecord(models.Model):
    """第二十六条: the responsible person, the supervision contractor and the construction dates.

    ``construction_period_months`` is the period fixed by the approval (批复); it is copied from
    ``reviews.Approval`` where one exists, otherwise entered when construction starts.
    """

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="construction",
                                   verbose_name="项目")
    responsible_person = models.CharField("项目责任人", max_length=50,
                                          help_text="应为项目单位主要负责人（第二十六条第一款）")
    supervision_contractor = models.CharField("工程监理单位", max_length=200, blank=True)
    construction_period_months = models.PositiveSmallIntegerField("建设周期（月）")
    started_on = models.DateField("开工日期")
    trial_run_started_on = models.DateField("试运行开始日期", null=True, blank=True)
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "建设情况"
        constraints = [
            models.CheckConstraint(condition=models.Q(construction_period_months__gte=1),
                                   name="delivery_construction_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · 建设情况"


class ContractKind(models.TextChoices):
    TENDERING = "tendering", "招标投标"
    PROCUREMENT = "procurement", "政府采购"
    SUPERVISION = "supervision", "工程监理"


class Contract(models.Model):
    """合同管理 (第二十六条第一款)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="contracts",
                                verbose_name="项目")
    kind = models.CharField("合同类型", max_length=20, choices=ContractKind.choices)
    party = models.CharField("合同相对方", max_length=200)
    amount = models.DecimalField("合同金额（元）", **MONEY)
    signed_on = models.DateField("签订日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同"
        ordering = ["project", "signed_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="delivery_contract_amount")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.party}"


REASON_CHOICES = [(str(r), f"（{n}）{CHANGE_REASON_LABELS[r]}") for n, r in zip("一二三", ChangeReason, strict=True)]
KIND_CHOICES = [(str(ChangeKind.SELF_ADJUSTMENT), "项目单位调整（报备）"), (str(ChangeKind.MAJOR_CHANGE), "重大调整（须审批）")]


def _percent_label(value: Decimal) -> str:
    """Two decimals (15.00%), or four where two would hide that a figure is past a limit (15.0040%)."""
    two = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{two}%" if two == value else f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}%"


class ChangeStatus(models.TextChoices):
    FILED = "filed", "已报备"
    PENDING_APPROVAL = "pending_approval", "待省发展改革委审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class ChangeRequest(models.Model):
    """A change during construction (第二十八条、第二十九条), classified by ``classify_change``."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="changes",
                                verbose_name="项目")
    reasons = models.JSONField("调整情形（第二十九条）", default=list)
    content = models.TextField("调整内容")
    amount_moved = models.DecimalField("资金调整数额（元）", **MONEY)
    approved_total_before = models.DecimalField("提出时的批复总投资（元）", **MONEY)
    total_investment_after = models.DecimalField("调整后总投资（元）", **MONEY)
    goals_unchanged = models.BooleanField("建设目标不变")
    implemented_before_approval = models.BooleanField("未经批准已实施", default=False)
    kind = models.CharField("调整类别", max_length=20, choices=KIND_CHOICES)
    status = models.CharField("状态", max_length=20, choices=ChangeStatus.choices)
    this_change_percent = models.DecimalField("本次占批复总投资比例（%）", **PERCENT)
    cumulative_percent = models.DecimalField("累计占批复总投资比例（%）", **PERCENT)
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="提出人")
    filed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目调整"
        ordering = ["project", "filed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind="major_change") | models.Q(status="filed"),
                                   name="delivery_self_adjustment_is_filed"),
            models.CheckConstraint(condition=models.Q(kind="self_adjustment") | ~models.Q(status="filed"),
                                   name="delivery_major_change_needs_approval"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()} · {self.get_status_display()}"

    @property
    def this_change_label(self) -> str:
        return _percent_label(self.this_change_percent)

    @property
    def cumulative_label(self) -> str:
        return _percent_label(self.cumulative_percent)

    @property
    def reason_labels(self) -> list[str]:
        return [label for value, label in REASON_CHOICES if value in self.reasons]


class TroubleResponse(models.TextChoices):
    PENDING = "pending", "待省发展改革委处理"
    RECTIFICATION = "rectification", "限期整改"
    SUSPENSION = "suspension", "暂停项目建设"


class TroubleReport(models.Model):
    """工程严重逾期、投资重大损失的报告及省发展改革委的处理 (第三十条第一款)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="trouble_reports",
                                verbose_name="项目")
    serious_delay = models.BooleanField("工程严重逾期", default=False)
    major_loss = models.BooleanField("投资重大损失", default=False)
    description = models.TextField("情况说明")
    reported_on = models.DateField("报告日期")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="报告人")
    response = models.CharField("处理", max_length=20, choices=TroubleResponse.choices,
                                default=TroubleResponse.PENDING)
    response_note = models.TextField("处理意见", blank=True)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="处理人")
    responded_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题报告"
        ordering = ["project", "reported_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(serious_delay=True) | models.Q(major_loss=True),
                                   name="delivery_trouble_has_problem"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · 问题报告 {self.reported_on}"


CAUSE_CHOICES = [(str(TerminationCause.EXTERNAL_CHANGE), "外部环境变化"),
                 (str(TerminationCause.FORCE_MAJEURE), "不可抗因素"),
                 (str(TerminationCause.OTHER), "其他原因")]


class TerminationStatus(models.TextChoices):
    REQUESTED = "requested", "已申请，待省发展改革委核报"
    REPORTED = "reported", "省发展改革委已核报领导小组"
    APPROVED = "approved", "领导小组已同意，项目终止"
    REJECTED = "rejected", "未同意终止"


class TerminationRequest(models.Model):
    """终止项目建设的申请 (第三十条第二款)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="termination_requests",
                                verbose_name="项目")
    substantive_progress = models.BooleanField("项目已实施且有实质性进展")
    cause = models.CharField("难以继续实施的原因", max_length=20, choices=CAUSE_CHOICES)
    overall_goal_unattainable = models.BooleanField("无法完成总体目标")
    explanation = models.TextField("申请说明")
    status = models.CharField("状态", max_length=20, choices=TerminationStatus.choices,
                              default=TerminationStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="核报人")
    reported_at = models.DateTimeField("核报时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="领导小组决定人")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    note = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "终止申请"
        ordering = ["project", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=models.Q(status__in=["requested", "reported"]),
                                    name="delivery_one_open_termination_request"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · 终止申请 · {self.get_status_display()}"


MATERIAL_CHOICES = [(str(m), MATERIAL_LABELS[m]) for m in AcceptanceMaterial]


class AcceptanceStatus(models.TextChoices):
    APPLIED = "applied", "已申请验收"
    PASSED = "passed", "验收合格"
    FAILED = "failed", "验收不合格"


class AcceptanceApplication(models.Model):
    """验收申请及验收结论 (第三十一条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="acceptance_applications",
                                verbose_name="项目")
    applied_on = models.DateField("申请日期")
    materials = models.JSONField("验收材料", default=list)
    trial_run_normal = models.BooleanField("试运行正常", default=True)
    findings = models.JSONField("规则结论", default=list)
    profile = models.CharField("配置版本", max_length=60)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="申请人")
    status = models.CharField("状态", max_length=20, choices=AcceptanceStatus.choices,
                              default=AcceptanceStatus.APPLIED)
    opinion_number = models.CharField("验收意见文号", max_length=60, blank=True)
    opinion = models.TextField("验收意见", blank=True)
    decided_on = models.DateField("验收结论日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="验收组织人")
    # 第三十一条第三款: a purchased service is accepted by the unit, whose result the DRC reviews.
    unit_organised = models.BooleanField("项目单位组织验收（政府购买服务）", default=False)
    unit_accepted_on = models.DateField("项目单位验收日期", null=True, blank=True)
    unit_result = models.TextField("项目单位验收结果", blank=True)
    # 第五十条 / 第三十一条第二款: the security facts the unit records at application (empty: not recorded).
    security = models.JSONField("安全测评情况", default=dict, blank=True)
    security_findings = models.JSONField("安全审查结论（第五十条）", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "验收申请"
        ordering = ["project", "applied_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=models.Q(status="applied"),
                                    name="delivery_one_open_acceptance"),
            models.UniqueConstraint(fields=["opinion_number"], condition=~models.Q(opinion_number=""),
                                    name="delivery_unique_opinion_number"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · 验收 {self.applied_on} · {self.get_status_display()}"

    @property
    def material_labels(self) -> list[str]:
        return [label for value, label in MATERIAL_CHOICES if value in self.materials]

    @property
    def decision_name(self) -> str:
        """验收意见 for a self-built project (第三十一条第二款); 审核意见 on a unit's acceptance (第三十一条第三款)."""
        return "审核意见" if self.unit_organised else "验收意见"


class AcceptanceDeferral(models.Model):
    """书面延期验收申请 (第三十一条第二款): the new date replaces the acceptance due date."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="acceptance_deferrals",
                                verbose_name="项目")
    requested_on = models.DateField("申请日期")
    previous_due = models.DateField("原验收期限")
    new_date = models.DateField("延期至")
    reason = models.TextField("理由")
    findings = models.JSONField("规则结论", default=list)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="申请人")

    class Meta:
        verbose_name = verbose_name_plural = "延期验收申请"
        ordering = ["project", "requested_on", "pk"]

    def __str__(self) -> str:
        return f"{self.project} · 延期至 {self.new_date}"


class ArchiveCategory(models.TextChoices):
    TENDERING = "tendering", "招标投标"
    PROCUREMENT = "procurement", "政府采购"
    SUPERVISION = "supervision", "工程监理"
    CONTRACT = "contract", "合同"
    CONSTRUCTION = "construction", "建设过程"
    ACCEPTANCE = "acceptance", "验收"
    OTHER = "other", "其他"


class ArchiveEntry(models.Model):
    """项目档案 (第二十六条第二款 "做好项目档案管理并探索应用电子档案"): one electronic file.

    The file is checked with ``declarations.documents.validate_upload`` (allowlist, content matches the
    extension) and stored under ``STORAGE_DIR/archive`` with a generated name (``delivery.archive``);
    the SHA-256 taken at upload is checked at every download.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="archive_entries",
                                verbose_name="项目")
    category = models.CharField("档案类别", max_length=20, choices=ArchiveCategory.choices)
    title = models.CharField("档案名称", max_length=200)
    reference = models.CharField("文号或编号", max_length=100, blank=True)
    dated = models.DateField("形成日期")
    original_name = models.CharField("原文件名", max_length=200)
    stored_name = models.CharField("存储名", max_length=80, unique=True, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("内容类型", max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="归档人")
    uploaded_at = models.DateTimeField("归档时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目档案"
        ordering = ["project", "dated", "pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_category_display()} · {self.title}"


class ParticipatingDepartment(models.Model):
    """跨部门共建共享项目的参建部门 (第二十七条): its construction scope, responsibilities and progress,
    recorded by the lead department (the project unit)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="participants",
                                verbose_name="项目")
    department = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="参建部门")
    scope = models.TextField("建设范围")
    responsibilities = models.TextField("责任义务")
    progress_percent = models.DecimalField("建设进度（%）", max_digits=5, decimal_places=2, default=0)
    progress_note = models.TextField("进度说明", blank=True)
    progress_on = models.DateField("进度日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "参建部门"
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "department"], name="delivery_one_row_per_participant"),
            models.CheckConstraint(condition=models.Q(progress_percent__gte=0, progress_percent__lte=100),
                                   name="delivery_participant_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · 参建部门 {self.department}"


class AcceptanceFiling(models.Model):
    """验收情况向领导小组办公室报备 (第三十一条第一款), and the office's registration of it."""

    application = models.OneToOneField(AcceptanceApplication, on_delete=models.PROTECT, related_name="filing",
                                       verbose_name="验收")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="acceptance_filings",
                                verbose_name="项目")
    summary = models.TextField("验收情况")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="报备人")
    filed_at = models.DateTimeField("报备时间")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="登记人（领导小组办公室）")
    registered_at = models.DateTimeField("登记备案时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "验收报备"
        ordering = ["-filed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.project} · 验收报备"
