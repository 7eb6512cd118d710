"""Reading construction and acceptance facts. Projects are fetched only through projects.selectors."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F

from accounts.models import OrgKind, Role
from projects.models import Project, Stage
from projects.services import profile_for
from rules.ch04_construction import (
    AcceptanceRecord,
    AcceptanceResult,
    AcceptanceSchedule,
    TrialRunFacts,
    acceptance_due_date,
    acceptance_sanctions,
    trial_run_complete,
)
from rules.findings import Finding

from .models import (
    AcceptanceApplication,
    AcceptanceDeferral,
    AcceptanceStatus,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
)

# Stages in which the project is past approval and not terminated: acceptance falls due (第三十一条).
ACCEPTANCE_DUE_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN,
                         Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTANCE_FAILED, Stage.ACCEPTED)


def is_unit_member(user, project: Project) -> bool:
    return user.organisation_id == project.unit_id and user.has_role(Role.FILER, Role.UNIT_HEAD)


def is_body_reviewer(user, kind: str) -> bool:
    return user.has_role(Role.REVIEWER) and user.org_kind == kind


def is_drc(user) -> bool:
    return is_body_reviewer(user, OrgKind.DRC)


def is_leading_group(user) -> bool:
    return is_body_reviewer(user, OrgKind.LEADING_GROUP)


def is_office(user) -> bool:
    return is_body_reviewer(user, OrgKind.LEADING_GROUP_OFFICE)


def acceptance_filings(user):
    """验收报备 (第三十一条第一款) of the projects ``user`` may see, the unregistered first."""
    from projects.selectors import visible_projects

    from .models import AcceptanceFiling

    return (AcceptanceFiling.objects.filter(project__in=visible_projects(user))
            .select_related("project__unit", "application", "filed_by", "registered_by")
            .order_by(F("registered_at").asc(nulls_first=True), "-filed_at", "pk"))


def unit_principals(project: Project) -> list[str]:
    """The unit's principal (主要负责人, 第二十六条第一款): the name of the unit's 项目单位负责人 account(s).

    The platform records no separate "主要负责人" field; the unit head's account stands for it.
    """
    from accounts.models import User

    return [u.display_name for u in User.objects.filter(organisation_id=project.unit_id, is_active=True,
                                                         role_assignments__role=Role.UNIT_HEAD).order_by("pk")]


def construction_record(project: Project):
    try:
        return project.construction
    except ObjectDoesNotExist:
        return None


def approved_construction_months(project: Project) -> int | None:
    """The construction period fixed by the approval (reviews.Approval), if the approval was recorded there."""
    try:
        return project.approval.construction_months
    except (ObjectDoesNotExist, AttributeError):
        return None


def construction_months(project: Project) -> int | None:
    record = construction_record(project)
    if record is not None:
        return record.construction_period_months
    return approved_construction_months(project)


def is_classified(project: Project) -> bool:
    from declarations.models import DeclarationMaterials

    value = DeclarationMaterials.objects.filter(project=project).values_list("is_classified", flat=True).first()
    return bool(value)


def changes(project: Project):
    return ChangeRequest.objects.filter(project=project).select_related("filed_by", "decided_by")


def earlier_self_adjustment_amounts(project: Project) -> tuple:
    """资金调整数额 of the unit's earlier changes since the approval or the last approved major change
    (which fixes a new approved total): see ``rules.ch04_construction.ChangeFacts``."""
    qs = ChangeRequest.objects.filter(project=project)
    last_major = (qs.filter(kind=ChangeKind.MAJOR_CHANGE, status=ChangeStatus.APPROVED)
                  .order_by("-decided_at", "-pk").first())
    filed = qs.filter(kind=ChangeKind.SELF_ADJUSTMENT, status=ChangeStatus.FILED)
    if last_major is not None:
        filed = filed.filter(filed_at__gt=last_major.decided_at)
    return tuple(filed.values_list("amount_moved", flat=True))


def _prefetched(project: Project, name: str):
    """Rows a caller prefetched (``prefetch_related(name)``) for pages that list many projects, else None."""
    return getattr(project, "_prefetched_objects_cache", {}).get(name)


def latest_deferral(project: Project):
    rows = _prefetched(project, "acceptance_deferrals")
    if rows is not None:
        return max(rows, key=lambda d: (d.requested_on, d.pk), default=None)
    return AcceptanceDeferral.objects.filter(project=project).order_by("-requested_on", "-pk").first()


def latest_acceptance(project: Project):
    rows = _prefetched(project, "acceptance_applications")
    if rows is not None:
        return max(rows, key=lambda a: (a.applied_on, a.pk), default=None)
    return AcceptanceApplication.objects.filter(project=project).order_by("-applied_on", "-pk").first()


def acceptance_due_on(project: Project, on: date | None = None) -> date | None:
    """第三十一条: the last day for applying for acceptance (construction period + trial run, or the deferral)."""
    months = construction_months(project)
    if months is None or project.approval_date is None:
        return None
    deferral = latest_deferral(project)
    schedule = AcceptanceSchedule(project.approval_date, months, deferral.new_date if deferral else None)
    return acceptance_due_date(schedule, profile_for(project, on))


def acceptance_ready_on(project: Project, today: date) -> date | None:
    """第三十一条: the first day acceptance may be applied for (trial run complete under the profile)."""
    record = construction_record(project)
    if record is None or record.trial_run_started_on is None:
        return None
    finding = trial_run_complete(TrialRunFacts(record.trial_run_started_on, today), profile_for(project, today))
    return finding.evidence["可申请验收日"]


def acceptance_record(project: Project, today: date) -> AcceptanceRecord | None:
    due = acceptance_due_on(project, today)
    if due is None:
        return None
    latest = latest_acceptance(project)
    result = AcceptanceResult.NONE
    applied_on = None
    if latest is not None:
        applied_on = latest.applied_on
        result = {AcceptanceStatus.PASSED: AcceptanceResult.PASSED,
                  AcceptanceStatus.FAILED: AcceptanceResult.FAILED}.get(latest.status, AcceptanceResult.NONE)
    return AcceptanceRecord(project=str(project), due_on=due, applied_on=applied_on, result=result)


def unit_acceptance_sanctions(unit, today: date, projects=None) -> list[Finding]:
    """第三十二条 for every project of ``unit``: the findings barring O&M funding, cloud resources and new
    projects while a project is overdue for acceptance or failed it. Empty when nothing bars them.
    ``projects``: the unit's projects already fetched (dashboards.selectors.units_under_sanction)."""
    findings: list[Finding] = []
    if projects is not None:
        projects = [p for p in projects if p.stage in ACCEPTANCE_DUE_STAGES]
    else:
        projects = (Project.objects.select_related("unit__jurisdiction")
                    .filter(unit=unit, stage__in=ACCEPTANCE_DUE_STAGES).order_by("number"))
    for project in projects:
        record = acceptance_record(project, today)
        if record is not None:
            findings.extend(acceptance_sanctions(record, today))
    return findings
