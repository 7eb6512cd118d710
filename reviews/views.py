"""Pages of centralized review, the annual list, the approval application, opinions and approval.

Views parse input and call one service; who may act is checked here (to show the right forms)
and again in the service (which decides).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import OrgKind, Role
from oversight.selectors import performance_summary
from policy.parameters import BODY_KINDS
from projects.models import Stage
from projects.selectors import can_see_portfolio, get_project_for_user, visible_projects
from projects.services import ActionRefused, profile_for

from . import selectors, services
from .forms import (
    ApplicationForm,
    ApprovalForm,
    ConclusionForm,
    DecisionForm,
    DesignForm,
    EvaluationForm,
    FeasibilityApprovalForm,
    OpinionAnswerForm,
    PartFormSet,
    ProvincialGovernmentForm,
)
from .models import ApprovalApplication, ApprovalPath, Evaluation, OpinionRequest


def _is(user, *kinds) -> bool:
    return user.has_role(Role.REVIEWER) and user.org_kind in kinds


def _unit_member(user, project) -> bool:
    return user.organisation_id == project.unit_id and user.has_role(Role.FILER, Role.UNIT_HEAD)


def _error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return list(exc.messages)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


# --- queue ------------------------------------------------------------------------------------

@login_required
@require_GET
def queue(request):
    """Each body's review work: centralized review, approvals (DRC), opinions asked of the body."""
    user = request.user
    if not user.has_role(Role.REVIEWER):
        raise PermissionDenied("审查审批工作台供各审核部门的审核人使用")
    show_all = request.GET.get("show") == "all"
    context = {
        "body_label": BODY_KINDS.get(user.org_kind or "", str(user.organisation or "")),
        "review_rows": selectors.centralized_review_queue(user),
        "is_office": user.org_kind == OrgKind.LEADING_GROUP_OFFICE,
        "is_drc": user.org_kind == OrgKind.DRC,
        "approval_rows": list(selectors.approval_queue(user)[:200]),
        "opinions": list(selectors.opinion_queue(user, pending_only=not show_all)[:200]),
        "show_all": show_all,
        "years": selectors.annual_list_years(user) if can_see_portfolio(user) else [],
    }
    return render(request, "reviews/queue.html", context)


# --- one project ------------------------------------------------------------------------------

def _review_context(request, project, **extra) -> dict:
    user = request.user
    application = ApprovalApplication.objects.filter(project=project).first()
    opinions = list(OpinionRequest.objects.filter(project=project).select_related("body", "answered_by")
                    .order_by("body__code"))
    evaluation = Evaluation.objects.filter(project=project).first()
    approval = getattr(project, "approval", None) if project.stage not in (Stage.DRAFT, Stage.SUBMITTED) else None
    profile = profile_for(project)
    review_bodies = profile.value("centralized_review.bodies")
    submitted = project.stage == Stage.SUBMITTED
    under_approval = project.stage == Stage.UNDER_APPROVAL
    is_drc = _is(user, OrgKind.DRC)
    context = {
        "project": project,
        "profile_label": profile.version_label,
        "review_table": selectors.centralized_review_table(project),
        "declaration": selectors.declaration_summary(project),
        "can_conclude": submitted and _is(user, *review_bodies),
        "can_decide": submitted and _is(user, OrgKind.LEADING_GROUP_OFFICE),
        "review_finding": services._review_complete(project) if submitted else None,
        "application": application,
        "application_findings": services.application_findings(application) if application else [],
        "parts": list(application.parts.select_related("department")) if application else [],
        "city_links": list(application.city_links.select_related("city_project__unit")) if application else [],
        "can_edit_application": project.stage == Stage.LISTED and _unit_member(user, project),
        "opinions": opinions,
        "my_opinion": next((o for o in opinions if o.body_id == user.organisation_id), None)
        if user.has_role(Role.REVIEWER) else None,
        "missing_bodies": [BODY_KINDS[k] for k in profile.value("opinion.bodies")
                           if k not in {o.body.kind for o in opinions}],
        "evaluation": evaluation,
        # 第四十六条: the unit's performance results weigh in the review of its declarations.
        "performance": performance_summary(project.unit),
        "approval": approval,
        "is_drc": is_drc,
        "under_approval": under_approval,
        "two_stage": bool(application and application.path == ApprovalPath.TWO_STAGE),
        "can_submit_design": under_approval and application is not None and application.path == ApprovalPath.TWO_STAGE
        and application.feasibility_approved and _unit_member(user, project),
    }
    if context["can_conclude"]:
        mine = next((row["conclusion"] for row in context["review_table"] if row["kind"] == user.org_kind), None)
        context["conclusion_form"] = ConclusionForm(initial={"conclusion": mine.conclusion, "text": mine.text}
                                                    if mine else None)
    if context["can_decide"]:
        context["decision_form"] = DecisionForm()
    if under_approval and is_drc:
        context["approval_findings"] = services.approval_findings(project)
        context["evaluation_form"] = EvaluationForm(initial={
            "evaluator_kind": evaluation.evaluator_kind, "evaluator": evaluation.evaluator,
            "conclusion": evaluation.conclusion, "text": evaluation.text, "evaluated_on": evaluation.evaluated_on,
        } if evaluation else None)
        context["pg_form"] = ProvincialGovernmentForm(initial={
            "required": application.provincial_government_required,
            "reason": application.provincial_government_reason,
            "agreed_on": application.provincial_government_agreed_on,
            "reference": application.provincial_government_reference})
        context["approval_form"] = ApprovalForm(initial={
            "approved_total_investment": (application.design_budget_estimate or application.total_investment),
            "approved_content": application.summary})
        if context["two_stage"] and not application.feasibility_approved:
            context["feasibility_form"] = FeasibilityApprovalForm(initial={
                "approved_investment": application.total_investment})
    context.update(extra)
    return context


