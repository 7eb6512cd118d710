"""Reading the system catalogue, and the 第九条 money rule over it.

Who sees which catalogue (SECURITY.md 9): a project unit's filers and heads see their
own unit's; the bodies that review every project and the auditors (``can_see_portfolio``)
see every unit's, read-only. Anything else is a 404, never a 403, so ids do not leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import PROJECT_UNIT_KINDS, Organisation, Role
from projects.models import Project
from projects.selectors import can_see_portfolio
from rules.ch02_integration import FundingPurpose, catalogue_funding_eligibility
from rules.findings import Citation, Finding, Outcome

from .models import InformationSystem, ProjectSystemLink, SystemStatus

# --- Who may see and change which catalogue ------------------------------------------------------


def is_unit_member(user) -> bool:
    """A project unit's filer or head: keeps the unit's own catalogue."""
    return bool(user.is_authenticated and user.organisation_id and user.org_kind in PROJECT_UNIT_KINDS
                and user.has_role(Role.FILER, Role.UNIT_HEAD))


def can_edit_catalogue(user, unit_id: int) -> bool:
    return is_unit_member(user) and user.organisation_id == unit_id


def can_view_all_catalogues(user) -> bool:
    return can_see_portfolio(user)


def catalogue_unit_for(user, unit_id=None) -> Organisation | None:
    """The unit whose catalogue ``user`` asked for: ``unit_id`` (any project unit, for portfolio viewers;
    only their own for units), else their own unit. None when no unit was asked and they have none.
    A unit they may not see is a 404."""
    if unit_id not in (None, ""):
        try:
            unit_id = int(unit_id)
        except (TypeError, ValueError) as exc:
            raise Http404("单位不存在") from exc
        if not (can_view_all_catalogues(user) or (is_unit_member(user) and user.organisation_id == unit_id)):
            raise Http404("单位不存在或无权查看")
        try:
            return Organisation.objects.get(pk=unit_id, kind__in=PROJECT_UNIT_KINDS)
        except Organisation.DoesNotExist as exc:
            raise Http404("单位不存在") from exc
    if is_unit_member(user):
        return user.organisation
    return None


def visible_systems(user) -> QuerySet[InformationSystem]:
    qs = InformationSystem.objects.select_related("unit")
    if can_view_all_catalogues(user):
        return qs
    if is_unit_member(user):
        return qs.filter(unit_id=user.organisation_id)
    return qs.none()


def get_system_for_user(user, pk, *, for_update: bool = False) -> InformationSystem:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404("信息系统不存在") from exc
    try:
        system = visible_systems(user).get(pk=pk)
    except InformationSystem.DoesNotExist as exc:
        raise Http404("信息系统不存在或无权查看") from exc
    if for_update:
        system = InformationSystem.objects.select_for_update().select_related("unit").get(pk=system.pk)
    return system


def unit_systems(unit: Organisation, *, status: str = "", network: str = "", text: str = "") -> QuerySet:
    qs = InformationSystem.objects.filter(unit=unit).select_related("unit")
    if status:
        qs = qs.filter(status=status)
    if network:
        qs = qs.filter(network=network)
    text = text.replace("\x00", "")
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(code__contains=text) | Q(purpose__contains=text)
                       | Q(data_resources__contains=text))
    return qs.order_by("code")


def status_counts(unit: Organisation) -> dict[str, int]:
    rows = InformationSystem.objects.filter(unit=unit).values("status").annotate(n=Count("id"))
    counts = {s.value: 0 for s in SystemStatus}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def integrable_system_by_code(code: str, *, exclude_unit_id: int) -> InformationSystem | None:
    """Another unit's running system, found by its exact code, for a project that integrates it."""
    return (InformationSystem.objects.select_related("unit")
            .filter(code=code.strip(), status=SystemStatus.RUNNING).exclude(unit_id=exclude_unit_id).first())


def project_links(project: Project) -> QuerySet[ProjectSystemLink]:
    return project.system_links.select_related("system", "system__unit").order_by("relation", "system__code")


# --- 第九条: facts for the rules layer -------------------------------------------------------------


def declaration_catalogue_facts(project: Project) -> dict:
    """The 第九条 facts of ``rules.precheck.DeclarationFacts`` for ``project``.

    ``catalogue_system_ids``: the unit's entries that are not retired, plus the other units'
    systems the project integrates (they are in the catalogue, only another unit's);
    ``named_system_ids``: the entries the project builds, upgrades or integrates.
    """
    named = list(project.system_links.order_by("system__code").values_list("system__code", flat=True))
    own = InformationSystem.objects.filter(unit_id=project.unit_id).exclude(status=SystemStatus.RETIRED)
    others = project.system_links.exclude(system__unit_id=project.unit_id).values_list("system__code", flat=True)
    return {"catalogue_system_ids": frozenset(own.values_list("code", flat=True)) | frozenset(others),
            "named_system_ids": tuple(named)}


# --- 第九条: the money rule ------------------------------------------------------------------------

PROJECT_OUTSIDE_CATALOGUE = "未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费（第九条）"


def project_catalogue_finding(named_system_codes: Sequence[str]) -> Finding:
    """第九条：“未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费。”

    Pure: a project is inside the catalogue when it names at least one catalogue entry
    (the entries it builds, upgrades or integrates); otherwise no construction, service
    or O&M money is arranged for it.
    """
    named = list(dict.fromkeys(named_system_codes))
    evidence = {"项目关联的信息系统": named}
    if not named:
        return Finding("project_in_catalogue", Outcome.BLOCK, PROJECT_OUTSIDE_CATALOGUE, Citation(9), evidence)
    return Finding("project_in_catalogue", Outcome.PASS,
                   f"项目关联了 {len(named)} 个系统目录中的信息系统，已纳入系统目录管理。", Citation(9), evidence)


def funding_eligibility(system: InformationSystem | None,
                        purpose: FundingPurpose | str = FundingPurpose.OPERATION_MAINTENANCE) -> Finding:
    """第九条 for one system where money is asked for it (construction, service or O&M).

    A system is inside catalogue management when it is an entry of a unit's catalogue
    that is not retired: a retired system gets no money either.
    """
    in_catalogue = bool(system is not None and system.pk and system.status != SystemStatus.RETIRED)
    return catalogue_funding_eligibility(in_catalogue, FundingPurpose(purpose))


@dataclass(frozen=True)
class ProjectCatalogueStatus:
    project: Project
    links: list[ProjectSystemLink]
    finding: Finding

    @property
    def in_catalogue(self) -> bool:
        return self.finding.outcome == Outcome.PASS


def project_catalogue_status(project: Project) -> ProjectCatalogueStatus:
    links = list(project_links(project))
    return ProjectCatalogueStatus(project, links, project_catalogue_finding([link.system.code for link in links]))


def unit_projects_outside_catalogue(unit: Organisation, user) -> QuerySet[Project]:
    """The unit's projects (as ``user`` may see them) that name no catalogue entry."""
    from projects.selectors import visible_projects

    return (visible_projects(user).filter(unit=unit).annotate(n_links=Count("system_links"))
            .filter(n_links=0).order_by("-year", "number"))
