"""Write paths for money and procurement. One function per action: lock the project, ask the rules,
write, audit — one transaction. Views and API endpoints only parse input and call these."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from gmcrypto.models import DecisionKind
from gmcrypto.signing import sign_decision
from projects.models import Project, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused, profile_for, today
from rules.ch05_funding import (
    DisbursementFacts,
    FundingPurpose,
    FundingSource,
    OmBudgetFacts,
    OmRound,
    disbursement_within_budget,
    funding_source_matches,
    om_budget_declaration,
    om_budget_declaration_year,
    surplus_outstanding,
)
from rules.ch06_procurement import (
    category_determined,
    classified_procurement,
    comprehensive_scoring_required,
    evaluate_bids,
    om_service_term,
    procurement_method_allowed,
    scoring_scheme_valid,
    self_procurement,
)
from rules.findings import Citation, Finding, Outcome, blocking

from . import selectors
from .models import (
    Bid,
    Disbursement,
    FinalAccounts,
    FundingSourceLine,
    OmBudgetDeclaration,
    OmContract,
    OmDeclarationStatus,
    Procurement,
    SurplusReturn,
)

__all__ = ["today"]
CENT = Decimal("0.01")

# After approval and before termination money may be recorded; while suspended only resume or terminate (第三十条).
MONEY_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED,
                Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED)
# Construction is complete (第三十一条) or ended (第三十条): final accounts fix the surplus.
COMPLETION_STAGES = (Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED,
                     Stage.TERMINATED)


def money(amount) -> Decimal:
    """Yuan to the fen (ROUND_HALF_UP): input from forms and the API arrives normalised or unnormalised."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _cited(finding: Finding) -> str:
    return f"{finding.message}（{finding.citation.label}）"


def _refuse_blocking(findings: list[Finding]) -> None:
    blocks = blocking(findings)
    if blocks:
        raise ActionRefused("；".join(_cited(f) for f in blocks), findings)


def _unit_project(actor, project_id: int, stages=MONEY_STAGES, what: str = "登记") -> Project:
    project = get_project_for_user(actor, project_id, for_update=True)
    if not selectors.is_unit_member(actor, project):
        raise PermissionDenied(f"只有本项目单位的填报人或负责人可以{what}")
    if project.stage == Stage.SUSPENDED:
        raise ActionRefused(SUSPENDED_MESSAGE.format(what), [_suspended_finding(project, what)])
    if project.stage not in stages:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，不能{what}")
    return project


# The same sentence as delivery's (第三十条): while suspended, only resumption or termination.
SUSPENDED_MESSAGE = "项目已暂停建设（第三十条）：暂停期间只能由省发展改革委恢复建设或经领导小组同意终止项目，不能{}。"


def _suspended_finding(project: Project, what: str) -> Finding:
    return Finding("project_suspended", Outcome.BLOCK, SUSPENDED_MESSAGE.format(what), Citation(30, paragraph=1),
                   {"项目": str(project), "阶段": project.get_stage_display()})


def _profile_label(project: Project) -> str:
    return profile_for(project).version_label


# --- 第三十五条 资金来源 -------------------------------------------------------------------------------


@transaction.atomic
def funding_source_add(*, actor, project_id: int, kind: str, amount: Decimal, purpose: str = "",
                       note: str = "") -> FundingSourceLine:
    amount = money(amount)
    project = _unit_project(actor, project_id, what="登记资金来源")
    if not purpose:
        purpose = FundingPurpose.CONSTRUCTION if project.delivery_mode == "self_built" else FundingPurpose.PURCHASED_SERVICE
    if kind not in {s.value for s in FundingSource} or purpose not in {p.value for p in FundingPurpose}:
        raise ValidationError({"kind": "资金来源或用途不在允许范围内（第三十五条）"})
    finding = funding_source_matches(FundingPurpose(purpose), FundingSource(kind))
    line = FundingSourceLine(project=project, kind=kind, purpose=purpose, amount=amount, note=note,
                             findings=[finding.as_dict()], created_by=actor)
    line.full_clean(exclude=["project", "created_by"])
    line.save()
    record(actor=actor, action="funding.source_added", obj=line, project=project,
           after={"kind": kind, "purpose": purpose, "amount": amount, "note": note}, findings=[finding],
           profile=_profile_label(project))
    return line


