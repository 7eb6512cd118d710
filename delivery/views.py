"""The project's 建设与验收 page and its action forms. Each action calls one service; no decisions here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from projects.models import Stage
from projects.selectors import can_see_portfolio, get_project_for_user
from projects.services import ActionRefused
from rules.ch04_construction import STANDING_LABELS, acceptance_sanctions, acceptance_standing
from web.actions import Action, run_posted_action

from . import forms, pdf, selectors, services
from .models import (
    AcceptanceDeferral,
    AcceptanceFiling,
    AcceptanceStatus,
    ArchiveEntry,
    ChangeStatus,
    Contract,
    ParticipatingDepartment,
    TerminationRequest,
    TerminationStatus,
    TroubleReport,
)


def _unit(stages):
    return lambda user, project: selectors.is_unit_member(user, project) and project.stage in stages


def _drc(stages):
    return lambda user, project: selectors.is_drc(user) and project.stage in stages


def _start(actor, pid, d):
    services.start_construction(actor=actor, project_id=pid, **d)
    return "已登记开工建设。"


def _contract(actor, pid, d):
    services.contract_add(actor=actor, project_id=pid, **d)
    return "已登记合同。"


def _change(actor, pid, d):
    change = services.change_file(actor=actor, project_id=pid, **d)
    if change.status == ChangeStatus.FILED:
        return "属于项目单位自行调整，已向省发展改革委报备（第二十九条）。"
    return "属于重大调整，已向省发展改革委提交调整申请，批准后方可实施（第二十八条）。"


def _change_decide(actor, pid, d):
    change = services.change_decide(actor=actor, change_id=d["change_id"], approve=d["approve"], note=d["note"])
    return f"调整申请：{change.get_status_display()}。"


def _trouble(actor, pid, d):
    services.trouble_report(actor=actor, project_id=pid, **d)
    return "已向省发展改革委报告（第三十条）。"


def _trouble_respond(actor, pid, d):
    report = services.trouble_respond(actor=actor, report_id=d["report_id"], suspend=d["suspend"], note=d["note"],
                                      rectify_by=d["rectify_by"])
    return f"已处理：{report.get_response_display()}。"


def _resume(actor, pid, d):
    services.resume_construction(actor=actor, project_id=pid, note=d["note"])
    return "已恢复建设。"


def _terminate_request(actor, pid, d):
    services.termination_request(actor=actor, project_id=pid, **d)
    return "已提出终止申请，待省发展改革委核报领导小组。"


def _terminate_report(actor, pid, d):
    services.termination_report(actor=actor, request_id=d["request_id"], note=d["note"])
    return "已核报领导小组。"


def _terminate_decide(actor, pid, d):
    request = services.termination_decide(actor=actor, request_id=d["request_id"], approve=bool(d["approve"]),
                                          note=d["note"])
    return f"终止申请：{request.get_status_display()}。"


def _trial(actor, pid, d):
    services.start_trial_run(actor=actor, project_id=pid, started_on=d["started_on"])
    return "已开始试运行。"


def _apply(actor, pid, d):
    project = services.apply_for_acceptance(actor=actor, project_id=pid,
                                            **forms.AcceptanceApplyForm.service_arguments(d))
    if project.delivery_mode == "purchased_service":
        return "已将项目单位组织验收的结果报省发展改革委审核（第三十一条第三款）。"
    return "已申请验收。"


def _file_acceptance(actor, pid, d):
    services.acceptance_file(actor=actor, project_id=pid, summary=d["summary"])
    return "已向领导小组办公室报备验收情况（第三十一条第一款）。"


def _archive(actor, pid, d):
    upload = d["file"]
    entry = services.archive_add(actor=actor, project_id=pid, category=d["category"], title=d["title"],
                                 reference=d["reference"], dated=d["dated"], name=upload.name, size=upload.size,
                                 fileobj=upload)
    return f"已归档：{entry.title}。"


def _participant(actor, pid, d):
    row = services.participant_add(actor=actor, project_id=pid, **d)
    return f"已登记参建部门：{row.department.name}。"


def _participant_progress(actor, pid, d):
    row = services.participant_progress(actor=actor, participant_id=d["participant_id"],
                                        progress_percent=d["progress_percent"], note=d["note"])
    return f"已登记{row.department.name}的建设进度。"


def _decide(actor, pid, d):
    application = services.acceptance_decide(actor=actor, project_id=pid, passed=d["passed"], opinion=d["opinion"])
    if application.opinion_number:
        return f"验收合格，已出具{application.decision_name} {application.opinion_number}。"
    return "已记录验收不合格（第三十二条）。"


def _defer(actor, pid, d):
    deferral = services.deferral_request(actor=actor, project_id=pid, **d)
    return f"已提出延期验收申请，验收期限延至 {deferral.new_date}。"


def _has_open_termination(status):
    def check(user, project):
        return TerminationRequest.objects.filter(project=project, status=status).exists()
    return check


ACTIONS: dict[str, Action] = {
    "start": Action("开工建设（第二十六条）", forms.StartConstructionForm, _start, _unit((Stage.APPROVED,))),
    "contract": Action("登记合同", forms.ContractForm, _contract,
                       _unit((Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN))),
    "change": Action("提出调整（第二十八条、第二十九条）", forms.ChangeForm, _change,
                     _unit((Stage.APPROVED, Stage.IN_CONSTRUCTION))),
    "change_decide": Action("审批重大调整", forms.ChangeDecisionForm, _change_decide,
                            lambda u, p: selectors.is_drc(u)),
    "trouble": Action("报告严重逾期或重大损失（第三十条）", forms.TroubleForm, _trouble,
                      _unit((Stage.IN_CONSTRUCTION, Stage.SUSPENDED))),
    "trouble_respond": Action("处理问题报告", forms.TroubleResponseForm, _trouble_respond,
                              lambda u, p: selectors.is_drc(u), confirm="确定处理该问题报告？选择暂停将暂停项目建设。"),
    "resume": Action("恢复建设", forms.NoteForm, _resume, _drc((Stage.SUSPENDED,)), confirm="确定恢复项目建设？"),
    "terminate_request": Action("申请终止项目建设（第三十条第二款）", forms.TerminationForm, _terminate_request,
                                _unit((Stage.IN_CONSTRUCTION, Stage.SUSPENDED)), confirm="确定申请终止项目建设？"),
    "terminate_report": Action("核报领导小组", forms.TerminationStepForm, _terminate_report,
                               lambda u, p: selectors.is_drc(u)),
    "terminate_decide": Action("领导小组决定终止", forms.TerminationStepForm, _terminate_decide,
                               lambda u, p: selectors.is_leading_group(u), confirm="同意后项目建设即终止，确定？"),
    "trial_run": Action("完成建设，开始试运行（第三十一条）", forms.TrialRunForm, _trial,
                        _unit((Stage.IN_CONSTRUCTION,))),
    "apply": Action("申请验收（第三十一条）", forms.AcceptanceApplyForm, _apply,
                    _unit((Stage.TRIAL_RUN, Stage.ACCEPTANCE_FAILED))),
    "decide": Action("验收结论（第三十一条）", forms.AcceptanceDecisionForm, _decide,
                     _drc((Stage.ACCEPTANCE_APPLIED,)), confirm="确定提交验收结论？"),
    "defer": Action("延期验收申请（第三十一条第二款）", forms.DeferralForm, _defer,
                    _unit((Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN))),
    "file_acceptance": Action("向领导小组办公室报备验收情况（第三十一条第一款）", forms.AcceptanceFilingForm,
                              _file_acceptance, lambda u, p: selectors.is_unit_member(u, p) and _unfiled(p)),
    "archive": Action("项目档案归档（第二十六条第二款）", forms.ArchiveForm, _archive, _unit(services.ARCHIVE_STAGES)),
    "participant": Action("登记参建部门（第二十七条）", forms.ParticipantForm, _participant,
                          _unit((Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN))),
    "participant_progress": Action("登记参建部门建设进度", forms.ParticipantProgressForm, _participant_progress,
                                   _unit((Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN))),
}
PER_ROW = ("change_decide", "trouble_respond", "terminate_report", "terminate_decide", "participant_progress")


def _unfiled(project) -> bool:
    """A decided acceptance that has not yet been filed with the office (第三十一条第一款)."""
    latest = selectors.latest_acceptance(project)
    return (latest is not None and latest.status != AcceptanceStatus.APPLIED
            and not AcceptanceFiling.objects.filter(application=latest).exists())


def _form(action: Action, project, *args):
    if action.form is forms.AcceptanceApplyForm:
        return action.form(*args, project=project)
    form = action.form(*args)
    if action.form is forms.AcceptanceDecisionForm and project.delivery_mode == "purchased_service":
        form.fields["opinion"].label = "审核意见"  # the DRC reviews the unit's own acceptance (第三十一条第三款)
    return form


def _termination_step_form(request_: TerminationRequest):
    """核报 takes only a note; the 同意/不同意 choice belongs to the leading group's decision."""
    form = forms.TerminationStepForm(initial={"request_id": request_.pk})
    if request_.status == TerminationStatus.REQUESTED:
        del form.fields["approve"]
    return form


