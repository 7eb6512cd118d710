"""Input of the oversight actions. Forms parse; services decide."""

from decimal import Decimal

from django import forms

from .models import (
    AREA_CHOICES,
    ASSESSMENT_CHOICES,
    EvaluationKind,
    EvaluationResult,
    PostEvaluationMethod,
    SharingType,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
ERRORS = {"required": "必填", "invalid": "格式不正确", "max_digits": "位数过多", "max_decimal_places": "最多保留两位小数",
          "min_value": "不能小于允许的最小值", "max_value": "不能大于允许的最大值", "invalid_choice": "取值不在允许范围内"}


def money(label, **kw):
    return forms.DecimalField(label=label, max_digits=15, decimal_places=2, min_value=Decimal("0"),
                              error_messages=ERRORS | {"invalid": "请输入金额（元），如 12345.67"}, **kw)


def percent(label):
    return forms.DecimalField(label=label, max_digits=5, decimal_places=2, min_value=Decimal("0"),
                              max_value=Decimal("100"), error_messages=ERRORS)


def text(label, required=True, **kw):
    return forms.CharField(label=label, widget=TEXT, required=required, error_messages=ERRORS, **kw)


def date_field(label, required=True):
    return forms.DateField(label=label, widget=DATE, required=required, error_messages=ERRORS)


class MonitoringReportForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2021, max_value=2100, error_messages=ERRORS)
    planned_progress_percent = percent("计划完成进度（%）")
    actual_progress_percent = percent("实际完成进度（%）")
    planned_spend = money("截至报告期计划累计支出（元）")
    actual_spend = money("实际累计支出（元）")
    progress = text("项目实施进度情况")
    budget_execution = text("资金计划执行情况")
    trial_run_effects = text("试运行效果及遇到的问题（已投入试运行的必填）", required=False)
    using_unit_opinion = text("项目使用单位意见")
    supervision_opinion = text("监理单位意见")


class GoLiveForm(forms.Form):
    went_live_on = date_field("投入运行日期")


class SelfEvaluationForm(forms.Form):
    summary = text("自评价结论")


class EvaluationForm(forms.Form):
    kind = forms.ChoiceField(label="评价内容", choices=EvaluationKind.choices, error_messages=ERRORS)
    result = forms.ChoiceField(label="评价结果", choices=EvaluationResult.choices, error_messages=ERRORS)
    report = text("评价报告摘要")
    evaluated_on = date_field("评价日期", required=False)


class PostEvaluationForm(forms.Form):
    method = forms.ChoiceField(label="方式", choices=PostEvaluationMethod.choices, error_messages=ERRORS)
    evaluator = forms.CharField(label="专家组或第三方机构", max_length=200, error_messages=ERRORS)
    result = forms.ChoiceField(label="评价结果", choices=EvaluationResult.choices, error_messages=ERRORS)
    conclusion = text("后评价结论")
    evaluated_on = date_field("评价日期", required=False)


class SupervisionFindingForm(forms.Form):
    area = forms.ChoiceField(label="监督事项（第四十七条）", choices=AREA_CHOICES, error_messages=ERRORS)
    description = text("发现的问题")
    requirement = text("整改要求")
    found_on = date_field("发现日期", required=False)
    due_on = forms.DateField(label="整改期限（不填按配置的默认天数）", widget=DATE, required=False,
                             error_messages=ERRORS)


class RectificationReportForm(forms.Form):
    rectification_id = forms.IntegerField(widget=forms.HiddenInput)
    report = text("整改情况")


class RecheckForm(forms.Form):
    rectification_id = forms.IntegerField(widget=forms.HiddenInput)
    passed = forms.TypedChoiceField(label="复查结论", choices=[("1", "符合要求"), ("0", "整改后仍不符合要求")],
                                    coerce=lambda v: v == "1", error_messages=ERRORS)
    note = text("复查意见")


class EscalationForm(forms.Form):
    rectification_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = text("决定内容")
    new_due_on = forms.DateField(label="新的整改期限（可不填）", widget=DATE, required=False, error_messages=ERRORS)


class AuditFindingForm(forms.Form):
    title = forms.CharField(label="审计事项", max_length=200, error_messages=ERRORS)
    description = text("审计发现")
    amount_involved = money("涉及金额（元）", required=False)
    found_on = date_field("审计日期", required=False)