# --- 第三十六条 资金支付与结余资金 ------------------------------------------------------------------------


@transaction.atomic
def disbursement_add(*, actor, project_id: int, paid_on: date, amount: Decimal, purpose: str,
                     voucher_no: str) -> Disbursement:
    """Refused when the payment would take the disbursements past the approved total investment (第二十八条)."""
    amount = money(amount)
    project = _unit_project(actor, project_id, what="登记资金支付")
    if selectors.final_accounts(project) is not None:
        raise ActionRefused("项目已办理竣工财务决算，不能再登记支付；结余资金应按规定退回（第三十六条第二款）")
    if amount <= 0:
        raise ValidationError({"amount": "支付金额必须大于零"})
    if Disbursement.objects.filter(project=project, voucher_no=voucher_no).exists():
        raise ValidationError({"voucher_no": f"凭证号“{voucher_no}”已登记过"})
    finding = disbursement_within_budget(DisbursementFacts(
        approved_total_investment=project.approved_total_investment, amount=amount,
        earlier_disbursements=selectors.earlier_disbursements(project),
        approved_change_increases=selectors.approved_change_increases(project)))
    _refuse_blocking([finding])
    payment = Disbursement(project=project, paid_on=paid_on, amount=amount, purpose=purpose, voucher_no=voucher_no,
                           findings=[finding.as_dict()], created_by=actor)
    payment.full_clean(exclude=["project", "created_by"])
    payment.save()
    record(actor=actor, action="funding.disbursed", obj=payment, project=project,
           after={"paid_on": paid_on, "amount": amount, "purpose": purpose, "voucher_no": voucher_no},
           findings=[finding], profile=_profile_label(project))
    return payment


@transaction.atomic
def final_accounts_record(*, actor, project_id: int, settled_on: date,
                          goals_and_content_unchanged: bool = True) -> FinalAccounts:
    """竣工财务决算: the surplus (approved total − disbursed) is determined on ``settled_on``."""
    project = _unit_project(actor, project_id, stages=COMPLETION_STAGES, what="登记竣工财务决算")
    if selectors.final_accounts(project) is not None:
        raise ActionRefused("项目已登记竣工财务决算")
    if project.approved_total_investment is None:
        raise ActionRefused("项目没有批复总投资，不能办理决算")
    accounts = FinalAccounts.objects.create(
        project=project, settled_on=settled_on, goals_and_content_unchanged=goals_and_content_unchanged,
        approved_total=project.approved_total_investment, spent_total=selectors.disbursed_total(project),
        created_by=actor)
    facts = selectors.surplus_facts(project, today())
    record(actor=actor, action="funding.final_accounts", obj=accounts, project=project,
           after={"settled_on": settled_on, "approved_total": accounts.approved_total,
                  "spent_total": accounts.spent_total, "goals_and_content_unchanged": goals_and_content_unchanged,
                  "surplus": accounts.approved_total - accounts.spent_total if facts else None},
           profile=_profile_label(project))
    return accounts


@transaction.atomic
def surplus_return_add(*, actor, project_id: int, returned_on: date, amount: Decimal,
                       voucher_no: str = "") -> SurplusReturn:
    amount = money(amount)
    project = _unit_project(actor, project_id, stages=COMPLETION_STAGES, what="登记结余资金退回")
    facts = selectors.surplus_facts(project, today())
    if facts is None:
        raise ActionRefused("请先登记竣工财务决算，确定结余资金（第三十六条第二款）")
    outstanding = surplus_outstanding(facts)
    if amount <= 0:
        raise ValidationError({"amount": "退回金额必须大于零"})
    if amount > outstanding:
        raise ValidationError({"amount": f"退回金额超过尚未退回的结余资金 {outstanding:,.2f} 元（第三十六条第二款）"})
    row = SurplusReturn.objects.create(project=project, returned_on=returned_on, amount=amount,
                                       voucher_no=voucher_no, created_by=actor)
    record(actor=actor, action="funding.surplus_returned", obj=row, project=project,
           before={"outstanding": outstanding}, after={"returned_on": returned_on, "amount": amount,
                                                       "outstanding": outstanding - amount},
           profile=_profile_label(project))
    return row


