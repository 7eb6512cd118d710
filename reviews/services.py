"""Write paths of centralized review (第十七条), the approval application (第十八条–第二十五条, 第十条),
opinions (第二十二条), evaluation (第二十四条) and approval.

Each function is one action: permission, row lock, rules, write, audit, in one transaction.
Stage changes go through projects.services.transition_project; the decisions are the rules'
(rules.ch03_approval, rules.ch02_integration) under the profile in force for the project's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation, OrgKind, Role
from audit.services import record
from config.statements import PerDatabase
from gmcrypto.models import DecisionKind
from gmcrypto.signing import sign_decision
from policy.parameters import BODY_KINDS
from projects.models import DeliveryMode, Project, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused, next_number, profile_for, today, transition_project
from rules import ch03_approval as ch03
from rules.ch02_integration import province_city_linkage
from rules.findings import Citation, Finding, Outcome, blocking
from rules.periods import deadline_after_days

from .models import (
    OPINION_REMITS,
    AnnualProjectList,
    Approval,
    ApprovalApplication,
    ApprovalPath,
    CityProjectLink,
    Conclusion,
    DepartmentPart,
    Evaluation,
    EvaluatorKind,
    OpinionRequest,
    ReviewConclusion,
)
from .selectors import (
    LISTED_OR_LATER,
    annual_list_for,
    annual_list_projects,
    annual_list_totals,
    reviewed_body_kinds,
)

APPROVAL_NUMBER = "川发改审批〔{year}〕{{}}号"
ANNUAL_LIST_NUMBER = "川信息化清单〔{year}〕{{}}号"


# --- shared checks ----------------------------------------------------------------------------

def _is_reviewer_of(actor, *kinds: str) -> bool:
    return actor.has_role(Role.REVIEWER) and actor.org_kind in kinds


def _require_reviewer_of(actor, kinds, what: str, citation: Citation) -> None:
    if not _is_reviewer_of(actor, *kinds):
        names = "、".join(BODY_KINDS[str(k)] for k in kinds)
        raise PermissionDenied(f"{what}由{names}的审核人办理（{citation.label}）")


def _require_unit_member(actor, project: Project, what: str) -> None:
    if not (actor.organisation_id == project.unit_id and actor.has_role(Role.FILER, Role.UNIT_HEAD)):
        raise PermissionDenied(f"{what}由本项目单位的填报人或负责人办理")


def _require_stage(project: Project, *stages: str, what: str) -> None:
    if project.stage not in stages:
        raise ActionRefused(f"项目当前处于“{project.get_stage_display()}”阶段，不能{what}（可能已被他人处理）")


def _require_text(value: str, text: str, *, choice_field: str = "conclusion") -> None:
    """An answer is agree / agree with conditions / disagree; the latter two say which conditions or why."""
    if value not in Conclusion.values:
        raise ValidationError({choice_field: "只能是同意、有条件同意或不同意"})
    if value != Conclusion.AGREE and not (text or "").strip():
        raise ValidationError({"text": "有条件同意或不同意时，须写明条件或理由"})


def body_organisation(kind: str) -> Organisation:
    """The provincial organisation that acts as a body of the measures."""
    return body_organisations([kind])[kind]


def body_organisations(kinds) -> dict[str, Organisation]:
    """``body_organisation`` of each of ``kinds``, in one query."""
    bodies: dict[str, Organisation] = {}
    for org in Organisation.objects.filter(kind__in=kinds, jurisdiction__level="province").order_by("code"):
        bodies.setdefault(org.kind, org)
    for kind in kinds:
        if kind not in bodies:
            raise ActionRefused(f"平台中没有“{BODY_KINDS[kind]}”机构，请系统管理员先建立该机构")
    return bodies


def _plain_money(value) -> str | None:
    return None if value is None else str(value)


# --- 第十七条 集中审查 -------------------------------------------------------------------------

class _CurrentConclusion:
    """A body's current conclusion on a project: read (id, conclusion, text) and revise it by id, with SQL written
    once per database from the model's columns (config.statements); values are prepared by each field's own
    ``get_db_prep_save``, as save() would."""

    def __init__(self, connection):
        q = connection.ops.quote_name
        meta = ReviewConclusion._meta
        col = {name: q(meta.get_field(name).column) for name in ("id", "project", "body", "conclusion", "text",
                                                                 "by", "at", "is_current")}
        table = q(meta.db_table)
        self.read_sql = (f"SELECT {col['id']}, {col['conclusion']}, {col['text']} FROM {table} "
                         f"WHERE {col['project']} = %s AND {col['body']} = %s AND {col['is_current']} = %s")
        self.revise_fields = [meta.get_field(name) for name in ("conclusion", "text", "by", "at")]
        self.revise_sql = (f"UPDATE {table} SET {', '.join(f'{col[f.name]} = %s' for f in self.revise_fields)} "
                           f"WHERE {col['id']} = %s")

    def read(self, connection, project_id: int, body_id: int) -> tuple | None:
        with connection.cursor() as cursor:
            cursor.execute(self.read_sql, [project_id, body_id, True])
            return cursor.fetchone()

    def revise(self, connection, pk: int, **values) -> None:
        params = [f.get_db_prep_save(values[f.attname], connection) for f in self.revise_fields]
        with connection.cursor() as cursor:
            cursor.execute(self.revise_sql, [*params, pk])


_current_conclusions = PerDatabase(_CurrentConclusion)


@transaction.atomic
def conclusion_record(*, actor, project_id: int, conclusion: str, text: str = "") -> ReviewConclusion:
    """A body of the centralized review records (or revises) its conclusion on a submitted project (第十七条)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    profile = profile_for(project)
    _require_reviewer_of(actor, profile.value("centralized_review.bodies"), "集中审查结论", Citation(17))
    _require_stage(project, Stage.SUBMITTED, what="记录集中审查结论")
    _require_text(conclusion, text)
    # At most one current conclusion per body (a unique constraint). A revision, the common case, is read and
    # written by two statements built once per process (``_CurrentConclusion``): the ORM's query building and
    # save() were a quarter of this action's time (issue #8). The project's row lock serialises writers.
    using = router.db_for_write(ReviewConclusion)
    statements, connection = _current_conclusions(using), connections[using]
    found = statements.read(connection, project.pk, actor.organisation_id)
    before = {"conclusion": found[1], "text": found[2]} if found else {}
    now, text = timezone.now(), text.strip()
    if found is None:
        current = ReviewConclusion(project=project, body=actor.organisation, conclusion=conclusion, text=text,
                                   by=actor, at=now)
        current.save()
    else:
        statements.revise(connection, found[0], conclusion=conclusion, text=text, by_id=actor.pk, at=now)
        # The object the ORM's read and save() would have left, built from what is known: its audit label
        # (str(current)) names the locked project and the actor's organisation without fetching them again.
        current = ReviewConclusion(id=found[0], project=project, body=actor.organisation, conclusion=conclusion,
                                   text=text, by=actor, at=now, is_current=True)
        current._state.adding, current._state.db = False, using
    record(actor=actor, action="review.conclusion_recorded", obj=current, project=project, before=before,
           after={"body": actor.org_kind, "conclusion": conclusion, "text": current.text},
           profile=profile.version_label)
    return current


