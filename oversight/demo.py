"""Demo oversight through the real services: a monitoring report, an overdue rectification escalated one
step (通报批评), information resources (one marked as a state secret) and a unit sanctioned under 第三十三条
for the next year. Runs after the delivery and funding demos (seed_demo follows INSTALLED_APPS)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from projects import services as project_services
from projects.models import Project, Stage

from . import services


def _project_in_construction() -> Project | None:
    project = Project.objects.filter(stage=Stage.IN_CONSTRUCTION).order_by("pk").first()
    if project is not None:
        return project
    project = Project.objects.filter(stage=Stage.APPROVED).order_by("pk").first()
    if project is None:
        return None
    with transaction.atomic():
        project_services.transition_project(actor=project.created_by, project_id=project.pk,
                                            transition="start_construction", action="delivery.construction_started")
    project.refresh_from_db()
    return project


@transaction.atomic
def build():
    project = _project_in_construction()
    if project is None:
        return
    filer = project.created_by
    today = project_services.today()
    total = project.approved_total_investment or project.total_investment
    services.monitoring_report_submit(
        actor=filer, project_id=project.pk, year=today.year, planned_progress_percent=Decimal("40.00"),
        actual_progress_percent=Decimal("30.00"), planned_spend=(total * Decimal("0.40")).quantize(Decimal("0.01")),
        actual_spend=(total * Decimal("0.38")).quantize(Decimal("0.01")),
        progress="已完成需求分析和总体设计，应用系统开发完成约三成。", budget_execution="资金按合同节点支付，设备采购款尚未支付。",
        using_unit_opinion="同意报告内容，希望加快业务系统上线。", supervision_opinion="进度滞后约一个月，建议增加开发力量。")

    office = User.objects.get(username="office")
    finding = services.supervision_finding_record(
        actor=office, project_id=project.pk, area="schedule", ordered_on=today - timedelta(days=45),
        description="工程进度滞后计划，未按批复的建设周期推进。", requirement="制定赶工计划并报送整改情况。")
    services.escalate(actor=office, rectification_id=finding.rectification.pk,
                      decision="逾期未报送整改情况，予以通报批评。")

    services.resource_add(actor=filer, project_id=project.pk, name="执法检查记录", sharing_type="unconditional",
                          on_exchange_platform=True, in_public_catalogue=True)
    services.resource_add(actor=filer, project_id=project.pk, name="涉密执法案件档案", sharing_type="not_shared",
                          legal_basis="《中华人民共和国保守国家秘密法》", state_secret=True)
    services.sharing_violation_record(actor=User.objects.get(username="bdc"), project_id=project.pk,
                                      year=today.year, failed_to_share=True,
                                      description="执法检查记录未按信息资源目录向共享交换平台提供。")