def _render_project(request, pk, status=200, **extra):
    project = get_project_for_user(request.user, pk)
    return render(request, "reviews/project.html", _review_context(request, project, **extra), status=status)


@login_required
@require_GET
def project_review(request, pk: int):
    return _render_project(request, pk)


def _act(request, pk, action, success):
    """Run one service; refusals are shown on the project page with their findings and article."""
    try:
        result = action()
    except ActionRefused as exc:
        return _render_project(request, pk, status=exc.status, refusal=exc)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
        return redirect("reviews:project", pk=pk)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("reviews:project", pk=pk)


@login_required
@require_POST
def conclusion(request, pk: int):
    form = ConclusionForm(request.POST)
    if not form.is_valid():
        get_project_for_user(request.user, pk)  # SECURITY.md 9: another unit's project is 404 before any input check
        _form_errors(request, form)
        return redirect("reviews:project", pk=pk)
    # Valid input: the service's own get_project_for_user is its first step, so another unit's project is still a
    # 404 before anything else is checked (SECURITY.md 9) — without reading the project twice (issue #8).
    return _act(request, pk, lambda: services.conclusion_record(actor=request.user, project_id=pk, **form.cleaned_data),
                "已记录集中审查结论")


@login_required
@require_POST
def decision(request, pk: int):
    get_project_for_user(request.user, pk)  # SECURITY.md 9
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reviews:project", pk=pk)
    choice, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    if choice == "list":
        return _act(request, pk, lambda: services.annual_list_put_on(actor=request.user, project_id=pk),
                    "已列入年度政务信息化项目清单")
    if choice == "leave_off":
        return _act(request, pk, lambda: services.annual_list_leave_off(actor=request.user, project_id=pk,
                                                                        reason=reason), "已决定不列入清单")
    return _act(request, pk, lambda: services.return_for_revision(actor=request.user, project_id=pk, reason=reason),
                "已退回项目单位修改")


# --- the annual list --------------------------------------------------------------------------

@login_required
@require_GET
def annual_lists(request):
    return render(request, "reviews/annual_lists.html", {
        "years": selectors.annual_list_years(request.user),
        "can_fix": _is(request.user, OrgKind.LEADING_GROUP_OFFICE)})


def _list_context(request, year: int) -> dict:
    projects = list(selectors.annual_list_projects(request.user, year))
    return {"year": year, "projects": projects, "totals": selectors.annual_list_totals(projects),
            "fixed": selectors.annual_list_for(year), "can_fix": _is(request.user, OrgKind.LEADING_GROUP_OFFICE),
            "pending": visible_projects(request.user).filter(year=year, stage=Stage.SUBMITTED).count()}


