"""Money (第三十五条–第三十八条) through the real write paths: disbursements within the approved total,
the surplus and its return, O&M budget declarations and finance's review."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import OrgKind, Role
from funding import selectors, services
from funding.models import Disbursement, OmBudgetDeclaration, OmDeclarationStatus
from projects import services as project_services
from projects.services import ActionRefused
from tests import factories
from tests.test_procurement import approved_project

D = Decimal


@pytest.fixture
def project(filer_a):
    return approved_project(filer_a)


@pytest.fixture
def finance(db):
    return factories.user("finance_r", factories.body(OrgKind.FINANCE), Role.REVIEWER)


def pay(filer, project, amount, voucher):
    return services.disbursement_add(actor=filer, project_id=project.pk, paid_on=date(2026, 3, 1), amount=D(amount),
                                     purpose="设备采购", voucher_no=voucher)


def complete_construction(filer, project):
    with transaction.atomic():
        project_services.transition_project(actor=filer, project_id=project.pk, transition="start_construction",
                                            action="t")
        project_services.transition_project(actor=filer, project_id=project.pk, transition="start_trial_run",
                                            action="t")


def test_funding_source_recorded_with_article_35_finding(filer_a, project):
    line = services.funding_source_add(actor=filer_a, project_id=project.pk, kind="capital_construction",
                                       amount=D("600000.00"))
    assert line.purpose == "construction" and line.findings[0]["outcome"] == "pass"
    warned = services.funding_source_add(actor=filer_a, project_id=project.pk, kind="central_special",
                                         purpose="om", amount=D("1.00"))
    assert warned.findings[0]["outcome"] == "warn" and warned.findings[0]["citation"]["article"] == 35


def test_disbursements_up_to_exactly_the_approved_total_and_one_fen_more_refused(filer_a, project):
    pay(filer_a, project, "600000.00", "V1")
    pay(filer_a, project, "400000.00", "V2")  # cumulative 1,000,000.00 = approved total: accepted
    with pytest.raises(ActionRefused) as exc:
        pay(filer_a, project, "0.01", "V3")
    assert "超出 0.01 元" in exc.value.message and "第二十八条" in exc.value.message
    assert Disbursement.objects.filter(project=project).count() == 2
    summary = selectors.money_summary(project, date(2026, 3, 2))
    assert summary.disbursed == D("1000000.00") and summary.remaining == D("0.00")
    assert all(isinstance(v, Decimal) for v in (summary.disbursed, summary.remaining, summary.approved_total))


def test_other_unit_and_finance_cannot_pay(filer_b, finance, project):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(Http404):
        pay(filer_b, project, "1.00", "X")
    with pytest.raises(PermissionDenied):
        pay(finance, project, "1.00", "X")


def test_surplus_listed_for_finance_until_returned(filer_a, finance, project, client_for):
    pay(filer_a, project, "750000.00", "V1")
    complete_construction(filer_a, project)
    services.final_accounts_record(actor=filer_a, project_id=project.pk, settled_on=date(2026, 11, 1))
    summary = selectors.money_summary(project, date(2026, 11, 2))
    assert summary.surplus == D("250000.00") and summary.surplus_outstanding == D("250000.00")
    assert [r.project.pk for r in selectors.outstanding_surpluses(date(2026, 11, 2))] == [project.pk]

    page = client_for(finance).get(reverse("funding:finance"))
    assert page.status_code == 200 and project.number in page.content.decode()
    assert "250,000.00 元" in page.content.decode()

    with pytest.raises(ActionRefused):
        pay(filer_a, project, "1.00", "V2")  # no payments after final accounts
    with pytest.raises(ValidationError):
        services.surplus_return_add(actor=filer_a, project_id=project.pk, returned_on=date(2026, 11, 5),
                                    amount=D("250000.01"))
    services.surplus_return_add(actor=filer_a, project_id=project.pk, returned_on=date(2026, 11, 5),
                                amount=D("100000.00"))
    assert selectors.money_summary(project, date(2026, 11, 6)).surplus_outstanding == D("150000.00")
    services.surplus_return_add(actor=filer_a, project_id=project.pk, returned_on=date(2026, 11, 6),
                                amount=D("150000.00"))
    assert selectors.outstanding_surpluses(date(2026, 11, 7)) == []
    page = client_for(finance).get(reverse("funding:finance"))
    assert project.number not in page.content.decode()


def test_om_declaration_for_unaccepted_project_shows_article_32_and_finance_cannot_approve(
        filer_a, finance, project, client_for):
    this_year = project_services.today().year
    declaration = services.om_declaration_submit(actor=filer_a, project_id=project.pk, round="new",
                                                 service_ends_on=date(this_year + 1, 6, 30), amount=D("120000.00"))
    assert declaration.budget_year == this_year + 1
    rules = {f["rule"]: f for f in declaration.findings}
    assert rules["om_budget_declared"]["outcome"] == "pass"
    assert rules["om_accepted"]["outcome"] == "block" and rules["om_accepted"]["citation"]["article"] == 32

    page = client_for(filer_a).get(reverse("funding:project", args=[project.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "不安排该项目运行维护经费" in text and "第三十二条" in text

    with pytest.raises(ActionRefused) as exc:
        services.om_declaration_decide(actor=finance, declaration_id=declaration.pk, decision="approved",
                                       opinion="同意")
    assert "第三十二条" in exc.value.message
    declaration.refresh_from_db()
    assert declaration.status == OmDeclarationStatus.SUBMITTED

    response = client_for(finance).post(reverse("funding:act", args=[project.pk, "om_decide"]),
                                        {"declaration_id": declaration.pk, "decision": "approved", "opinion": "同意"})
    assert response.status_code == 409 and "第三十二条" in response.content.decode()

    services.om_declaration_decide(actor=finance, declaration_id=declaration.pk, decision="rejected",
                                   opinion="项目未验收，不予安排（第三十二条）")
    declaration.refresh_from_db()
    assert declaration.status == OmDeclarationStatus.REJECTED and declaration.approved_amount is None


def test_continuing_om_needs_reassessment(filer_a, project):
    this_year = project_services.today().year
    with pytest.raises(ActionRefused) as exc:
        services.om_declaration_submit(actor=filer_a, project_id=project.pk, round="continuing",
                                       service_ends_on=date(this_year + 1, 6, 30), amount=D("1.00"))
    assert "重新进行论证评估" in exc.value.message and "第三十七条第二项" in exc.value.message
    assert not OmBudgetDeclaration.objects.exists()


def test_only_finance_decides_and_amounts_are_decimal(filer_a, project):
    from django.core.exceptions import PermissionDenied

    this_year = project_services.today().year
    d = services.om_declaration_submit(actor=filer_a, project_id=project.pk, round="new",
                                       service_ends_on=date(this_year + 1, 6, 30), amount=D("120000.50"))
    with pytest.raises(PermissionDenied):
        services.om_declaration_decide(actor=filer_a, declaration_id=d.pk, decision="rejected", opinion="x")
    d = OmBudgetDeclaration.objects.get(pk=d.pk)
    assert d.amount == D("120000.50") and isinstance(d.amount, Decimal)


def test_project_page_forms_keep_input_and_mark_errors(filer_a, project, client_for, filer_b):
    c = client_for(filer_a)
    response = c.post(reverse("funding:act", args=[project.pk, "disbursement"]),
                      {"paid_on": "2026-03-01", "amount": "abc", "purpose": "设备采购", "voucher_no": "V9"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "V9" in text and "field-error" in text
    response = c.post(reverse("funding:act", args=[project.pk, "disbursement"]),
                      {"paid_on": "2026-03-01", "amount": "1000000.01", "purpose": "设备采购", "voucher_no": "V9"})
    assert response.status_code == 409 and "第二十八条" in response.content.decode()
    assert client_for(filer_b).get(reverse("funding:project", args=[project.pk])).status_code == 404


def test_api_disbursement_and_refusal(filer_a, project, client_for):
    c = client_for(filer_a)
    url = f"/api/v1/funding/projects/{project.pk}/disbursements"
    ok = c.post(url, {"paid_on": "2026-03-01", "amount": "1000000.00", "purpose": "p", "voucher_no": "A1"},
                content_type="application/json")
    assert ok.status_code == 201 and ok.json()["amount"] == "1000000.00"
    refused = c.post(url, {"paid_on": "2026-03-01", "amount": "0.01", "purpose": "p", "voucher_no": "A2"},
                     content_type="application/json")
    assert refused.status_code == 409 and refused.json()["findings"][0]["citation"]["article"] == 28
    summary = c.get(f"/api/v1/funding/projects/{project.pk}").json()
    assert summary["disbursed"] == "1000000.00" and summary["remaining"] == "0.00"


def test_payments_past_the_approved_total_need_an_approved_change(filer_a, project, client_for):
    from delivery import services as delivery_services

    drc = factories.user("drc_change", factories.body(OrgKind.DRC), Role.REVIEWER)
    factories.user("head_change", project.unit, Role.UNIT_HEAD)
    delivery_services.contract_add(actor=filer_a, project_id=project.pk, kind="supervision", party="监理",
                                   amount=D("1.00"), signed_on=date(2026, 1, 20))
    delivery_services.start_construction(actor=filer_a, project_id=project.pk, responsible_person="head_change",
                                         supervision_contractor="监理", construction_period_months=12,
                                         started_on=date(2026, 1, 20))
    pay(filer_a, project, "1000000.00", "V1")
    change = delivery_services.change_file(actor=filer_a, project_id=project.pk, reasons=["business_needs"],
                                           content="扩大建设规模", amount_moved=D("200000.00"),
                                           total_investment_after=D("1200000.00"), goals_unchanged=True)
    with pytest.raises(ActionRefused, match="第二十八条"):
        pay(filer_a, project, "0.01", "V2")  # a change requested is not yet a change approved
    delivery_services.change_decide(actor=drc, change_id=change.pk, approve=True, note="同意")
    pay(filer_a, project, "200000.00", "V3")
    with pytest.raises(ActionRefused, match="超出 0.01 元"):
        pay(filer_a, project, "0.01", "V4")
    body = client_for(filer_a).get(f"/api/v1/funding/projects/{project.pk}").json()
    assert (body["approved_total"], body["disbursed"], body["remaining"]) == ("1200000.00", "1200000.00", "0.00")
