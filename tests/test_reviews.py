"""Centralized review and the annual project list (第十七条), through the services, the pages and the API."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import load_workbook

from accounts.models import OrgKind, Role, User
from audit.models import AuditEvent
from projects.models import Project, Stage
from projects.services import ActionRefused, transition_project
from reviews import services
from reviews.models import AnnualProjectList, ReviewConclusion
from tests import factories

REVIEW_BODIES = (OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.FINANCE, OrgKind.BIG_DATA_CENTER)
OPINION_BODIES = (OrgKind.CYBERSPACE_OFFICE, OrgKind.SECRECY_BUREAU, OrgKind.CRYPTOGRAPHY_BUREAU,
                  OrgKind.ECONOMY_IT_DEPARTMENT, OrgKind.PUBLIC_SECURITY, OrgKind.FINANCE, OrgKind.BIG_DATA_CENTER)


# --- helpers shared with test_approval.py (plain functions, not fixtures) ---------------------

def reviewer(kind: str) -> User:
    """A reviewer of one body (第五条、第二十二条), created once per test."""
    username = f"r_{kind}"
    return User.objects.filter(username=username).first() or factories.user(username, factories.body(kind),
                                                                            Role.REVIEWER)


CATALOGUE = "办件信息、证照信息等 12 类信息资源。"


def submit(project: Project, information_resource_catalogue: str = CATALOGUE) -> Project:
    """项目单位提交申报 without the declaration round and pre-check (tests/test_declarations.py has those);
    the information resource catalogue (第二十条) is declared, as every submitted project's is."""
    from declarations.selectors import materials_for
    from declarations.services import materials_update

    if information_resource_catalogue:
        materials_update(actor=project.created_by, project_id=project.pk,
                         expected_version=materials_for(project).version,
                         information_resource_catalogue=information_resource_catalogue)
    with transaction.atomic():
        return transition_project(actor=project.created_by, project_id=project.pk, transition="submit",
                                  action="declaration.submitted")


def review_by_all(project: Project, conclusion: str = "agree") -> None:
    for kind in REVIEW_BODIES:
        services.conclusion_record(actor=reviewer(kind), project_id=project.pk, conclusion=conclusion,
                                   text="" if conclusion == "agree" else "请补充说明")


def listed(*projects: Project, fix: bool = True, submitted: bool = False) -> list[Project]:
    """Submit (unless ``submitted``), review, list the projects, then fix their year's annual list."""
    for project in projects:
        if not submitted:
            submit(project)
        review_by_all(project)
        services.annual_list_put_on(actor=reviewer(OrgKind.LEADING_GROUP_OFFICE), project_id=project.pk)
    if fix:
        for year in sorted({p.year for p in projects}):
            services.annual_list_fix(actor=reviewer(OrgKind.LEADING_GROUP_OFFICE), year=year)
    return [Project.objects.get(pk=p.pk) for p in projects]


def post_json(client, url, data=None, method="post"):
    body = json.dumps(data) if data is not None else ""
    return getattr(client, method)(url, data=body, content_type="application/json")


# --- 第十七条: conclusions and the decision ---------------------------------------------------

