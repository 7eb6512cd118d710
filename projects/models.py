"""The project (政务信息化项目) and its lifecycle, declared once.

The stage field is protected: it changes only through the transitions below,
each with its source, target and who may take it. Services (projects.services
and the lifecycle apps' services) lock the row, ask the rules layer, call the
transition, save and audit in one transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import OrgKind, Role

MONEY = {"max_digits": 15, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Stage(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已申报"
    NOT_LISTED = "not_listed", "未列入清单"
    LISTED = "listed", "已列入年度清单"
    UNDER_APPROVAL = "under_approval", "审批中"
    APPROVED = "approved", "已批复"
    IN_CONSTRUCTION = "in_construction", "建设中"
    SUSPENDED = "suspended", "已暂停"
    TRIAL_RUN = "trial_run", "试运行"
    ACCEPTANCE_APPLIED = "acceptance_applied", "已申请验收"
    ACCEPTED = "accepted", "已验收（运行中）"
    ACCEPTANCE_FAILED = "acceptance_failed", "验收不合格"
    TERMINATED = "terminated", "已终止"


# The colour family of each stage, used consistently by every page (badges, charts).
STAGE_TONES = {
    Stage.DRAFT: "grey", Stage.SUBMITTED: "blue", Stage.NOT_LISTED: "grey", Stage.LISTED: "blue",
    Stage.UNDER_APPROVAL: "amber", Stage.APPROVED: "green", Stage.IN_CONSTRUCTION: "teal",
    Stage.SUSPENDED: "red", Stage.TRIAL_RUN: "teal", Stage.ACCEPTANCE_APPLIED: "amber",
    Stage.ACCEPTED: "green", Stage.ACCEPTANCE_FAILED: "red", Stage.TERMINATED: "grey",
}


class DeliveryMode(models.TextChoices):
    SELF_BUILT = "self_built", "自行建设"
    PURCHASED_SERVICE = "purchased_service", "购买服务"


def _unit_member(project, user) -> bool:
    return user.organisation_id == project.unit_id and user.has_role(Role.FILER, Role.UNIT_HEAD)


def _body_reviewer(*kinds):
    def check(project, user) -> bool:
        return user.has_role(Role.REVIEWER) and user.org_kind in kinds
    return check


class Project(ConcurrentTransitionMixin, models.Model):
    number = models.CharField("平台项目编号", max_length=20, unique=True)
    investment_code = models.CharField("投资项目代码", max_length=30, blank=True,
                                       help_text="四川省投资项目在线审批监管平台赋予的项目代码")
    name = models.CharField("项目名称", max_length=200)
    unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="projects",
                             verbose_name="项目单位")
    year = models.PositiveSmallIntegerField("申报年度", db_index=True)
    delivery_mode = models.CharField("实施方式", max_length=20, choices=DeliveryMode.choices)
    total_investment = models.DecimalField("申报总投资（元）", **MONEY)
    stage = FSMField("阶段", max_length=30, choices=Stage.choices, default=Stage.DRAFT, protected=True, db_index=True)
    approved_total_investment = models.DecimalField("批复总投资（元）", null=True, blank=True, **MONEY)
    approval_date = models.DateField("批复日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Optimistic concurrency for edits of the draft (SECURITY.md 36).
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "政务信息化项目"
        ordering = ["-year", "number"]
        # The ledger's sorts (projects.views.SORTS) with and without its stage filter, each ending in the number
        # the ledger breaks ties by: a page of 25 is then read in order from the index instead of sorting every
        # matching project (100,000 projects: 13 ms → 0.3 ms for one stage by investment, issue #8).
        # (stage, -year, number) also serves what the former (stage, year) index did.
        indexes = [models.Index(fields=["unit", "stage"]),
                   models.Index(fields=["stage", "-year", "number"], name="project_stage_year_number"),
                   models.Index(fields=["stage", "-total_investment", "number"], name="project_stage_investment"),
                   models.Index(fields=["-total_investment", "number"], name="project_investment_number")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage__in=["approved", "in_construction", "suspended", "trial_run",
                                               "acceptance_applied", "accepted", "acceptance_failed"])
                | models.Q(approval_date__isnull=False, approved_total_investment__isnull=False),
                name="approved_project_has_approval",
            ),
            models.CheckConstraint(condition=models.Q(total_investment__gte=0), name="investment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def stage_tone(self) -> str:
        return STAGE_TONES[self.stage]

    # --- The lifecycle (each transition: source → target, who may take it) ---
    @transition(stage, source=Stage.DRAFT, target=Stage.SUBMITTED, permission=_unit_member)
    def submit(self):
        """项目单位提交申报 (第十五条)."""

    @transition(stage, source=Stage.SUBMITTED, target=Stage.DRAFT,
                permission=_body_reviewer(OrgKind.LEADING_GROUP_OFFICE))
    def return_for_revision(self):
        """领导小组办公室退回修改."""

    @transition(stage, source=Stage.SUBMITTED, target=Stage.LISTED,
                permission=_body_reviewer(OrgKind.LEADING_GROUP_OFFICE))
    def put_on_annual_list(self):
        """列入年度政务信息化项目清单 (第十七条)."""

    @transition(stage, source=Stage.SUBMITTED, target=Stage.NOT_LISTED,
                permission=_body_reviewer(OrgKind.LEADING_GROUP_OFFICE))
    def leave_off_annual_list(self):
        """集中审查后不列入清单 (第十七条)."""

    @transition(stage, source=Stage.LISTED, target=Stage.UNDER_APPROVAL, permission=_unit_member)
    def submit_for_approval(self):
        """报送可研、初设或实施方案、服务需求方案，进入审批 (第十八条、第十九条)."""

    @transition(stage, source=Stage.UNDER_APPROVAL, target=Stage.APPROVED, permission=_body_reviewer(OrgKind.DRC))
    def approve(self):
        """省发展改革委批复 (第二十二条、第二十四条)."""

    @transition(stage, source=Stage.APPROVED, target=Stage.IN_CONSTRUCTION, permission=_unit_member)
    def start_construction(self):
        """开工建设 (第二十六条)."""

    @transition(stage, source=Stage.IN_CONSTRUCTION, target=Stage.SUSPENDED, permission=_body_reviewer(OrgKind.DRC))
    def suspend(self):
        """暂停项目建设 (第三十条、第四十七条)."""

    @transition(stage, source=Stage.SUSPENDED, target=Stage.IN_CONSTRUCTION, permission=_body_reviewer(OrgKind.DRC))
    def resume(self):
        """恢复建设."""

    @transition(stage, source=[Stage.IN_CONSTRUCTION, Stage.SUSPENDED], target=Stage.TERMINATED,
                permission=_body_reviewer(OrgKind.DRC, OrgKind.LEADING_GROUP))
    def terminate(self):
        """领导小组同意后终止项目建设 (第三十条第二款、第四十七条)."""

    @transition(stage, source=Stage.IN_CONSTRUCTION, target=Stage.TRIAL_RUN, permission=_unit_member)
    def start_trial_run(self):
        """完成所有建设内容，开始试运行 (第三十一条)."""

    @transition(stage, source=[Stage.TRIAL_RUN, Stage.ACCEPTANCE_FAILED], target=Stage.ACCEPTANCE_APPLIED,
                permission=_unit_member)
    def apply_for_acceptance(self):
        """试运行满期后申请验收 (第三十一条)."""

    @transition(stage, source=Stage.ACCEPTANCE_APPLIED, target=Stage.ACCEPTED, permission=_body_reviewer(OrgKind.DRC))
    def accept(self):
        """验收合格，出具验收意见 (第三十一条)."""

    @transition(stage, source=Stage.ACCEPTANCE_APPLIED, target=Stage.ACCEPTANCE_FAILED,
                permission=_body_reviewer(OrgKind.DRC))
    def fail_acceptance(self):
        """验收不合格 (第三十二条)."""


class NumberSequence(models.Model):
    """Counters for the platform's own numbers (project numbers, approval numbers), locked on use."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class UsedFormToken(models.Model):
    """A one-time form token that has been used (SECURITY.md R36): inserted in the same transaction as the
    record the form creates, so a double submit or a replayed token creates nothing the second time."""

    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    purpose = models.CharField("表单", max_length=40)
    used_at = models.DateTimeField("使用时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "已使用的表单令牌"

    def __str__(self) -> str:
        return f"{self.purpose} {self.used_at:%Y-%m-%d %H:%M}"
