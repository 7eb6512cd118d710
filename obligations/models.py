"""Obligations (义务与期限), the holiday calendar their dates follow, reminders and in-app notifications.

Obligations are derived from lifecycle facts and the policy profile (``obligations.derivation``),
never typed by hand: ``obligations.services.recompute_obligations`` upserts them by ``source_key``.
The holiday calendar is data an administrator keeps in the Django admin (民法典 第二百零三条).
"""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse

from rules.findings import Citation

# --- 节假日安排 ----------------------------------------------------------------------------------


class HolidayCalendar(models.Model):
    """One year's arrangement of statutory holidays and make-up working days (国务院办公厅通知).

    China's calendar changes every year, so it is data: the administrator enters or corrects it
    here. ``confirmed`` is false while the year's dates have not been checked against the notice.
    """

    year = models.PositiveSmallIntegerField("年度", unique=True)
    notice = models.CharField("依据（国务院办公厅通知）", max_length=200, blank=True)
    confirmed = models.BooleanField("已核对官方通知", default=False,
                                    help_text="未核对的年度在义务期限页面上提示管理员核对")
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排{'' if self.confirmed else '（待核对）'}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（放假）"
    WORKDAY = "workday", "调休上班日"


class CalendarDay(models.Model):
    """A day off (statutory holiday, including the weekend days merged into it) or a make-up working day."""

    calendar = models.ForeignKey(HolidayCalendar, on_delete=models.CASCADE, related_name="days",
                                 verbose_name="年度")
    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休日"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name} {self.get_kind_display()}"


# --- 义务 ----------------------------------------------------------------------------------------


class ObligationKind(models.TextChoices):
    DECLARATION_ROUND = "declaration_round", "申报截止"
    OPINION = "opinion", "出具审核意见"
    ACCEPTANCE_APPLICATION = "acceptance_application", "申请验收"
    ACCEPTANCE_DUE = "acceptance_due", "验收期限（延期验收申请）"
    MONITORING_REPORT = "monitoring_report", "年度绩效监控报告"
    SELF_EVALUATION = "self_evaluation", "绩效自评价"
    OM_BUDGET_DECLARATION = "om_budget_declaration", "运维经费预算申报"
    SURPLUS_RETURN = "surplus_return", "结余资金退回"
    RECTIFICATION = "rectification", "限期整改"
    SANCTION = "sanction", "限制措施（提示）"


class ObligationStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已完成"
    OVERDUE = "overdue", "已逾期"
    WAIVED = "waived", "已豁免"


STATUS_TONES = {ObligationStatus.OPEN: "blue", ObligationStatus.DONE: "green", ObligationStatus.OVERDUE: "red",
                ObligationStatus.WAIVED: "grey"}


class Obligation(models.Model):
    """A duty the measures put on an organisation (and, where known, a person), with its dates and article."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="obligations",
                                     verbose_name="义务单位")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="obligations", verbose_name="经办人")
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="obligations", verbose_name="项目")
    kind = models.CharField("类型", max_length=30, choices=ObligationKind.choices, db_index=True)
    title = models.CharField("事项", max_length=300)
    detail = models.TextField("说明", blank=True)
    article = models.PositiveSmallIntegerField("条")
    paragraph = models.PositiveSmallIntegerField("款", null=True, blank=True)
    item = models.PositiveSmallIntegerField("项", null=True, blank=True)
    opens_on = models.DateField("开始日期")
    due_on = models.DateField("截止日期", null=True, blank=True, help_text="限制措施等提示性事项没有截止日期")
    remind_on = models.DateField("提醒日期", null=True, blank=True,
                                 help_text="截止日期前 reminder.days_before_due 日（政策配置）")
    amount = models.DecimalField("金额（元）", max_digits=15, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN,
                              db_index=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    waived_reason = models.TextField("豁免理由", blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="豁免人")
    waived_at = models.DateTimeField("豁免时间", null=True, blank=True)
    source_key = models.CharField("来源", max_length=120, unique=True,
                                  help_text="产生该义务的事实，如 opinion:123；重算时据此更新，不会重复")
    url_name = models.CharField("办理页面", max_length=60)
    url_args = models.JSONField("页面参数", default=list, blank=True)
    profile = models.CharField("配置版本", max_length=60, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "义务与期限"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind="sanction") | models.Q(due_on__isnull=False),
                                   name="obligation_has_due_date"),
            models.CheckConstraint(condition=~models.Q(status="waived") | ~models.Q(waived_reason=""),
                                   name="waived_obligation_has_reason"),
            models.CheckConstraint(condition=~models.Q(status="done") | models.Q(done_on__isnull=False),
                                   name="done_obligation_has_date"),
            models.CheckConstraint(condition=models.Q(due_on__isnull=True) | models.Q(due_on__gte=models.F("opens_on")),
                                   name="obligation_due_after_open"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_on or '—'}）"

    @property
    def citation(self) -> Citation:
        return Citation(self.article, item=self.item, paragraph=self.paragraph)

    @property
    def tone(self) -> str:
        return STATUS_TONES[self.status]

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name, args=self.url_args)
        except NoReverseMatch:
            if self.project_id:
                return reverse("projects:detail", args=[self.project_id])
            return reverse("obligations:list")

    @property
    def is_informational(self) -> bool:
        return self.kind == ObligationKind.SANCTION


# --- 提醒 ----------------------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已逾期"


class ReminderSent(models.Model):
    """A reminder claimed before it is sent. The unique constraint is what makes two jobs started at
    the same moment send each reminder once: the second insert fails and that job skips it. The due
    date is part of the key: a deferral (new due date) is a new thing to remind of."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="reminders",
                                   verbose_name="义务")
    reminder_kind = models.CharField("提醒类型", max_length=10, choices=ReminderKind.choices)
    due_on = models.DateField("提醒时的截止日期")
    sent_on = models.DateField("提醒日期")
    recipients = models.JSONField("接收人", default=list, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "已发送提醒"
        constraints = [
            models.UniqueConstraint(fields=["obligation", "reminder_kind", "due_on"], name="one_reminder_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.obligation} · {self.get_reminder_kind_display()} · {self.sent_on}"


class Notification(models.Model):
    """An in-app message: the daily digest of reminders (one per user and run)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name="接收人")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    items = models.JSONField("事项", default=list, blank=True)
    created_on = models.DateField("日期")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"
