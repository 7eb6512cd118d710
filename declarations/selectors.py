"""Reading declarations: rounds, materials, documents, and the facts the pre-check reads.

``declaration_facts`` maps what the unit declared onto ``rules.precheck.DeclarationFacts``;
``submission_findings`` is the one list shown on a draft's pre-check page and used to refuse
a submission, so what the unit sees is exactly what blocks.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import threading
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from accounts.models import Organisation, OrgKind, Role
from projects.models import Project, Stage
from rules.ch02_integration import ConstructionKind as RulesConstructionKind
from rules.ch02_integration import DuplicateSource
from rules.ch03_approval import DeliveryMode as RulesDeliveryMode
from rules.ch03_approval import declaration_round_open
from rules.findings import Citation, Finding, Outcome
from rules.precheck import SANCTION_ARTICLES, DeclarationFacts, Sanction, run_precheck
from rules.similarity import Candidate, CombinedIndex, SimilarityIndex

from .models import DeclarationMaterials, DeclarationRound, Document, DocumentKind

# --- Who may do what ---------------------------------------------------------------------------

def is_leading_group_office(user) -> bool:
    """The leading group office's reviewers open and close rounds (第十五条, 第二十二条)."""
    return bool(user.is_authenticated and user.has_role(Role.REVIEWER)
                and user.org_kind == OrgKind.LEADING_GROUP_OFFICE)


def is_unit_member(user, project: Project) -> bool:
    return bool(user.is_authenticated and user.organisation_id == project.unit_id
                and user.has_role(Role.FILER, Role.UNIT_HEAD))


# --- Rounds ------------------------------------------------------------------------------------

def rounds() -> QuerySet[DeclarationRound]:
    return DeclarationRound.objects.select_related("created_by", "closed_by").order_by("-year", "-opens_on")


def open_round(year: int, today: date) -> DeclarationRound | None:
    return (DeclarationRound.objects.filter(year=year, closed_at__isnull=True, opens_on__lte=today,
                                            closes_on__gte=today).order_by("closes_on").first())


def round_finding(project: Project, today: date | None = None) -> Finding:
    """第十五条: is there a round open today for the project's year? Both dates are included."""
    today = today or timezone.localdate()
    current = open_round(project.year, today)
    if current is not None:
        return declaration_round_open(current.opens_on, current.closes_on, today)
    year_rounds = list(DeclarationRound.objects.filter(year=project.year).order_by("opens_on"))
    if not year_rounds:
        return Finding("declaration_round_open", Outcome.BLOCK,
                       f"领导小组办公室尚未开放 {project.year} 年度的项目申报，暂不能提交。请在申报批次开放后提交。",
                       Citation(15), {"申报年度": project.year, "今天": today})
    upcoming = [r for r in year_rounds if r.closed_at is None and r.opens_on > today]
    latest = upcoming[0] if upcoming else year_rounds[-1]
    if latest.closed_at is not None and latest.opens_on <= today:
        closed_on = timezone.localdate(latest.closed_at)
        return Finding("declaration_round_open", Outcome.BLOCK,
                       f"{latest.title}已由领导小组办公室于 {closed_on} 关闭，不能再提交。请等待下一轮申报，"
                       "或联系领导小组办公室。", Citation(15),
                       {"申报开始日期": latest.opens_on, "申报截止日期": latest.closes_on, "关闭日期": closed_on,
                        "今天": today})
    return declaration_round_open(latest.opens_on, latest.closes_on, today)


# --- Materials and documents ------------------------------------------------------------------

def materials_for(project: Project) -> DeclarationMaterials:
    """The project's materials; an unsaved, empty set (version 0) when nothing was entered yet."""
    try:
        return project.declaration
    except DeclarationMaterials.DoesNotExist:
        return DeclarationMaterials(project=project)


def documents_for(project: Project) -> QuerySet[Document]:
    """Every version of every document of a project the caller has already been allowed to see."""
    return Document.objects.filter(project=project).select_related("uploaded_by").order_by("kind", "-version")


def latest_documents(project: Project) -> dict[str, Document]:
    latest: dict[str, Document] = {}
    for document in documents_for(project):
        latest.setdefault(document.kind, document)
    return latest


