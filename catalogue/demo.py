"""Demo catalogues: 3–6 information systems for each of the first 20 provincial departments.

教育厅 (SC-U01) registers its systems through the services, so its catalogue has audit events; the others
are bulk-created. The demo projects then name the systems they build or upgrade (第九条); the Chengdu
project names none, so the platform shows what happens to a project outside the catalogue.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from projects.models import Project, Stage

from . import services
from .models import InformationSystem, Network, Relation, SystemStatus

STATUS = {"P": SystemStatus.PLANNED, "C": SystemStatus.IN_CONSTRUCTION, "R": SystemStatus.RUNNING,
          "X": SystemStatus.RETIRED}
NETWORK = {"I": Network.EGOV_INTRANET, "E": Network.EGOV_EXTRANET, "N": Network.INTERNET}

# unit code → systems: "name | status | network | 等保 (0–5, '-' for classified) | flags | purpose | data resources".
# Flags: c = on the provincial government cloud, s = data sharing exchange platform,
# g = integrated government service platform, o = unified office platform, x = classified.
CATALOGUES: dict[str, list[str]] = {
    "SC-U01": [
        "四川省教育数据共享交换平台|R|E|3|cs|汇聚全省各级教育行政部门和学校数据，向省级部门共享学籍、学历等数据|学生学籍、教师信息、学校基本信息",
        "中小学生学籍管理系统|R|E|3|csg|全省中小学生学籍注册、转学、休复学等业务办理|中小学生学籍信息",
        "教育厅协同办公系统|R|E|2|co|厅机关公文流转、会议管理和督办|公文、会议纪要",
        "教育考试招生录取系统|R|I|-|x|普通高校招生考试报名、阅卷、录取|考生报名信息、考试成绩",
        "智慧教育公共服务平台|P|N|0|csg|面向师生和家长提供优质数字教育资源和在线服务|数字教育资源目录",
    ],
    "SC-U02": [
        "科技计划项目管理系统|R|E|3|csg|省级科技计划项目申报、评审、立项、验收全流程管理|科技项目、承担单位信息",
        "科技成果登记系统|R|E|2|cs|科技成果登记、转化和奖励推荐|科技成果信息",
        "科技专家库管理系统|R|E|3|c|评审专家入库、抽取和回避管理|专家基本信息、研究领域",
        "高新技术企业认定管理系统|C|E|2|cg|高新技术企业认定申报和审核|企业知识产权、研发投入数据",
    ],
    "SC-U03": [
        "民族宗教工作信息管理系统|R|E|2|co|民族宗教事务工作信息报送和统计|民族宗教工作统计数据",
        "宗教活动场所管理系统|R|E|3|cs|宗教活动场所登记、年检和变更|宗教活动场所信息",
        "民族地区经济社会发展监测系统|P|E|0|c|民族地区经济社会发展主要指标监测分析|民族地区统计指标",
    ],
    "SC-U04": [
        "社会救助信息系统|R|E|3|csg|最低生活保障、特困供养、临时救助申请审核和资金发放|救助对象信息、家庭经济状况核对结果",
        "婚姻登记管理信息系统|R|E|3|csg|婚姻登记办理和婚姻登记档案管理|婚姻登记信息",
        "养老服务综合信息平台|C|E|2|csg|养老机构监管、居家社区养老服务和补贴发放|养老机构信息、老年人服务信息",
        "社会组织管理信息系统|R|E|2|csg|社会组织登记、年检和执法监督|社会组织登记信息",
        "殡葬管理服务系统|R|E|2|cs|殡葬服务机构管理和火化信息登记|火化信息",
    ],
    "SC-U05": [
        "四川法律服务网|R|N|3|csg|公共法律服务事项在线办理和法律咨询|法律服务机构和人员信息",
        "人民调解信息管理系统|R|E|2|cs|人民调解组织、人员和案件管理|调解案件信息",
        "社区矫正信息管理系统|R|E|3|cs|社区矫正对象接收、监管和解除全过程管理|社区矫正对象信息",
        "律师行业管理系统|R|E|2|cg|律师执业许可、年度考核和律师事务所管理|律师执业信息",
    ],
    "SC-U06": [
        "社会保险经办管理信息系统|R|E|3|csg|养老、工伤、失业保险参保登记、待遇核定和发放|参保人员信息、缴费和待遇记录",
        "就业创业公共服务平台|R|N|3|csg|就业登记、失业登记、职业介绍和创业补贴申领|就业失业登记信息",
        "人事考试报名系统|R|N|3|cg|公务员和专业技术人员资格考试网上报名|考生报名信息",
        "劳动保障监察管理系统|R|E|2|cs|劳动保障监察投诉受理、案件查处和欠薪预警|劳动保障监察案件",
        "职业技能等级认定系统|C|E|2|cg|职业技能等级认定机构管理和证书核发|职业技能等级证书信息",
        "人社厅协同办公系统|X|E|2|o|厅机关公文流转（已整合至统一协同办公平台）|历史公文",
    ],
    "SC-U07": [
        "国土空间基础信息平台|R|E|3|cs|国土空间规划“一张图”实施监督和空间数据共享|国土空间规划数据、遥感影像",
        "不动产登记信息管理平台|R|E|3|csg|不动产登记业务办理和登记信息共享查询|不动产登记信息",
        "矿业权审批管理系统|R|E|2|cg|探矿权、采矿权申请审批|矿业权信息",
        "自然资源执法监管系统|P|E|0|cs|自然资源违法行为发现、查处和统计|执法案件信息",
    ],
    "SC-U08": [
        "生态环境监测数据平台|R|E|3|cs|大气、水、土壤环境质量监测数据汇聚和发布|环境质量监测数据",
        "排污许可管理系统|R|E|2|csg|排污许可证申请、核发和执行报告|排污单位和许可信息",
        "建设项目环评审批系统|R|E|2|csg|建设项目环境影响评价文件审批|环评审批信息",
    ],
    "SC-U09": [
        "建筑市场监管与诚信信息平台|R|E|3|csg|建筑企业资质、人员和工程项目监管|建筑企业资质、注册人员信息",
        "住房保障信息系统|R|E|3|cs|公租房保障对象资格审核和房源分配|住房保障对象信息",
        "工程建设项目审批管理系统|R|E|3|csg|工程建设项目审批全流程网上办理|工程建设项目审批信息",
        "城市体检评估信息平台|P|E|0|cs|城市体检指标采集和评估分析|城市体检指标数据",
    ],
    "SC-U10": [
        "道路运输管理信息系统|R|E|3|csg|道路运输经营许可、车辆和从业人员管理|运输企业、营运车辆和从业人员信息",
        "交通建设项目管理系统|R|E|2|c|交通基础设施建设项目计划、进度和资金管理|建设项目信息",
        "公路治超非现场执法系统|R|E|3|cs|货车超限超载非现场检测和执法|检测站点和超限车辆数据",
        "综合交通运输运行监测系统|P|E|0|cs|公路、水路、铁路、民航运行数据汇聚和运行监测|交通运行监测数据",
    ],
    "SC-U11": [
        "水资源监控管理信息系统|R|E|3|cs|取用水户监测计量和水资源管理|取水许可、取用水监测数据",
        "山洪灾害监测预警系统|R|E|3|cs|山洪灾害雨水情监测和预警发布|雨水情监测数据",
        "河湖长制管理信息系统|R|E|2|co|河湖长巡河、问题处理和考核|河湖基础信息、巡河记录",
    ],
    "SC-U12": [
        "农村土地承包经营权信息系统|R|E|3|cs|农村土地承包经营权确权登记和流转管理|承包地块和承包方信息",
        "农产品质量安全追溯平台|R|N|2|csg|农产品生产主体备案和质量安全追溯|生产主体和追溯信息",
        "动物疫病防控信息系统|R|E|2|cs|动物免疫、检疫和疫情报告|动物检疫证明、免疫记录",
        "高标准农田建设监管系统|C|E|2|c|高标准农田建设项目上图入库和监管|高标准农田项目信息",
    ],
    "SC-U13": [
        "商务运行监测系统|R|E|2|cs|重点流通企业和消费市场运行监测|商务运行监测数据",
        "外贸企业综合服务平台|R|N|2|csg|外贸企业备案登记和政策服务|对外贸易经营者备案信息",
        "单用途预付卡监管系统|P|E|0|cs|单用途商业预付卡发卡企业备案和资金监管|发卡企业备案信息",
    ],
    "SC-U14": [
        "智慧文旅公共服务平台|R|N|3|csg|景区预约、文旅资讯和公共文化服务|景区和文化场馆信息",
        "旅游市场监管系统|R|E|2|cs|旅行社、导游管理和旅游投诉处理|旅行社和导游信息",
        "非物质文化遗产数据库|R|E|2|c|非物质文化遗产项目和代表性传承人数字化保护|非遗项目和传承人信息",
    ],
    "SC-U15": [
        "全民健康信息平台|R|E|3|cs|汇聚医疗机构诊疗数据，支撑电子健康档案和电子病历共享|电子健康档案、电子病历摘要",
        "疾病预防控制信息系统|R|E|3|cs|传染病报告、预防接种和慢性病管理|传染病报告卡、预防接种记录",
        "医疗机构执业监管平台|R|E|3|csg|医疗机构和医师执业注册及监管|医疗机构和医师执业信息",
        "卫生健康协同办公系统|R|E|2|co|委机关公文流转和督查督办|公文",
        "医疗服务综合监管系统|C|E|3|cs|医疗服务行为和费用智能监管|医疗服务监管指标",
    ],
    "SC-U16": [
        "退役军人信息管理系统|R|E|3|cs|退役军人和其他优抚对象信息采集和管理|退役军人基本信息",
        "优抚对象抚恤补助发放系统|R|E|3|cs|优抚对象抚恤补助资金核定和发放|抚恤补助发放记录",
        "退役军人就业创业服务平台|C|N|2|cg|退役军人就业推荐、技能培训和创业扶持|就业创业服务记录",
    ],
    "SC-U17": [
        "应急指挥调度系统|R|E|3|cs|突发事件接报、会商研判和指挥调度|应急预案、应急资源信息",
        "安全生产监管执法系统|R|E|3|cs|安全生产执法计划、检查和行政处罚|执法检查和处罚信息",
        "自然灾害综合风险普查数据库|R|E|2|c|自然灾害综合风险普查成果管理和共享|灾害风险普查数据",
        "应急物资储备管理系统|P|E|0|cs|应急物资储备、调拨和库存管理|应急物资储备信息",
    ],
    "SC-U18": [
        "因公出国（境）管理系统|R|E|2|cg|因公出国（境）任务审批和证照管理|因公出国（境）人员和任务信息",
        "外国人来川服务系统|R|N|2|cg|外国人来川邀请函办理和服务|邀请函办理信息",
        "外事协同办公系统|R|E|2|co|外办机关公文流转|公文",
    ],
    "SC-U19": [
        "国资国企在线监管系统|R|E|3|cs|省属企业财务、投资和“三重一大”决策在线监管|省属企业财务和投资数据",
        "企业国有资产产权登记系统|R|E|2|c|企业国有资产产权占有、变动和注销登记|国有资产产权登记信息",
        "国资委协同办公系统|R|E|2|co|委机关公文流转|公文",
    ],
    "SC-U20": [
        "市场主体登记注册系统|R|E|3|csg|市场主体设立、变更和注销登记|市场主体登记信息",
        "“双随机、一公开”监管平台|R|E|3|cs|随机抽取检查对象和执法检查人员，公开抽查结果|抽查检查结果",
        "特种设备安全监管系统|R|E|2|cs|特种设备使用登记、检验和隐患排查|特种设备登记信息",
        "食品安全追溯平台|C|N|2|csg|食品生产经营者追溯信息采集和查询|食品追溯信息",
        "12315 投诉举报系统|X|N|2|cg|消费者投诉举报受理（已并入全国 12315 平台）|历史投诉举报记录",
    ],
}

# Demo projects and the catalogue entries they name: (project name, unit user, system name, relation).
PROJECT_LINKS = [
    ("四川省教育数据共享交换平台升级", "edu", "四川省教育数据共享交换平台", Relation.UPGRADE),
    ("四川省教育数据共享交换平台升级", "edu", "中小学生学籍管理系统", Relation.INTEGRATE),
    ("智慧教育公共服务平台", "edu", "智慧教育公共服务平台", Relation.BUILD),
    ("全民健康信息平台（二期）", "health", "全民健康信息平台", Relation.UPGRADE),
    ("综合交通运输运行监测系统", "transport", "综合交通运输运行监测系统", Relation.BUILD),
]


def _fields(spec: str) -> dict:
    name, status, network, mlps, flags, purpose, data = spec.split("|")
    return {
        "name": name, "purpose": purpose, "data_resources": data, "status": STATUS[status],
        "network": NETWORK[network], "mlps_level": None if mlps == "-" else int(mlps),
        "on_government_cloud": "c" in flags, "is_classified": "x" in flags,
        "connected_to_sharing_platform": "s" in flags, "connected_to_service_platform": "g" in flags,
        "connected_to_unified_office_platform": "o" in flags,
    }


@transaction.atomic
def build():
    edu = User.objects.get(username="edu")
    for spec in CATALOGUES["SC-U01"]:
        fields = _fields(spec)
        retire = fields["status"] == SystemStatus.RETIRED
        if retire:
            fields["status"] = SystemStatus.RUNNING
        system = services.system_create(actor=edu, **fields)
        if retire:
            services.system_retire(actor=edu, system_id=system.pk)

    now = timezone.now()
    for code, specs in CATALOGUES.items():
        if code == "SC-U01":
            continue
        unit = Organisation.objects.get(code=code)
        codes = services.reserve_codes(unit, len(specs))
        systems = []
        for system_code, spec in zip(codes, specs, strict=True):
            system = InformationSystem(unit=unit, code=system_code, **_fields(spec))
            if system.status == SystemStatus.RETIRED:
                system.retired_at = now
            systems.append(system)
        InformationSystem.objects.bulk_create(systems)
    for project_name, username, system_name, relation in PROJECT_LINKS:
        user = User.objects.get(username=username)
        project = Project.objects.filter(name=project_name, unit=user.organisation, stage=Stage.DRAFT).first()
        if project is None:
            continue
        system = InformationSystem.objects.get(unit=user.organisation, name=system_name)
        services.link_project_system(actor=user, project_id=project.pk, system_id=system.pk, relation=relation)