# --- 第三十七条、第三十八条 运维经费预算 -------------------------------------------------------------------


@transaction.atomic
def om_declaration_submit(*, actor, project_id: int, round: str, service_ends_on: date, amount: Decimal,
                          reassessed: bool = False, reassessment_note: str = "") -> OmBudgetDeclaration:
    """The unit declares next year's O&M budget. A continuing round needs the re-assessment (第三十七条第二项);
    the timing and the bars on O&M money are recorded and shown to finance, who decides (第三十八条)."""
    amount = money(amount)
    project = _unit_project(actor, project_id, what="申报运维经费预算")
    if round not in (OmRound.NEW, OmRound.CONTINUING):
        raise ValidationError({"round": "申报情形只能是新建项目维保结束或续运维（第三十七条）"})
    if amount <= 0:
        raise ValidationError({"amount": "申报金额必须大于零"})
    now = today()
    facts = OmBudgetFacts(round=OmRound(round), service_ends_on=service_ends_on, today=now, declared_on=now,
                          reassessed=reassessed)
    profile = profile_for(project, now)
    timing = om_budget_declaration(facts, profile)
    not_reassessed = [f for f in timing if f.rule == "om_needs_reassessed" and f.blocks]
    if not_reassessed:
        raise ActionRefused("；".join(_cited(f) for f in not_reassessed), timing, status=422)
    budget_year = om_budget_declaration_year(facts) + 1
    if OmBudgetDeclaration.objects.filter(project=project, budget_year=budget_year).exclude(
            status=OmDeclarationStatus.REJECTED).exists():
        raise ActionRefused(f"该项目已申报 {budget_year} 年度运维经费预算")
    eligibility = selectors.om_eligibility(project, budget_year, now)
    declaration = OmBudgetDeclaration.objects.create(
        project=project, round=round, service_ends_on=service_ends_on, budget_year=budget_year, declared_on=now,
        amount=amount, reassessed=reassessed, reassessment_note=reassessment_note,
        findings=[f.as_dict() for f in timing + eligibility], profile=profile.version_label, declared_by=actor)
    record(actor=actor, action="funding.om_declared", obj=declaration, project=project,
           after={"round": round, "service_ends_on": service_ends_on, "budget_year": budget_year, "amount": amount,
                  "reassessed": reassessed}, findings=timing + eligibility, profile=profile.version_label)
    return declaration


@transaction.atomic
def om_declaration_decide(*, actor, declaration_id: int, decision: str, opinion: str,
                          approved_amount: Decimal | None = None) -> OmBudgetDeclaration:
    """财政厅审核 (第三十八条). Approval (in full or reduced) is refused while a bar applies (第九条、第三十二条、
    第三十三条、第五十一条) or the declaration missed its year (第三十七条); rejection is always possible."""
    approved_amount = None if approved_amount is None else money(approved_amount)
    if not selectors.is_finance(actor):
        raise PermissionDenied("只有财政厅审核人可以审核运维经费预算申报（第三十八条）")
    try:
        declaration = OmBudgetDeclaration.objects.select_related("project").get(pk=int(declaration_id))
    except (OmBudgetDeclaration.DoesNotExist, TypeError, ValueError) as exc:
        from django.http import Http404

        raise Http404("申报不存在") from exc
    project = get_project_for_user(actor, declaration.project_id, for_update=True)
    declaration = OmBudgetDeclaration.objects.select_for_update().get(pk=declaration.pk)
    declaration.project = project
    if declaration.status != OmDeclarationStatus.SUBMITTED:
        raise ActionRefused(f"该申报已审核（{declaration.get_status_display()}），不能重复审核")
    if decision not in (OmDeclarationStatus.APPROVED, OmDeclarationStatus.REDUCED, OmDeclarationStatus.REJECTED):
        raise ValidationError({"decision": "审核结论只能是审核通过、核减后通过或不予安排"})
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审核意见"})
    findings = selectors.om_declaration_findings(declaration, today())
    if decision != OmDeclarationStatus.REJECTED:
        _refuse_blocking(findings)
    if decision == OmDeclarationStatus.REDUCED:
        if approved_amount is None or not (0 < approved_amount < declaration.amount):
            raise ValidationError({"approved_amount": "核减后的核定金额应大于零且小于申报金额"})
    elif decision == OmDeclarationStatus.APPROVED:
        approved_amount = declaration.amount
    else:
        approved_amount = None
    declaration.status = decision
    declaration.approved_amount = approved_amount
    declaration.opinion = opinion
    declaration.decided_by = actor
    declaration.decided_at = timezone.now()
    declaration.save()
    record(actor=actor, action="funding.om_decided", obj=declaration, project=project,
           before={"status": OmDeclarationStatus.SUBMITTED},
           after={"status": decision, "approved_amount": approved_amount, "opinion": opinion},
           findings=findings, profile=_profile_label(project))
    return declaration


