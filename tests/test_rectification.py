"""Supervision, rectification with a deadline and the escalation ladder (第四十七条), audit findings
(第四十七条第二款) and misconduct (第四十八条), through the real services, pages and API."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from oversight import selectors, services
from oversight.models import EscalationDecision
from projects.models import Stage
from projects.services import ActionRefused
from tests import factories
from tests.test_oversight import approved_project, transition


@pytest.fixture
def on(monkeypatch):
    """Set the platform's today (timezone.localdate) for the actions that follow."""
    def set_today(day: date):
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
        return day
    return set_today


@pytest.fixture
def project(filer_a):
    p = approved_project(filer_a)
    transition(filer_a, p, "start_construction")
    return p


def order(actor, project, **extra):
    finding = services.supervision_finding_record(actor=actor, project_id=project.pk, area="schedule",
                                                  description="工程进度滞后计划三个月。",
                                                  requirement="制定赶工计划并落实。", **extra)
    return finding.rectification


def test_overdue_rectification_escalates_step_by_step_to_suspension_and_termination(
        filer_a, office_reviewer, drc_reviewer, project, on, client_for):
    on(date(2026, 3, 1))
    rectification = order(office_reviewer, project)
    assert rectification.due_on == date(2026, 3, 31)  # the profile's 30 days

    on(date(2026, 3, 31))
    with pytest.raises(ActionRefused) as exc:
        services.escalate(actor=office_reviewer, rectification_id=rectification.pk, decision="通报。")
    assert exc.value.message == "不需采取处理措施：整改期限内：请项目单位于 2026-03-31 前完成整改并报送。（第四十七条第一款）"

    on(date(2026, 4, 1))
    assert selectors.escalation(rectification, date(2026, 4, 1)).label == "通报批评"
    first = services.escalate(actor=office_reviewer, rectification_id=rectification.pk, decision="予以通报批评。")
    assert first.get_step_display() == "通报批评" and first.decided_by == office_reviewer
    second = services.escalate(actor=office_reviewer, rectification_id=rectification.pk,
                               decision="暂缓安排下一年度投资计划。", new_due_on=date(2026, 4, 30))
    assert second.get_step_display() == "暂缓安排投资计划"
    # The new deadline holds the next step back until it passes.
    with pytest.raises(ActionRefused):
        services.escalate(actor=drc_reviewer, rectification_id=rectification.pk, decision="暂停。")

    on(date(2026, 5, 1))
    with pytest.raises(ActionRefused) as exc:
        services.escalate(actor=office_reviewer, rectification_id=rectification.pk, decision="暂停。")
    assert exc.value.status == 403 and exc.value.message.startswith("暂停项目建设由省发展改革委决定")
    third = services.escalate(actor=drc_reviewer, rectification_id=rectification.pk, decision="暂停项目建设。")
    project.refresh_from_db()
    assert third.get_step_display() == "暂停项目建设" and project.stage == Stage.SUSPENDED
    suspended = AuditEvent.objects.get(action="oversight.construction_suspended", project=project)
    assert suspended.before == {"stage": "in_construction"} and suspended.after["stage"] == "suspended"
    assert suspended.findings[0]["citation"]["article"] == 47

    fourth = services.escalate(actor=drc_reviewer, rectification_id=rectification.pk, decision="建议终止项目。")
    assert fourth.get_step_display() == "终止项目" and "终止项目须报领导小组同意（第三十条第二款）" in fourth.decision
    project.refresh_from_db()
    assert project.stage == Stage.SUSPENDED  # the termination itself goes through the leading group
    with pytest.raises(ActionRefused) as exc:
        services.escalate(actor=drc_reviewer, rectification_id=rectification.pk, decision="再处理。")
    assert "已采取全部处理措施（通报批评、暂缓安排投资计划、暂停项目建设、终止项目）" in exc.value.message

    steps = list(EscalationDecision.objects.filter(rectification=rectification).values_list("step", flat=True))
    assert steps == ["notice_of_criticism", "defer_investment_plan", "suspend_construction", "terminate_project"]
    assert AuditEvent.objects.filter(action="oversight.escalated", project=project).count() == 4

    page = client_for(filer_a).get(reverse("oversight:rectifications")).content.decode()
    assert "予以通报批评。" in page and "暂缓安排投资计划" in page and "按第三十条办理终止" in page
    overview = client_for(filer_a).get(f"/api/v1/oversight/projects/{project.pk}").json()
    assert [d["step_label"] for d in overview["rectifications"][0]["decisions"]] == [
        "通报批评", "暂缓安排投资计划", "暂停项目建设", "终止项目"]


