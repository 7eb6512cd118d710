from decimal import Decimal

from django import forms

from . import form_tokens
from .models import DeliveryMode, Project, Stage


class ProjectForm(forms.ModelForm):
    """Only the fields a unit may set; unit, stage, number and approved amounts are never taken from input."""

    # SECURITY.md R36: a one-time token; the second submit of the same form creates nothing.
    form_token = forms.CharField(widget=forms.HiddenInput, initial=form_tokens.issuer("project.create"),
                                 error_messages={"required": "表单令牌缺失：请刷新页面后重新提交。"})

    total_investment = forms.DecimalField(label="申报总投资（元）", max_digits=15, decimal_places=2,
                                          min_value=Decimal("0"),
                                          error_messages={"max_digits": "申报总投资最多 13 位整数、2 位小数",
                                                          "max_decimal_places": "申报总投资最多保留两位小数（分）",
                                                          "min_value": "申报总投资不能为负数",
                                                          "invalid": "申报总投资必须是数字（单位：元）"})
    year = forms.IntegerField(label="申报年度", min_value=2021, max_value=2100,
                              error_messages={"min_value": "申报年度不能早于 2021 年（本办法施行年度）",
                                              "max_value": "申报年度不正确"})

    class Meta:
        model = Project
        fields = ["name", "year", "delivery_mode", "total_investment"]


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label="名称或编号", required=False, max_length=100)
    stage = forms.ChoiceField(label="阶段", required=False, choices=[("", "全部")] + list(Stage.choices))
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    delivery_mode = forms.ChoiceField(label="实施方式", required=False, choices=[("", "全部")] + list(DeliveryMode.choices))
    unit = forms.CharField(label="项目单位", required=False, max_length=100)
    min_investment = forms.DecimalField(label="总投资不少于（元）", required=False, min_value=0, max_digits=15, decimal_places=2)
    max_investment = forms.DecimalField(label="总投资不超过（元）", required=False, min_value=0, max_digits=15, decimal_places=2)
