"""Demo province: ~60 provincial departments, the 21 cities' units, reviewers for every body, and demo users."""

from django.db import transaction

from .models import Jurisdiction, Organisation, OrgKind, Role, RoleAssignment, User
from .seed import CITIES, seed_reference

DEMO_PASSWORD = "Sc-Demo-2026!zw"

DEPARTMENTS = [
    "教育厅", "科学技术厅", "民族宗教事务委员会", "民政厅", "司法厅", "人力资源和社会保障厅", "自然资源厅",
    "生态环境厅", "住房和城乡建设厅", "交通运输厅", "水利厅", "农业农村厅", "商务厅", "文化和旅游厅",
    "卫生健康委员会", "退役军人事务厅", "应急管理厅", "外事办公室", "国有资产监督管理委员会", "市场监督管理局",
    "广播电视局", "体育局", "统计局", "医疗保障局", "林业和草原局", "粮食和物资储备局", "机关事务管理局",
    "乡村振兴局", "地方金融监督管理局", "经济合作局", "药品监督管理局", "信访局", "人民防空办公室",
    "国防科技工业办公室", "档案馆", "文物局", "监狱管理局", "戒毒管理局", "中医药管理局", "能源局",
    "政务服务和公共资源交易服务中心", "社会科学院", "农业科学院", "地震局", "气象局", "测绘地理信息局",
    "住房公积金管理中心", "社会保险事业管理局", "就业服务管理局", "知识产权服务促进中心", "残疾人联合会",
    "总工会", "妇女联合会", "科学技术协会", "供销合作社联合社", "红十字会", "地质调查院", "水文水资源勘测中心",
    "公共资源交易中心",
]

# username, organisation code, roles, full name — the demo users printed by the run command.
BODY_USERS = [
    ("leader", "SC-leading_group", [Role.REVIEWER], "领导小组 王组长"),
    ("office", "SC-leading_group_office", [Role.REVIEWER], "办公厅 李处长"),
    ("drc", "SC-drc", [Role.REVIEWER], "发改委 张处长"),
    ("finance", "SC-finance", [Role.REVIEWER], "财政厅 刘处长"),
    ("bdc", "SC-big_data_center", [Role.REVIEWER], "大数据中心 陈工"),
    ("cyber", "SC-cyberspace_office", [Role.REVIEWER], "网信办 赵处长"),
    ("secrecy", "SC-secrecy_bureau", [Role.REVIEWER], "保密局 孙处长"),
    ("crypto", "SC-cryptography_bureau", [Role.REVIEWER], "密码管理局 周处长"),
    ("econ", "SC-economy_it_department", [Role.REVIEWER], "经信厅 吴处长"),
    ("police", "SC-public_security", [Role.REVIEWER], "公安厅 郑处长"),
    ("auditor", "SC-audit_office", [Role.AUDITOR], "审计厅 冯审计"),
    ("sysadmin", "SC-big_data_center", [Role.SYSTEM_ADMIN], "系统管理员"),
    ("secadmin", "SC-big_data_center", [Role.SECURITY_ADMIN], "安全管理员"),
    ("auditadmin", "SC-audit_office", [Role.AUDIT_ADMIN], "审计管理员"),
]
UNIT_USERS = [
    ("edu", "SC-U01", [Role.FILER], "教育厅 信息中心 林工"),
    ("edu_head", "SC-U01", [Role.UNIT_HEAD], "教育厅 主要负责人"),
    ("health", "SC-U15", [Role.FILER], "卫生健康委 信息中心 何工"),
    ("transport", "SC-U10", [Role.FILER], "交通运输厅 科信处 马工"),
    ("chengdu", "CITY-510100", [Role.FILER], "成都市 大数据中心 罗工"),
]


def demo_users() -> list[tuple[str, str, str]]:
    return [(u, full, "、".join(Role(r).label for r in roles)) for u, _, roles, full in BODY_USERS + UNIT_USERS]


@transaction.atomic
def build_organisations_and_users():
    seed_reference(Jurisdiction, Organisation)
    province = Jurisdiction.objects.get(code="510000")
    for i, name in enumerate(DEPARTMENTS, start=1):
        Organisation.objects.get_or_create(code=f"SC-U{i:02d}", defaults={
            "name": f"四川省{name}", "short_name": name, "kind": OrgKind.PROJECT_UNIT, "jurisdiction": province})
    for code, name in CITIES:
        Organisation.objects.get_or_create(code=f"CITY-{code}", defaults={
            "name": f"{name}大数据中心", "short_name": name, "kind": OrgKind.CITY_PROJECT_UNIT,
            "jurisdiction": Jurisdiction.objects.get(code=code)})
    for username, org_code, roles, full_name in BODY_USERS + UNIT_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={
            "organisation": Organisation.objects.get(code=org_code), "full_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        for role in roles:
            RoleAssignment.objects.get_or_create(user=user, role=role)
    # The system administrator manages jurisdictions, organisations and users in the admin site,
    # with permissions on those models only (not the audit trail: 三权分立).
    from django.contrib.auth.models import Permission

    sysadmin = User.objects.get(username="sysadmin")
    sysadmin.is_staff = True
    sysadmin.save(update_fields=["is_staff"])
    sysadmin.user_permissions.set(Permission.objects.filter(
        content_type__app_label="accounts", content_type__model__in=["jurisdiction", "organisation", "user",
                                                                   "roleassignment"]))


def app_demo_builders():
    """(app label, its ``demo`` module) for every installed app of the platform that has one, in INSTALLED_APPS
    order, which is the lifecycle's: ``seed_demo`` runs their ``build()`` after the organisations and users."""
    import importlib

    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        if "." in app or app == "accounts":
            continue
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        yield app, module