def _annual_list_open(project: Project) -> Finding:
    fixed = annual_list_for(project.year)
    evidence = {"年度": project.year, "清单文号": fixed.number if fixed else None}
    if fixed:
        return Finding("annual_list_open", Outcome.BLOCK,
                       f"{project.year} 年度政务信息化项目清单已于 {timezone.localtime(fixed.fixed_at):%Y-%m-%d} 确定"
                       f"（{fixed.number}），不能再列入。", Citation(17), evidence)
    return Finding("annual_list_open", Outcome.PASS, f"{project.year} 年度清单尚未确定，可以列入。", Citation(17), evidence)


def _review_complete(project: Project) -> Finding:
    return ch03.centralized_review_complete(reviewed_body_kinds(project), profile_for(project))


@transaction.atomic
def annual_list_put_on(*, actor, project_id: int) -> Project:
    """领导小组办公室将项目列入年度政务信息化项目清单 (第十七条): every review body has concluded."""
    return transition_project(actor=actor, project_id=project_id, transition="put_on_annual_list",
                              action="annual_list.put_on",
                              rules=lambda p: [_review_complete(p), _annual_list_open(p)])


@transaction.atomic
def annual_list_leave_off(*, actor, project_id: int, reason: str) -> Project:
    """集中审查后不列入清单 (第十七条), with the reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明不列入清单的理由"})
    return transition_project(actor=actor, project_id=project_id, transition="leave_off_annual_list",
                              action="annual_list.left_off", rules=lambda p: [_review_complete(p)],
                              apply=lambda p: {"reason": reason.strip()})


@transaction.atomic
def return_for_revision(*, actor, project_id: int, reason: str) -> Project:
    """退回修改: the unit revises and submits again; the bodies then review the new submission."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明退回修改的理由"})

    def apply(project):
        superseded = ReviewConclusion.objects.filter(project=project, is_current=True).update(is_current=False)
        return {"reason": reason.strip(), "superseded_conclusions": superseded}

    return transition_project(actor=actor, project_id=project_id, transition="return_for_revision",
                              action="review.returned_for_revision", apply=apply)