@pytest.fixture
def submitted(filer_a):
    return submit(factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00"))


def test_listing_is_refused_until_every_review_body_has_concluded_and_names_the_missing_ones(submitted):
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    services.conclusion_record(actor=office, project_id=submitted.pk, conclusion="agree")
    services.conclusion_record(actor=reviewer(OrgKind.DRC), project_id=submitted.pk, conclusion="agree")
    with pytest.raises(ActionRefused) as refused:
        services.annual_list_put_on(actor=office, project_id=submitted.pk)
    assert refused.value.message == ("尚不能确定年度政务信息化项目清单：财政厅、省大数据中心尚未记录集中审查结论。"
                                     "请待其记录审查结论后再确定。")
    assert refused.value.findings[0].citation.label == "第十七条"
    assert Project.objects.get(pk=submitted.pk).stage == Stage.SUBMITTED

    services.conclusion_record(actor=reviewer(OrgKind.FINANCE), project_id=submitted.pk,
                               conclusion="agree_with_conditions", text="运维经费须另行核定")
    services.conclusion_record(actor=reviewer(OrgKind.BIG_DATA_CENTER), project_id=submitted.pk, conclusion="agree")
    project = services.annual_list_put_on(actor=office, project_id=submitted.pk)
    assert project.stage == Stage.LISTED
    event = AuditEvent.objects.filter(project=project).latest("seq")
    assert event.action == "annual_list.put_on" and event.after["stage"] == "listed"
    assert event.findings[0]["citation_label"] == "第十七条" and event.profile.startswith("sichuan-province-2021@v")


def test_only_the_review_bodies_record_conclusions_and_conditions_need_a_text(submitted, filer_a, cyber_reviewer):
    with pytest.raises(PermissionDenied, match="集中审查结论由领导小组办公室（省政府办公厅）、省发展改革委、财政厅、省大数据中心的审核人办理"):
        services.conclusion_record(actor=filer_a, project_id=submitted.pk, conclusion="agree")
    # An opinion body is not asked in the centralized review and does not even see the project yet.
    with pytest.raises(Exception) as not_visible:
        services.conclusion_record(actor=cyber_reviewer, project_id=submitted.pk, conclusion="agree")
    assert type(not_visible.value).__name__ == "Http404"
    with pytest.raises(ValidationError) as invalid:
        services.conclusion_record(actor=reviewer(OrgKind.FINANCE), project_id=submitted.pk, conclusion="disagree")
    assert invalid.value.message_dict == {"text": ["有条件同意或不同意时，须写明条件或理由"]}


def test_a_body_may_revise_its_conclusion_before_the_decision_and_both_are_audited(submitted):
    finance = reviewer(OrgKind.FINANCE)
    services.conclusion_record(actor=finance, project_id=submitted.pk, conclusion="disagree", text="资金渠道不明")
    services.conclusion_record(actor=finance, project_id=submitted.pk, conclusion="agree")
    assert ReviewConclusion.objects.get(project=submitted).conclusion == "agree"
    events = AuditEvent.objects.filter(project=submitted, action="review.conclusion_recorded").order_by("seq")
    assert [e.after["conclusion"] for e in events] == ["disagree", "agree"]
    assert events.last().before == {"conclusion": "disagree", "text": "资金渠道不明"}
    # The revision rewrote the one current row in place: its text, author and time, and the event names that row.
    stored = ReviewConclusion.objects.get(project=submitted)
    assert (stored.text, stored.by, stored.is_current) == ("", finance, True)
    assert events.first().at <= stored.at <= events.last().at
    assert (events.last().object_id, events.last().object_label) == (str(stored.pk), str(stored))


def test_leaving_off_needs_a_reason_and_a_returned_project_is_reviewed_again(submitted, filer_a):
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    review_by_all(submitted)
    with pytest.raises(ValidationError):
        services.annual_list_leave_off(actor=office, project_id=submitted.pk, reason=" ")
    services.return_for_revision(actor=office, project_id=submitted.pk, reason="请补充绩效目标")
    assert Project.objects.get(pk=submitted.pk).stage == Stage.DRAFT
    submit(submitted)
    with pytest.raises(ActionRefused, match="领导小组办公室（省政府办公厅）、省发展改革委、财政厅、省大数据中心尚未记录"):
        services.annual_list_put_on(actor=office, project_id=submitted.pk)
    assert ReviewConclusion.objects.filter(project=submitted).count() == 4  # the first round stays on record
    review_by_all(submitted)
    project = services.annual_list_leave_off(actor=office, project_id=submitted.pk, reason="与已建系统重复")
    assert project.stage == Stage.NOT_LISTED
    assert AuditEvent.objects.filter(project=project).latest("seq").after["reason"] == "与已建系统重复"


def test_the_second_of_two_simultaneous_decisions_is_told_someone_else_decided(submitted):
    review_by_all(submitted)
    office, other_office = reviewer(OrgKind.LEADING_GROUP_OFFICE), factories.user(
        "office_2", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    services.annual_list_put_on(actor=office, project_id=submitted.pk)
    with pytest.raises(ActionRefused, match="已被他人处理"):
        services.annual_list_leave_off(actor=other_office, project_id=submitted.pk, reason="不列入")
    assert Project.objects.get(pk=submitted.pk).stage == Stage.LISTED


def test_only_the_office_decides(submitted):
    review_by_all(submitted)
    with pytest.raises(ActionRefused) as refused:
        services.annual_list_put_on(actor=reviewer(OrgKind.DRC), project_id=submitted.pk)
    assert refused.value.status == 403


# --- 第十七条: fixing the annual list ---------------------------------------------------------

def test_the_list_is_fixed_only_when_every_submitted_project_is_decided(filer_a, filer_b):
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    first = factories.project(filer_a, name="项目一")
    second = submit(factories.project(filer_b, name="项目二"))
    listed(first, fix=False)
    with pytest.raises(ActionRefused) as refused:
        services.annual_list_fix(actor=office, year=2027)
    assert refused.value.message.startswith("尚不能确定 2027 年度清单：还有 1 个申报项目未完成集中审查决定")
    assert second.number in refused.value.message and refused.value.findings[0].citation.label == "第十七条"
    review_by_all(second)
    services.annual_list_leave_off(actor=office, project_id=second.pk, reason="不具备建设条件")
    annual = services.annual_list_fix(actor=office, year=2027)
    assert annual.number == "川信息化清单〔2027〕1号"
    assert AuditEvent.objects.filter(action="annual_list.fixed").get().after["projects"] == [first.number]
    with pytest.raises(ActionRefused, match="已经确定"):
        services.annual_list_fix(actor=office, year=2027)
    # A project submitted again after the list was fixed cannot join it.
    late = submit(factories.project(filer_a, name="迟交项目"))
    review_by_all(late)
    with pytest.raises(ActionRefused, match=r"2027 年度政务信息化项目清单已于 .* 确定（川信息化清单〔2027〕1号），不能再列入"):
        services.annual_list_put_on(actor=office, project_id=late.pk)


def test_only_the_office_fixes_the_list(filer_a):
    listed(factories.project(filer_a), fix=False)
    with pytest.raises(PermissionDenied, match="确定年度政务信息化项目清单由领导小组办公室"):
        services.annual_list_fix(actor=reviewer(OrgKind.DRC), year=2027)
    assert not AnnualProjectList.objects.exists()


@pytest.fixture
def the_list(filer_a, filer_b):
    unit_c = factories.org("T-C", "=HYPERLINK(\"http://x\")单位")
    filer_c = factories.user("filer_c", unit_c, Role.FILER)
    return listed(
        factories.project(filer_a, name="教育平台", total_investment="18000000.00"),
        factories.project(filer_a, name="=SUM(A1:A9)", delivery_mode="purchased_service", total_investment="6500000.50"),
        factories.project(filer_b, name="交通监测", total_investment="20000000.00"),
        factories.project(filer_c, name="-1+1", delivery_mode="purchased_service", total_investment="0.01"),
    )


def test_the_exported_list_reopens_with_the_right_totals_and_no_formulas(the_list, client_for):
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)
    response = client_for(office).get("/reviews/annual-lists/2027.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["年度清单"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True)]
    assert len(rows) == 5 and rows[-1][0] == "合计"
    assert Decimal(str(rows[-1][5])) == Decimal("44500000.51")
    assert ws.cell(row=9, column=6).number_format == "#,##0.00"
    names = [r[2] for r in rows[:-1]]
    assert "'=SUM(A1:A9)" in names and "'-1+1" in names
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert "'=HYPERLINK(\"http://x\")单位" in [r[3] for r in rows[:-1]]

    by_unit = {r[0]: (r[1], Decimal(str(r[2]))) for r in wb["按单位汇总"].iter_rows(min_row=2, values_only=True)}
    assert by_unit["测试单位甲"] == (2, Decimal("24500000.50"))
    assert by_unit["测试单位乙"] == (1, Decimal("20000000"))
    assert by_unit["合计"] == (4, Decimal("44500000.51"))
    by_mode = {r[0]: (r[1], Decimal(str(r[2]))) for r in wb["按实施方式汇总"].iter_rows(min_row=2, values_only=True)}
    assert by_mode == {"自行建设": (2, Decimal("38000000")), "购买服务": (2, Decimal("6500000.51")),
                       "合计": (4, Decimal("44500000.51"))}
    assert wb["按实施方式汇总"].cell(row=2, column=3).number_format == "#,##0.00"
    event = AuditEvent.objects.filter(action="annual_list.exported").get()
    assert event.actor == office and event.after["rows"] == 4 and event.after["total_investment"] == "44500000.51"


def test_the_list_page_and_its_printable_version_show_the_totals(the_list, client_for):
    c = client_for(reviewer(OrgKind.DRC))
    page = c.get("/reviews/annual-lists/2027/").content.decode()
    assert "川信息化清单〔2027〕1号" in page and "44,500,000.51 元" in page and "按实施方式汇总" in page
    assert 'href="/reviews/annual-lists/2027.xlsx"' in page
    printable = c.get("/reviews/annual-lists/2027/", {"print": 1}).content.decode()
    assert "reviews/print.css" in printable and "主导航" not in printable and "24,500,000.50 元" in printable
    assert c.get("/static/reviews/print.css").status_code == 200


def test_a_unit_sees_only_its_own_rows_of_the_list(the_list, client_for, filer_b):
    api = client_for(filer_b).get("/api/v1/reviews/annual-lists/2027").json()
    assert [p["name"] for p in api["projects"]] == ["交通监测"]
    assert api["total"] == "20000000.00" and api["fixed"] is True


# --- pages ------------------------------------------------------------------------------------

def test_the_review_bodies_work_through_the_pages(submitted, client_for):
    finance = client_for(reviewer(OrgKind.FINANCE))
    queue = finance.get("/reviews/").content.decode()
    assert "全省教育数据共享平台" in queue and "待审查" in queue and 'href="/reviews/"' in queue
    page = finance.get(f"/reviews/projects/{submitted.pk}/").content.decode()
    assert "记录本部门审查结论" in page and "集中审查决定" not in page
    assert finance.post(f"/reviews/projects/{submitted.pk}/conclusion/",
                        {"conclusion": "agree_with_conditions", "text": ""}).status_code == 302
    assert not ReviewConclusion.objects.exists()  # refused: conditions need a text
    finance.post(f"/reviews/projects/{submitted.pk}/conclusion/", {"conclusion": "agree"})
    assert ReviewConclusion.objects.get().body.kind == "finance"

    office = client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))
    refused = office.post(f"/reviews/projects/{submitted.pk}/decision/", {"decision": "list"})
    assert refused.status_code == 409
    text = refused.content.decode()
    assert "未能办理" in text and "省发展改革委、省大数据中心尚未记录集中审查结论" in text
    assert 'href="/regulation/17/"' in text or "/regulation/" in text
    for kind in (OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.BIG_DATA_CENTER):
        client_for(reviewer(kind)).post(f"/reviews/projects/{submitted.pk}/conclusion/", {"conclusion": "agree"})
    assert office.post(f"/reviews/projects/{submitted.pk}/decision/", {"decision": "list"}).status_code == 302
    assert Project.objects.get(pk=submitted.pk).stage == Stage.LISTED
    again = office.post(f"/reviews/projects/{submitted.pk}/decision/", {"decision": "leave_off", "reason": "x"})
    assert again.status_code == 409 and "已被他人处理" in again.content.decode()
    fixed = office.post("/reviews/annual-lists/2027/fix/")
    assert fixed.status_code == 302 and AnnualProjectList.objects.get().year == 2027


