"""Dashboard endpoints (/api/v1/dashboards): the province figures, the unit figures, and the public feed."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from api.schemas import Error
from projects.selectors import can_see_portfolio

from . import feed, snapshots

router = Router(tags=["dashboards"])


class StageYearOut(Schema):
    stage: str
    year: int
    n: int


class UnitMoneyOut(Schema):
    unit_id: int
    unit: str
    n: int
    declared: Decimal
    approved: Decimal


class OpinionTimesOut(Schema):
    body: str
    requested: int
    answered: int
    average_days: float | None
    max_days: int | None


class LeadTimesOut(Schema):
    n: int
    average_days: float | None
    min_days: int | None
    max_days: int | None


class ProvinceOut(Schema):
    today: date
    computed_at: datetime
    total: int
    stage_year: list[StageYearOut]
    by_unit: list[UnitMoneyOut]
    approval_lead_times: LeadTimesOut
    opinions: list[OpinionTimesOut]
    acceptance_overdue: list[str]
    rectifications_open: int
    units_under_sanction: list[str]


@router.get("/province", response={200: ProvinceOut, 403: Error})
def province(request):
    """省级看板：阶段与年度、投资、审批用时、逾期验收、未完成整改、受限制措施的单位（数据截至 computed_at）。"""
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有领导小组办公室、省发展改革委、财政厅等审核部门和审计人员可以查看省级看板")
    shown = snapshots.province_for(request.user)  # the page's stored figures (dashboards.snapshots)
    data = shown.figures
    lead = data["lead_summary"]
    return {
        "today": shown.today, "computed_at": shown.computed_at, "total": data["total"], "stage_year": data["stage_year"],
        "by_unit": [{"unit_id": r["unit_id"], "unit": r["unit__name"], "n": r["n"], "declared": r["declared"],
                     "approved": r["approved"]} for r in data["by_unit"]],
        "approval_lead_times": {"n": lead["n"], "average_days": lead["avg"], "min_days": lead["min"],
                                "max_days": lead["max"]},
        "opinions": [{"body": o["body"], "requested": o["requested"], "answered": o["answered"],
                      "average_days": o["summary"]["avg"], "max_days": o["summary"]["max"]} for o in data["opinions"]],
        "acceptance_overdue": [a["number"] for a in data["acceptance_overdue"]],
        "rectifications_open": sum(r["n"] for r in data["rectifications"]),
        "units_under_sanction": [s["unit"] for s in data["sanctions"]],
    }


@router.get("/public-projects", auth=None, response=list[dict])
def public_projects(request):
    """政务公开：已批复及以后阶段的项目，仅含领导小组办公室选定的字段。无需登录。"""
    return feed.published_projects()