@transaction.atomic
def annual_list_fix(*, actor, year: int):
    """领导小组办公室确定年度政务信息化项目清单 (第十七条): after every submitted project of the year is decided."""
    _require_reviewer_of(actor, [OrgKind.LEADING_GROUP_OFFICE], "确定年度政务信息化项目清单", Citation(17))
    if AnnualProjectList.objects.filter(year=year).exists():
        raise ActionRefused(f"{year} 年度政务信息化项目清单已经确定（可能已被他人处理）")
    # Lock the year's projects so none is listed or submitted while the list is fixed.
    projects = list(Project.objects.select_for_update().filter(year=year).order_by("number"))
    pending = [p.number for p in projects if p.stage == Stage.SUBMITTED]
    if pending:
        finding = Finding("annual_list_review_done", Outcome.BLOCK,
                          f"尚不能确定 {year} 年度清单：还有 {len(pending)} 个申报项目未完成集中审查决定"
                          f"（{'、'.join(pending[:10])}{'等' if len(pending) > 10 else ''}）。请先决定是否列入。",
                          Citation(17), {"未决定的项目": pending})
        raise ActionRefused(finding.message, [finding])
    listed = [p for p in projects if p.stage in LISTED_OR_LATER]
    if not listed:
        raise ActionRefused(f"{year} 年度还没有列入清单的项目，不能确定清单（第十七条）")
    try:
        with transaction.atomic():
            annual = AnnualProjectList.objects.create(
                year=year, number=next_number(f"annual-list-{year}", ANNUAL_LIST_NUMBER.format(year=year)),
                fixed_at=timezone.now(), fixed_by=actor)
    except IntegrityError as exc:
        raise ActionRefused(f"{year} 年度政务信息化项目清单已经确定（已被他人处理）") from exc
    total = sum((p.total_investment for p in listed), Decimal("0"))
    record(actor=actor, action="annual_list.fixed", obj=annual,
           after={"year": year, "number": annual.number, "projects": [p.number for p in listed],
                  "total_investment": total})
    return annual


@transaction.atomic
def annual_list_export(*, actor, year: int) -> bytes:
    """The year's list as .xlsx (the rows the actor may see), audited."""
    from .excel import annual_list_workbook

    projects = list(annual_list_projects(actor, year))
    totals = annual_list_totals(projects)
    fixed = annual_list_for(year)
    content = annual_list_workbook(year, projects, totals, number=fixed.number if fixed else "", fixed=bool(fixed))
    record(actor=actor, action="annual_list.exported", obj=fixed, object_label=f"{year} 年度政务信息化项目清单",
           after={"year": year, "rows": totals["count"], "total_investment": totals["total"], "bytes": len(content)})
    return content


# --- 第十八条、第十九条、第二十一条、第二十三条、第十条 审批申请 -------------------------------

APPLICATION_FIELDS = (
    "path", "total_investment", "has_integration_sharing_chapter", "summary",
    "depth_requirements_met", "central_or_provincial_mandate", "national_security_urgent",
    *ch03.SERVICE_PLAN_CONTENTS,
    "is_goods_or_works", "bundles_works_and_services", "potential_providers", "meets_security_secrecy_requirements",
    "service_life_years", "annual_service_fees", "construction_cost", "annual_om_costs",
    "has_new_civil_works", "is_high_energy_use", "extra_review_documents",
    "is_cross_department", "needs_city_collaboration",
)
MONEY_LISTS = ("annual_service_fees", "annual_om_costs")


def _money_list(name: str, values) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace("\n", ",").split(",") if v.strip()]
    result = []
    for i, value in enumerate(values, start=1):
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValidationError({name: f"第 {i} 年的金额“{value}”不是数字（单位：元）"}) from exc
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
            raise ValidationError({name: f"第 {i} 年的金额“{value}”须为非负数，最多两位小数"})
        result.append(str(amount.quantize(Decimal("0.01"))))
    return result


@dataclass(frozen=True)
class PartInput:
    department_id: int
    is_lead: bool
    scope: str
    business_flows: str
    data_flows: str
    interfaces: str


@dataclass(frozen=True)
class CityCollaborationFacts:
    """The two facts ``rules.ch02_integration.province_city_linkage`` reads (第十条)."""

    needs_city_collaboration: bool
    linked_city_projects: tuple[str, ...]


def _department(department_id) -> Organisation:
    try:
        return Organisation.objects.get(pk=department_id, kind=OrgKind.PROJECT_UNIT)
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"parts": f"部门 {department_id} 不是省级项目单位"}) from exc


def _city_project(number: str) -> Project:
    project = Project.objects.filter(number=number.strip(), unit__kind=OrgKind.CITY_PROJECT_UNIT).first()
    if project is None:
        raise ValidationError({"city_projects": f"没有编号为 {number} 的市（州）项目"})
    return project


