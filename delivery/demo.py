"""Demo construction, changes, suspension, termination, trial run and acceptance, through the real services.

reviews/demo.py leaves one project approved. Here the 教育厅 (the demo unit with a 项目单位负责人, who is
the project's responsible person under 第二十六条) has a year of older projects, reviewed, listed and
approved through the reviews services with approval dates in the past, and then built through the
delivery services, so the demo holds a project in every stage after approval:
建设中, 试运行, 已申请验收, 已验收 (a self-built project accepted by the DRC and a purchased service
accepted by the unit and reviewed by the DRC), 已暂停 and 已终止. funding/demo.py adds the money.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrgKind, User
from projects import services as project_services
from projects.models import DeliveryMode, Project, Stage
from reviews import services as review_services
from reviews.models import AnnualProjectList
from rules.ch04_construction import required_acceptance_materials

from . import services

UNIT_FILER = "edu"
RESPONSIBLE = "edu_head"  # the 教育厅's 项目单位负责人 (accounts/demo.py)
CONSTRUCTION_MONTHS = 18

# name, delivery mode, total investment, stage it ends in, approved this many months ago
DEMO_PROJECTS = [
    ("教育政务服务一体化平台（二期）", DeliveryMode.SELF_BUILT, "12000000.00", Stage.IN_CONSTRUCTION, 6),
    ("教育统计数据采集系统", DeliveryMode.SELF_BUILT, "6000000.00", Stage.TRIAL_RUN, 14),
    ("学校安全风险监测预警系统", DeliveryMode.SELF_BUILT, "8000000.00", Stage.ACCEPTANCE_APPLIED, 16),
    ("教育资源公共服务平台", DeliveryMode.SELF_BUILT, "15000000.00", Stage.ACCEPTED, 16),
    ("高校毕业生就业监测分析服务", DeliveryMode.PURCHASED_SERVICE, "3000000.00", Stage.ACCEPTED, 16),
    ("教育装备管理信息系统", DeliveryMode.SELF_BUILT, "5000000.00", Stage.SUSPENDED, 8),
    ("民办教育机构监管系统", DeliveryMode.SELF_BUILT, "4000000.00", Stage.TERMINATED, 9),
]
SECURITY_PASSED = {"secure_reliable_statement": True, "mlps_test": "passed", "data_security_assessment": "passed",
                   "cryptography_assessment": "passed", "new_data_centre": False}
# A minimal one-page PDF for the archive (the upload check wants the PDF signature).
ARCHIVE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def months_ago(today: date, months: int) -> date:
    """The same day ``months`` months earlier (the 28th where a shorter month has no such day)."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, min(today.day, 28))


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _approve_older_projects(today: date) -> list[tuple[Project, str, int]]:
    """A year before the reviews demo's: declared, reviewed, listed, and approved on dates in the past."""
    from reviews.demo import BODY_USERS, REVIEW_BODIES, _review, _submit_directly, _to_under_approval

    fixed = AnnualProjectList.objects.order_by("year").values_list("year", flat=True).first()
    year = (fixed or today.year) - 1
    filer, office, drc = _user(UNIT_FILER), _user(BODY_USERS[OrgKind.LEADING_GROUP_OFFICE]), _user(
        BODY_USERS[OrgKind.DRC])
    created = []
    for name, mode, amount, target, months in DEMO_PROJECTS:
        project = project_services.project_create(actor=filer, name=name, year=year, delivery_mode=mode,
                                                  total_investment=Decimal(amount))
        project = _submit_directly(project)
        _review(project, REVIEW_BODIES)
        review_services.annual_list_put_on(actor=office, project_id=project.pk)
        created.append((project, target, months))
    review_services.annual_list_fix(actor=office, year=year)
    for project, _, months in created:
        approved_on = months_ago(today, months)
        _to_under_approval(project, answering=tuple(BODY_USERS))
        review_services.evaluation_record(actor=drc, project_id=project.pk, evaluator_kind="third_party",
                                          evaluator="四川省工程咨询研究院", conclusion="agree",
                                          text="建设方案可行，投资估算合理。", evaluated_on=approved_on)
        review_services.approve(actor=drc, project_id=project.pk,
                                approved_total_investment=(project.total_investment * Decimal("0.95")).quantize(
                                    Decimal("0.01")),
                                approved_content=f"{project.name}：应用系统、数据资源和安全保障建设。",
                                funding_sources="省级预算内基本建设资金" if project.delivery_mode == DeliveryMode.SELF_BUILT
                                else "财政预算资金（政府购买服务）",
                                construction_months=CONSTRUCTION_MONTHS, approval_date=approved_on)
    return [(Project.objects.get(pk=p.pk), target, months) for p, target, months in created]


