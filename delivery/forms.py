"""Input of the construction and acceptance actions. Forms parse; services decide."""

from decimal import Decimal

from django import forms

from .models import CAUSE_CHOICES, MATERIAL_CHOICES, REASON_CHOICES, ContractKind

MONEY = {"max_digits": 15, "decimal_places": 2, "min_value": Decimal("0")}
DATE = forms.DateInput(attrs={"type": "date"})


class StartConstructionForm(forms.Form):
    responsible_person = forms.CharField(label="项目责任人（项目单位主要负责人）", max_length=50)
    supervision_contractor = forms.CharField(label="工程监理单位", max_length=200, required=False)
    construction_period_months = forms.IntegerField(label="批复建设周期（月）", min_value=1, max_value=120,
                                                    required=False)
    started_on = forms.DateField(label="开工日期", required=False, widget=DATE)


class ContractForm(forms.Form):
    kind = forms.ChoiceField(label="合同类型", choices=ContractKind.choices)
    party = forms.CharField(label="合同相对方", max_length=200)
    amount = forms.DecimalField(label="合同金额（元）", **MONEY)
    signed_on = forms.DateField(label="签订日期", widget=DATE)


class ChangeForm(forms.Form):
    reasons = forms.MultipleChoiceField(label="调整情形（第二十九条）", choices=REASON_CHOICES, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    content = forms.CharField(label="调整内容及理由", widget=forms.Textarea(attrs={"rows": 3}))
    amount_moved = forms.DecimalField(label="资金调整数额（元）", **MONEY)
    total_investment_after = forms.DecimalField(label="调整后总投资（元）", **MONEY)
    goals_unchanged = forms.BooleanField(label="建设目标不变", required=False, initial=True)
    implemented_before_approval = forms.BooleanField(label="已在批准前实施", required=False)


class ChangeDecisionForm(forms.Form):
    change_id = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(label="审批结论", choices=[("1", "批准"), ("0", "不批准")],
                                     coerce=lambda v: v == "1")
    note = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TroubleForm(forms.Form):
    serious_delay = forms.BooleanField(label="工程严重逾期", required=False)
    major_loss = forms.BooleanField(label="投资重大损失", required=False)
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}))


class TroubleResponseForm(forms.Form):
    report_id = forms.IntegerField(widget=forms.HiddenInput)
    suspend = forms.TypedChoiceField(label="处理", choices=[("0", "限期整改"), ("1", "暂停项目建设")],
                                     coerce=lambda v: v == "1")
    rectify_by = forms.DateField(label="整改期限", required=False, widget=DATE)
    note = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TerminationForm(forms.Form):
    substantive_progress = forms.BooleanField(label="项目已实施且有实质性进展", required=False)
    cause = forms.ChoiceField(label="难以继续实施的原因", choices=CAUSE_CHOICES)
    overall_goal_unattainable = forms.BooleanField(label="无法完成总体目标", required=False)
    explanation = forms.CharField(label="申请说明", widget=forms.Textarea(attrs={"rows": 3}))


class TerminationStepForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(label="结论", choices=[("1", "同意"), ("0", "不同意")],
                                     coerce=lambda v: v == "1", required=False)
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TrialRunForm(forms.Form):
    started_on = forms.DateField(label="试运行开始日期", required=False, widget=DATE)


class AcceptanceApplyForm(forms.Form):
    materials = forms.MultipleChoiceField(label="验收材料（第三十一条）", choices=MATERIAL_CHOICES, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    trial_run_normal = forms.BooleanField(label="试运行正常", required=False, initial=True)


class AcceptanceDecisionForm(forms.Form):
    passed = forms.TypedChoiceField(label="验收结论", choices=[("1", "验收合格"), ("0", "验收不合格")],
                                    coerce=lambda v: v == "1")
    opinion = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 3}))


class DeferralForm(forms.Form):
    new_date = forms.DateField(label="申请延期至", widget=DATE)
    reason = forms.CharField(label="不能按期申请验收的理由", widget=forms.Textarea(attrs={"rows": 2}))
