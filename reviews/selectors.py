"""Reads for review and approval. Projects are fetched only through projects.selectors."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from accounts.models import OrgKind, Role
from policy.parameters import BODY_KINDS
from projects.models import DeliveryMode, Project, Stage
from projects.selectors import visible_projects
from projects.services import profile_for

from .models import AnnualProjectList, OpinionRequest, ReviewConclusion

# The annual list of a year: its projects in stage “listed” and every later stage (第十七条).
LISTED_OR_LATER = tuple(s for s in Stage.values if s not in (Stage.DRAFT, Stage.SUBMITTED, Stage.NOT_LISTED))


def annual_list_for(year: int) -> AnnualProjectList | None:
    return AnnualProjectList.objects.filter(year=year).first()


def reviewed_body_kinds(project: Project) -> set[str]:
    return set(ReviewConclusion.objects.filter(project=project, is_current=True).values_list("body__kind", flat=True))


def current_conclusions(project: Project) -> list[ReviewConclusion]:
    return list(ReviewConclusion.objects.filter(project=project, is_current=True).select_related("body", "by"))


def centralized_review_table(project: Project) -> list[dict]:
    """One row per body of the profile's centralized review, with its conclusion or None."""
    by_kind = {c.body.kind: c for c in current_conclusions(project)}
    bodies = profile_for(project).value("centralized_review.bodies")
    return [{"kind": kind, "label": BODY_KINDS[kind], "conclusion": by_kind.get(kind)} for kind in bodies]


def _bodies_by_jurisdiction(projects) -> dict[str, tuple[str, ...]]:
    cache: dict[str, tuple[str, ...]] = {}
    for project in projects:
        code = project.unit.jurisdiction.code
        if code not in cache:
            cache[code] = tuple(profile_for(project).value("centralized_review.bodies"))
    return cache


def centralized_review_queue(user) -> list[dict]:
    """Submitted projects awaiting the user's body's conclusion (or the office's decision) (第十七条)."""
    if not user.has_role(Role.REVIEWER):
        return []
    projects = list(visible_projects(user).filter(stage=Stage.SUBMITTED).select_related("unit__jurisdiction")
                    .order_by("year", "number")[:500])
    bodies = _bodies_by_jurisdiction(projects)
    mine = dict(ReviewConclusion.objects.filter(project__in=projects, body_id=user.organisation_id, is_current=True)
                .values_list("project_id", "conclusion"))
    counts = dict(ReviewConclusion.objects.filter(project__in=projects, is_current=True).values("project_id")
                  .annotate(n=Count("id")).values_list("project_id", "n"))
    rows = []
    for project in projects:
        kinds = bodies[project.unit.jurisdiction.code]
        if user.org_kind not in kinds:
            continue
        rows.append({"project": project, "mine": mine.get(project.pk), "done": counts.get(project.pk, 0),
                     "of": len(kinds)})
    return rows


def approval_queue(user) -> QuerySet[Project]:
    """For the DRC: projects under approval, with how many opinions are in."""
    if not (user.has_role(Role.REVIEWER) and user.org_kind == OrgKind.DRC):
        return Project.objects.none()
    return (visible_projects(user).filter(stage=Stage.UNDER_APPROVAL).select_related("approval_application")
            .annotate(requested=Count("opinion_requests"),
                      answered=Count("opinion_requests", filter=Q(opinion_requests__answered_at__isnull=False)))
            .order_by("year", "number"))


def opinion_queue(user, *, pending_only: bool = False) -> QuerySet[OpinionRequest]:
    """The opinion requests addressed to the user's body (第二十二条), oldest due first."""
    if not user.has_role(Role.REVIEWER) or user.organisation_id is None:
        return OpinionRequest.objects.none()
    qs = OpinionRequest.objects.filter(body_id=user.organisation_id).select_related("project__unit", "body")
    if pending_only:
        qs = qs.filter(answered_at__isnull=True, project__stage=Stage.UNDER_APPROVAL)
    return qs.order_by("answered_at", "due_date", "pk")


def annual_list_projects(user, year: int) -> QuerySet[Project]:
    return (visible_projects(user).filter(year=year, stage__in=LISTED_OR_LATER)
            .select_related("unit").order_by("unit__code", "number"))


def annual_list_years(user) -> list[int]:
    listed = set(visible_projects(user).filter(stage__in=LISTED_OR_LATER).values_list("year", flat=True))
    fixed = set(AnnualProjectList.objects.values_list("year", flat=True))
    return sorted(listed | fixed, reverse=True)


def annual_list_totals(projects) -> dict:
    """Totals of the list by unit and by delivery mode, exact in Decimal yuan."""
    by_unit: OrderedDict[str, dict] = OrderedDict()
    by_mode: OrderedDict[str, dict] = OrderedDict((label, {"label": label, "count": 0, "total": Decimal("0")})
                                                  for _, label in DeliveryMode.choices)
    total = Decimal("0")
    count = 0
    for project in projects:
        unit = by_unit.setdefault(project.unit.name, {"label": project.unit.name, "count": 0, "total": Decimal("0")})
        unit["count"] += 1
        unit["total"] += project.total_investment
        mode = by_mode[project.get_delivery_mode_display()]
        mode["count"] += 1
        mode["total"] += project.total_investment
        total += project.total_investment
        count += 1
    return {"by_unit": list(by_unit.values()), "by_mode": list(by_mode.values()), "total": total, "count": count}


DECLARATION_FIELDS = ("main_tasks", "basis_and_necessity", "performance_goals", "delivery_mode_reason",
                      "proposed_functions", "om_funding", "needs_city_collaboration", "linked_city_projects",
                      "has_new_civil_works", "has_high_energy_use")


def declaration_summary(project: Project) -> dict | None:
    """The declaration the unit submitted (第十六条) and its pre-check, when the declarations app has them."""
    try:
        materials = project.declaration
    except (AttributeError, ObjectDoesNotExist):
        return None
    rows = []
    for name in DECLARATION_FIELDS:
        if not hasattr(materials, name):
            continue
        field = materials._meta.get_field(name)
        value = getattr(materials, name)
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value) or "—"
        rows.append({"label": field.verbose_name, "value": value, "money": isinstance(value, Decimal)})
    try:
        from declarations.selectors import precheck_findings
    except ImportError:
        findings = []
    else:
        findings = [f for f in precheck_findings(project, materials=materials) if f.outcome != "pass"]
    return {"rows": rows, "findings": findings, "submitted_at": getattr(materials, "submitted_at", None)}