def _start(project: Project, today: date, months: int) -> None:
    filer = _user(UNIT_FILER)
    started_on = months_ago(today, months - 1)
    services.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="四川省政务工程监理有限公司",
                          amount=(project.approved_total_investment * Decimal("0.02")).quantize(Decimal("0.01")),
                          signed_on=started_on)
    services.start_construction(actor=filer, project_id=project.pk, responsible_person=_user(RESPONSIBLE).display_name,
                                supervision_contractor="四川省政务工程监理有限公司", started_on=started_on)
    services.archive_add(actor=filer, project_id=project.pk, category="supervision", title="工程监理合同",
                         reference=f"JL-{project.number}", dated=started_on, name="工程监理合同.pdf",
                         size=len(ARCHIVE_PDF), fileobj=io.BytesIO(ARCHIVE_PDF))


def _to_acceptance(project: Project, today: date) -> None:
    filer = _user(UNIT_FILER)
    services.start_trial_run(actor=filer, project_id=project.pk, started_on=months_ago(today, 4))
    purchased = project.delivery_mode == DeliveryMode.PURCHASED_SERVICE
    materials = [str(m) for m in required_acceptance_materials(project.delivery_mode, False)]
    services.apply_for_acceptance(
        actor=filer, project_id=project.pk, materials=materials, security=SECURITY_PASSED,
        unit_accepted_on=today if purchased else None,
        unit_result="项目单位组织专家验收：服务内容和服务质量达到合同约定，验收合格。" if purchased else "")


def _accept(project: Project) -> None:
    drc, filer, office = _user("drc"), _user(UNIT_FILER), _user("office")
    purchased = project.delivery_mode == DeliveryMode.PURCHASED_SERVICE
    application = services.acceptance_decide(
        actor=drc, project_id=project.pk, passed=True,
        opinion="经审核，项目单位组织的验收程序规范，同意验收结果。" if purchased
        else "项目完成批复建设内容，试运行正常，验收资料齐全，同意通过竣工验收。")
    filing = services.acceptance_file(actor=filer, project_id=project.pk,
                                      summary=f"项目验收合格（{application.opinion_number}）。")
    if not purchased:
        services.acceptance_filing_register(actor=office, filing_id=filing.pk)


def _in_construction_extras(project: Project) -> None:
    filer = _user(UNIT_FILER)
    partner = Organisation.objects.get(code="SC-U15")  # 卫生健康委员会
    row = services.participant_add(actor=filer, project_id=project.pk, department_id=partner.pk,
                                   scope="学生健康监测数据接口和校医院业务模块",
                                   responsibilities="按统一标准提供学生健康数据，负责所建模块的运行维护")
    services.participant_progress(actor=filer, participant_id=row.pk, progress_percent=Decimal("40.00"),
                                  note="数据接口已完成联调")
    total = project.approved_total_investment
    services.change_file(actor=filer, project_id=project.pk, reasons=["optimisation"],
                         content="将部分功能由自建改为调用省级共性平台", amount_moved=(total * Decimal("0.05")).quantize(
                             Decimal("0.01")), total_investment_after=total, goals_unchanged=True)
    services.change_file(actor=filer, project_id=project.pk, reasons=["business_needs"],
                         content="新增“双减”监管模块并调整建设进度", amount_moved=(total * Decimal("0.20")).quantize(
                             Decimal("0.01")), total_investment_after=total, goals_unchanged=True)


def _suspend(project: Project) -> None:
    filer, drc = _user(UNIT_FILER), _user("drc")
    report = services.trouble_report(actor=filer, project_id=project.pk, serious_delay=True, major_loss=False,
                                     description="主要承建单位人员变动，建设进度滞后计划 5 个月。")
    services.trouble_respond(actor=drc, report_id=report.pk, suspend=True,
                             note="暂停项目建设，项目单位提出整改方案后再申请恢复。")


def _terminate(project: Project) -> None:
    filer, drc, leader = _user(UNIT_FILER), _user("drc"), _user("leader")
    request = services.termination_request(
        actor=filer, project_id=project.pk, substantive_progress=True, cause="external_change",
        overall_goal_unattainable=True, explanation="民办教育监管职能调整，原定总体目标无法完成。")
    services.termination_report(actor=drc, request_id=request.pk, note="情况属实，建议终止。")
    services.termination_decide(actor=leader, request_id=request.pk, approve=True, note="同意终止项目建设。")


@transaction.atomic
def build():
    today = timezone.localdate()
    for project, target, months in _approve_older_projects(today):
        _start(project, today, months)
        if target == Stage.IN_CONSTRUCTION:
            _in_construction_extras(project)
        elif target == Stage.SUSPENDED:
            _suspend(project)
        elif target == Stage.TERMINATED:
            _terminate(project)
        elif target in (Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED):
            _to_acceptance(project, today)
            if target == Stage.ACCEPTED:
                _accept(project)
        elif target == Stage.TRIAL_RUN:
            services.start_trial_run(actor=_user(UNIT_FILER), project_id=project.pk, started_on=months_ago(today, 1))