# The documents that stand for each technical material of 第十六条第二项 when no text was entered.
MATERIAL_DOCUMENTS = {
    "application_plan": (DocumentKind.IMPLEMENTATION_PLAN, DocumentKind.FEASIBILITY_STUDY,
                         DocumentKind.SERVICE_REQUIREMENTS_PLAN),
    "information_resource_catalogue": (DocumentKind.INFORMATION_RESOURCE_CATALOGUE,),
    "government_cloud_plan": (DocumentKind.GOVERNMENT_CLOUD_PLAN,),
    "mlps_plan": (DocumentKind.MLPS_PLAN,),
    "classified_protection_plan": (DocumentKind.CLASSIFIED_PROTECTION_PLAN,),
    "cryptography_plan": (DocumentKind.CRYPTOGRAPHY_PLAN,),
}


def material_provided(materials: DeclarationMaterials, field: str, kinds: set[str]) -> bool:
    """A declared material is there: written in its field, or uploaded as one of its document kinds."""
    return bool(getattr(materials, field).strip()) or any(k in kinds for k in MATERIAL_DOCUMENTS[field])


# --- Catalogue (第九条) and duplicate candidates (第六条) ----------------------------------------

# Every catalogue system (第六条) is compared with every pre-check, and at provincial scale there are 50,000 of them:
# read and indexed on each check they were nearly all of a 1.6 s pre-check at 100,000 projects (issue #8, session 8).
# So they are read once per process into ``_CataloguePool``, keyed as another unit sees them (“unit code/system code”)
# and indexed once; a check indexes only the declaring unit's own entries and the ones it links (keyed by their code,
# as ``named_system_ids`` are) and hides those in the pool. Freshness, as the declarations': one aggregate over
# exactly the rows compared (their number, the sums of their ids and versions — every edit raises the version — and
# the newest ``updated_at``), plus the owners' codes and names.


@dataclass(frozen=True)
class _CataloguePool:
    stamp: tuple
    # (system code, the candidate as another unit's entry), in (unit code, code) order.
    rows: tuple[tuple[str, Candidate], ...]
    positions_by_unit: dict[int, tuple[int, ...]]
    position_of: dict[int, int]
    index: SimilarityIndex


_catalogue_pools: dict[tuple, _CataloguePool] = {}
_catalogue_pool_lock = threading.Lock()


def _db_key(model) -> tuple:
    from django.db import connections, router

    alias = router.db_for_read(model)
    settings_dict = connections[alias].settings_dict
    return (alias, settings_dict.get("HOST"), settings_dict.get("PORT"), settings_dict.get("NAME"))


def _compared_systems():
    from catalogue.models import InformationSystem, SystemStatus

    return InformationSystem.objects.exclude(status=SystemStatus.RETIRED)


def _catalogue_pool() -> _CataloguePool:
    db_key = _db_key(Organisation)
    figures = _compared_systems().aggregate(n=Count("pk"), ids=Sum("pk"), versions=Sum("version"),
                                            at=Max("updated_at"))
    owners = tuple(Organisation.objects.filter(pk__in=_compared_systems().values("unit_id"))
                   .order_by("pk").values_list("pk", "code", "name"))
    stamp = (tuple(sorted(figures.items())), owners)
    pool = _catalogue_pools.get(db_key)
    if pool is not None and pool.stamp == stamp:
        return pool
    # Only the columns compared and shown, no model instances.
    systems = (_compared_systems().order_by("unit__code", "code")
               .values_list("pk", "code", "name", "purpose", "unit_id", "unit__code", "unit__name"))
    rows, by_unit, position_of = [], {}, {}
    for pk, code, name, purpose, unit_id, unit_code, unit_name in systems:
        text = "\n".join(p for p in (name, purpose) if p)
        candidate = Candidate(key=f"{unit_code}/{code}", title=name, owner=unit_name,
                              group=DuplicateSource.CATALOGUE_SYSTEM, text=text)
        position_of[pk] = len(rows)
        by_unit.setdefault(unit_id, []).append(len(rows))
        rows.append((code, candidate))
    unique: dict[str, Candidate] = {}
    for _, candidate in rows:
        unique.setdefault(candidate.key, candidate)
    index = SimilarityIndex(unique.values())
    pool = _CataloguePool(stamp, tuple(rows), {u: tuple(p) for u, p in by_unit.items()}, position_of, index)
    with _catalogue_pool_lock:
        _catalogue_pools[db_key] = pool
    return pool