def _context(request, project, bound: dict | None = None, refusal: ActionRefused | None = None):
    today = services.today()
    record = selectors.construction_record(project)
    ready_on = selectors.acceptance_ready_on(project, today)
    acceptance = selectors.acceptance_record(project, today)
    bound = bound or {}
    available = []
    for key, action in ACTIONS.items():
        if key in PER_ROW:
            continue
        if action.allowed(request.user, project):
            title = action.title
            if key == "decide" and project.delivery_mode == "purchased_service":
                title = "审核项目单位的验收结果（第三十一条第三款）"
            elif key == "apply" and project.delivery_mode == "purchased_service":
                title = "报送项目单位组织验收的结果（第三十一条第三款）"
            available.append({"key": key, "action": action, "title": title,
                              "form": bound.get(key) or _form(action, project)})
    changes = list(selectors.changes(project))
    pending_changes = [c for c in changes if c.status == ChangeStatus.PENDING_APPROVAL]
    reports = list(TroubleReport.objects.filter(project=project))
    terminations = list(TerminationRequest.objects.filter(project=project))
    participants = list(ParticipatingDepartment.objects.filter(project=project).select_related("department"))
    can_progress = ACTIONS["participant_progress"].allowed(request.user, project)
    latest = selectors.latest_acceptance(project)
    return {
        "participants": [(p, bound.get(f"participant_progress:{p.pk}")
                          or forms.ParticipantProgressForm(initial={"participant_id": p.pk,
                                                                    "progress_percent": p.progress_percent})
                          if can_progress else None) for p in participants],
        "participants_finding": services.participants_finding(project),
        "archive": ArchiveEntry.objects.filter(project=project).select_related("uploaded_by"),
        "filings": AcceptanceFiling.objects.filter(project=project).select_related("application"),
        "purchased": project.delivery_mode == "purchased_service",
        "latest_acceptance": latest,
        "project": project, "record": record, "contracts": Contract.objects.filter(project=project),
        "changes": changes, "reports": reports, "terminations": terminations,
        "deferrals": AcceptanceDeferral.objects.filter(project=project),
        "applications": project.acceptance_applications.all(),
        "ready_on": ready_on, "today": today,
        "due_on": acceptance.due_on if acceptance else None,
        "standing": STANDING_LABELS[acceptance_standing(acceptance, today)] if acceptance else None,
        "sanctions": acceptance_sanctions(acceptance, today) if acceptance else [],
        "available": available,
        "is_drc": selectors.is_drc(request.user), "is_leading_group": selectors.is_leading_group(request.user),
        "change_forms": [(c, bound.get(f"change_decide:{c.pk}") or forms.ChangeDecisionForm(initial={"change_id": c.pk}))
                         for c in pending_changes] if selectors.is_drc(request.user) else [],
        "report_forms": [(r, bound.get(f"trouble_respond:{r.pk}") or forms.TroubleResponseForm(initial={"report_id": r.pk}))
                         for r in reports if r.response == "pending"] if selectors.is_drc(request.user) else [],
        "termination_forms": [
            (t, "terminate_report" if t.status == TerminationStatus.REQUESTED else "terminate_decide",
             _termination_step_form(t))
            for t in terminations
            if (t.status == TerminationStatus.REQUESTED and selectors.is_drc(request.user))
            or (t.status == TerminationStatus.REPORTED and selectors.is_leading_group(request.user))],
        "actions": ACTIONS,
        "refusal": refusal,
    }