def test_units_and_non_reviewers_cannot_use_the_review_queue(client_for, filer_a, auditor, submitted):
    assert client_for(filer_a).get("/reviews/").status_code == 403
    assert client_for(auditor).get("/reviews/").status_code == 403
    assert 'href="/reviews/"' not in client_for(filer_a).get("/").content.decode()
    # The unit follows its own project's review, but cannot record anything.
    assert client_for(filer_a).get(f"/reviews/projects/{submitted.pk}/").status_code == 200
    assert client_for(filer_a).post(f"/reviews/projects/{submitted.pk}/conclusion/",
                                    {"conclusion": "agree"}).status_code == 403


def test_another_unit_gets_404_for_the_review_page(client_for, filer_b, submitted):
    assert client_for(filer_b).get(f"/reviews/projects/{submitted.pk}/").status_code == 404
    assert client_for(filer_b).get(f"/api/v1/reviews/projects/{submitted.pk}").status_code == 404


# --- API --------------------------------------------------------------------------------------

def test_centralized_review_through_the_api(submitted, client_for):
    url = f"/api/v1/reviews/projects/{submitted.pk}"
    created = post_json(client_for(reviewer(OrgKind.DRC)), f"{url}/conclusions", {"conclusion": "agree"})
    assert created.status_code == 201 and created.json()["body"] == "drc"
    bad = post_json(client_for(reviewer(OrgKind.FINANCE)), f"{url}/conclusions", {"conclusion": "maybe"})
    assert bad.status_code == 422 and bad.json()["detail"][0] == {"field": "conclusion", "message": "取值不在允许范围内"}
    office = client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))
    refused = post_json(office, f"{url}/decision", {"decision": "list"})
    assert refused.status_code == 409
    assert refused.json()["findings"][0]["citation_label"] == "第十七条"
    for kind in (OrgKind.LEADING_GROUP_OFFICE, OrgKind.FINANCE, OrgKind.BIG_DATA_CENTER):
        post_json(client_for(reviewer(kind)), f"{url}/conclusions", {"conclusion": "agree"})
    decided = post_json(office, f"{url}/decision", {"decision": "list"})
    assert decided.status_code == 200 and decided.json()["stage"] == "listed"
    assert post_json(office, f"{url}/decision", {"decision": "list"}).status_code == 409
    fixed = post_json(office, "/api/v1/reviews/annual-lists/2027/fix")
    assert fixed.status_code == 201 and fixed.json()["number"] == "川信息化清单〔2027〕1号"
    assert fixed.json()["by_mode"][0] == {"label": "自行建设", "count": 1, "total": "18000000.00"}
    review = client_for(reviewer(OrgKind.FINANCE)).get(url).json()
    assert len(review["conclusions"]) == 4 and review["project"]["stage"] == "listed"