@dataclass(frozen=True)
class _CatalogueForProject:
    """What one pre-check compares from the catalogue: every candidate as the project sees it (its unit's entries and
    the ones it links keyed by their code), the index of those own ones, and the pool's keys of them (hidden there)."""

    candidates: list[Candidate]
    own_index: SimilarityIndex
    hidden: frozenset[str]


def _catalogue_for(project: Project, linked: set[int], pool: _CataloguePool) -> _CatalogueForProject:
    """The candidates in the order the rows are read, each key once (the first row of a key wins): the project's
    unit's entries and the ones it links under their code, every other entry as the pool holds it."""
    own_at = {*pool.positions_by_unit.get(project.unit_id, ()),
              *(pool.position_of[pk] for pk in linked if pk in pool.position_of)}
    candidates: dict[str, Candidate] = {}
    own: list[Candidate] = []
    for position, (code, pooled) in enumerate(pool.rows):
        if position in own_at:
            if code not in candidates:
                candidates[code] = Candidate(key=code, title=pooled.title, owner=pooled.owner,
                                             group=DuplicateSource.CATALOGUE_SYSTEM, text=pooled.text)
                own.append(candidates[code])
        elif pooled.key not in candidates:
            candidates[pooled.key] = pooled
    hidden = frozenset(pool.rows[position][1].key for position in own_at)
    return _CatalogueForProject(list(candidates.values()), SimilarityIndex(own), hidden)


def _catalogue(project: Project, pool: _CataloguePool | None = None
               ) -> tuple[frozenset[str], tuple[str, ...], _CatalogueForProject]:
    """第九条 facts from the system catalogue (the unit's entries, the entries the project names), and
    the catalogue systems the project's text is compared with (第六条: no isolated system beside them)."""
    from catalogue.selectors import declaration_catalogue_facts

    facts = declaration_catalogue_facts(project)
    named = tuple(facts["named_system_ids"])
    linked = set(project.system_links.values_list("system_id", flat=True)) if project.pk else set()
    compared = _catalogue_for(project, linked, pool or _catalogue_pool())
    return frozenset(facts["catalogue_system_ids"]), named, compared


# Other units' declarations (第二十一条) are the same for every pre-check until one of them changes, so
# they are read once per process into ``_DeclarationPool`` (every unit's, the declaring unit's own hidden
# per query) and its similarity index is built once (issue #8: at 10,000 projects loading them as model
# instances and indexing them on every check took ≈ 80 % of a 6.7 s pre-check).
# Freshness: one aggregate over exactly the rows compared — their number, the sums of their project ids and
# material versions (every edit raises the version), the newest ``updated_at`` of the materials and of
# the projects (every transition and edit saves the project) — plus the units' names shown as owners.
# Keyed by database too, so test databases and several connections never share a pool.
COMPARED_DECLARATION_EXCLUDED_STAGES = (Stage.DRAFT, Stage.TERMINATED)


@dataclass(frozen=True)
class _DeclarationPool:
    stamp: tuple
    candidates_by_unit: dict[int, tuple[Candidate, ...]]
    index: SimilarityIndex

    def hidden_for(self, unit_id: int) -> frozenset[str]:
        return frozenset(c.key for c in self.candidates_by_unit.get(unit_id, ()))

    def candidates_for(self, unit_id: int) -> list[Candidate]:
        """Every unit's declarations but ``unit_id``'s own, by project number."""
        return [c for unit, rows in self.candidates_by_unit.items() if unit != unit_id for c in rows]


_declaration_pools: dict[tuple, _DeclarationPool] = {}
_declaration_pool_lock = threading.Lock()


def _compared_declarations() -> QuerySet[DeclarationMaterials]:
    """Submitted or later (never a draft, which only its unit may see), not terminated."""
    return DeclarationMaterials.objects.exclude(project__stage__in=COMPARED_DECLARATION_EXCLUDED_STAGES)


