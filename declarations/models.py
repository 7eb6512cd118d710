"""Annual declaration (第九条、第十五条、第十六条、第二十条): rounds, the materials of 第十六条 and attached documents.

Nothing here decides anything: services.py writes, selectors.py reads and builds the
rules layer's ``DeclarationFacts``; the pre-check itself is ``rules.precheck``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from rules.ch02_integration import (
    COMMON_SYSTEM_LABELS,
    PROJECT_CATEGORY_LABELS,
    CommonSystemKind,
    ProjectCategory,
)


class DeclarationRound(models.Model):
    """申报批次: the leading group office opens the declaration of next year's projects (第十五条).

    A round is open from ``opens_on`` to ``closes_on`` (both included, Asia/Shanghai dates)
    unless the office closed it early (``closed_at``).
    """

    year = models.PositiveSmallIntegerField("申报年度", db_index=True, help_text="本批次申报的项目年度（次年度）")
    title = models.CharField("批次名称", max_length=100)
    opens_on = models.DateField("申报开始日期")
    closes_on = models.DateField("申报截止日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="开启人")
    created_at = models.DateTimeField("开启时间", auto_now_add=True)
    closed_at = models.DateTimeField("提前关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True, verbose_name="关闭人")

    class Meta:
        verbose_name = verbose_name_plural = "申报批次"
        ordering = ["-year", "-opens_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")),
                                   name="round_closes_after_it_opens"),
            models.CheckConstraint(condition=models.Q(closed_at__isnull=True) | models.Q(closed_by__isnull=False),
                                   name="closed_round_has_closer"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.opens_on} 至 {self.closes_on}）"

    def is_open_on(self, day) -> bool:
        return self.closed_at is None and self.opens_on <= day <= self.closes_on


class FundingChannel(models.TextChoices):
    """经费渠道 (第十六条第三项)."""

    CAPITAL_BUDGET = "capital_budget", "预算内基本建设资金"
    CENTRAL_SPECIAL = "central_special", "中央专项资金"
    FISCAL_BUDGET = "fiscal_budget", "财政预算资金"
    OTHER = "other", "其他"


class ConstructionKind(models.TextChoices):
    NEW = "new", "新建"
    UPGRADE = "upgrade", "升级改造（含改建、扩建）"


COMMON_SYSTEM_CHOICES = [(k.value, COMMON_SYSTEM_LABELS[k]) for k in CommonSystemKind]
PROJECT_CATEGORY_CHOICES = [(c.value, PROJECT_CATEGORY_LABELS[c]) for c in ProjectCategory]


def _validate_choice_list(value, choices, what):
    allowed = {c for c, _ in choices}
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise ValidationError(f"{what}只能从给定选项中选择")
    if len(set(value)) != len(value):
        raise ValidationError(f"{what}有重复选项")


def validate_funding_channels(value):
    _validate_choice_list(value, FundingChannel.choices, "经费渠道")


def validate_common_system_kinds(value):
    _validate_choice_list(value, COMMON_SYSTEM_CHOICES, "共性系统类型")


def validate_categories(value):
    _validate_choice_list(value, PROJECT_CATEGORY_CHOICES, "项目类别")


def validate_legal_basis(value):
    """第八条 item (\"1\"…\"8\") → the law that explicitly provides for the project (“法律法规有明确规定的除外”)."""
    if not isinstance(value, dict) or any(k not in {str(i) for i in range(1, 9)} or not isinstance(v, str)
                                          for k, v in value.items()):
        raise ValidationError("法律法规依据只能对应第八条第一项至第八项，内容为文字")


def validate_text_list(value):
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() or len(v) > 50 for v in value):
        raise ValidationError("必须是编号列表，每个编号不超过 50 个字符")


def _yes_no(label: str) -> models.BooleanField:
    # None: the unit has not answered yet. The pre-check asks for an answer instead of assuming one.
    return models.BooleanField(label, null=True, blank=True)