@login_required
@require_GET
def annual_list(request, year: int):
    context = _list_context(request, year)
    template = "reviews/annual_list_print.html" if request.GET.get("print") else "reviews/annual_list.html"
    return render(request, template, context)


@login_required
@require_GET
def annual_list_xlsx(request, year: int):
    content = services.annual_list_export(actor=request.user, year=year)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="annual-list-{year}.xlsx"'
    return response


@login_required
@require_POST
def annual_list_fix(request, year: int):
    try:
        annual = services.annual_list_fix(actor=request.user, year=year)
    except ActionRefused as exc:
        context = _list_context(request, year) | {"refusal": exc}
        return render(request, "reviews/annual_list.html", context, status=exc.status)
    messages.success(request, f"已确定 {year} 年度政务信息化项目清单（{annual.number}）")
    return redirect("reviews:annual_list", year=year)


# --- the approval application (unit) ----------------------------------------------------------

def _part_inputs(formset) -> list[services.PartInput]:
    parts = []
    for data in formset.cleaned_data:
        if data and data.get("department"):
            parts.append(services.PartInput(department_id=data["department"].pk, is_lead=data["is_lead"],
                                            scope=data["scope"], business_flows=data["business_flows"],
                                            data_flows=data["data_flows"], interfaces=data["interfaces"]))
    return parts


def _application_initial(project, application):
    if application is not None:
        return None, [{"department": p.department_id, "is_lead": p.is_lead, "scope": p.scope,
                       "business_flows": p.business_flows, "data_flows": p.data_flows, "interfaces": p.interfaces}
                      for p in application.parts.all()], "\n".join(
            link.city_project.number for link in application.city_links.select_related("city_project"))
    # A new application starts from what the unit declared (第二十三条、第十条 facts).
    initial = {"total_investment": project.total_investment,
               "path": ApprovalPath.PURCHASED_SERVICE if project.delivery_mode == "purchased_service"
               else ApprovalPath.TWO_STAGE}
    declaration = getattr(project, "declaration", None) if hasattr(project, "declaration") else None
    city = ""
    if declaration is not None:
        initial.update({"has_new_civil_works": getattr(declaration, "has_new_civil_works", False),
                        "is_high_energy_use": getattr(declaration, "has_high_energy_use", False),
                        "needs_city_collaboration": getattr(declaration, "needs_city_collaboration", False)})
        city = "\n".join(getattr(declaration, "linked_city_projects", []) or [])
    return initial, [{"department": project.unit_id, "is_lead": True}], city


