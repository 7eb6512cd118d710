from django import forms

from .excel import MAX_BYTES, MAX_ROWS
from .models import (
    CODE_MAX,
    MLPS_NOT_APPLICABLE_LABEL,
    MlpsLevel,
    Network,
    Relation,
    SystemStatus,
)

ACTIVE_STATUSES = [(s.value, s.label) for s in SystemStatus if s != SystemStatus.RETIRED]
MLPS_CHOICES = [(str(m.value), m.label) for m in MlpsLevel] + [("", f"{MLPS_NOT_APPLICABLE_LABEL}（涉密系统）")]


class SystemForm(forms.Form):
    """Only the fields a unit may set: the unit, the version and the retirement never come from input.
    Retiring is its own action, so the status offered here leaves “已停用” out."""

    code = forms.CharField(label="系统编号", required=False, max_length=CODE_MAX,
                           help_text="留空则由平台生成（如 SC-U01-XT0001）")
    name = forms.CharField(label="系统名称", max_length=100)
    purpose = forms.CharField(label="建设目的和主要功能", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(label="状态", choices=ACTIVE_STATUSES)
    network = forms.ChoiceField(label="网络", choices=[("", "请选择")] + list(Network.choices))
    is_classified = forms.BooleanField(label="涉密", required=False)
    mlps_level = forms.TypedChoiceField(label="等保级别", choices=MLPS_CHOICES, coerce=int, empty_value=None,
                                        required=False, help_text="非涉密系统必须选择级别（尚未定级选“未定级”）")
    on_government_cloud = forms.BooleanField(label="部署在省级政务云", required=False)
    connected_to_sharing_platform = forms.BooleanField(label="接入数据共享交换平台", required=False)
    connected_to_service_platform = forms.BooleanField(label="接入一体化政务服务平台", required=False)
    connected_to_unified_office_platform = forms.BooleanField(label="接入统一协同办公平台", required=False)
    data_resources = forms.CharField(label="掌握的数据资源", required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, system=None, **kwargs):
        if system is not None:
            initial = {f: getattr(system, f) for f in self.base_fields if hasattr(system, f)}
            initial["mlps_level"] = "" if system.mlps_level is None else str(system.mlps_level)
            kwargs["initial"] = initial | (kwargs.get("initial") or {})
        super().__init__(*args, **kwargs)
        self.system = system
        if system is not None:
            # The code names the entry wherever it is cited (projects, findings, audit): it does not change.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = ""

    def service_fields(self) -> dict:
        """The entry's fields for the service (the code and the version are passed on their own)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("code", "version")}

    def add_service_errors(self, error) -> None:
        """Show a service's ValidationError on the fields it names, the rest above the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class SystemFilterForm(forms.Form):
    q = forms.CharField(label="名称、编号或内容", required=False, max_length=100)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(SystemStatus.choices))
    network = forms.ChoiceField(label="网络", required=False, choices=[("", "全部")] + list(Network.choices))


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）",
                           help_text=f"不超过 {MAX_BYTES // (1024 * 1024)} MB、{MAX_ROWS:,} 行；使用导出的目录或导入模板填写",
                           error_messages={"required": "请选择要导入的 .xlsx 文件",
                                           "empty": "文件是空的"},
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class LinkForm(forms.Form):
    """A project names a catalogue entry: one of its unit's entries, or another unit's running system by code."""

    relation = forms.ChoiceField(label="关系", choices=Relation.choices)
    system = forms.TypedChoiceField(label="本单位目录中的信息系统", required=False, coerce=int, empty_value=None)
    other_code = forms.CharField(label="或：其他单位运行中系统的系统编号（仅用于整合）", required=False, max_length=CODE_MAX)

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [("", "请选择")] + [
            (s.pk, f"{s.code} {s.name}（{s.get_status_display()}）") for s in systems]

    def clean(self):
        data = super().clean()
        if not data.get("system") and not data.get("other_code"):
            raise forms.ValidationError("请选择本单位的信息系统，或填写其他单位运行中系统的系统编号")
        if data.get("system") and data.get("other_code"):
            raise forms.ValidationError("本单位的系统和其他单位的系统编号只能填写一项")
        return data

