"""Demo declarations through the real write paths: the office opens the 2027 round, units fill their
materials, two projects are submitted, and one draft is left with pre-check findings to fix."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from projects.models import Project

from . import services
from .models import FundingChannel

YEAR = 2027

# Answers of a project that passes the 第八条 and 第十二条 checks.
CLEAN_ANSWERS = {
    "is_classified": False, "construction_kind": "new",
    "builds_non_classified_machine_room": False, "buys_non_classified_server_hardware": False,
    "leases_internet_line": False, "leases_private_network_outside_egov": False,
    "terminal_security_outside_egov_supervision": False, "deployed_on_provincial_cloud": True,
    "builds_common_systems": False, "common_system_kinds": [], "categories": ["government_service"],
    "connected_to_sharing_platform": True, "connected_to_service_platform": True,
    "connected_to_unified_office_platform": True,
    "needs_clear": True, "performance_goals_clear": True, "integration_done": True, "catalogue_census_done": True,
    "sharing_done": True, "security_done": True, "builds_non_shared_infrastructure": False,
    "data_aggregation_done": True,
}

DEMO = {
    "全民健康信息平台（二期）": {
        "main_tasks": "建设全省统一的居民电子健康档案、电子病历共享调阅和区域检查检验结果互认服务。",
        "basis_and_necessity": "依据《四川省“十四五”全民健康信息化规划》，一期平台已验收运行，需扩展互联互通范围。",
        "performance_goals": "二级以上公立医院接入率 100%，检查检验结果互认项目不少于 200 项，群众调阅响应时间小于 3 秒。",
        "delivery_mode_reason": "涉及全省医疗机构数据标准和接口改造，需自行建设并统一组织实施。",
        "proposed_functions": "电子健康档案调阅；电子病历共享；检查检验结果互认；健康医疗数据资源目录；统一身份认证接入。",
        "application_plan": "采用微服务架构部署在省级政务云，复用一体化政务服务平台统一身份认证和电子证照。",
        "information_resource_catalogue": "居民基本信息、电子健康档案、电子病历摘要、检查检验报告等 46 类信息资源。",
        "government_cloud_plan": "计算 320 vCPU、内存 1280 GB、存储 200 TB，部署于省级政务云电子政务外网区。",
        "mlps_plan": "按等保第三级建设，上线前完成等级测评。",
        "cryptography_plan": "采用 SM2/SM3/SM4 算法实现身份鉴别、传输和存储加密，上线前完成密码应用安全性评估。",
        "om_funding": Decimal("2400000.00"),
        "funding_channels": [FundingChannel.FISCAL_BUDGET],
    },
    "综合交通运输运行监测系统": {
        "main_tasks": "汇聚公路、水路、民航、铁路运行数据，建设全省综合交通运行监测和应急指挥。",
        "basis_and_necessity": "依据《四川省综合交通运输发展规划》，需提升跨方式运行监测和应急处置能力。",
        "performance_goals": "高速公路运行数据接入率 100%，重大突发事件 5 分钟内推送，数据共享目录不少于 30 项。",
        "delivery_mode_reason": "业务专业性强、需与现有行业系统深度整合，采用自行建设。",
        "proposed_functions": "路网运行监测；客货运输监测；应急指挥调度；运行分析报告；数据共享交换。",
        "application_plan": "依托省级政务云和数据共享交换平台建设，整合现有高速公路监测系统。",
        "information_resource_catalogue": "路网运行、客运班线、货运车辆、应急资源等 31 类信息资源。",
        "government_cloud_plan": "计算 160 vCPU、内存 640 GB、存储 80 TB。",
        "mlps_plan": "按等保第三级建设。",
        "cryptography_plan": "采用商用密码实现身份鉴别和重要数据传输存储加密。",
        "om_funding": Decimal("1500000.00"),
        "funding_channels": [FundingChannel.CAPITAL_BUDGET, FundingChannel.CENTRAL_SPECIAL],
    },
    # Left as a draft: not on the provincial cloud, buys servers, no cryptography plan yet.
    "四川省教育数据共享交换平台升级": {
        "main_tasks": "升级教育数据共享交换平台，扩展学籍、资助、招生考试数据共享。",
        "basis_and_necessity": "依据《四川省教育信息化“十四五”规划》。",
        "performance_goals": "接入市（州）教育部门 21 个，共享数据项不少于 120 项。",
        "delivery_mode_reason": "在原平台基础上升级，自行建设。",
        "proposed_functions": "学籍数据共享；学生资助数据共享；招生考试数据交换；数据质量监测。",
        "application_plan": "在原平台基础上扩展数据交换节点。",
        "information_resource_catalogue": "学籍、资助、招生考试等 18 类信息资源。",
        "government_cloud_plan": "",
        "mlps_plan": "按等保第三级建设。",
        "cryptography_plan": "",
        "om_funding": Decimal("800000.00"),
        "funding_channels": [FundingChannel.FISCAL_BUDGET],
        "construction_kind": "upgrade", "upgrades_project_accepted": True,
        "deployed_on_provincial_cloud": False, "buys_non_classified_server_hardware": True,
    },
}
SUBMIT = ("全民健康信息平台（二期）", "综合交通运输运行监测系统")
OWNERS = {"全民健康信息平台（二期）": "health", "综合交通运输运行监测系统": "transport",
          "四川省教育数据共享交换平台升级": "edu"}


def _link_catalogue(actor, project: Project, materials: dict) -> None:
    """第九条: the project names the catalogue entry it builds or upgrades (unless the catalogue demo did)."""
    from catalogue import services as catalogue_services
    from catalogue.models import InformationSystem

    if project.system_links.exists():
        return
    upgrade = materials.get("construction_kind") == "upgrade"
    name = project.name.removesuffix("升级").removesuffix("（二期）")
    system = InformationSystem.objects.filter(unit=project.unit, name=name).first()
    if system is None:
        system = catalogue_services.system_create(
            actor=actor, name=name, purpose=materials["proposed_functions"],
            status="running" if upgrade else "planned", on_government_cloud=not upgrade, network="egov_extranet",
            is_classified=False, mlps_level=3, connected_to_sharing_platform=True,
            connected_to_service_platform=True, connected_to_unified_office_platform=False,
            data_resources=materials["information_resource_catalogue"])
    relation = "upgrade" if system.status == "running" else "build"
    catalogue_services.link_project_system(actor=actor, project_id=project.pk, system_id=system.pk, relation=relation)


@transaction.atomic
def build():
    office = User.objects.get(username="office")
    today = timezone.localdate()
    services.round_create(actor=office, year=YEAR, title=f"{YEAR}年度省级政务信息化项目申报",
                          opens_on=min(date(YEAR - 1, 11, 1), today),
                          closes_on=max(date(YEAR - 1, 12, 31), today + timedelta(days=30)))
    for name, materials in DEMO.items():
        actor = User.objects.get(username=OWNERS[name])
        project = Project.objects.get(name=name, unit=actor.organisation)
        _link_catalogue(actor, project, materials)
        services.materials_update(actor=actor, project_id=project.pk, expected_version=0,
                                  **(CLEAN_ANSWERS | materials))
        if name in SUBMIT:
            services.declaration_submit(actor=actor, project_id=project.pk)
