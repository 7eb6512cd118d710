"""The project's 绩效与监督 page, the portfolio, the rectifications list and the year-end run.
Each action calls one service; no decisions here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import OrgKind
from projects.selectors import can_see_portfolio, get_project_for_user
from projects.services import ActionRefused, profile_for
from rules.ch08_security import acceptance_security_review, security_plans, security_sanctions
from web.actions import Action, run_posted_action

from . import forms, selectors, services
from .models import SecurityProfile


def _unit(stages=selectors.UNIT_STAGES):
    return lambda user, project: selectors.is_unit_member(user, project) and project.stage in stages


def _body(kinds):
    return lambda user, project: selectors.is_body(user, kinds) and project.stage in selectors.APPROVED_STAGES


LIVE_STAGES = ("trial_run", "acceptance_applied", "accepted", "acceptance_failed")


def _monitoring(actor, pid, d):
    r = services.monitoring_report_submit(actor=actor, project_id=pid, **d)
    return f"已提交 {r.year} 年度绩效监控报告（报省发展改革委、财政厅，第四十五条）。"


def _go_live(actor, pid, d):
    services.go_live_record(actor=actor, project_id=pid, **d)
    return "已登记投入运行日期。"


def _self_evaluation(actor, pid, d):
    e = services.self_evaluation_file(actor=actor, project_id=pid, **d)
    return f"已提交自评价：{e.findings[0]['message']}（第四十六条）"


def _evaluation(actor, pid, d):
    services.evaluation_record(actor=actor, project_id=pid, **d)
    return "已登记评价（第四十六条）。"


def _post_evaluation(actor, pid, d):
    services.post_evaluation_record(actor=actor, project_id=pid, **d)
    return "已登记后评价（第四十六条）。"


def _supervision(actor, pid, d):
    f = services.supervision_finding_record(actor=actor, project_id=pid, **d)
    return f"已记录监督发现，要求项目单位于 {f.rectification.due_on} 前完成整改（第四十七条）。"


def _rect_report(actor, pid, d):
    services.rectification_report(actor=actor, rectification_id=d["rectification_id"], report=d["report"])
    return "已报送整改情况，待复查。"


def _recheck(actor, pid, d):
    r = services.rectification_recheck(actor=actor, rectification_id=d["rectification_id"], passed=d["passed"],
                                       note=d["note"])
    return "复查结论：符合要求。" if r.recheck_passed else "复查结论：整改后仍不符合要求。"


def _escalate(actor, pid, d):
    made = services.escalate(actor=actor, rectification_id=d["rectification_id"], decision=d["decision"],
                             new_due_on=d["new_due_on"])
    return f"已决定“{made.get_step_display()}”（第四十七条）。"


def _audit(actor, pid, d):
    services.audit_finding_record(actor=actor, project_id=pid, **d)
    return "已记录审计发现（第四十七条第二款）。"


def _misconduct(actor, pid, d):
    services.misconduct_record(actor=actor, project_id=pid, **d)
    return "已记录责任追究（第四十八条）。"


def _resource(actor, pid, d):
    services.resource_add(actor=actor, project_id=pid, **d)
    return "已登记信息资源（第二十条）。"


def _feedback(actor, pid, d):
    services.feedback_add(actor=actor, resource_id=d["resource_id"], text=d["text"])
    return "已反馈共享信息使用情况（第十一条）。"


def _violation(actor, pid, d):
    v = services.sharing_violation_record(actor=actor, project_id=pid, **d)
    return f"已认定数据共享违规，{v.year + 1} 年度按第三十三条处理。"


def _unit_security(actor, pid, d):
    services.security_profile_save(actor=actor, project_id=pid, **d)
    return "已登记安全情况。"


def _body_security(actor, pid, d):
    services.security_profile_save(actor=actor, project_id=pid, **d)
    return "已登记监管认定（第四十九条、第五十一条）。"


ACTIONS: dict[str, Action] = {
    "monitoring": Action("提交年度绩效监控报告（第四十五条）", forms.MonitoringReportForm, _monitoring, _unit()),
    "go_live": Action("登记投入运行日期（第四十六条）", forms.GoLiveForm, _go_live, _unit(LIVE_STAGES)),
    "self_evaluation": Action("提交自评价（第四十六条）", forms.SelfEvaluationForm, _self_evaluation, _unit(LIVE_STAGES)),
    "evaluation": Action("登记主管部门评价（第四十六条）", forms.EvaluationForm, _evaluation,
                         _body(selectors.EVALUATION_BODIES)),
    "post_evaluation": Action("登记后评价（第四十六条）", forms.PostEvaluationForm, _post_evaluation,
                              _body(selectors.POST_EVALUATION_BODIES)),
    "supervision": Action("记录监督发现并要求限期整改（第四十七条）", forms.SupervisionFindingForm, _supervision,
                          _body(selectors.SUPERVISION_BODIES)),
    "audit_finding": Action("记录审计发现（第四十七条第二款）", forms.AuditFindingForm, _audit,
                            _body((OrgKind.AUDIT_OFFICE,))),
    "misconduct": Action("认定责任（第四十八条）", forms.MisconductForm, _misconduct,
                         _body(selectors.SUPERVISION_BODIES + (OrgKind.AUDIT_OFFICE,))),
    "resource": Action("登记信息资源（第十一条、第二十条）", forms.ResourceForm, _resource, _unit()),
    "sharing_violation": Action("认定数据共享违规（第三十三条）", forms.SharingViolationForm, _violation,
                                _body(selectors.SHARING_BODIES)),
    "unit_security": Action("登记安全情况（第四十九条、第五十条）", forms.UnitSecurityForm, _unit_security, _unit()),
    "body_security": Action("登记监管认定（第五十一条）", forms.BodySecurityForm, _body_security,
                            _body(selectors.SECURITY_BODIES)),
    "rect_report": Action("报送整改情况", forms.RectificationReportForm, _rect_report, lambda u, p: False),
    "recheck": Action("复查", forms.RecheckForm, _recheck, lambda u, p: False),
    "escalate": Action("决定处理措施", forms.EscalationForm, _escalate, lambda u, p: False,
                       confirm="处理措施决定后不能撤回，确定？"),
    "feedback": Action("反馈使用情况", forms.FeedbackForm, _feedback, lambda u, p: False),
}
PAGE_ACTIONS = ("monitoring", "go_live", "self_evaluation", "evaluation", "post_evaluation", "supervision",
                "audit_finding", "misconduct", "resource", "sharing_violation", "unit_security", "body_security")
PER_ROW = {"rect_report": "rectification_id", "recheck": "rectification_id", "escalate": "rectification_id",
           "feedback": "resource_id"}


def rectification_rows(user, rectifications, today, bound: dict | None = None) -> list[dict]:
    bound = bound or {}
    rows = []
    for r in rectifications:
        project = r.finding.project
        esc = selectors.escalation(r, today)
        row = {"row": r, "project": project, "escalation": esc, "due_on": selectors.current_due_on(r),
               "decisions": list(r.decisions.all())}
        if selectors.is_unit_member(user, project) and (r.rectified_on is None or r.recheck_passed is False):
            row["report_form"] = bound.get(f"rect_report:{r.pk}") or forms.RectificationReportForm(
                initial={"rectification_id": r.pk})
        if selectors.may_decide(user, r):
            if r.rectified_on is not None and r.recheck_passed is None:
                row["recheck_form"] = bound.get(f"recheck:{r.pk}") or forms.RecheckForm(
                    initial={"rectification_id": r.pk})
            if esc.step is not None:
                row["escalate_form"] = bound.get(f"escalate:{r.pk}") or forms.EscalationForm(
                    initial={"rectification_id": r.pk})
        # A refused submission is shown again with its input, whatever the state now.
        for key, name in (("rect_report", "report_form"), ("recheck", "recheck_form"), ("escalate", "escalate_form")):
            if f"{key}:{r.pk}" in bound:
                row[name] = bound[f"{key}:{r.pk}"]
        rows.append(row)
    return rows


def _security_context(user, project, bound):
    profile = selectors.security_profile(project)
    facts = selectors.security_facts(project, profile)
    ctx = {"security": profile, "security_findings": [], "security_sanctions": []}
    if facts is not None:
        ctx["security_findings"] = security_plans(facts) + acceptance_security_review(facts, profile_for(project))
        ctx["security_sanctions"] = security_sanctions(facts)
    if profile is not None:
        initial_unit = {f: getattr(profile, f) for f in services.UNIT_SECURITY_FIELDS}
        initial_body = {f: getattr(profile, f) for f in services.BODY_SECURITY_FIELDS}
    else:
        defaults = SecurityProfile()
        initial_unit = {f: getattr(defaults, f) for f in services.UNIT_SECURITY_FIELDS}
        initial_body = {}
    ctx["security_initial"] = {"unit_security": initial_unit, "body_security": initial_body}
    return ctx


def _context(request, project, bound: dict | None = None, refusal: ActionRefused | None = None):
    today = services.today()
    bound = bound or {}
    user = request.user
    security = _security_context(user, project, bound)
    available = []
    for key in PAGE_ACTIONS:
        spec = ACTIONS[key]
        if not spec.allowed(user, project):
            continue
        if key == "go_live" and selectors.accepted_on(project) is not None:
            continue
        form = bound.get(key) or spec.form(initial=security["security_initial"].get(key))
        available.append({"key": key, "action": spec, "form": form})
    resources = []
    for res in selectors.visible_resources(user, project):
        item = {"row": res, "feedback": list(res.feedback.select_related("organisation"))}
        if user.organisation_id and res.sharing_type != "not_shared" and not selectors.is_unit_member(user, project):
            item["form"] = bound.get(f"feedback:{res.pk}") or forms.FeedbackForm(initial={"resource_id": res.pk})
        resources.append(item)
    return {
        "project": project, "today": today, "refusal": refusal,
        "reports": project.monitoring_reports.select_related("submitted_by").order_by("-year"),
        "monitoring": selectors.monitoring_findings(project, today), "risk": selectors.risk(project, today),
        "went_live_on": selectors.went_live_on(project), "accepted_on": selectors.accepted_on(project),
        "self_evaluation_status": selectors.self_evaluation_status(project, today),
        "self_evaluations": project.self_evaluations.all(),
        "evaluations": project.evaluations.select_related("body"),
        "post_evaluations": project.post_evaluations.select_related("body"),
        "rectifications": rectification_rows(user, selectors.project_rectifications(project), today, bound),
        "audit_findings": project.audit_findings.all(),
        "misconduct": project.misconduct_findings.select_related("body"),
        "resources": resources,
        "violations": project.sharing_violations.select_related("body"),
        "sanctions": selectors.project_sanctions(project, today.year),
        **security, "available": available,
    }


def _status(refusal: ActionRefused | None) -> int:
    if refusal is None:
        return 422
    return refusal.status if refusal.status in (403, 404, 409) else 409


@login_required
@require_http_methods(["GET"])
def project_page(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    return render(request, "oversight/project.html", _context(request, project))


@login_required
@require_http_methods(["POST"])
def act(request, project_id: int, action: str):
    project = get_project_for_user(request.user, project_id)
    back_to_list = request.POST.get("return_to") == "rectifications"
    posted = run_posted_action(request, project, ACTIONS, action, PER_ROW, permission_denied_refuses=True)
    if posted.done:
        if back_to_list:
            return redirect("oversight:rectifications")
        return redirect("oversight:project", project_id=project.pk)
    bound, status = {posted.key: posted.form}, _status(posted.refusal)
    if back_to_list:
        return _rectifications_page(request, bound, posted.refusal, status=status)
    return render(request, "oversight/project.html", _context(request, project, bound, posted.refusal), status=status)


@login_required
@require_http_methods(["GET"])
def portfolio(request):
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有领导小组及其办公室、省发展改革委、财政厅、省大数据中心、审计厅可以查看项目组合")
    today = services.today()
    return render(request, "oversight/portfolio.html", {"today": today,
                                                         "rows": selectors.portfolio(request.user, today)})


def _rectifications_page(request, bound=None, refusal=None, status=200):
    today = services.today()
    rows = rectification_rows(request.user, selectors.visible_rectifications(request.user), today, bound)
    return render(request, "oversight/rectifications.html", {"today": today, "rows": rows, "refusal": refusal},
                  status=status)


@login_required
@require_http_methods(["GET"])
def rectifications(request):
    return _rectifications_page(request)


@login_required
@require_http_methods(["GET"])
def monitoring(request):
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有省发展改革委、财政厅等审核部门和审计人员可以查看年底检查")
    today = services.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    missing = selectors.monitoring_run(year, today)
    return render(request, "oversight/monitoring.html", {
        "today": today, "year": year, "missing": missing, "overdue": [m for m in missing if m.overdue],
        "years": list(range(today.year - 3, today.year + 1))})


def _shared_page(request, bound=None, status=200):
    bound = bound or {}
    rows = [{"row": r, "feedback": list(r.feedback.select_related("organisation").order_by("recorded_on", "pk")),
             "form": bound.get(r.pk) or forms.FeedbackForm(initial={"resource_id": r.pk})}
            for r in selectors.shared_with_unit(request.user)]
    return render(request, "oversight/shared.html", {"rows": rows}, status=status)


@login_required
@require_http_methods(["GET"])
def shared(request):
    """第十一条: other units' shared information resources, with the feedback on their use."""
    return _shared_page(request)


@login_required
@require_http_methods(["POST"])
def shared_feedback(request, resource_id: int):
    data = request.POST.copy()
    data["resource_id"] = resource_id
    form = forms.FeedbackForm(data)
    if form.is_valid():
        try:
            services.feedback_add(actor=request.user, resource_id=resource_id, text=form.cleaned_data["text"])
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        else:
            messages.success(request, "已反馈共享信息使用情况（第十一条）。")
            return redirect("oversight:shared")
    return _shared_page(request, {resource_id: form}, status=422)