# --- 第三十九条–第四十三条 政府采购 -------------------------------------------------------------------------


def procurement_findings(procurement: Procurement, profile) -> list[Finding]:
    facts = selectors.procurement_facts(procurement)
    findings = [procurement_method_allowed(facts), category_determined(facts), comprehensive_scoring_required(facts),
                scoring_scheme_valid(facts, profile), classified_procurement(facts), self_procurement(facts)]
    om = selectors.om_service_facts(procurement) if procurement.pk else None
    if procurement.om_service and om is None:
        from rules.ch06_procurement import OmServiceProcurementFacts

        om = OmServiceProcurementFacts(procurement.service_first_day, procurement.service_last_day, (),
                                       procurement.annual_budget_secured)
    if om is not None:
        findings.extend(om_service_term(om, profile))
    return findings


def _criteria(criteria) -> list[dict]:
    out = []
    for c in criteria or []:
        name = str(c["name"]).strip()
        weight = Decimal(str(c["weight"]))
        if not name or weight < 0:
            raise ValidationError({"criteria": "评分因素须有名称，分值不能为负数"})
        out.append({"name": name, "weight": str(weight)})
    names = [c["name"] for c in out]
    if len(set(names)) != len(names) or "价格" in names:
        raise ValidationError({"criteria": "评分因素名称不能重复，也不能是“价格”"})
    return out


@transaction.atomic
def procurement_create(*, actor, project_id: int, title: str, budget: Decimal, method: str, category: str,
                       determined_category: str = "", category_reason: str = "", method_justification: str = "",
                       classified: bool = False, in_central_catalogue: bool = True, below_threshold: bool = False,
                       works_requiring_tender: bool = False, scoring_method: str = "",
                       price_weight: Decimal | None = None, criteria=None, om_service: bool = False,
                       service_first_day: date | None = None, service_last_day: date | None = None,
                       annual_budget_secured: bool = True) -> Procurement:
    """Records a procurement; refused when the method, the category or the scoring scheme breaks 第三十九条–
    第四十二条 (e.g. a price weight other than the profile's 30 % for goods or 10 % for services)."""
    budget = money(budget)
    project = _unit_project(actor, project_id, what="登记政府采购")
    if om_service and (service_first_day is None or service_last_day is None or service_last_day < service_first_day):
        raise ValidationError({"service_last_day": "运维服务采购须填写服务期首日和末日，末日不能早于首日（第四十二条）"})
    procurement = Procurement(
        project=project, title=title, budget=budget, method=method, category=category,
        determined_category=determined_category or "", category_reason=category_reason,
        method_justification=method_justification, classified=classified,
        in_central_catalogue=in_central_catalogue, below_threshold=below_threshold,
        works_requiring_tender=works_requiring_tender, scoring_method=scoring_method or "",
        price_weight=price_weight, criteria=_criteria(criteria), om_service=om_service,
        service_first_day=service_first_day if om_service else None,
        service_last_day=service_last_day if om_service else None,
        annual_budget_secured=annual_budget_secured, created_by=actor)
    procurement.full_clean(exclude=["project", "created_by"])
    profile = profile_for(project)
    findings = procurement_findings(procurement, profile)
    _refuse_blocking(findings)
    unjustified = [f for f in findings if f.outcome == Outcome.NEEDS_JUSTIFICATION and not method_justification.strip()]
    if unjustified:
        raise ActionRefused("；".join(_cited(f) for f in unjustified), findings, status=422)
    procurement.findings = [f.as_dict() for f in findings]
    procurement.profile = profile.version_label
    procurement.save()
    record(actor=actor, action="funding.procurement_created", obj=procurement, project=project,
           after={"title": title, "budget": budget, "method": method, "category": category,
                  "determined_category": determined_category, "scoring_method": scoring_method,
                  "price_weight": price_weight, "criteria": procurement.criteria, "classified": classified,
                  "om_service": om_service}, findings=findings, profile=profile.version_label)
    return procurement