def _declaration_pool() -> _DeclarationPool:
    db_key = _db_key(DeclarationMaterials)
    figures = _compared_declarations().aggregate(
        n=Count("pk"), ids=Sum("project_id"), versions=Sum("version"), materials_at=Max("updated_at"),
        projects_at=Max("project__updated_at"))
    owners = tuple(Organisation.objects.filter(pk__in=_compared_declarations().values("project__unit_id"))
                   .order_by("pk").values_list("pk", "name"))
    stamp = (tuple(sorted(figures.items())), owners)
    pool = _declaration_pools.get(db_key)
    if pool is not None and pool.stamp == stamp:
        return pool
    names = dict(owners)
    by_unit: dict[int, list[Candidate]] = {}
    rows = (_compared_declarations().order_by("project__number")
            .values_list("project__number", "project__name", "project__unit_id", "main_tasks", "proposed_functions"))
    for number, name, unit_id, main_tasks, proposed_functions in rows:
        by_unit.setdefault(unit_id, []).append(
            Candidate(key=number, title=name, owner=names.get(unit_id, ""), group=DuplicateSource.DECLARATION,
                      text="\n".join(p for p in (name, main_tasks, proposed_functions) if p)))
    candidates = {unit: tuple(rows) for unit, rows in by_unit.items()}
    pool = _DeclarationPool(stamp, candidates, SimilarityIndex(c for rows in candidates.values() for c in rows))
    with _declaration_pool_lock:
        _declaration_pools[db_key] = pool
    return pool


def declaration_candidates(project: Project) -> list[Candidate]:
    """Other units' declarations (submitted or later; never a draft, which only its unit may see)."""
    return _declaration_pool().candidates_for(project.unit_id)


# --- Sanctions (第三十二条、第三十三条、第五十一条) ------------------------------------------------

def _unit_projects_for_sanctions(unit) -> list[Project]:
    """The unit's projects with every row the sanctions read, in a fixed number of queries (issue #8), as
    ``dashboards.selectors.units_under_sanction`` fetches them."""
    return list(Project.objects.filter(unit=unit)
                .select_related("unit__jurisdiction", "construction", "approval", "security_profile")
                .prefetch_related("sharing_violations", "acceptance_deferrals", "acceptance_applications")
                .order_by("number"))


def unit_sanction_findings(unit, today: date, year: int | None = None) -> list[Finding]:
    """The BLOCK findings that bar ``unit``'s new projects on ``today``, from the chapters that impose them:
    第三十二条 (acceptance overdue or failed, ``delivery.selectors``) and, where the oversight app provides
    them, 第三十三条 and 第五十一条 (``oversight.selectors.unit_sanctions_findings``). ``year`` is the year in
    which the new project would be approved (第三十三条 “次年度”): the declared project's year."""
    from delivery.selectors import unit_acceptance_sanctions
    from policy.services import memoised_profiles

    projects = _unit_projects_for_sanctions(unit)
    with memoised_profiles():  # one profile resolution per jurisdiction and day, not per project (issue #8)
        findings = list(unit_acceptance_sanctions(unit, today, projects=projects))
        # oversight/ is built by its own app; without the selector, 第三十三条 and 第五十一条 add nothing.
        if importlib.util.find_spec("oversight.selectors") is not None:
            oversight = importlib.import_module("oversight.selectors")
            if hasattr(oversight, "unit_sanctions_findings"):
                select = oversight.unit_sanctions_findings
                parameters = inspect.signature(select).parameters
                kwargs = {"projects": projects} if "projects" in parameters else {}
                if year is not None and "year" in parameters:
                    kwargs["year"] = year
                findings += select(unit, today, **kwargs)
    return findings


def unit_sanctions(unit, today: date, year: int | None = None) -> tuple[Sanction, ...]:
    """``unit_sanction_findings`` as the pre-check's sanctions: one per article and project (第三十二条's
    three findings for one project — O&M funding, cloud resources, new projects — are one sanction here)."""
    sanctions = {Sanction.from_finding(f) for f in unit_sanction_findings(unit, today, year)
                 if f.blocks and f.citation.article in SANCTION_ARTICLES}
    return tuple(sorted(sanctions, key=lambda s: (s.article, s.project_number, s.reason)))


# --- Facts -------------------------------------------------------------------------------------