@transaction.atomic
def application_save(*, actor, project_id: int, data: dict, parts: list[PartInput] | None = None,
                     city_projects: list[str] | None = None) -> tuple[ApprovalApplication, list[Finding]]:
    """The unit prepares (or revises) its approval application while the project is on the annual list.

    Returns the application and the findings the submission would get, so the page shows them at once.
    """
    project = get_project_for_user(actor, project_id, for_update=True)
    _require_unit_member(actor, project, "审批申请")
    _require_stage(project, Stage.LISTED, what="修改审批申请（只有已列入年度清单、尚未报送审批的项目可以修改）")
    unknown = set(data) - set(APPLICATION_FIELDS)
    if unknown:
        raise ValidationError({f: "不允许提交此字段" for f in sorted(unknown)})
    application = ApprovalApplication.objects.filter(project=project).first()
    before = {}
    if application is None:
        application = ApprovalApplication(project=project, total_investment=project.total_investment)
    else:
        application.project = project  # the locked row, with the unit and jurisdiction the rules read
        before = {f: getattr(application, f) for f in data}
    for name, value in data.items():
        if name in MONEY_LISTS:
            value = _money_list(name, value)
        setattr(application, name, value)
    if not application.path:
        raise ValidationError({"path": "请选择报批方式"})
    application.full_clean(exclude=["project"])
    application.save()
    if parts is not None:
        application.parts.all().delete()
        seen = set()
        for part in parts:
            department = _department(part.department_id)
            if department.pk in seen:
                raise ValidationError({"parts": f"{department} 重复填写"})
            seen.add(department.pk)
            DepartmentPart.objects.create(application=application, department=department, is_lead=part.is_lead,
                                          scope=part.scope, business_flows=part.business_flows,
                                          data_flows=part.data_flows, interfaces=part.interfaces)
    if city_projects is not None:
        application.city_links.all().delete()
        for number in dict.fromkeys(n.strip() for n in city_projects if n.strip()):
            CityProjectLink.objects.create(application=application, city_project=_city_project(number))
    profile = profile_for(project)
    findings = application_findings(application, profile)
    after = {f: getattr(application, f) for f in data}
    if parts is not None:
        after["parts"] = [f"{p.department}{'（牵头）' if p.is_lead else ''}" for p in application.parts.all()]
    if city_projects is not None:
        after["city_projects"] = [link.city_project.number for link in application.city_links.all()]
    record(actor=actor, action="approval.application_saved", obj=application, project=project, before=before,
           after=after, findings=findings, profile=profile.version_label)
    return application, findings


def _money_tuple(values) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values or ())


def _path_matches_delivery_mode(application: ApprovalApplication) -> Finding:
    project = application.project
    purchased = project.delivery_mode == DeliveryMode.PURCHASED_SERVICE
    citation = Citation(19) if purchased else Citation(18)
    evidence = {"实施方式": project.get_delivery_mode_display(), "报批方式": application.get_path_display()}
    if purchased == (application.path == ApprovalPath.PURCHASED_SERVICE):
        return Finding("approval_path_matches_delivery_mode", Outcome.PASS,
                       f"{project.get_delivery_mode_display()}项目按“{application.get_path_display()}”报批。",
                       citation, evidence)
    expected = ("编报项目服务需求方案" if purchased
                else "编报项目可行性研究报告和初步设计方案，或符合条件时合并编报项目实施方案")
    return Finding("approval_path_matches_delivery_mode", Outcome.BLOCK,
                   f"{project.get_delivery_mode_display()}项目应{expected}，不能按“{application.get_path_display()}”报批。",
                   citation, evidence)


def lifetime_costs(application: ApprovalApplication) -> ch03.LifetimeCosts:
    return ch03.LifetimeCosts(
        service_life_years=application.service_life_years,
        annual_service_fees=_money_tuple(application.annual_service_fees),
        construction_cost=application.construction_cost if application.construction_cost is not None else Decimal("0"),
        annual_om_costs=_money_tuple(application.annual_om_costs),
    )


def _path_findings(application: ApprovalApplication, profile) -> list[Finding]:
    path = application.path
    if path == ApprovalPath.TWO_STAGE:
        return [ch03.integration_sharing_chapter(ch03.ApprovalDocumentKind.FEASIBILITY_STUDY,
                                                 application.has_integration_sharing_chapter)]
    if path == ApprovalPath.MERGED:
        facts = ch03.MergedPlanFacts(depth_requirements_met=application.depth_requirements_met,
                                     central_or_provincial_mandate=application.central_or_provincial_mandate,
                                     national_security_urgent=application.national_security_urgent,
                                     total_investment=application.total_investment)
        return [ch03.integration_sharing_chapter(ch03.ApprovalDocumentKind.IMPLEMENTATION_PLAN,
                                                 application.has_integration_sharing_chapter),
                ch03.merged_plan_eligible(facts, profile)]
    plan = ch03.ServiceRequirementsPlan(**{name: getattr(application, name) for name in ch03.SERVICE_PLAN_CONTENTS})
    findings = ch03.service_requirements_plan_complete(plan)
    facts = ch03.PurchasedServiceFacts(
        is_goods_or_works=application.is_goods_or_works,
        bundles_works_and_services=application.bundles_works_and_services,
        costs=lifetime_costs(application), potential_providers=application.potential_providers,
        meets_security_secrecy_requirements=application.meets_security_secrecy_requirements)
    conditions = ch03.purchased_service_conditions(facts, profile)
    if application.construction_cost is None:
        # Without the self-build construction cost there is nothing to compare with.
        conditions = [Finding("lifetime_cost_comparison", Outcome.BLOCK,
                              "请填写自行建设所需的建设经费，才能比较购买服务与自行建设的经费总额。",
                              Citation(19, item=2), {"建设经费": None})
                      if f.rule == "lifetime_cost_comparison" else f for f in conditions]
    return findings + conditions


def department_parts(application: ApprovalApplication) -> list[ch03.DepartmentPart]:
    return [ch03.DepartmentPart(department=p.department.name, is_lead=p.is_lead, scope=p.scope,
                                business_flows=p.business_flows, data_flows=p.data_flows, interfaces=p.interfaces)
            for p in application.parts.select_related("department")]


