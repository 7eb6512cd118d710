"""The project's 资金与采购 page, its action forms, the finance page and the OCDS download.
Each action calls one service; no decisions here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oversight.selectors import performance_summary
from projects.selectors import get_project_for_user
from projects.services import ActionRefused
from web.actions import Action, run_posted_action

from . import forms, selectors, services
from .models import OmDeclarationStatus

UNIT_STAGES = services.MONEY_STAGES


def _unit(stages):
    return lambda user, project: selectors.is_unit_member(user, project) and project.stage in stages


def _source(actor, pid, d):
    services.funding_source_add(actor=actor, project_id=pid, **d)
    return "已登记资金来源。"


def _disburse(actor, pid, d):
    services.disbursement_add(actor=actor, project_id=pid, **d)
    return "已登记资金支付。"


def _final(actor, pid, d):
    services.final_accounts_record(actor=actor, project_id=pid, **d)
    return "已登记竣工财务决算，结余资金已确定（第三十六条第二款）。"


def _return(actor, pid, d):
    services.surplus_return_add(actor=actor, project_id=pid, **d)
    return "已登记结余资金退回。"


def _om(actor, pid, d):
    declaration = services.om_declaration_submit(actor=actor, project_id=pid, **d)
    return f"已申报 {declaration.budget_year} 年度运维经费预算，待财政厅审核（第三十八条）。"


def _om_decide(actor, pid, d):
    declaration = services.om_declaration_decide(actor=actor, declaration_id=d["declaration_id"],
                                                 decision=d["decision"], opinion=d["opinion"],
                                                 approved_amount=d["approved_amount"])
    return f"已审核：{declaration.get_status_display()}。"


def _procure(actor, pid, d):
    services.procurement_create(actor=actor, project_id=pid, **d)
    return "已登记政府采购。"


def _bid(actor, pid, d):
    services.bid_add(actor=actor, **d)
    return "已登记投标。"


def _evaluate(actor, pid, d):
    services.procurement_evaluate(actor=actor, procurement_id=d["procurement_id"])
    return "已完成评审计算（第三十九条第二款）。"


def _om_contract(actor, pid, d):
    services.om_contract_add(actor=actor, **d)
    return "已登记运维服务合同（第四十二条）。"


ACTIONS: dict[str, Action] = {
    "source": Action("登记资金来源（第三十五条）", forms.FundingSourceForm, _source, _unit(UNIT_STAGES)),
    "disbursement": Action("登记资金支付（第三十六条）", forms.DisbursementForm, _disburse, _unit(UNIT_STAGES)),
    "final_accounts": Action("登记竣工财务决算", forms.FinalAccountsForm, _final, _unit(services.COMPLETION_STAGES),
                             confirm="决算登记后不能再登记支付，确定？"),
    "surplus_return": Action("登记结余资金退回（第三十六条第二款）", forms.SurplusReturnForm, _return,
                             _unit(services.COMPLETION_STAGES)),
    "om_declaration": Action("申报运维经费预算（第三十七条）", forms.OmDeclarationForm, _om, _unit(UNIT_STAGES)),
    "procurement": Action("登记政府采购（第三十九条）", forms.ProcurementForm, _procure, _unit(UNIT_STAGES)),
    "om_decide": Action("审核运维经费预算（第三十八条）", forms.OmDecisionForm, _om_decide,
                        lambda u, p: selectors.is_finance(u), confirm="审核结论提交后不能更改，确定？"),
    "bid": Action("登记投标", forms.BidForm, _bid, _unit(UNIT_STAGES)),
    "evaluate": Action("计算综合得分和排名", forms.EvaluateForm, _evaluate, _unit(UNIT_STAGES)),
    "om_contract": Action("登记分年运维服务合同", forms.OmContractForm, _om_contract, _unit(UNIT_STAGES)),
}
PAGE_ACTIONS = ("source", "disbursement", "final_accounts", "surplus_return", "om_declaration", "procurement")
PER_ROW = {"om_decide": "declaration_id", "bid": "procurement_id", "evaluate": "procurement_id",
           "om_contract": "procurement_id"}


def _context(request, project, bound: dict | None = None, refusal: ActionRefused | None = None):
    today = services.today()
    bound = bound or {}
    user = request.user
    declarations = []
    for d in project.om_declarations.select_related("decided_by").order_by("-budget_year", "pk"):
        current = selectors.om_declaration_findings(d, today) if d.status == OmDeclarationStatus.SUBMITTED else []
        form = None
        if d.status == OmDeclarationStatus.SUBMITTED and selectors.is_finance(user):
            form = bound.get(f"om_decide:{d.pk}") or forms.OmDecisionForm(initial={"declaration_id": d.pk})
        declarations.append({"row": d, "current": current, "form": form})
    procurements = []
    unit_member = selectors.is_unit_member(user, project) and project.stage in UNIT_STAGES
    for p in selectors.project_procurements(project):
        row = {"row": p, "bids": selectors.ranked_bids(p), "contracts": list(p.om_contracts.all())}
        if unit_member:
            row["bid_form"] = bound.get(f"bid:{p.pk}") or forms.BidForm(initial={"procurement_id": p.pk})
            row["evaluate_form"] = forms.EvaluateForm(initial={"procurement_id": p.pk})
            if p.om_service:
                row["contract_form"] = (bound.get(f"om_contract:{p.pk}")
                                        or forms.OmContractForm(initial={"procurement_id": p.pk}))
        procurements.append(row)
    available = [{"key": key, "action": ACTIONS[key], "form": bound.get(key) or ACTIONS[key].form()}
                 for key in PAGE_ACTIONS if ACTIONS[key].allowed(user, project)]
    return {
        "om_standing": selectors.om_eligibility(project, today.year + 1, today),
        "om_year": today.year + 1,
        # 第四十六条: the unit's performance results weigh in its O&M budget.
        "performance": performance_summary(project.unit, today),
        "unit_bars": selectors.unit_new_project_bars(project, today) if selectors.is_unit_member(user, project)
        else [],
        "project": project, "today": today, "money": selectors.money_summary(project, today),
        "sources": project.funding_sources.all(), "disbursements": project.disbursements.all(),
        "final_accounts": selectors.final_accounts(project), "returns": project.surplus_returns.all(),
        "declarations": declarations, "procurements": procurements, "available": available,
        "refusal": refusal, "not_yet_recorded": selectors.NOT_YET_RECORDED,
    }


@login_required
@require_http_methods(["GET"])
def project_page(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    return render(request, "funding/project.html", _context(request, project))


def _status(refusal: ActionRefused | None) -> int:
    if refusal is not None and refusal.status in (403, 409):
        return refusal.status
    return 422


@login_required
@require_http_methods(["POST"])
def act(request, project_id: int, action: str):
    project = get_project_for_user(request.user, project_id)
    posted = run_posted_action(request, project, ACTIONS, action, PER_ROW)
    if posted.done:
        return redirect("funding:project", project_id=project.pk)
    bound = {posted.key: posted.form}
    return render(request, "funding/project.html", _context(request, project, bound, posted.refusal),
                  status=_status(posted.refusal))


@login_required
@require_http_methods(["GET"])
def finance_page(request):
    if not selectors.can_see_finance_page(request.user):
        raise PermissionDenied("只有财政厅审核人和审计查阅人可以查看此页")
    today = services.today()
    declarations = [{"row": d, "findings": selectors.om_declaration_findings(d, today)}
                    for d in selectors.declarations_to_review()]
    units = {}
    for item in declarations:
        item["blocked"] = any(f.blocks for f in item["findings"])
        unit = item["row"].project.unit
        units.setdefault(unit.pk, unit)
    # 第四十六条: each declaring unit's performance results, beside its O&M budget declarations.
    performance = [{"unit": u, "rows": performance_summary(u, today)}
                   for u in sorted(units.values(), key=lambda u: u.code)]
    return render(request, "funding/finance.html", {
        "performance": performance,
        "today": today, "surpluses": selectors.outstanding_surpluses(today), "declarations": declarations,
        "not_yet_recorded": selectors.NOT_YET_RECORDED})


@login_required
@require_http_methods(["GET"])
def ocds_download(request, project_id: int):
    project, content = services.ocds_export(actor=request.user, project_id=project_id,
                                            uri=request.build_absolute_uri())
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ocds-{project.number}.json"'
    return response