def declaration_facts(project: Project, materials: DeclarationMaterials | None = None,
                      today: date | None = None, *, declarations: _DeclarationPool | None = None,
                      catalogue: tuple[frozenset[str], tuple[str, ...], _CatalogueForProject] | None = None
                      ) -> DeclarationFacts:
    """What the unit declared for ``project``, as ``rules.precheck`` reads it.

    Unanswered yes/no questions (None) are passed as the harmless answer here; ``unanswered_findings``
    replaces the finding of every rule that depends on an unanswered question with a BLOCK asking
    for the answer, so nothing passes because it was left blank.
    """
    m = materials if materials is not None else materials_for(project)
    kinds = set(latest_documents(project)) if project.pk else set()
    catalogue_ids, named_ids, compared = catalogue if catalogue is not None else _catalogue(project)
    classified = bool(m.is_classified)
    return DeclarationFacts(
        project_number=project.number,
        investment_code=project.investment_code,
        name=project.name,
        unit=project.unit.name,
        main_tasks=m.main_tasks,
        basis_and_necessity=m.basis_and_necessity,
        performance_goals=m.performance_goals,
        delivery_mode=RulesDeliveryMode(project.delivery_mode) if project.delivery_mode else None,
        delivery_mode_reason=m.delivery_mode_reason,
        proposed_functions=m.proposed_functions,
        has_application_plan=material_provided(m, "application_plan", kinds),
        has_information_resource_catalogue=material_provided(m, "information_resource_catalogue", kinds),
        has_government_cloud_plan=material_provided(m, "government_cloud_plan", kinds),
        has_mlps_plan=material_provided(m, "mlps_plan", kinds),
        has_classified_protection_plan=material_provided(m, "classified_protection_plan", kinds),
        has_cryptography_plan=material_provided(m, "cryptography_plan", kinds),
        total_investment=project.total_investment,
        om_funding=m.om_funding,
        funding_channels=tuple(m.funding_channels),
        is_classified=classified,
        construction_kind=RulesConstructionKind(m.construction_kind or RulesConstructionKind.NEW),
        builds_non_classified_machine_room=bool(m.builds_non_classified_machine_room),
        buys_non_classified_server_hardware=bool(m.buys_non_classified_server_hardware),
        leases_internet_line=bool(m.leases_internet_line),
        leases_private_network_outside_egov=bool(m.leases_private_network_outside_egov),
        terminal_security_outside_egov_supervision=bool(m.terminal_security_outside_egov_supervision),
        deployed_on_provincial_cloud=m.deployed_on_provincial_cloud is not False,
        builds_common_system_kinds=frozenset(m.common_system_kinds if m.builds_common_systems else ()),
        categories=frozenset(m.categories),
        connected_to_sharing_platform=m.connected_to_sharing_platform is not False,
        connected_to_service_platform=m.connected_to_service_platform is not False,
        connected_to_unified_office_platform=m.connected_to_unified_office_platform is not False,
        needs_clear=m.needs_clear is not False,
        performance_goals_clear=m.performance_goals_clear is not False,
        integration_done=m.integration_done is not False,
        catalogue_census_done=m.catalogue_census_done is not False,
        sharing_done=m.sharing_done is not False,
        security_done=m.security_done is not False,
        builds_non_shared_infrastructure=bool(m.builds_non_shared_infrastructure),
        upgrades_project_accepted=m.upgrades_project_accepted,
        legal_basis={int(k): v for k, v in (m.legal_basis or {}).items() if v and v.strip()},
        catalogue_system_ids=catalogue_ids,
        named_system_ids=named_ids,
        needs_city_collaboration=m.needs_city_collaboration,
        linked_city_projects=tuple(m.linked_city_projects),
        data_aggregation_done=m.data_aggregation_done is not False,
        leading_group_exception_approved=m.leading_group_exception_approved,
        leading_group_approval_ref=m.leading_group_approval_ref,
        duplicate_candidates=tuple(compared.candidates
                                   + (declarations or _declaration_pool()).candidates_for(project.unit_id)),
        sanctions=unit_sanctions(project.unit, today or timezone.localdate(), project.year),
    )


# The yes/no questions each rule depends on: (field, question, asked when).
def _always(m: DeclarationMaterials) -> bool:
    return True


def _is_service(m: DeclarationMaterials) -> bool:
    return bool({"government_service", "public_service"} & set(m.categories))


def _is_non_classified_office(m: DeclarationMaterials) -> bool:
    return m.is_classified is not True and bool({"office", "decision_support"} & set(m.categories))