@dataclass(frozen=True)
class CatalogueFacts:
    """The one fact ``rules.ch03_approval.information_resource_catalogue_present`` reads (第二十条)."""

    has_information_resource_catalogue: bool


def information_resource_catalogue(project: Project) -> Finding:
    """第二十条: “信息资源目录是审批政务信息化项目的必备条件” — checked again when the project is sent for
    approval, on the declared materials and the documents uploaded since (text or 信息资源目录 document).

    Only that fact is read, as the pre-check reads it (``declarations.selectors``): the pre-check's whole
    ``declaration_facts`` would also compare the project with every other declaration and catalogue system and
    work out the unit's sanctions, none of which this rule reads (issue #8: ≈ 80 % of saving and submitting
    the application)."""
    from declarations.selectors import latest_documents, material_provided, materials_for

    provided = material_provided(materials_for(project), "information_resource_catalogue", set(latest_documents(project)))
    return ch03.information_resource_catalogue_present(CatalogueFacts(provided))


def application_findings(application: ApprovalApplication, profile=None) -> list[Finding]:
    """Every rule the approval application must satisfy, in the order of the measures."""
    profile = profile or profile_for(application.project)
    findings = [_path_matches_delivery_mode(application)]
    linked = tuple(link.city_project.number for link in application.city_links.select_related("city_project"))
    findings.append(province_city_linkage(CityCollaborationFacts(application.needs_city_collaboration, linked)))
    findings += _path_findings(application, profile)
    findings.append(information_resource_catalogue(application.project))
    if application.is_cross_department:
        parts = department_parts(application)
        findings += ch03.cross_department_structure(parts)
        findings += ch03.cross_department_overlaps(parts, profile)
    findings.append(ch03.extra_reviews_required(application.has_new_civil_works, application.is_high_energy_use))
    return findings


def _annual_list_fixed(project: Project) -> Finding:
    fixed = annual_list_for(project.year)
    if fixed:
        return Finding("annual_list_fixed", Outcome.PASS, f"项目已列入 {project.year} 年度政务信息化项目清单（{fixed.number}）。",
                       Citation(17), {"清单文号": fixed.number})
    return Finding("annual_list_fixed", Outcome.BLOCK,
                   f"{project.year} 年度政务信息化项目清单尚未确定：审定后的项目清单是项目审批的依据，请待领导小组办公室确定清单后再报送。",
                   Citation(17), {"年度": project.year})


@transaction.atomic
def approval_submit(*, actor, project_id: int) -> Project:
    """项目单位报送审批 (第十八条、第十九条): the saved application passes every rule of its path."""

    checked: dict = {}

    def rules(project):
        application = ApprovalApplication.objects.filter(project=project).first()
        if application is None:
            return [Finding("approval_application_present", Outcome.BLOCK,
                            "尚未填写审批申请：请先选择报批方式并填写审批材料。", Citation(18), {})]
        application.project = project  # the locked row, with the unit and jurisdiction the rules read
        checked["application"] = application
        return [_annual_list_fixed(project), *application_findings(application)]

    def apply(project):
        application = checked["application"]  # the one the rules passed (read under the project's lock)
        application.submitted_at = timezone.now()
        application.save(update_fields=["submitted_at", "updated_at"])
        return {"path": application.path, "total_investment": application.total_investment}

    project = get_project_for_user(actor, project_id)
    _require_unit_member(actor, project, "报送审批")
    return transition_project(actor=actor, project_id=project_id, transition="submit_for_approval",
                              action="approval.submitted", rules=rules, apply=apply)


def _application_under_approval(actor, project_id: int, what: str) -> tuple[Project, ApprovalApplication]:
    project = get_project_for_user(actor, project_id, for_update=True)
    _require_stage(project, Stage.UNDER_APPROVAL, what=what)
    return project, project.approval_application


@transaction.atomic
def feasibility_approve(*, actor, project_id: int, approved_investment: Decimal,
                        approval_date: date | None = None) -> ApprovalApplication:
    """省发展改革委批复项目可行性研究报告 (第十八条第一款): the first stage of the two-stage path."""
    _require_reviewer_of(actor, [OrgKind.DRC], "可行性研究报告批复", Citation(18, paragraph=1))
    project, application = _application_under_approval(actor, project_id, "批复可行性研究报告")
    if application.path != ApprovalPath.TWO_STAGE:
        raise ActionRefused(f"该项目按“{application.get_path_display()}”报批，没有单独的可行性研究报告批复（第十八条）")
    if application.feasibility_approved:
        raise ActionRefused(f"可行性研究报告已于 {application.feasibility_approval_date} 批复"
                            f"（{application.feasibility_approval_number}），可能已被他人处理")
    if approved_investment is None or approved_investment <= 0:
        raise ValidationError({"approved_investment": "请填写可研批复总投资（元），须大于 0"})
    approval_date = approval_date or today()
    if approval_date > today():
        raise ValidationError({"approval_date": "批复日期不能晚于今天"})
    application.feasibility_approved_investment = approved_investment
    application.feasibility_approval_date = approval_date
    application.feasibility_approval_number = next_number(f"approval-{approval_date.year}",
                                                          APPROVAL_NUMBER.format(year=approval_date.year))
    application.save()
    record(actor=actor, action="approval.feasibility_approved", obj=application, project=project,
           after={"number": application.feasibility_approval_number, "approved_investment": approved_investment,
                  "approval_date": approval_date})
    return application


