"""Reading money and procurement facts; every figure is computed by the rules layer.

Projects are fetched only through ``projects.selectors``. Facts owned by other apps are read lazily:
the catalogue (第九条) from ``catalogue.selectors``, acceptance (第三十二条) from ``delivery.selectors``.
Not yet available anywhere on the platform, and so passed as "no violation" (noted on the pages):
the sharing violations of 第三十三条 and the security facts of 第五十一条.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from accounts.models import OrgKind, Role
from oversight.selectors import security_facts, sharing_violation_facts  # noqa: E402
from projects.models import Project, Stage
from projects.services import profile_for
from rules.ch04_construction import AcceptanceRecord, AcceptanceResult
from rules.ch05_funding import (
    OmBudgetFacts,
    OmFundingFacts,
    OmRound,
    SurplusFacts,
    om_budget_declaration,
    om_funding_eligibility,
    surplus_amount,
    surplus_outstanding,
    surplus_return,
)
from rules.ch06_procurement import (
    Bid as RuleBid,
)
from rules.ch06_procurement import (
    ContractPeriod,
    Criterion,
    OmServiceProcurementFacts,
    ProcurementCategory,
    ProcurementFacts,
    ProcurementMethod,
    ScoringMethod,
    ScoringScheme,
    effective_category,
)
from rules.findings import Finding

from .models import (
    Disbursement,
    FinalAccounts,
    OmBudgetDeclaration,
    OmDeclarationStatus,
    Procurement,
    SurplusReturn,
)

ZERO = Decimal("0.00")
# The 第三十三条 and 第五十一条 facts come from the oversight app's records (sharing violations,
# security profile); where none is recorded, the project has no such violation on file.
NOT_YET_RECORDED = ("第三十三条（数据共享）和第五十一条（密码应用和网络安全）依据“绩效与监督”中登记的违规和安全情况判断；"
                    "未登记的，按无违规情形判断。")


def is_unit_member(user, project: Project) -> bool:
    return bool(user.is_authenticated and user.organisation_id == project.unit_id
                and user.has_role(Role.FILER, Role.UNIT_HEAD))


def is_finance(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.REVIEWER) and user.org_kind == OrgKind.FINANCE)


def can_see_finance_page(user) -> bool:
    return is_finance(user) or bool(user.is_authenticated and user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN))


# --- Money ----------------------------------------------------------------------------------------


def _sum(qs) -> Decimal:
    """A database sum as Decimal to the fen (SQLite's SUM drops trailing zeros)."""
    return (qs.aggregate(s=Sum("amount"))["s"] or ZERO).quantize(ZERO)


def disbursed_total(project: Project) -> Decimal:
    return _sum(Disbursement.objects.filter(project=project))


def earlier_disbursements(project: Project) -> tuple[Decimal, ...]:
    return tuple(Disbursement.objects.filter(project=project).values_list("amount", flat=True))


def approved_change_increases(project: Project) -> tuple[Decimal, ...]:
    """Approved major changes (delivery.ChangeRequest) already set ``project.approved_total_investment`` to
    the new total when the DRC approves them (delivery.services.change_decide), so no increase is added
    on top of it here: adding them would count each approved change twice."""
    return ()


def final_accounts(project: Project) -> FinalAccounts | None:
    return FinalAccounts.objects.filter(project=project).first()


def returned_amounts(project: Project) -> tuple[Decimal, ...]:
    return tuple(SurplusReturn.objects.filter(project=project).values_list("amount", flat=True))


def surplus_facts(project: Project, today: date) -> SurplusFacts | None:
    accounts = final_accounts(project)
    if accounts is None:
        return None
    return SurplusFacts(approved_total_investment=accounts.approved_total, actual_total_spent=accounts.spent_total,
                        goals_and_content_unchanged=accounts.goals_and_content_unchanged,
                        determined_on=accounts.settled_on, today=today, returned=returned_amounts(project))


@dataclass(frozen=True)
class MoneySummary:
    approved_total: Decimal | None
    sources_total: Decimal
    disbursed: Decimal
    remaining: Decimal | None
    surplus: Decimal | None  # at final accounts
    surplus_returned: Decimal
    surplus_outstanding: Decimal | None
    surplus_finding: Finding | None


def money_summary(project: Project, today: date) -> MoneySummary:
    approved = project.approved_total_investment
    disbursed = disbursed_total(project)
    sources = _sum(project.funding_sources.all())
    facts = surplus_facts(project, today)
    returned = sum(returned_amounts(project), ZERO)
    if facts is None:
        return MoneySummary(approved, sources, disbursed, None if approved is None else approved - disbursed,
                            None, returned, None, None)
    return MoneySummary(approved, sources, disbursed, None if approved is None else approved - disbursed,
                        surplus_amount(facts), returned, surplus_outstanding(facts),
                        surplus_return(facts, profile_for(project, today)))


@dataclass(frozen=True)
class OutstandingSurplus:
    project: Project
    summary: MoneySummary


def outstanding_surpluses(today: date) -> list[OutstandingSurplus]:
    """Projects whose final accounts left a surplus not yet (fully) returned (第三十六条第二款), for finance."""
    rows = []
    for accounts in FinalAccounts.objects.select_related("project__unit__jurisdiction").order_by("settled_on", "pk"):
        summary = money_summary(accounts.project, today)
        if summary.surplus_outstanding:
            rows.append(OutstandingSurplus(accounts.project, summary))
    return rows


# --- O&M funding (第九条、第三十二条、第三十三条、第五十一条、第三十七条) ------------------------------------


def in_catalogue(project: Project) -> bool:
    from catalogue.selectors import project_catalogue_status

    return project_catalogue_status(project).in_catalogue


def acceptance_facts(project: Project, today: date) -> AcceptanceRecord:
    """delivery's acceptance record; where delivery has none (no construction record yet), from the stage."""
    from delivery.selectors import acceptance_record

    record = acceptance_record(project, today)
    if record is not None:
        return record
    result = {Stage.ACCEPTED: AcceptanceResult.PASSED,
              Stage.ACCEPTANCE_FAILED: AcceptanceResult.FAILED}.get(project.stage, AcceptanceResult.NONE)
    applied_on = today if project.stage == Stage.ACCEPTANCE_APPLIED else None
    return AcceptanceRecord(project=str(project), due_on=date.max, applied_on=applied_on, result=result)


def om_eligibility(project: Project, year: int, today: date) -> list[Finding]:
    return om_funding_eligibility(OmFundingFacts(
        project=str(project), year=year, today=today, in_catalogue=in_catalogue(project),
        acceptance=acceptance_facts(project, today), sharing_violations=sharing_violation_facts(project),
        security=security_facts(project)))


def unit_new_project_bars(project: Project, today: date) -> list[Finding]:
    """第三十二条 for the unit: a project of the unit overdue for acceptance or failed it bars new projects."""
    from delivery.selectors import unit_acceptance_sanctions
    from rules.ch04_construction import ACCEPTANCE_NO_NEW_PROJECTS

    return [f for f in unit_acceptance_sanctions(project.unit, today) if f.rule == ACCEPTANCE_NO_NEW_PROJECTS]


def om_timing(declaration: OmBudgetDeclaration, today: date) -> list[Finding]:
    facts = OmBudgetFacts(round=OmRound(declaration.round), service_ends_on=declaration.service_ends_on, today=today,
                          declared_on=declaration.declared_on, reassessed=declaration.reassessed)
    return om_budget_declaration(facts, profile_for(declaration.project, today))


def om_declaration_findings(declaration: OmBudgetDeclaration, today: date) -> list[Finding]:
    """What finance must weigh today: the timing of the declaration (第三十七条) and the bars on O&M money."""
    return om_timing(declaration, today) + om_eligibility(declaration.project, declaration.budget_year, today)


def declarations_to_review():
    return (OmBudgetDeclaration.objects.filter(status=OmDeclarationStatus.SUBMITTED)
            .select_related("project__unit__jurisdiction").order_by("budget_year", "declared_on", "pk"))


# --- Procurement ----------------------------------------------------------------------------------


def scoring_scheme(procurement: Procurement) -> ScoringScheme | None:
    if procurement.scoring_method != ScoringMethod.COMPREHENSIVE or procurement.price_weight is None:
        return None
    return ScoringScheme(procurement.price_weight,
                         tuple(Criterion(c["name"], Decimal(str(c["weight"]))) for c in procurement.criteria))


def procurement_facts(procurement: Procurement) -> ProcurementFacts:
    return ProcurementFacts(
        method=ProcurementMethod(procurement.method), category=ProcurementCategory(procurement.category),
        determined_category=ProcurementCategory(procurement.determined_category)
        if procurement.determined_category else None,
        category_reason=procurement.category_reason,
        scoring_method=ScoringMethod(procurement.scoring_method) if procurement.scoring_method else None,
        scheme=scoring_scheme(procurement), classified=procurement.classified,
        in_central_catalogue=procurement.in_central_catalogue, below_threshold=procurement.below_threshold,
        works_requiring_tender=procurement.works_requiring_tender)


def procurement_category(procurement: Procurement) -> ProcurementCategory | None:
    return effective_category(procurement_facts(procurement))


def om_service_facts(procurement: Procurement) -> OmServiceProcurementFacts | None:
    if not procurement.om_service:
        return None
    return OmServiceProcurementFacts(
        first_day=procurement.service_first_day, last_day=procurement.service_last_day,
        contracts=tuple(ContractPeriod(c.first_day, c.last_day) for c in procurement.om_contracts.all()),
        annual_budget_secured=procurement.annual_budget_secured)


def rule_bids(procurement: Procurement) -> tuple[RuleBid, ...]:
    return tuple(RuleBid(b.bidder, b.price, {k: Decimal(str(v)) for k, v in b.scores.items()}, b.valid,
                         b.invalid_reason) for b in procurement.bids.order_by("pk"))


def project_procurements(project: Project):
    return project.procurements.prefetch_related("bids", "om_contracts").order_by("pk")


def ranked_bids(procurement: Procurement) -> list:
    """Valid bids by rank (ties together, the lower price first), then the invalid ones."""
    bids = list(procurement.bids.all())
    return sorted(bids, key=lambda b: (not b.valid, b.rank is None, b.rank or 0, b.price, b.bidder))