@login_required
@require_GET
def project_page(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    return render(request, "delivery/project.html", _context(request, project))


@login_required
@require_http_methods(["POST"])
def act(request, project_id: int, action: str):
    project = get_project_for_user(request.user, project_id)
    posted = run_posted_action(request, project, ACTIONS, action, {},
                               bind=lambda spec: _form(spec, project, request.POST, request.FILES),
                               row_fields=("change_id", "report_id", "request_id", "participant_id"))
    if posted.done:
        return redirect("delivery:project", project_id=project.pk)
    refusal = posted.refusal
    status = 403 if refusal is not None and refusal.status == 403 else (409 if refusal else 422)
    return render(request, "delivery/project.html", _context(request, project, {posted.key: posted.form}, refusal),
                  status=status)


@login_required
@require_GET
def opinion_pdf(request, project_id: int):
    application = services.opinion_for_download(actor=request.user, project_id=project_id)
    response = HttpResponse(pdf.acceptance_opinion_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="acceptance-{application.project.number}.pdf"'
    return response


@login_required
@require_GET
def archive_download(request, entry_id: int):
    try:
        entry, handle = services.archive_open(actor=request.user, entry_id=entry_id)
    except ActionRefused as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    return FileResponse(handle, as_attachment=True, filename=entry.original_name, content_type=entry.content_type)


@login_required
@require_http_methods(["GET", "POST"])
def filings_page(request):
    """验收报备 (第三十一条第一款): the office registers the units' filings; auditors read them."""
    if not (selectors.is_office(request.user) or can_see_portfolio(request.user)):
        raise PermissionDenied("只有领导小组办公室和审计查阅人可以查看验收报备")
    refusal = None
    if request.method == "POST":
        try:
            services.acceptance_filing_register(actor=request.user, filing_id=int(request.POST.get("filing_id", 0)))
        except (ActionRefused, ValueError) as exc:
            refusal = exc if isinstance(exc, ActionRefused) else ActionRefused("验收报备不存在", status=404)
        else:
            messages.success(request, "已登记备案。")
            return redirect("delivery:filings")
    return render(request, "delivery/filings.html", {
        "filings": selectors.acceptance_filings(request.user), "is_office": selectors.is_office(request.user),
        "refusal": refusal}, status=refusal.status if refusal else 200)