QUESTIONS: dict[str, tuple[Citation, tuple[tuple[str, object], ...]]] = {
    "non_classified_infrastructure": (Citation(8, item=1), (
        ("builds_non_classified_machine_room", _always), ("buys_non_classified_server_hardware", _always))),
    "network_leases": (Citation(8, item=2), (
        ("leases_internet_line", _always), ("leases_private_network_outside_egov", _always),
        ("terminal_security_outside_egov_supervision", _always))),
    "provincial_cloud_deployment": (Citation(8, item=3), (
        ("is_classified", _always), ("construction_kind", _always), ("deployed_on_provincial_cloud", _always))),
    "common_systems": (Citation(8, item=4), (("builds_common_systems", _always),
                                             ("common_system_kinds", lambda m: m.builds_common_systems is True))),
    "platform_connections": (Citation(8, item=5), (
        ("connected_to_sharing_platform", _is_service), ("connected_to_service_platform", _is_service),
        ("connected_to_unified_office_platform", _is_non_classified_office))),
    "preparation_complete": (Citation(8, item=6), (
        ("needs_clear", _always), ("performance_goals_clear", _always), ("integration_done", _always),
        ("catalogue_census_done", _always), ("sharing_done", _always), ("security_done", _always))),
    "shared_infrastructure": (Citation(8, item=7), (("builds_non_shared_infrastructure", _always),)),
    "upgrade_of_accepted_project": (Citation(8, item=8), (
        ("upgrades_project_accepted", lambda m: m.construction_kind == "upgrade"),)),
    "data_aggregation": (Citation(12), (("data_aggregation_done", _always),)),
}


def _unanswered(m: DeclarationMaterials, field: str) -> bool:
    value = getattr(m, field)
    return value is None or value == "" or value == []


def unanswered_findings(materials: DeclarationMaterials, findings: list[Finding]) -> list[Finding]:
    """Replace the finding of each rule whose questions are not all answered with a BLOCK naming them."""
    result = []
    for finding in findings:
        rule = finding.rule.split(".")[0]
        spec = QUESTIONS.get(rule)
        missing = []
        if spec:
            missing = [DeclarationMaterials._meta.get_field(f).verbose_name for f, asked in spec[1]
                       if asked(materials) and _unanswered(materials, f)]
        if missing:
            result.append(Finding(
                f"{rule}.unanswered", Outcome.BLOCK,
                f"请在申报材料中回答{finding.citation.label}的问题：{'；'.join(missing)}。",
                finding.citation, {"未回答的问题": missing}))
        else:
            result.append(finding)
    return result


def _order(finding: Finding) -> tuple[int, int, int]:
    c = finding.citation
    return (c.article, c.paragraph or 0, c.item or 0)


def precheck_findings(project: Project, profile=None, materials: DeclarationMaterials | None = None,
                      today: date | None = None) -> list[Finding]:
    """The pre-check (体检) of the project as it stands: every finding, ordered by article."""
    from projects.services import profile_for

    materials = materials if materials is not None else materials_for(project)
    profile = profile or profile_for(project)
    pool = _declaration_pool()
    catalogue_pool = _catalogue_pool()
    catalogue = _catalogue(project, catalogue_pool)
    compared = catalogue[2]
    facts = declaration_facts(project, materials, today, declarations=pool, catalogue=catalogue)
    # The declarations' and the catalogue's indexes are built once per process (``_declaration_pool``,
    # ``_catalogue_pool``); only the unit's own catalogue entries are indexed per check.
    index = CombinedIndex([(compared.own_index, ()), (catalogue_pool.index, compared.hidden),
                           (pool.index, pool.hidden_for(project.unit_id))])
    findings = run_precheck(facts, profile, duplicate_index=index)
    return unanswered_findings(materials, findings)


def submission_findings(project: Project, today: date | None = None, profile=None) -> list[Finding]:
    """Everything that decides a submission: the pre-check plus the round being open (第十五条)."""
    findings = [*precheck_findings(project, profile, today=today), round_finding(project, today)]
    return sorted(findings, key=_order)


def page_findings(project: Project, today: date | None = None) -> list[Finding]:
    """What the pre-check page and API show: for a draft, everything that decides its submission;
    once submitted, the pre-check alone (for the reviewers; the round no longer matters)."""
    if project.stage == Stage.DRAFT:
        return submission_findings(project, today)
    return precheck_findings(project, today=today)


def outcome_counts(findings: list[Finding]) -> dict[str, int]:
    counts = {str(o): 0 for o in Outcome}
    for f in findings:
        counts[str(f.outcome)] += 1
    return counts


def own_declarations(user) -> QuerySet[Project]:
    """The projects of the user's own unit (drafts included); nothing for anyone else."""
    from projects.selectors import visible_projects

    if not (user.is_authenticated and user.organisation_id and user.has_role(Role.FILER, Role.UNIT_HEAD)):
        return Project.objects.none()
    return visible_projects(user).filter(unit_id=user.organisation_id).order_by("-year", "number")

