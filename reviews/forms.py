"""Input of the review and approval pages. Forms parse; the services decide."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Organisation, OrgKind

from .models import ApprovalApplication, Conclusion, EvaluatorKind

MONEY_ERRORS = {"max_digits": "金额最多 13 位整数、2 位小数", "max_decimal_places": "金额最多保留两位小数（分）",
                "min_value": "金额不能为负数", "invalid": "金额必须是数字（单位：元）"}


def money_field(label: str, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=15, decimal_places=2, min_value=Decimal("0"), required=required,
                              error_messages=MONEY_ERRORS)


class ConclusionForm(forms.Form):
    conclusion = forms.ChoiceField(label="审查结论", choices=Conclusion.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="审查意见（有条件同意、不同意时必填）", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    DECISIONS = [("list", "列入年度清单"), ("leave_off", "不列入清单"), ("return", "退回修改")]
    decision = forms.ChoiceField(label="决定", choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label="理由（不列入、退回时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MoneyListField(forms.CharField):
    """Amounts per year, separated by commas or new lines (元)."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value


class ApplicationForm(forms.ModelForm):
    total_investment = money_field("报批总投资（元）")
    construction_cost = money_field("自行建设：建设经费（元）", required=False)
    annual_service_fees = MoneyListField(label="购买服务：逐年服务费（元，每年一行）", required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}))
    annual_om_costs = MoneyListField(label="自行建设：逐年运维经费（元，每年一行）", required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    city_projects = forms.CharField(label="关联的市（州）项目编号（每行一个）", required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = ApprovalApplication
        fields = [
            "path", "total_investment", "has_integration_sharing_chapter", "summary",
            "depth_requirements_met", "central_or_provincial_mandate", "national_security_urgent",
            "necessity_analysis", "technical_analysis", "economic_analysis", "sharing_analysis",
            "security_requirements", "build_vs_buy_comparison", "funding_needs", "procurement_plan",
            "main_objectives", "service_requirements",
            "is_goods_or_works", "bundles_works_and_services", "potential_providers",
            "meets_security_secrecy_requirements", "service_life_years", "annual_service_fees", "construction_cost",
            "annual_om_costs", "has_new_civil_works", "is_high_energy_use", "extra_review_documents",
            "is_cross_department", "needs_city_collaboration",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in [
            "summary", "necessity_analysis", "technical_analysis", "economic_analysis", "sharing_analysis",
            "security_requirements", "build_vs_buy_comparison", "funding_needs", "procurement_plan",
            "main_objectives", "service_requirements", "extra_review_documents"]}

    def city_project_numbers(self) -> list[str]:
        text = self.cleaned_data.get("city_projects", "")
        return [n.strip() for n in text.replace(",", "\n").replace("，", "\n").splitlines() if n.strip()]

    def application_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PartForm(forms.Form):
    department = forms.ModelChoiceField(label="部门", required=False,
                                        queryset=Organisation.objects.filter(kind=OrgKind.PROJECT_UNIT).order_by("code"))
    is_lead = forms.BooleanField(label="牵头部门", required=False)
    scope = forms.CharField(label="建设范围和主体内容", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    business_flows = forms.CharField(label="业务流", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    data_flows = forms.CharField(label="数据流", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    interfaces = forms.CharField(label="系统接口", required=False, widget=forms.Textarea(attrs={"rows": 2}))


PartFormSet = forms.formset_factory(PartForm, extra=2, max_num=30)


class FeasibilityApprovalForm(forms.Form):
    approved_investment = money_field("可研批复总投资（元）")
    approval_date = forms.DateField(label="批复日期", initial=timezone.localdate,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class DesignForm(forms.Form):
    budget_estimate = money_field("投资概算（元）")
    has_integration_sharing_chapter = forms.BooleanField(
        label="初步设计方案包括系统整合、集约化建设和信息资源共享分析专篇（章）（第十八条第一款）", required=False)
    content_exceeds_feasibility = forms.BooleanField(label="建设内容超出可行性研究报告批复", required=False)
    has_adjustment_chapter = forms.BooleanField(label="已以独立章节说明调整内容及理由（第二十五条）", required=False)
    adjustment_text = forms.CharField(label="调整内容及理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_major_change = forms.BooleanField(label="存在重大变更", required=False)


class OpinionAnswerForm(forms.Form):
    answer = forms.ChoiceField(label="意见", choices=Conclusion.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="意见内容（有条件同意、不同意时必填）", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class EvaluationForm(forms.Form):
    evaluator_kind = forms.ChoiceField(label="评估方式", choices=EvaluatorKind.choices)
    evaluator = forms.CharField(label="评估机构或专家组", max_length=200)
    conclusion = forms.ChoiceField(label="评估结论", choices=Conclusion.choices)
    text = forms.CharField(label="评估意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evaluated_on = forms.DateField(label="评估日期", initial=timezone.localdate,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ProvincialGovernmentForm(forms.Form):
    required = forms.BooleanField(label="按规定须报省政府审定", required=False)
    reason = forms.CharField(label="依据", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    agreed_on = forms.DateField(label="省政府同意日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(label="省政府同意文件", required=False, max_length=100)


class ApprovalForm(forms.Form):
    approved_total_investment = money_field("批复总投资（元）")
    approved_content = forms.CharField(label="批复建设内容", widget=forms.Textarea(attrs={"rows": 3}))
    funding_sources = forms.CharField(label="资金来源", widget=forms.Textarea(attrs={"rows": 2}))
    construction_months = forms.IntegerField(label="建设周期（月）", min_value=1, max_value=120)
    approval_date = forms.DateField(label="批复日期", initial=timezone.localdate,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
