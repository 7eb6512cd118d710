"""Forms: parse input only. Decisions are the services'; fields a unit may not set are not in any form."""

from decimal import Decimal

from django import forms

from rules.ch02_integration import INVESTMENT_CODE_EXAMPLE

from .models import (
    COMMON_SYSTEM_CHOICES,
    PROJECT_CATEGORY_CHOICES,
    DeclarationMaterials,
    DocumentKind,
    FundingChannel,
)

ARTICLE_8_ITEMS = {
    1: "（一）新建或扩建非涉密机房、数据中心、私有云平台，新增非涉密服务器、存储设备、服务端网络设备等硬件设施采购",
    2: "（二）互联网出口线路租赁、未整合到电子政务内网或外网的专网租赁、未纳入电子政务外网统一监管的终端安全防护",
    3: "（三）未部署到省级政务云的非涉密新建项目，未迁移到省级政务云的非涉密升级改造项目",
    4: "（四）新建或扩建共性系统、政府网站支撑平台、独立封装的移动客户端、大数据处理分析平台、执法检查类系统",
    5: "（五）未接入数据共享交换平台、一体化政务服务平台、统一协同办公平台",
    6: "（六）需求或绩效目标不明确、整合、普查、共享、安全保障不到位",
    7: "（七）非共建共享共用的信息基础设施、应用支撑平台、数据资源",
    8: "（八）原项目尚未验收的升级改造",
}


class RoundForm(forms.Form):
    year = forms.IntegerField(label="申报年度", min_value=2021, max_value=2100,
                              error_messages={"min_value": "申报年度不能早于 2021 年（本办法施行年度）",
                                              "max_value": "申报年度不正确", "invalid": "申报年度必须是整数",
                                              "required": "请填写申报年度"})
    title = forms.CharField(label="批次名称", max_length=100, required=False,
                            help_text="不填则为“某年度政务信息化项目申报”")
    opens_on = forms.DateField(label="申报开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"invalid": "请输入有效日期（YYYY-MM-DD）", "required": "请填写申报开始日期"})
    closes_on = forms.DateField(label="申报截止日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": "请输入有效日期（YYYY-MM-DD）", "required": "请填写申报截止日期"})