def design_facts(application: ApprovalApplication) -> ch03.PreliminaryDesignFacts:
    return ch03.PreliminaryDesignFacts(
        feasibility_approved_investment=application.feasibility_approved_investment or Decimal("0"),
        budget_estimate=application.design_budget_estimate or Decimal("0"),
        content_exceeds_feasibility_approval=application.design_content_exceeds_feasibility,
        has_adjustment_chapter=application.design_has_adjustment_chapter,
        is_major_change=application.design_is_major_change)


def design_findings(application: ApprovalApplication) -> list[Finding]:
    return [ch03.integration_sharing_chapter(ch03.ApprovalDocumentKind.PRELIMINARY_DESIGN,
                                             application.design_has_integration_sharing_chapter),
            *ch03.preliminary_design_findings(design_facts(application))]


@transaction.atomic
def preliminary_design_submit(*, actor, project_id: int, budget_estimate: Decimal, has_integration_sharing_chapter: bool,
                              content_exceeds_feasibility: bool = False, has_adjustment_chapter: bool = False,
                              adjustment_text: str = "", is_major_change: bool = False) -> ApprovalApplication:
    """项目单位报送初步设计方案（含投资概算） after the feasibility approval (第十八条第一款、第二十五条)."""
    project, application = _application_under_approval(actor, project_id, "报送初步设计方案")
    _require_unit_member(actor, project, "报送初步设计方案")
    if application.path != ApprovalPath.TWO_STAGE:
        raise ActionRefused(f"该项目按“{application.get_path_display()}”报批，不单独报送初步设计方案（第十八条）")
    if not application.feasibility_approved:
        raise ActionRefused("可行性研究报告尚未批复：初步设计方案须在可研批复后报送（第十八条第一款）")
    if hasattr(project, "approval"):
        raise ActionRefused("项目已批复，不能再修改初步设计方案")
    if budget_estimate is None or budget_estimate <= 0:
        raise ValidationError({"budget_estimate": "请填写投资概算（元），须大于 0"})
    if has_adjustment_chapter and not (adjustment_text or "").strip():
        raise ValidationError({"adjustment_text": "请写明调整内容及理由（第二十五条）"})
    before = {"budget_estimate": application.design_budget_estimate,
              "submitted_at": application.design_submitted_at}
    application.design_budget_estimate = budget_estimate
    application.design_has_integration_sharing_chapter = has_integration_sharing_chapter
    application.design_content_exceeds_feasibility = content_exceeds_feasibility
    application.design_has_adjustment_chapter = has_adjustment_chapter
    application.design_adjustment_text = (adjustment_text or "").strip()
    application.design_is_major_change = is_major_change
    findings = design_findings(application)
    if blocking(findings):
        raise ActionRefused("；".join(f.message for f in blocking(findings)), findings)
    application.design_submitted_at = timezone.now()
    application.save()
    record(actor=actor, action="approval.preliminary_design_submitted", obj=application, project=project,
           before=before, after={"budget_estimate": budget_estimate, "exceeds": content_exceeds_feasibility,
                                 "has_adjustment_chapter": has_adjustment_chapter},
           findings=findings)
    return application


# --- 第二十二条 征求意见、第二十四条 评估论证 -----------------------------------------------

@transaction.atomic
def opinions_request(*, actor, project_id: int) -> list[OpinionRequest]:
    """省发展改革委书面征求各部门意见 (第二十二条): one request per body of ``opinion.bodies``, in parallel."""
    _require_reviewer_of(actor, [OrgKind.DRC], "征求意见", Citation(22))
    project, _ = _application_under_approval(actor, project_id, "征求意见")
    profile = profile_for(project)
    asked = set(OpinionRequest.objects.filter(project=project).values_list("body__kind", flat=True))
    missing = [kind for kind in profile.value("opinion.bodies") if kind not in asked]
    if not missing:
        raise ActionRefused("已向全部部门征求意见（可能已被他人处理）")
    now = timezone.now()
    days = profile.value("opinion.response_days")
    due = deadline_after_days(timezone.localtime(now).date(), days)
    bodies = body_organisations(missing)
    created = OpinionRequest.objects.bulk_create(
        [OpinionRequest(project=project, body=bodies[kind], requested_at=now, due_date=due, requested_by=actor,
                        remit=OPINION_REMITS.get(kind, "审核意见")) for kind in missing])
    record(actor=actor, action="opinion.requested", obj=project, project=project,
           after={"bodies": missing, "due_date": due, "response_days": days}, profile=profile.version_label)
    return created


