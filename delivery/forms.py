"""Input of the construction and acceptance actions. Forms parse; services decide."""

from decimal import Decimal

from django import forms

from projects import form_tokens
from rules.ch08_security import ASSESSMENT_RESULT_LABELS

from .models import CAUSE_CHOICES, MATERIAL_CHOICES, REASON_CHOICES, ArchiveCategory, ContractKind

MONEY = {"max_digits": 15, "decimal_places": 2, "min_value": Decimal("0")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
    # SECURITY.md R36: a one-time token; the second submit of the same form files nothing.
    form_token = forms.CharField(widget=forms.HiddenInput, initial=form_tokens.issuer("delivery.change"),
                                 error_messages={"required": "表单令牌缺失：请刷新页面后重新提交。"})


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


RESULT_CHOICES = [(str(k), v) for k, v in ASSESSMENT_RESULT_LABELS.items()]
SECURITY_FIELDS = ("mlps_test", "classified_protection_test", "data_security_assessment", "cryptography_assessment")


class AcceptanceApplyForm(forms.Form):
    materials = forms.MultipleChoiceField(label="验收材料（第三十一条）", choices=MATERIAL_CHOICES, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    trial_run_normal = forms.BooleanField(label="试运行正常", required=False, initial=True)
    unit_accepted_on = forms.DateField(label="项目单位组织验收日期（政府购买服务项目，第三十一条第三款）",
                                       required=False, widget=DATE)
    unit_result = forms.CharField(label="项目单位验收结果（政府购买服务项目）", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    secure_reliable_statement = forms.BooleanField(label="报批阶段已说明软硬件产品安全可靠情况（第五十条）",
                                                   required=False)
    mlps_test = forms.ChoiceField(label="网络安全等级保护测评（非涉密）", choices=RESULT_CHOICES, initial="not_done")
    classified_protection_test = forms.ChoiceField(label="涉密信息系统安全保密测评（涉密）", choices=RESULT_CHOICES,
                                                   initial="not_done")
    data_security_assessment = forms.ChoiceField(label="数据安全风险评估（非涉密）", choices=RESULT_CHOICES,
                                                 initial="not_done")
    cryptography_assessment = forms.ChoiceField(label="密码应用安全性评估", choices=RESULT_CHOICES, initial="not_done")
    new_data_centre = forms.BooleanField(label="项目新建数据中心", required=False)
    pue = forms.DecimalField(label="新建数据中心电能利用效率（PUE）", required=False, max_digits=4, decimal_places=2,
                             min_value=Decimal("1"))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is None:
            return
        if project.delivery_mode == "purchased_service":
            # 第三十一条第三款: the unit's own acceptance result is what goes to the DRC.
            self.fields["materials"].choices = [c for c in MATERIAL_CHOICES if c[0] == "acceptance_result"]
        else:
            del self.fields["unit_accepted_on"], self.fields["unit_result"]
            self.fields["materials"].choices = [c for c in MATERIAL_CHOICES if c[0] != "acceptance_result"]

    @staticmethod
    def service_arguments(d: dict) -> dict:
        """The cleaned data as ``services.apply_for_acceptance`` takes it: security facts only where entered."""
        security = {k: d[k] for k in SECURITY_FIELDS}
        entered = (any(v != "not_done" for v in security.values()) or d["secure_reliable_statement"]
                   or d["new_data_centre"] or d["pue"] is not None)
        if entered:
            security.update(secure_reliable_statement=d["secure_reliable_statement"],
                            new_data_centre=d["new_data_centre"], pue=d["pue"])
        return {"materials": d["materials"], "trial_run_normal": d["trial_run_normal"],
                "unit_accepted_on": d.get("unit_accepted_on"), "unit_result": d.get("unit_result", ""),
                "security": security if entered else None}


class AcceptanceDecisionForm(forms.Form):
    passed = forms.TypedChoiceField(label="验收结论", choices=[("1", "验收合格"), ("0", "验收不合格")],
                                    coerce=lambda v: v == "1")
    opinion = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 3}))


class DeferralForm(forms.Form):
    new_date = forms.DateField(label="申请延期至", widget=DATE)
    reason = forms.CharField(label="不能按期申请验收的理由", widget=forms.Textarea(attrs={"rows": 2}))


class AcceptanceFilingForm(forms.Form):
    summary = forms.CharField(label="验收情况（报领导小组办公室）", widget=forms.Textarea(attrs={"rows": 2}))


class ArchiveForm(forms.Form):
    category = forms.ChoiceField(label="档案类别", choices=ArchiveCategory.choices)
    title = forms.CharField(label="档案名称", max_length=200)
    reference = forms.CharField(label="文号或编号", max_length=100, required=False)
    dated = forms.DateField(label="形成日期", widget=DATE)
    file = forms.FileField(label="电子文件（PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP）")


class ParticipantForm(forms.Form):
    department_id = forms.TypedChoiceField(label="参建部门", coerce=int, choices=[])
    scope = forms.CharField(label="建设范围", widget=forms.Textarea(attrs={"rows": 2}))
    responsibilities = forms.CharField(label="责任义务", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import PROJECT_UNIT_KINDS, Organisation

        self.fields["department_id"].choices = [
            (o.pk, o.name) for o in Organisation.objects.filter(kind__in=PROJECT_UNIT_KINDS).order_by("code")]


class ParticipantProgressForm(forms.Form):
    participant_id = forms.IntegerField(widget=forms.HiddenInput)
    progress_percent = forms.DecimalField(label="建设进度（%）", min_value=Decimal("0"), max_value=Decimal("100"),
                                          max_digits=5, decimal_places=2)
    note = forms.CharField(label="进度说明", required=False)