class YesNoSelect(forms.NullBooleanSelect):
    """是 / 否, with “请选择” standing for “not answered yet”."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "请选择"), ("true", "是"), ("false", "否"))


class MaterialsForm(forms.ModelForm):
    """The materials of 第十六条 and the pre-check questions. ``version`` is the version the unit edited."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    om_funding = forms.DecimalField(label="运行维护经费（元/年）", required=False, max_digits=15, decimal_places=2,
                                    min_value=Decimal("0"),
                                    error_messages={"max_digits": "运行维护经费最多 13 位整数、2 位小数",
                                                    "max_decimal_places": "运行维护经费最多保留两位小数（分）",
                                                    "min_value": "运行维护经费不能为负数",
                                                    "invalid": "运行维护经费必须是数字（单位：元）"})
    funding_channels = forms.MultipleChoiceField(label="经费渠道", required=False, choices=FundingChannel.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    common_system_kinds = forms.MultipleChoiceField(label="拟建共性系统或模块", required=False,
                                                    choices=COMMON_SYSTEM_CHOICES, widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label="项目类别", required=False, choices=PROJECT_CATEGORY_CHOICES,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text="不属于以上任何类别的，不勾选")
    linked_city_projects = forms.CharField(label="关联的市（州）项目编号", required=False, max_length=2000,
                                           help_text="多个编号用逗号或换行分隔")

    class Meta:
        model = DeclarationMaterials
        fields = [
            "main_tasks", "basis_and_necessity", "performance_goals", "delivery_mode_reason", "proposed_functions",
            "application_plan", "information_resource_catalogue", "government_cloud_plan", "is_classified",
            "mlps_plan", "classified_protection_plan", "cryptography_plan",
            "om_funding", "funding_channels",
            "construction_kind", "builds_non_classified_machine_room", "buys_non_classified_server_hardware",
            "leases_internet_line", "leases_private_network_outside_egov", "terminal_security_outside_egov_supervision",
            "deployed_on_provincial_cloud", "builds_common_systems", "common_system_kinds", "categories",
            "connected_to_sharing_platform", "connected_to_service_platform", "connected_to_unified_office_platform",
            "needs_clear", "performance_goals_clear", "integration_done", "catalogue_census_done", "sharing_done",
            "security_done", "builds_non_shared_infrastructure", "upgrades_project_accepted",
            "needs_city_collaboration", "linked_city_projects",
            "data_aggregation_done", "leading_group_exception_approved", "leading_group_approval_ref",
            "has_new_civil_works", "has_high_energy_use",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "main_tasks", "basis_and_necessity", "performance_goals", "delivery_mode_reason", "proposed_functions",
            "application_plan", "information_resource_catalogue", "government_cloud_plan", "mlps_plan",
            "classified_protection_plan", "cryptography_plan")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.NullBooleanField):
                field.widget = YesNoSelect()
        for item, label in ARTICLE_8_ITEMS.items():
            self.fields[f"legal_basis_{item}"] = forms.CharField(
                label=f"法律法规依据：{label}", required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="仅当法律法规对此有明确规定时填写具体条文（第八条“法律法规有明确规定的除外”）")
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["linked_city_projects"] = "，".join(self.instance.linked_city_projects or [])
            for key, text in (self.instance.legal_basis or {}).items():
                self.initial[f"legal_basis_{key}"] = text

    def clean_linked_city_projects(self):
        raw = self.cleaned_data.get("linked_city_projects") or ""
        numbers = [n.strip() for n in raw.replace("，", ",").replace("\n", ",").split(",") if n.strip()]
        if any(len(n) > 50 for n in numbers):
            raise forms.ValidationError("每个项目编号不超过 50 个字符")
        return list(dict.fromkeys(numbers))

    def clean(self):
        data = super().clean()
        if data.get("builds_common_systems") is True and not data.get("common_system_kinds"):
            self.add_error("common_system_kinds", "选择“是”时，请勾选拟建的共性系统或模块")
        if data.get("builds_common_systems") is False and data.get("common_system_kinds"):
            self.add_error("common_system_kinds", "选择“否”时不应勾选共性系统或模块")
        data["legal_basis"] = {str(item): (data.get(f"legal_basis_{item}") or "").strip()
                               for item in ARTICLE_8_ITEMS if (data.get(f"legal_basis_{item}") or "").strip()}
        return data

    def changes(self) -> dict:
        """The values for ``services.materials_update``."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return {k: v for k, v in data.items() if not k.startswith("legal_basis_")}

    # Sections of the page, in the order of the measures.
    SECTIONS = (
        ("（一）基本情况", 16, ["main_tasks", "basis_and_necessity", "performance_goals", "delivery_mode_reason",
                           "proposed_functions"]),
        ("（二）技术方案", 16, ["application_plan", "information_resource_catalogue", "government_cloud_plan",
                           "is_classified", "mlps_plan", "classified_protection_plan", "cryptography_plan"]),
        ("（三）资金来源", 16, ["om_funding", "funding_channels"]),
        ("不予立项情形核查", 8, [
            "construction_kind", "builds_non_classified_machine_room", "buys_non_classified_server_hardware",
            "leases_internet_line", "leases_private_network_outside_egov", "terminal_security_outside_egov_supervision",
            "deployed_on_provincial_cloud", "builds_common_systems", "common_system_kinds", "categories",
            "connected_to_sharing_platform", "connected_to_service_platform", "connected_to_unified_office_platform",
            "needs_clear", "performance_goals_clear", "integration_done", "catalogue_census_done", "sharing_done",
            "security_done", "builds_non_shared_infrastructure", "upgrades_project_accepted",
            *[f"legal_basis_{i}" for i in ARTICLE_8_ITEMS]]),
        ("省市协同", 10, ["needs_city_collaboration", "linked_city_projects"]),
        ("数据归集", 12, ["data_aggregation_done", "leading_group_exception_approved", "leading_group_approval_ref"]),
        ("其他审查", 23, ["has_new_civil_works", "has_high_energy_use"]),
    )

    def sections(self):
        return [(title, article, [self[name] for name in names]) for title, article, names in self.SECTIONS]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=DocumentKind.choices,
                             error_messages={"required": "请选择材料类型", "invalid_choice": "材料类型不在允许范围内"})
    file = forms.FileField(label="文件", error_messages={"required": "请选择要上传的文件", "empty": "文件是空的"},
                           help_text="PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP，单个文件不超过上限")


class InvestmentCodeForm(forms.Form):
    investment_code = forms.CharField(label="项目代码", max_length=30,
                                      help_text=f"四川省投资项目在线审批监管平台赋予的项目代码，例如 {INVESTMENT_CODE_EXAMPLE}",
                                      error_messages={"required": "请填写项目代码", "max_length": "项目代码过长"})
