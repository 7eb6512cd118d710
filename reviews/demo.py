"""Demo review and approval through the real services.

The declarations demo leaves next year's projects submitted: here two review bodies record their
conclusions on them, so the office's queue shows a review in progress. A year earlier, the platform's
own demo projects (created here and submitted directly through projects.services) have gone through
the whole centralized review: the annual list is fixed, one project is approved (two-stage), one is
under approval with some opinions in (merged plan at the limit), one is listed with a draft service
requirements plan, and one was left off the list.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import OrgKind, User
from projects import services as project_services
from projects.models import DeliveryMode, Project, Stage

from . import services
from .models import ApprovalPath

# The demo users of each body (accounts/demo.py).
BODY_USERS = {
    OrgKind.LEADING_GROUP_OFFICE: "office", OrgKind.DRC: "drc", OrgKind.FINANCE: "finance",
    OrgKind.BIG_DATA_CENTER: "bdc", OrgKind.CYBERSPACE_OFFICE: "cyber", OrgKind.SECRECY_BUREAU: "secrecy",
    OrgKind.CRYPTOGRAPHY_BUREAU: "crypto", OrgKind.ECONOMY_IT_DEPARTMENT: "econ", OrgKind.PUBLIC_SECURITY: "police",
}
# Bodies that answer first while the project under approval waits for the others.
EARLY_ANSWERS = (OrgKind.CYBERSPACE_OFFICE, OrgKind.FINANCE, OrgKind.BIG_DATA_CENTER, OrgKind.ECONOMY_IT_DEPARTMENT)
# (user, name, delivery mode, total investment, where it ends)
DEMO_PROJECTS = [
    ("health", "全省卫生健康综合监督执法系统", DeliveryMode.SELF_BUILT, "32000000.00", Stage.APPROVED),
    ("transport", "综合交通出行信息服务系统", DeliveryMode.SELF_BUILT, "20000000.00", Stage.UNDER_APPROVAL),
    ("edu", "全省教育考试考务数据分析服务", DeliveryMode.PURCHASED_SERVICE, "3600000.00", Stage.LISTED),
    ("edu", "教育系统视频会议系统", DeliveryMode.SELF_BUILT, "2000000.00", Stage.NOT_LISTED),
]
LEFT_OFF_REASON = "可使用全省统建的视频会议系统替代，不予列入（第八条）。"
SERVICE_PLAN = {
    "necessity_analysis": "考务数据分析集中在每年几次考试前后，需求波动大，自建资源利用率低。",
    "technical_analysis": "服务商在省级政务云上提供分析服务，数据不出政务云。",
    "economic_analysis": "按年购买服务，免去一次性硬件和软件投入。",
    "sharing_analysis": "分析结果通过数据共享交换平台向各部门共享。",
    "security_requirements": "按等保第三级要求，服务商人员须签订保密协议。",
    "build_vs_buy_comparison": "五年期购买服务费用低于自建和运维经费总额约 20%。",
    "funding_needs": "每年服务费按合同支付，列入部门预算。",
    "procurement_plan": "采用公开招标方式采购服务。",
    "main_objectives": "每次考试后 10 个工作日内形成全省考务数据分析报告。",
    "service_requirements": "考务数据清洗、指标计算、风险预警、报告编制和专题分析服务。",
}


def _user(kind: str) -> User:
    return User.objects.get(username=BODY_USERS[kind])


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _submit_directly(project: Project) -> Project:
    from declarations.services import materials_update

    # The information resource catalogue (第二十条) is what approval needs of the declaration here.
    materials_update(actor=project.created_by, project_id=project.pk, expected_version=0,
                     information_resource_catalogue=f"{project.name}：办件信息、证照信息、统计信息等信息资源。")
    with transaction.atomic():
        return project_services.transition_project(actor=project.created_by, project_id=project.pk,
                                                   transition="submit", action="declaration.submitted")


def _review(project: Project, kinds, *, conditional=()) -> None:
    for kind in kinds:
        services.conclusion_record(actor=_user(kind), project_id=project.pk,
                                   conclusion="agree_with_conditions" if kind in conditional else "agree",
                                   text="运行维护经费另行按程序申报。" if kind in conditional else "")


def _application_data(project: Project) -> dict:
    if project.delivery_mode == DeliveryMode.PURCHASED_SERVICE:
        total = project.total_investment
        om = _money(total / 10)
        fee = _money(total * Decimal("1.5") * Decimal("0.8") / 5)
        return {"path": ApprovalPath.PURCHASED_SERVICE, "has_integration_sharing_chapter": True, **SERVICE_PLAN,
                "summary": "购买数据分析服务", "potential_providers": 4, "meets_security_secrecy_requirements": True,
                "service_life_years": 5, "annual_service_fees": [str(fee)] * 5, "construction_cost": total,
                "annual_om_costs": [str(om)] * 5}
    return {"path": ApprovalPath.MERGED, "has_integration_sharing_chapter": True, "depth_requirements_met": True,
            "summary": f"{project.name}：应用系统、数据资源和安全保障建设，部署于省级政务云。"}


def _prepare(project: Project):
    """Save the application; a self-built project beyond the merged-plan limit goes the two-stage path."""
    actor = project.created_by
    application, findings = services.application_save(actor=actor, project_id=project.pk,
                                                      data=_application_data(project))
    merged = next((f for f in findings if f.rule == "merged_plan_eligible"), None)
    if merged is not None and merged.blocks:
        application, _ = services.application_save(actor=actor, project_id=project.pk,
                                                   data={"path": ApprovalPath.TWO_STAGE})
    return application


def _to_under_approval(project: Project, answering) -> None:
    application = _prepare(project)
    services.approval_submit(actor=project.created_by, project_id=project.pk)
    drc = _user(OrgKind.DRC)
    if application.path == ApprovalPath.TWO_STAGE:
        services.feasibility_approve(actor=drc, project_id=project.pk, approved_investment=project.total_investment)
        services.preliminary_design_submit(actor=project.created_by, project_id=project.pk,
                                           budget_estimate=project.total_investment,
                                           has_integration_sharing_chapter=True)
    for opinion in services.opinions_request(actor=drc, project_id=project.pk):
        if opinion.body.kind not in answering or opinion.body.kind not in BODY_USERS:
            continue
        if opinion.body.kind == OrgKind.CRYPTOGRAPHY_BUREAU:
            services.opinion_answer(actor=_user(opinion.body.kind), opinion_id=opinion.pk,
                                    answer="agree_with_conditions", text="上线前须完成密码应用安全性评估。")
        else:
            services.opinion_answer(actor=_user(opinion.body.kind), opinion_id=opinion.pk, answer="agree")


def _to_approved(project: Project) -> None:
    _to_under_approval(project, answering=tuple(BODY_USERS))
    drc = _user(OrgKind.DRC)
    services.evaluation_record(actor=drc, project_id=project.pk, evaluator_kind="third_party",
                               evaluator="四川省工程咨询研究院", conclusion="agree", text="建设方案可行，投资估算合理。",
                               evaluated_on=timezone.localdate())
    services.approve(actor=drc, project_id=project.pk, approved_total_investment=_money(project.total_investment
                                                                                         * Decimal("0.95")),
                     approved_content=f"{project.name}：应用系统、数据资源和安全保障建设。",
                     funding_sources="省级预算内基本建设资金", construction_months=18)


REVIEW_BODIES = (OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.FINANCE, OrgKind.BIG_DATA_CENTER)


@transaction.atomic
def build():
    office = _user(OrgKind.LEADING_GROUP_OFFICE)
    # Next year's declarations: a centralized review in progress (the office still awaits two bodies).
    waiting = list(Project.objects.filter(stage=Stage.SUBMITTED).order_by("number"))
    for project in waiting:
        _review(project, (OrgKind.DRC, OrgKind.FINANCE), conditional=(OrgKind.FINANCE,))
    next_year = min((p.year for p in waiting), default=timezone.localdate().year + 1)
    year = next_year - 1

    projects = []
    for username, name, mode, amount, target in DEMO_PROJECTS:
        project = project_services.project_create(actor=User.objects.get(username=username), name=name, year=year,
                                                  delivery_mode=mode, total_investment=Decimal(amount))
        project = _submit_directly(project)
        _review(project, REVIEW_BODIES, conditional=(OrgKind.FINANCE,) if target == Stage.APPROVED else ())
        if target == Stage.NOT_LISTED:
            services.annual_list_leave_off(actor=office, project_id=project.pk, reason=LEFT_OFF_REASON)
        else:
            services.annual_list_put_on(actor=office, project_id=project.pk)
        projects.append((project, target))
    services.annual_list_fix(actor=office, year=year)

    for project, target in projects:
        if target == Stage.APPROVED:
            _to_approved(project)
        elif target == Stage.UNDER_APPROVAL:
            _to_under_approval(project, answering=EARLY_ANSWERS)
        elif target == Stage.LISTED:
            _prepare(project)  # a draft application, not yet submitted