class MisconductForm(forms.Form):
    persons = forms.CharField(label="负有直接责任的主管人员和其他责任人员（每行一人）", widget=TEXT, required=False)
    skipped_filing_or_approval = forms.BooleanField(label="未履行备案、审批程序", required=False)
    serious_consequence = forms.BooleanField(label="因管理不善、弄虚作假造成严重超概算、质量低劣、损失浪费、安全事故等",
                                             required=False)
    funds_diverted = forms.BooleanField(label="截留、挪用政务信息化项目资金", required=False)
    om_funds_misallocated = forms.BooleanField(label="违规安排运行维护经费", required=False)
    description = text("事实")
    handling = text("处理意见", required=False)
    found_on = date_field("认定日期", required=False)

    def clean_persons(self):
        return [line.strip() for line in self.cleaned_data["persons"].splitlines() if line.strip()]


class ResourceForm(forms.Form):
    name = forms.CharField(label="信息资源名称", max_length=200, error_messages=ERRORS)
    sharing_type = forms.ChoiceField(label="共享类型", choices=SharingType.choices, error_messages=ERRORS)
    legal_basis = text("法律法规依据（有条件共享、不予共享的必填）", required=False)
    on_exchange_platform = forms.BooleanField(label="已接入省级政务信息资源共享交换平台", required=False)
    in_public_catalogue = forms.BooleanField(label="已纳入全省公共数据资源目录", required=False)
    specific_companies_only = forms.BooleanField(label="仅向特定企业、社会组织开放", required=False)
    state_secret = forms.BooleanField(label="涉及国家秘密（第十三条）", required=False)


class FeedbackForm(forms.Form):
    resource_id = forms.IntegerField(widget=forms.HiddenInput)
    text = text("使用情况反馈")


class SharingViolationForm(forms.Form):
    year = forms.IntegerField(label="违规年度", min_value=2021, max_value=2100, error_messages=ERRORS)
    failed_to_share = forms.BooleanField(label="未按要求共享数据资源", required=False)
    duplicate_collection = forms.BooleanField(label="重复采集数据", required=False)
    description = text("事实")


class UnitSecurityForm(forms.Form):
    classified = forms.BooleanField(label="涉密信息系统", required=False)
    mlps_level = forms.TypedChoiceField(label="等保定级", choices=[("", "未定级/涉密")] + [(str(i), f"第{i}级")
                                                                                   for i in range(1, 6)],
                                        coerce=int, empty_value=None, required=False, error_messages=ERRORS)
    mlps_plan = forms.BooleanField(label="已编制等级保护方案", required=False)
    classified_protection_plan = forms.BooleanField(label="已编制分级保护方案", required=False)
    cryptography_plan = forms.BooleanField(label="已编制密码应用方案", required=False)
    secure_reliable_statement = forms.BooleanField(label="报批时已说明软硬件产品安全可靠情况（第五十条）",
                                                   required=False)
    mlps_test = forms.ChoiceField(label="等保测评", choices=ASSESSMENT_CHOICES, error_messages=ERRORS)
    classified_protection_test = forms.ChoiceField(label="分保测评", choices=ASSESSMENT_CHOICES, error_messages=ERRORS)
    cryptography_assessment = forms.ChoiceField(label="密码应用安全性评估", choices=ASSESSMENT_CHOICES,
                                                error_messages=ERRORS)
    data_security_assessment = forms.ChoiceField(label="数据安全风险评估", choices=ASSESSMENT_CHOICES,
                                                 error_messages=ERRORS)
    new_data_centre = forms.BooleanField(label="新建数据中心", required=False)
    pue = forms.DecimalField(label="新建数据中心 PUE（验收时）", max_digits=4, decimal_places=2,
                             min_value=Decimal("1.00"), required=False, error_messages=ERRORS)


class BodySecurityForm(forms.Form):
    network_security_issue_open = forms.BooleanField(label="不符合网络安全要求且尚未整改", required=False)
    cryptography_issue_open = forms.BooleanField(label="不符合密码应用要求且尚未整改", required=False)
    major_hidden_danger = forms.BooleanField(label="存在重大安全隐患", required=False)
    issue_note = text("认定说明", required=False)