@login_required
@require_http_methods(["GET", "POST"])
def application(request, pk: int):
    project = get_project_for_user(request.user, pk)
    if not _unit_member(request.user, project):
        raise PermissionDenied("审批申请由本项目单位的填报人或负责人填写")
    existing = ApprovalApplication.objects.filter(project=project).first()
    if project.stage != Stage.LISTED:
        messages.error(request, f"项目处于“{project.get_stage_display()}”阶段，只有已列入年度清单、尚未报送审批的项目可以填写审批申请")
        return redirect("reviews:project", pk=pk)
    initial, parts_initial, city = _application_initial(project, existing)
    form = ApplicationForm(request.POST or None, instance=existing, initial=(initial or {}) | {"city_projects": city})
    formset = PartFormSet(request.POST or None, prefix="parts", initial=parts_initial)
    context = {"project": project, "form": form, "formset": formset, "application": existing,
               "findings": services.application_findings(existing) if existing else []}
    if request.method == "POST":
        if not (form.is_valid() and formset.is_valid()):
            return render(request, "reviews/application.html", context, status=200)
        try:
            application_, findings = services.application_save(
                actor=request.user, project_id=pk, data=form.application_data(),
                parts=_part_inputs(formset) if form.cleaned_data["is_cross_department"] else [],
                city_projects=form.city_project_numbers())
        except ValidationError as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
            return render(request, "reviews/application.html", context)
        if request.POST.get("action") == "submit":
            try:
                services.approval_submit(actor=request.user, project_id=pk)
            except ActionRefused as exc:
                return render(request, "reviews/application.html",
                              context | {"application": application_, "findings": findings, "refusal": exc},
                              status=exc.status)
            messages.success(request, "已报送审批")
            return redirect("reviews:project", pk=pk)
        messages.success(request, "已保存审批申请")
        return redirect("reviews:application", pk=pk)
    return render(request, "reviews/application.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def design(request, pk: int):
    project = get_project_for_user(request.user, pk)
    if not _unit_member(request.user, project):
        raise PermissionDenied("初步设计方案由本项目单位报送")
    application_ = ApprovalApplication.objects.filter(project=project).first()
    if application_ is None or application_.path != ApprovalPath.TWO_STAGE:
        raise Http404("该项目不按两阶段报批")
    if project.stage != Stage.UNDER_APPROVAL or not application_.feasibility_approved:
        messages.error(request, "初步设计方案在可行性研究报告批复后、项目批复前报送（第十八条第一款）")
        return redirect("reviews:project", pk=pk)
    initial = {"budget_estimate": application_.design_budget_estimate or application_.feasibility_approved_investment,
               "has_integration_sharing_chapter": application_.design_has_integration_sharing_chapter,
               "content_exceeds_feasibility": application_.design_content_exceeds_feasibility,
               "has_adjustment_chapter": application_.design_has_adjustment_chapter,
               "adjustment_text": application_.design_adjustment_text,
               "is_major_change": application_.design_is_major_change}
    form = DesignForm(request.POST or None, initial=initial)
    context = {"project": project, "application": application_, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            services.preliminary_design_submit(actor=request.user, project_id=pk, **form.cleaned_data)
        except ActionRefused as exc:
            return render(request, "reviews/design.html", context | {"refusal": exc}, status=exc.status)
        except ValidationError as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
            return render(request, "reviews/design.html", context)
        messages.success(request, "已报送初步设计方案（含投资概算）")
        return redirect("reviews:project", pk=pk)
    return render(request, "reviews/design.html", context)


# --- DRC actions ------------------------------------------------------------------------------

def _drc_form(request, pk, form_class, action, success):
    get_project_for_user(request.user, pk)  # SECURITY.md 9
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reviews:project", pk=pk)
    return _act(request, pk, lambda: action(form.cleaned_data), success)


@login_required
@require_POST
def feasibility(request, pk: int):
    return _drc_form(request, pk, FeasibilityApprovalForm,
                     lambda d: services.feasibility_approve(actor=request.user, project_id=pk, **d),
                     lambda a: f"已批复可行性研究报告（{a.feasibility_approval_number}）")


@login_required
@require_POST
def request_opinions(request, pk: int):
    return _act(request, pk, lambda: services.opinions_request(actor=request.user, project_id=pk),
                lambda created: f"已向{'、'.join(o.body.name for o in created)}书面征求意见")


@login_required
@require_POST
def evaluation(request, pk: int):
    return _drc_form(request, pk, EvaluationForm,
                     lambda d: services.evaluation_record(actor=request.user, project_id=pk, **d), "已记录评估论证结论")


@login_required
@require_POST
def provincial_government(request, pk: int):
    return _drc_form(request, pk, ProvincialGovernmentForm,
                     lambda d: services.provincial_government_mark(actor=request.user, project_id=pk, **d),
                     "已更新报省政府审定情况")


@login_required
@require_POST
def approve(request, pk: int):
    return _drc_form(request, pk, ApprovalForm,
                     lambda d: services.approve(actor=request.user, project_id=pk, **d),
                     lambda a: f"已批复（{a.number}）")


@login_required
@require_GET
def approval_pdf(request, pk: int):
    approval, content = services.approval_document(actor=request.user, project_id=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="approval-{approval.project.number}.pdf"'
    return response


# --- opinions (each body) ---------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def opinion(request, opinion_id: int):
    opinion_ = services.opinion_for_body(request.user, opinion_id)
    form = OpinionAnswerForm(request.POST or None)
    context = {"opinion": opinion_, "project": opinion_.project, "form": form,
               "application": ApprovalApplication.objects.filter(project=opinion_.project).first()}
    if request.method == "POST" and form.is_valid():
        try:
            services.opinion_answer(actor=request.user, opinion_id=opinion_id, **form.cleaned_data)
        except ActionRefused as exc:
            return render(request, "reviews/opinion.html", context | {"refusal": exc}, status=exc.status)
        except ValidationError as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
            return render(request, "reviews/opinion.html", context)
        messages.success(request, "已出具意见")
        return redirect("reviews:queue")
    return render(request, "reviews/opinion.html", context)