def opinion_for_body(actor, opinion_id) -> OpinionRequest:
    """The request addressed to the actor's own body; any other request is a 404."""
    if not actor.has_role(Role.REVIEWER) or actor.organisation_id is None:
        raise Http404("征求意见不存在")
    try:
        return OpinionRequest.objects.select_related("project", "body").get(pk=int(opinion_id),
                                                                             body_id=actor.organisation_id)
    except (OpinionRequest.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("征求意见不存在或不是发给本部门的") from exc


@transaction.atomic
def opinion_answer(*, actor, opinion_id: int, answer: str, text: str = "") -> OpinionRequest:
    """A body gives its written opinion within its remit (第二十二条); the time taken is recorded."""
    opinion = opinion_for_body(actor, opinion_id)
    project = get_project_for_user(actor, opinion.project_id, for_update=True)
    _require_stage(project, Stage.UNDER_APPROVAL, what="出具意见")
    body = opinion.body
    opinion = OpinionRequest.objects.select_for_update().get(pk=opinion.pk)
    # The audit label (str(opinion)) names the project and the body: the rows already loaded, not fetched again.
    opinion.project, opinion.body = project, body
    if opinion.answered:
        raise ActionRefused(f"本部门已于 {timezone.localtime(opinion.answered_at):%Y-%m-%d %H:%M} 出具意见（可能已被他人处理）")
    _require_text(answer, text, choice_field="answer")
    opinion.answer, opinion.text = answer, (text or "").strip()
    opinion.answered_by, opinion.answered_at = actor, timezone.now()
    opinion.save(update_fields=["answer", "text", "answered_by", "answered_at"])
    record(actor=actor, action="opinion.answered", obj=opinion, project=project,
           after={"body": actor.org_kind, "answer": answer, "text": opinion.text, "days_taken": opinion.days_taken,
                  "due_date": opinion.due_date, "on_time": timezone.localtime(opinion.answered_at).date() <= opinion.due_date})
    return opinion


@transaction.atomic
def evaluation_record(*, actor, project_id: int, evaluator_kind: str, evaluator: str, conclusion: str,
                      evaluated_on: date, text: str = "") -> Evaluation:
    """省发展改革委记录专家或第三方咨询评估机构的评估论证结论 (第二十四条)."""
    _require_reviewer_of(actor, [OrgKind.DRC], "评估论证", Citation(24))
    project, _ = _application_under_approval(actor, project_id, "记录评估论证")
    if evaluator_kind not in EvaluatorKind.values:
        raise ValidationError({"evaluator_kind": "评估方式只能是专家评审、第三方咨询评估机构或相关部门"})
    if not (evaluator or "").strip():
        raise ValidationError({"evaluator": "请填写评估机构或专家组"})
    _require_text(conclusion, text)
    if evaluated_on > today():
        raise ValidationError({"evaluated_on": "评估日期不能晚于今天"})
    evaluation = Evaluation.objects.filter(project=project).first()
    before = {"evaluator": evaluation.evaluator, "conclusion": evaluation.conclusion} if evaluation else {}
    evaluation = evaluation or Evaluation(project=project)
    evaluation.evaluator_kind, evaluation.evaluator = evaluator_kind, evaluator.strip()
    evaluation.conclusion, evaluation.text, evaluation.evaluated_on = conclusion, (text or "").strip(), evaluated_on
    evaluation.recorded_by, evaluation.recorded_at = actor, timezone.now()
    evaluation.save()
    record(actor=actor, action="evaluation.recorded", obj=evaluation, project=project, before=before,
           after={"evaluator_kind": evaluator_kind, "evaluator": evaluation.evaluator, "conclusion": conclusion,
                  "evaluated_on": evaluated_on})
    return evaluation


@transaction.atomic
def provincial_government_mark(*, actor, project_id: int, required: bool, reason: str = "",
                               agreed_on: date | None = None, reference: str = "") -> ApprovalApplication:
    """标记按规定需报省政府审定的项目，并记录省政府同意 (第二十四条)."""
    _require_reviewer_of(actor, [OrgKind.DRC], "报省政府审定", Citation(24))
    project, application = _application_under_approval(actor, project_id, "标记报省政府审定")
    if required and not (reason or "").strip():
        raise ValidationError({"reason": "请写明须报省政府审定的依据"})
    if agreed_on and not required:
        raise ValidationError({"agreed_on": "未标记须报省政府审定的项目无需记录省政府同意"})
    if agreed_on and agreed_on > today():
        raise ValidationError({"agreed_on": "省政府同意日期不能晚于今天"})
    before = {"required": application.provincial_government_required,
              "agreed_on": application.provincial_government_agreed_on}
    application.provincial_government_required = required
    application.provincial_government_reason = (reason or "").strip() if required else ""
    application.provincial_government_agreed_on = agreed_on if required else None
    application.provincial_government_reference = (reference or "").strip() if required else ""
    application.save()
    record(actor=actor, action="approval.provincial_government_marked", obj=application, project=project,
           before=before, after={"required": required, "reason": application.provincial_government_reason,
                                 "agreed_on": application.provincial_government_agreed_on,
                                 "reference": application.provincial_government_reference})
    return application


# --- 批复 -------------------------------------------------------------------------------------

def _two_stage_ready(application: ApprovalApplication) -> list[Finding]:
    citation = Citation(18, paragraph=1)
    evidence = {"可研已批复": application.feasibility_approved, "初步设计方案已报送": application.design_submitted_at is not None}
    if not application.feasibility_approved:
        return [Finding("two_stage_sequence", Outcome.BLOCK,
                        "尚不能批复：可行性研究报告尚未批复。请先批复可行性研究报告，再审批初步设计方案（含投资概算）。",
                        citation, evidence)]
    if application.design_submitted_at is None:
        return [Finding("two_stage_sequence", Outcome.BLOCK,
                        "尚不能批复：项目单位尚未报送初步设计方案（含投资概算）。", citation, evidence)]
    return [Finding("two_stage_sequence", Outcome.PASS, "可行性研究报告已批复，初步设计方案（含投资概算）已报送。",
                    citation, evidence), *design_findings(application)]


def approval_findings(project: Project) -> list[Finding]:
    """What stands between the project and its approval (第二十二条、第二十四条, and 第十八条 for two stages)."""
    application = ApprovalApplication.objects.filter(project=project).first()
    if application is None:
        return [Finding("approval_application_present", Outcome.BLOCK, "项目没有审批申请，不能批复。", Citation(18), {})]
    requests = list(OpinionRequest.objects.filter(project=project).select_related("body"))
    requested = {r.body.kind for r in requests}
    answered = {r.body.kind for r in requests if r.answered}
    evaluation = Evaluation.objects.filter(project=project).first()
    findings = [ch03.opinions_complete(
        requested, answered, evaluation is not None, profile_for(project),
        provincial_government_required=application.provincial_government_required,
        provincial_government_agreed=application.provincial_government_agreed_on is not None)]
    # Dissent does not bar the approval, but the DRC sees it beside the button and in the audit trail.
    against = [r.body.name for r in requests if r.answer == Conclusion.DISAGREE]
    if against:
        findings.append(Finding("opinions_disagree", Outcome.WARN, f"{'、'.join(against)}的书面意见为不同意，请在批复前研究处理。",
                                Citation(22), {"不同意的部门": against}))
    if evaluation is not None and evaluation.conclusion == Conclusion.DISAGREE:
        findings.append(Finding("evaluation_disagrees", Outcome.WARN,
                                f"评估论证结论为不同意（{evaluation.evaluator}），请在批复前研究处理。",
                                Citation(24), {"评估机构或专家组": evaluation.evaluator}))
    if application.path == ApprovalPath.TWO_STAGE:
        findings += _two_stage_ready(application)
    return findings


@transaction.atomic
def approve(*, actor, project_id: int, approved_total_investment: Decimal, approved_content: str,
            funding_sources: str, construction_months: int, approval_date: date | None = None) -> Approval:
    """省发展改革委批复 (第二十二条、第二十四条): numbered, with the approved total, content and funding sources.

    The project's approved total and approval date are written in the same transaction as the
    transition (the database refuses an approved project without them).
    """
    approval_date = approval_date or today()
    if approved_total_investment is None or approved_total_investment <= 0:
        raise ValidationError({"approved_total_investment": "批复总投资须大于 0（元）"})
    if approval_date > today():
        raise ValidationError({"approval_date": "批复日期不能晚于今天"})
    if not (approved_content or "").strip():
        raise ValidationError({"approved_content": "请填写批复建设内容"})
    if not (funding_sources or "").strip():
        raise ValidationError({"funding_sources": "请填写资金来源"})
    if not construction_months or construction_months < 1:
        raise ValidationError({"construction_months": "建设周期须至少 1 个月"})
    created: dict = {}

    def apply(project):
        number = next_number(f"approval-{approval_date.year}", APPROVAL_NUMBER.format(year=approval_date.year))
        project.approved_total_investment = approved_total_investment
        project.approval_date = approval_date
        created["approval"] = Approval.objects.create(
            project=project, number=number, approved_total_investment=approved_total_investment,
            approved_content=approved_content.strip(), funding_sources=funding_sources.strip(),
            approval_date=approval_date, construction_months=construction_months, approved_by=actor,
            approved_at=timezone.now())
        return {"number": number, "approved_total_investment": approved_total_investment,
                "approval_date": approval_date, "construction_months": construction_months}

    transition_project(actor=actor, project_id=project_id, transition="approve", action="approval.approved",
                       rules=approval_findings, apply=apply)
    # SECURITY.md R34: the approval is signed (SM2) over its canonical form in the same transaction.
    sign_decision(kind=DecisionKind.APPROVAL, obj=created["approval"], actor=actor)
    return created["approval"]


@transaction.atomic
def approval_document(*, actor, project_id: int) -> tuple[Approval, bytes]:
    """The approval document as PDF, for whoever may see the project; each download is audited."""
    from .pdf import approval_pdf

    project = get_project_for_user(actor, project_id)
    approval = Approval.objects.filter(project=project).select_related("project__unit").first()
    if approval is None:
        raise Http404("项目尚未批复")
    content = approval_pdf(approval)
    record(actor=actor, action="approval.document_downloaded", obj=approval, project=project,
           after={"number": approval.number, "bytes": len(content)})
    return approval, content