class DeclarationMaterials(models.Model):
    """项目申报材料 (第十六条) as structured fields, with the facts the pre-check needs (第八条、第十条、第十二条).

    The name, unit, delivery mode and total investment are the project's own fields.
    ``version`` guards edits: a save on a stale version is refused, never overwritten.
    """

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="declaration",
                                   verbose_name="项目")

    # (一) 基本情况
    main_tasks = models.TextField("主要任务", blank=True)
    basis_and_necessity = models.TextField("项目建设依据和必要性", blank=True)
    performance_goals = models.TextField("项目绩效目标", blank=True)
    delivery_mode_reason = models.TextField("采用该实施方式的主要原因", blank=True)
    proposed_functions = models.TextField("拟建功能和内容", blank=True,
                                          help_text="用于比对系统目录、共建共享平台和其他单位申报项目，提示可能的重复建设")

    # (二) 技术方案
    application_plan = models.TextField("应用系统实施方案", blank=True)
    information_resource_catalogue = models.TextField("信息资源目录", blank=True)
    government_cloud_plan = models.TextField("政务云需求方案", blank=True)
    is_classified = _yes_no("是否涉密项目")
    mlps_plan = models.TextField("等级保护方案", blank=True, help_text="非涉密项目填写")
    classified_protection_plan = models.TextField("分级保护方案", blank=True, help_text="涉密项目填写")
    cryptography_plan = models.TextField("密码应用方案", blank=True)

    # (三) 资金来源（投资额度见项目的申报总投资）
    om_funding = models.DecimalField("运行维护经费（元/年）", max_digits=15, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0"), "运行维护经费不能为负数")])
    funding_channels = models.JSONField("经费渠道", default=list, blank=True, validators=[validate_funding_channels])

    # 第八条
    construction_kind = models.CharField("建设性质", max_length=10, choices=ConstructionKind.choices, blank=True)
    builds_non_classified_machine_room = _yes_no("是否新建或扩建非涉密机房、数据中心、私有云平台")
    buys_non_classified_server_hardware = _yes_no("是否新增采购非涉密服务器、存储设备、服务端网络设备")
    leases_internet_line = _yes_no("是否租赁互联网出口线路")
    leases_private_network_outside_egov = _yes_no("是否租赁未整合到电子政务内网或外网的专网")
    terminal_security_outside_egov_supervision = _yes_no("是否建设未纳入电子政务外网统一监管的终端安全防护")
    deployed_on_provincial_cloud = _yes_no("是否部署（升级改造项目：迁移）到省级政务云")
    builds_common_systems = _yes_no("是否新建或扩建第八条第四项所列共性系统或模块")
    common_system_kinds = models.JSONField("拟建共性系统或模块", default=list, blank=True,
                                           validators=[validate_common_system_kinds])
    categories = models.JSONField("项目类别", default=list, blank=True, validators=[validate_categories])
    connected_to_sharing_platform = _yes_no("是否接入数据共享交换平台")
    connected_to_service_platform = _yes_no("是否接入一体化政务服务平台")
    connected_to_unified_office_platform = _yes_no("是否接入统一协同办公平台")
    needs_clear = _yes_no("需求是否明确")
    performance_goals_clear = _yes_no("绩效目标是否明确")
    integration_done = _yes_no("内部系统整合是否到位")
    catalogue_census_done = _yes_no("数据目录普查是否到位")
    sharing_done = _yes_no("数据共享要求是否落实到位")
    security_done = _yes_no("信息安全保障是否到位")
    builds_non_shared_infrastructure = _yes_no("是否建设非共建共享共用的信息基础设施、应用支撑平台、数据资源")
    upgrades_project_accepted = _yes_no("原项目是否已验收（升级改造项目填写）")
    legal_basis = models.JSONField("法律法规依据（第八条各项）", default=dict, blank=True,
                                   validators=[validate_legal_basis])

    # 第十条
    needs_city_collaboration = models.BooleanField("是否需市（州）共享协同", default=False)
    linked_city_projects = models.JSONField("关联的市（州）项目编号", default=list, blank=True,
                                            validators=[validate_text_list])
    # 第十二条
    data_aggregation_done = _yes_no("项目单位是否已按技术要求完成数据归集")
    leading_group_exception_approved = models.BooleanField("领导小组是否已审核批准（不能共享但确有必要建设）",
                                                           default=False)
    leading_group_approval_ref = models.CharField("领导小组批准文件", max_length=100, blank=True)
    # 第二十三条
    has_new_civil_works = models.BooleanField("是否有新增土建工程", default=False)
    has_high_energy_use = models.BooleanField("是否高耗能", default=False)

    version = models.PositiveIntegerField("版本", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True, verbose_name="最近修改人")
    submitted_round = models.ForeignKey(DeclarationRound, on_delete=models.PROTECT, related_name="declarations",
                                        null=True, blank=True, verbose_name="提交批次")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申报材料"
        constraints = [
            models.CheckConstraint(condition=models.Q(om_funding__isnull=True) | models.Q(om_funding__gte=0),
                                   name="om_funding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} 申报材料"


class DocumentKind(models.TextChoices):
    """The kinds of attached documents (第十六条、第十八条、第十九条、第二十条)."""

    FEASIBILITY_STUDY = "feasibility_study", "可行性研究报告"
    PRELIMINARY_DESIGN = "preliminary_design", "初步设计方案"
    IMPLEMENTATION_PLAN = "implementation_plan", "项目实施方案"
    SERVICE_REQUIREMENTS_PLAN = "service_requirements_plan", "服务需求方案"
    INFORMATION_RESOURCE_CATALOGUE = "information_resource_catalogue", "信息资源目录"
    GOVERNMENT_CLOUD_PLAN = "government_cloud_plan", "政务云需求方案"
    MLPS_PLAN = "mlps_plan", "等级保护方案"
    CLASSIFIED_PROTECTION_PLAN = "classified_protection_plan", "分级保护方案"
    CRYPTOGRAPHY_PLAN = "cryptography_plan", "密码应用方案"
    OTHER = "other", "其他"


class Document(models.Model):
    """An attached file. The file lives under settings.STORAGE_DIR with a name the server generated;
    the user's file name is kept for display only. The SHA-256 taken at upload is checked at every download."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="documents",
                                verbose_name="项目")
    kind = models.CharField("材料类型", max_length=40, choices=DocumentKind.choices)
    version = models.PositiveIntegerField("版本")
    original_name = models.CharField("原文件名", max_length=200)
    stored_name = models.CharField("存储名", max_length=80, unique=True, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("内容类型", max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "申报附件"
        ordering = ["project", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "version"], name="one_document_per_kind_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="document_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.version}版 {self.original_name}"
