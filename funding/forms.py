"""Input of the money and procurement actions. Forms parse; services decide."""

from decimal import Decimal, InvalidOperation

from django import forms

from .models import (
    CATEGORY_CHOICES,
    DETERMINED_CHOICES,
    METHOD_CHOICES,
    PURPOSE_CHOICES,
    ROUND_CHOICES,
    SCORING_CHOICES,
    SOURCE_CHOICES,
    OmDeclarationStatus,
)

MONEY = {"max_digits": 15, "decimal_places": 2, "min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ERRORS = {"required": "必填", "invalid": "格式不正确", "max_digits": "位数过多（最多 13 位整数、2 位小数）",
          "max_decimal_places": "最多保留两位小数", "min_value": "必须大于零", "invalid_choice": "取值不在允许范围内"}


def money(label, **kw):
    return forms.DecimalField(label=label, error_messages=ERRORS | {"invalid": "请输入金额（元），如 12345.67"},
                              **(MONEY | kw))


def _pairs(text: str, what: str) -> list[tuple[str, Decimal]]:
    """Lines "名称：数值" (or "名称 数值", "名称:数值") → [(名称, Decimal)]."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().replace("：", ":")
        if not line:
            continue
        name, sep, value = line.rpartition(":") if ":" in line else line.rpartition(" ")
        try:
            amount = Decimal(value.strip().rstrip("%"))
        except InvalidOperation as exc:
            raise forms.ValidationError(f"第 {number} 行应为“名称：{what}”，如“技术：70”") from exc
        if not name.strip() or not amount.is_finite():
            raise forms.ValidationError(f"第 {number} 行应为“名称：{what}”，如“技术：70”")
        out.append((name.strip(), amount))
    return out


class FundingSourceForm(forms.Form):
    kind = forms.ChoiceField(label="资金来源（第三十五条）", choices=SOURCE_CHOICES, error_messages=ERRORS)
    purpose = forms.ChoiceField(label="资金用途", choices=PURPOSE_CHOICES, error_messages=ERRORS)
    amount = money("金额（元）")
    note = forms.CharField(label="说明", max_length=200, required=False)


class DisbursementForm(forms.Form):
    paid_on = forms.DateField(label="支付日期", widget=DATE, error_messages=ERRORS)
    amount = money("支付金额（元）")
    purpose = forms.CharField(label="用途", max_length=200, error_messages=ERRORS)
    voucher_no = forms.CharField(label="凭证号", max_length=60, error_messages=ERRORS)


class FinalAccountsForm(forms.Form):
    settled_on = forms.DateField(label="竣工财务决算日期", widget=DATE, error_messages=ERRORS)
    goals_and_content_unchanged = forms.BooleanField(label="项目建设目标和内容不变", required=False, initial=True)


class SurplusReturnForm(forms.Form):
    returned_on = forms.DateField(label="退回日期", widget=DATE, error_messages=ERRORS)
    amount = money("退回金额（元）")
    voucher_no = forms.CharField(label="凭证号", max_length=60, required=False)


class OmDeclarationForm(forms.Form):
    round = forms.ChoiceField(label="申报情形（第三十七条）", choices=ROUND_CHOICES, error_messages=ERRORS)
    service_ends_on = forms.DateField(label="维保结束日 / 本轮运维期满日", widget=DATE, error_messages=ERRORS)
    amount = money("申报金额（元）")
    reassessed = forms.BooleanField(label="已对新一轮运维需求重新论证评估（续运维必填）", required=False)
    reassessment_note = forms.CharField(label="论证评估情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OmDecisionForm(forms.Form):
    declaration_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="审核结论（第三十八条）", error_messages=ERRORS, choices=[
        (OmDeclarationStatus.APPROVED.value, "审核通过"), (OmDeclarationStatus.REDUCED.value, "核减后通过"),
        (OmDeclarationStatus.REJECTED.value, "不予安排")])
    approved_amount = money("核定金额（元，核减时填写）", required=False)
    opinion = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 2}), error_messages=ERRORS)


class ProcurementForm(forms.Form):
    title = forms.CharField(label="采购项目名称", max_length=200, error_messages=ERRORS)
    budget = money("采购预算（元）")
    method = forms.ChoiceField(label="采购方式（第三十九条第一款）", choices=METHOD_CHOICES, error_messages=ERRORS)
    method_justification = forms.CharField(label="采用竞争性谈判、询价的法定依据", required=False,
                                           widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label="项目属性", choices=CATEGORY_CHOICES, error_messages=ERRORS)
    determined_category = forms.ChoiceField(label="无法确定时，采购人确定为", required=False,
                                            choices=[("", "—")] + DETERMINED_CHOICES, error_messages=ERRORS)
    category_reason = forms.CharField(label="确定项目属性的理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    classified = forms.BooleanField(label="涉密政府采购（第四十一条）", required=False)
    in_central_catalogue = forms.BooleanField(label="属于集中采购目录", required=False, initial=True)
    below_threshold = forms.BooleanField(label="低于采购限额标准（第四十三条）", required=False)
    works_requiring_tender = forms.BooleanField(label="涉及依法必须招标的工程建设（第四十条）", required=False)
    scoring_method = forms.ChoiceField(label="评审方法", required=False, choices=[("", "—")] + SCORING_CHOICES,
                                       error_messages=ERRORS)
    price_weight = forms.DecimalField(label="价格分值", required=False, max_digits=5, decimal_places=2,
                                      min_value=Decimal("0"), max_value=Decimal("100"), error_messages=ERRORS)
    criteria = forms.CharField(label="其他评分因素及分值（每行“名称：分值”）", required=False,
                               widget=forms.Textarea(attrs={"rows": 3, "placeholder": "技术：50\n商务：20"}))
    om_service = forms.BooleanField(label="运行维护服务采购（第四十二条）", required=False)
    service_first_day = forms.DateField(label="服务期首日", required=False, widget=DATE, error_messages=ERRORS)
    service_last_day = forms.DateField(label="服务期末日", required=False, widget=DATE, error_messages=ERRORS)
    annual_budget_secured = forms.BooleanField(label="年度预算能够保障", required=False, initial=True)

    def clean_criteria(self):
        return [{"name": n, "weight": w} for n, w in _pairs(self.cleaned_data["criteria"], "分值")]


class BidForm(forms.Form):
    procurement_id = forms.IntegerField(widget=forms.HiddenInput)
    bidder = forms.CharField(label="投标人", max_length=200, error_messages=ERRORS)
    price = money("投标报价（元）")
    scores = forms.CharField(label="其他评分因素得分（每行“名称：得分”）", required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "技术：85"}))
    valid = forms.BooleanField(label="有效投标", required=False, initial=True)
    invalid_reason = forms.CharField(label="无效原因", max_length=200, required=False)

    def clean_scores(self):
        return dict(_pairs(self.cleaned_data["scores"], "得分"))


class EvaluateForm(forms.Form):
    procurement_id = forms.IntegerField(widget=forms.HiddenInput)


class OmContractForm(forms.Form):
    procurement_id = forms.IntegerField(widget=forms.HiddenInput)
    first_day = forms.DateField(label="合同期首日", widget=DATE, error_messages=ERRORS)
    last_day = forms.DateField(label="合同期末日", widget=DATE, error_messages=ERRORS)
    amount = money("合同金额（元）")