def _unit_procurement(actor, procurement_id: int, what: str) -> tuple[Project, Procurement]:
    from django.http import Http404

    try:
        project_id = Procurement.objects.values_list("project_id", flat=True).get(pk=int(procurement_id))
    except (Procurement.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("采购不存在") from exc
    project = _unit_project(actor, project_id, what=what)
    return project, Procurement.objects.select_for_update().get(pk=procurement_id)


def _clear_evaluation(procurement: Procurement) -> None:
    if procurement.evaluated_at is not None:
        procurement.evaluated_at = None
        procurement.evaluation = {}
        procurement.lowest_valid_price = None
        procurement.save(update_fields=["evaluated_at", "evaluation", "lowest_valid_price"])
        procurement.bids.update(price_score=None, weighted_scores=[], total=None, rank=None, tied=False)


@transaction.atomic
def bid_add(*, actor, procurement_id: int, bidder: str, price: Decimal, scores: dict | None = None,
            valid: bool = True, invalid_reason: str = "") -> Bid:
    price = money(price)
    project, procurement = _unit_procurement(actor, procurement_id, "登记投标")
    bidder = bidder.strip()
    if price <= 0:
        raise ValidationError({"price": "投标报价必须大于零"})
    if not valid and not invalid_reason.strip():
        raise ValidationError({"invalid_reason": "无效投标须填写无效原因"})
    if procurement.bids.filter(bidder=bidder).exists():
        raise ValidationError({"bidder": f"投标人“{bidder}”已登记"})
    scores = {str(k).strip(): Decimal(str(v)) for k, v in (scores or {}).items()}
    names = [c["name"] for c in procurement.criteria]
    if valid:
        missing = [n for n in names if n not in scores]
        if missing:
            raise ValidationError({"scores": f"缺少评分因素得分：{'、'.join(missing)}"})
        extra = [n for n in scores if n not in names]
        if extra:
            raise ValidationError({"scores": f"评分办法中没有这些评分因素：{'、'.join(extra)}"})
        if any(not Decimal("0") <= s <= Decimal("100") for s in scores.values()):
            raise ValidationError({"scores": "各评分因素得分应在 0 至 100 之间"})
    _clear_evaluation(procurement)
    bid = Bid(procurement=procurement, bidder=bidder, price=price, scores={k: str(v) for k, v in scores.items()},
              valid=valid, invalid_reason="" if valid else invalid_reason.strip(), created_by=actor)
    bid.full_clean(exclude=["procurement", "created_by"])
    bid.save()
    record(actor=actor, action="funding.bid_added", obj=bid, project=project,
           after={"procurement": procurement.pk, "bidder": bidder, "price": price, "scores": bid.scores,
                  "valid": valid, "invalid_reason": bid.invalid_reason})
    return bid


@transaction.atomic
def procurement_evaluate(*, actor, procurement_id: int) -> Procurement:
    """综合评分法评审 (第三十九条第二款): price scores, totals and ranks from ``evaluate_bids``, stored on the bids."""
    project, procurement = _unit_procurement(actor, procurement_id, "评审投标")
    if procurement.evaluated_at is not None:
        # SECURITY.md R35: finalising the scores happens once; a new or changed bid clears the result
        # (_clear_evaluation), so only a repeat of the same finalisation is refused, under the row lock.
        raise ActionRefused("综合得分和排名已计算（可能已被他人处理），投标未发生变化，无需重复计算")
    profile = profile_for(project)
    try:
        evaluation = evaluate_bids(selectors.procurement_facts(procurement), selectors.rule_bids(procurement), profile)
    except ValueError as exc:
        raise ActionRefused(f"{exc}（{Citation(39, paragraph=2).label}）", status=422) from exc
    _refuse_blocking([evaluation.finding])
    bids = {b.bidder: b for b in procurement.bids.all()}
    for result in evaluation.results:
        bid = bids[result.bidder]
        bid.price_score = result.price_score
        bid.weighted_scores = [[name, str(score)] for name, score in result.weighted_scores]
        bid.total = result.total
        bid.rank = result.rank
        bid.tied = result.tied
        bid.save(update_fields=["price_score", "weighted_scores", "total", "rank", "tied"])
    procurement.evaluation = evaluation.finding.as_dict()
    procurement.lowest_valid_price = evaluation.lowest_valid_price
    procurement.evaluated_at = timezone.now()
    procurement.save(update_fields=["evaluation", "lowest_valid_price", "evaluated_at"])
    record(actor=actor, action="funding.bids_evaluated", obj=procurement, project=project,
           after={"lowest_valid_price": evaluation.lowest_valid_price,
                  "ranking": [[r.bidder, r.total, r.rank, r.tied] for r in evaluation.ranked]},
           findings=[evaluation.finding], profile=profile.version_label)
    # SECURITY.md R34: the evaluation result (scores, totals, ranks) is signed (SM2) in the same transaction.
    sign_decision(kind=DecisionKind.SCORING, obj=procurement, actor=actor)
    return procurement


@transaction.atomic
def om_contract_add(*, actor, procurement_id: int, first_day: date, last_day: date, amount: Decimal) -> OmContract:
    """运维服务合同分年签订 (第四十二条): refused when the contract spans more than a year or the term is exceeded."""
    amount = money(amount)
    project, procurement = _unit_procurement(actor, procurement_id, "登记运维服务合同")
    if not procurement.om_service:
        raise ActionRefused("该采购不是运行维护服务采购（第四十二条）")
    if last_day < first_day:
        raise ValidationError({"last_day": "合同期末日不能早于首日"})
    from rules.ch06_procurement import ContractPeriod, OmServiceProcurementFacts

    existing = selectors.om_service_facts(procurement)
    facts = OmServiceProcurementFacts(
        first_day=existing.first_day, last_day=max(existing.last_day, last_day),
        contracts=existing.contracts + (ContractPeriod(first_day, last_day),),
        annual_budget_secured=existing.annual_budget_secured)
    findings = om_service_term(facts, profile_for(project))
    _refuse_blocking(findings)
    contract = OmContract.objects.create(procurement=procurement, first_day=first_day, last_day=last_day,
                                         amount=amount, created_by=actor)
    record(actor=actor, action="funding.om_contract_added", obj=contract, project=project,
           after={"procurement": procurement.pk, "first_day": first_day, "last_day": last_day, "amount": amount},
           findings=findings)
    return contract


@transaction.atomic
def ocds_export(*, actor, project_id: int, uri: str) -> tuple[Project, bytes]:
    """The project's OCDS release package (.json) for whoever may see the project (404 otherwise); every
    export is audited (SECURITY.md 14)."""
    from . import ocds, selectors

    project = get_project_for_user(actor, project_id)
    procurements = selectors.project_procurements(project)
    content = ocds.dumps(ocds.release_package(procurements, uri=uri))
    record(actor=actor, action="funding.ocds_exported", obj=project, project=project,
           after={"format": "json", "bytes": len(content)})
    return project, content
