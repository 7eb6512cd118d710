from decimal import Decimal
from html import escape

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper (called for every option of every select)."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"`` for each attribute, a bare name for True, none for False."""
    return "".join(f" {name}" if value is True else f' {name}="{_escape(value)}"'
                   for name, value in attrs.items() if value is not False)


class WidgetsInPython(DjangoTemplates):
    """Renders <input> and <select> from the context Django's widgets build (the same attributes, values,
    ``selected`` and aria attributes) with string formatting instead of Django's widget templates: the ledger's
    filter form went through five template includes per option, about 3 ms a page (issue #8). The markup is that
    of django/forms/templates/django/forms/widgets/{input,attrs,select,select_option}.html; any other template
    (an optgroup, another widget) is rendered by Django's templates as before."""

    INPUTS = frozenset({"django/forms/widgets/text.html", "django/forms/widgets/number.html",
                        "django/forms/widgets/input.html"})

    def render(self, template_name, context, request=None):
        widget = context["widget"]
        if template_name in self.INPUTS:
            value = "" if widget["value"] is None else f' value="{_escape(widget["value"])}"'
            return mark_safe(f'<input type="{widget["type"]}" name="{_escape(widget["name"])}"{value}'
                             f'{_attrs(widget["attrs"])}>')
        if template_name == "django/forms/widgets/select.html" and all(not group for group, _, _ in widget["optgroups"]):
            options = "".join(
                f'\n  <option value="{_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f'{_escape(option["label"])}</option>\n'
                for _, choices, _ in widget["optgroups"] for option in choices)
            return mark_safe(f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
                             f"{options}\n</select>")
        return super().render(template_name, context, request)


WIDGETS_IN_PYTHON = WidgetsInPython()


class ProjectFilterForm(forms.Form):
    default_renderer = WIDGETS_IN_PYTHON

    q = forms.CharField(label="名称或编号", required=False, max_length=100)
    stage = forms.ChoiceField(label="阶段", required=False, choices=[("", "全部")] + list(Stage.choices))
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    delivery_mode = forms.ChoiceField(label="实施方式", required=False, choices=[("", "全部")] + list(DeliveryMode.choices))
    unit = forms.CharField(label="项目单位", required=False, max_length=100)
    min_investment = forms.DecimalField(label="总投资不少于（元）", required=False, min_value=0, max_digits=15, decimal_places=2)
    max_investment = forms.DecimalField(label="总投资不超过（元）", required=False, min_value=0, max_digits=15, decimal_places=2)

    def as_filters(self) -> SafeString:
        """Each field inside its label (the label names the input for screen readers too), and the first error
        of a field that has one under the id its input's aria-describedby points to."""
        return format_html_join("", '<label for="{}">{}{}{}</label>', (
            (field.id_for_label, field.label, field.as_widget(),
             format_html('<span class="errorlist" id="{}_error">{}</span>', field.auto_id, field.errors[0])
             if field.errors else "")
            for field in self))