def test_failed_recheck_escalates_and_the_unit_may_rectify_again(filer_a, drc_reviewer, office_reviewer, project, on,
                                                                 client_for):
    on(date(2026, 3, 1))
    rectification = order(drc_reviewer, project, due_on=date(2026, 3, 15))
    assert rectification.due_on == date(2026, 3, 15)
    with pytest.raises(PermissionDenied):
        services.rectification_report(actor=drc_reviewer, rectification_id=rectification.pk, report="x")
    on(date(2026, 3, 10))
    services.rectification_report(actor=filer_a, rectification_id=rectification.pk, report="已制定赶工计划。")
    with pytest.raises(ActionRefused):
        services.rectification_report(actor=filer_a, rectification_id=rectification.pk, report="再次报送。")
    rectification.refresh_from_db()
    assert selectors.escalation(rectification, date(2026, 3, 20)).step is None  # waiting for the recheck
    with pytest.raises(PermissionDenied):  # neither the ordering body, the DRC nor the leading group
        services.rectification_recheck(actor=factories.user("fin_r", factories.body(OrgKind.FINANCE), Role.REVIEWER),
                                       rectification_id=rectification.pk, passed=True, note="x")
    services.rectification_recheck(actor=drc_reviewer, rectification_id=rectification.pk, passed=False,
                                   note="赶工计划未落实。")
    rectification.refresh_from_db()
    esc = selectors.escalation(rectification, date(2026, 3, 12))
    assert esc.label == "通报批评" and esc.finding.message.startswith("整改后仍不符合要求")

    # Through the page: the DRC decides the first measure, the form keeps the input on refusal.
    c = client_for(drc_reviewer)
    url = reverse("oversight:act", args=[project.pk, "escalate"])
    response = c.post(url, {"rectification_id": rectification.pk, "decision": "通报批评。",
                            "return_to": "rectifications"})
    assert response.status_code == 302 and response.url == reverse("oversight:rectifications")
    services.rectification_report(actor=filer_a, rectification_id=rectification.pk, report="已落实赶工计划。")
    services.rectification_recheck(actor=drc_reviewer, rectification_id=rectification.pk, passed=True, note="符合。")
    rectification.refresh_from_db()
    assert selectors.escalation(rectification, date(2026, 6, 1)).finding.message == "已整改并经复查符合要求。"
    response = c.post(url, {"rectification_id": rectification.pk, "decision": "再通报。"})
    text = response.content.decode()
    assert response.status_code == 409 and "不需采取处理措施：已整改并经复查符合要求。" in text and "再通报。" in text


def test_audit_office_reviewers_record_audit_findings_auditors_only_read(auditor, project, filer_a, client_for, on):
    on(date(2026, 6, 1))
    audit_reviewer = factories.user("audit_r", factories.body(OrgKind.AUDIT_OFFICE), Role.REVIEWER)
    finding = services.audit_finding_record(actor=audit_reviewer, project_id=project.pk, title="资金使用审计",
                                            description="部分支出凭证不全。", amount_involved=120000)
    assert str(finding.amount_involved) == "120000.00"
    with pytest.raises(PermissionDenied):
        services.audit_finding_record(actor=auditor, project_id=project.pk, title="x", description="x")
    with pytest.raises(PermissionDenied):
        services.supervision_finding_record(actor=auditor, project_id=project.pk, area="spending", description="x",
                                            requirement="x")
    page = client_for(auditor).get(reverse("oversight:project", args=[project.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "部分支出凭证不全" in text and "记录审计发现" not in text
    response = client_for(auditor).post(f"/api/v1/oversight/projects/{project.pk}/audit-findings",
                                        {"title": "x", "description": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_misconduct_recorded_against_the_unit_and_persons(drc_reviewer, project, on):
    on(date(2026, 6, 1))
    misconduct = services.misconduct_record(actor=drc_reviewer, project_id=project.pk, persons=["李四", " ", "王五"],
                                            funds_diverted=True, description="挪用项目资金 20 万元。")
    assert misconduct.unit == project.unit and misconduct.persons == ["李四", "王五"]
    assert misconduct.findings[0]["citation"] == {"article": 48, "paragraph": 2, "item": None}
    assert "《财政违法行为处罚处分条例》" in misconduct.findings[0]["message"]
    assert AuditEvent.objects.filter(action="oversight.misconduct_recorded", project=project).exists()
