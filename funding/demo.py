"""Demo money and procurement through the real services (runs after delivery/demo.py).

The accepted self-built 教育资源公共服务平台 has its funding sources, three payments, an open tender
evaluated by comprehensive scoring, final accounts with a surplus partly returned (so finance sees the
rest outstanding, 第三十六条第二款), an O&M service procurement over three years with the first yearly
contract (第四十二条) and its first O&M budget declaration waiting for finance (第三十七条、第三十八条).
The project in construction has its sources and a first payment; the purchased service its budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from delivery.demo import months_ago
from projects.models import Project

from . import services

D = Decimal
CENT = D("0.01")


def _share(total: Decimal, ratio: str) -> Decimal:
    return (total * D(ratio)).quantize(CENT)


def _accepted_project(user: User, project: Project, today: date) -> None:
    pid, total = project.pk, project.approved_total_investment
    services.funding_source_add(actor=user, project_id=pid, kind="capital_construction", amount=_share(total, "0.8"),
                                note="省级预算内基本建设资金")
    services.funding_source_add(actor=user, project_id=pid, kind="central_special", amount=total - _share(total, "0.8"),
                                note="中央预算内投资补助")
    for i, (months, ratio, purpose) in enumerate(((14, "0.30", "预付款：应用系统开发"),
                                                 (8, "0.40", "进度款：软硬件设备到货"),
                                                 (3, "0.22", "结算款：系统集成和安全测评")), start=1):
        services.disbursement_add(actor=user, project_id=pid, paid_on=months_ago(today, months),
                                  amount=_share(total, ratio), purpose=purpose, voucher_no=f"GK-{project.number}-{i}")

    tender = services.procurement_create(
        actor=user, project_id=pid, title="教育资源公共服务平台软硬件采购", budget=_share(total, "0.6"),
        method="open_tender", category="goods", scoring_method="comprehensive", price_weight=D("30"),
        criteria=[{"name": "技术", "weight": D("50")}, {"name": "商务", "weight": D("20")}])
    for bidder, ratio, tech, business in (("四川蜀信科技有限公司", "0.52", "88", "90"),
                                          ("成都天府数智有限公司", "0.55", "92", "85"),
                                          ("西部云联信息技术有限公司", "0.58", "80", "95")):
        services.bid_add(actor=user, procurement_id=tender.pk, bidder=bidder, price=_share(total, ratio),
                         scores={"技术": D(tech), "商务": D(business)})
    services.procurement_evaluate(actor=user, procurement_id=tender.pk)

    services.final_accounts_record(actor=user, project_id=pid, settled_on=today)
    surplus = total - _share(total, "0.30") - _share(total, "0.40") - _share(total, "0.22")
    services.surplus_return_add(actor=user, project_id=pid, returned_on=today, amount=_share(surplus, "0.5"),
                                voucher_no=f"TH-{project.number}-1")

    first = date(today.year + 1, 1, 1)
    om = services.procurement_create(
        actor=user, project_id=pid, title="教育资源公共服务平台运行维护服务（三年）", budget=D("1800000.00"),
        method="open_tender", category="services", scoring_method="comprehensive", price_weight=D("10"),
        criteria=[{"name": "服务方案", "weight": D("60")}, {"name": "团队能力", "weight": D("30")}], om_service=True,
        service_first_day=first, service_last_day=date(first.year + 2, 12, 31))
    services.om_contract_add(actor=user, procurement_id=om.pk, first_day=first, last_day=date(first.year, 12, 31),
                             amount=D("600000.00"))
    services.om_declaration_submit(actor=user, project_id=pid, round="new", service_ends_on=date(today.year + 1, 6, 30),
                                   amount=D("600000.00"))


@transaction.atomic
def build():
    from delivery.demo import UNIT_FILER

    today = timezone.localdate()
    user = User.objects.get(username=UNIT_FILER)
    projects = {p.name: p for p in Project.objects.filter(unit=user.organisation)}
    if "教育资源公共服务平台" in projects:
        _accepted_project(user, projects["教育资源公共服务平台"], today)
    building = projects.get("教育政务服务一体化平台（二期）")
    if building is not None:
        services.funding_source_add(actor=user, project_id=building.pk, kind="capital_construction",
                                    amount=building.approved_total_investment, note="省级预算内基本建设资金")
        services.disbursement_add(actor=user, project_id=building.pk, paid_on=months_ago(today, 4),
                                  amount=_share(building.approved_total_investment, "0.30"), purpose="预付款",
                                  voucher_no=f"GK-{building.number}-1")
    service = projects.get("高校毕业生就业监测分析服务")
    if service is not None:
        services.funding_source_add(actor=user, project_id=service.pk, kind="finance_budget",
                                    amount=service.approved_total_investment, note="财政厅统筹保障（第三十五条）")
