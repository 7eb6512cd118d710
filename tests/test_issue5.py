"""Issue 5, the parts that cross apps: performance results where next year's money is decided (第四十六条),
the 第三十三条 sanction in the next declaration's pre-check, data sharing (第十一条、第十三条) and the OCDS 1.1
export validated against the platform's transcription of the release package schema."""

import json
from datetime import date
from decimal import Decimal

import jsonschema
import pytest
from django.http import Http404
from django.urls import reverse

from accounts.models import OrgKind, Role
from audit.models import AuditEvent
from funding import ocds
from funding import services as funding_services
from oversight import selectors, services
from oversight.models import InformationResource
from projects.services import ActionRefused
from rules.findings import Outcome
from tests import factories
from tests.test_declarations import on, open_round, ready_project
from tests.test_oversight import approved_project, report, transition

D = Decimal


@pytest.fixture
def project(filer_a):
    return approved_project(filer_a, name="教育考试管理系统")  # approved 2026-01-10, 1,000,000.00 元


@pytest.fixture
def bdc(db):
    return factories.user("bdc_r", factories.body(OrgKind.BIG_DATA_CENTER), Role.REVIEWER)


@pytest.fixture
def finance(db):
    return factories.user("finance_r", factories.body(OrgKind.FINANCE), Role.REVIEWER)


# --- 第四十六条 评价结果作为下一年度安排经费的重要依据 ---------------------------------------------------


def performed(filer, bdc, project):
    """A 2026 monitoring report (risk 3) and the big data center's sharing evaluation (良)."""
    with on(date(2026, 11, 20)):
        # EV = 500,000, AC = 600,000: overrun 20.00 %; slippage 70 − 50 = 20 points: 1 + 1 + 1 = 3.
        report(filer, project, planned_progress_percent=D("70"), actual_spend=D("600000.00"))
        services.evaluation_record(actor=bdc, project_id=project.pk, kind="sharing", result="good",
                                   report="共享数据按目录提供。", evaluated_on=date(2026, 11, 20))


RISK_REASONS = "成本超支 20.00%，超过预警线 10.00%；进度滞后 20.00 个百分点，超过预警线 10.00"


def assert_performance_shown(html, project):
    assert "项目单位绩效情况" in html or "的项目绩效" in html
    assert f"{project.number} {project.name}" in html
    assert "风险等级 3" in html and RISK_REASONS in html
    assert "信息资源共享评价：良（省大数据中心" in html or "信息资源共享评价：良（" in html
    assert "尚未投入运行" in html  # the self-evaluation status: not live yet, nothing owed
    assert 'href="/regulation/articles/46/">第四十六条</a>' in html


def test_performance_results_shown_in_the_review_of_the_units_next_declaration(
        filer_a, filer_b, bdc, office_reviewer, project, client_for):
    performed(filer_a, bdc, project)
    new = factories.project(filer_a, name="教育督导信息平台")
    transition(filer_a, new, "submit")
    other = factories.project(filer_b, name="卫生健康监督平台")
    transition(filer_b, other, "submit")

    with on(date(2026, 11, 25)):
        summary = selectors.performance_summary(project.unit)
        html = client_for(office_reviewer).get(reverse("reviews:project", args=[new.pk])).content.decode()
        other_html = client_for(office_reviewer).get(reverse("reviews:project", args=[other.pk])).content.decode()
    assert [(s.project.pk, s.risk.level, s.risk.reasons) for s in summary] == [
        (project.pk, 3, ("成本超支 20.00%，超过预警线 10.00%", "进度滞后 20.00 个百分点，超过预警线 10.00"))]
    assert_performance_shown(html, project)
    assert "项目单位绩效情况" in other_html and "该单位暂无已批复项目。" in other_html
    assert project.number not in other_html and "风险等级 3" not in other_html


def test_performance_results_shown_on_the_om_budget_screens(filer_a, bdc, finance, project, client_for):
    performed(filer_a, bdc, project)
    with on(date(2026, 11, 25)):
        funding_services.om_declaration_submit(actor=filer_a, project_id=project.pk, round="new",
                                               service_ends_on=date(2027, 6, 30), amount=D("120000.00"))
        unit_page = client_for(filer_a).get(reverse("funding:project", args=[project.pk])).content.decode()
        finance_page = client_for(finance).get(reverse("funding:finance")).content.decode()
    om_section = unit_page.split("运维经费预算（")[1].split("政府采购（")[0]
    assert_performance_shown(om_section, project)
    assert "申报单位的项目绩效" in finance_page
    assert_performance_shown(finance_page.split("申报单位的项目绩效")[1], project)


# --- 第三十三条 未按要求共享：次年度申报体检 -------------------------------------------------------------


def test_unit_sanctioned_for_not_sharing_is_refused_in_its_next_declarations_precheck(
        filer_a, filer_b, bdc, office_reviewer, project, client_for):
    with on(date(2026, 11, 1)):
        services.sharing_violation_record(actor=bdc, project_id=project.pk, year=2026, failed_to_share=True,
                                          description="学籍数据未按目录向共享交换平台提供。")
    open_round(office_reviewer)  # the 2027 round, 2026-11-01 to 2026-12-31
    new = ready_project(filer_a, name="教育督导信息平台")
    other = ready_project(filer_b, name="卫生健康监督平台")
    assert new.year == 2027
    url = f"/api/v1/declarations/projects/{new.pk}"
    c = client_for(filer_a)
    with on(date(2026, 11, 2)):
        check = c.post(f"{url}/precheck").json()
        page = c.get(reverse("declarations:precheck", args=[new.pk])).content.decode()
        refused = c.post(f"{url}/submit")
        other_check = client_for(filer_b).post(f"/api/v1/declarations/projects/{other.pk}/precheck").json()
    blocks = [f for f in check["findings"] if f["outcome"] == "block"]
    message = (f"项目单位受到限制，不能申报新增项目：项目 {project} 2026 年未按要求共享数据资源"
               "（未按要求共享数据资源或重复采集数据的，不予审批次年度该项目单位其他新建、改建、扩建政务信息系统）。"
               "请先按要求共享数据资源、停止重复采集数据，并经有关部门确认。")
    assert check["submission_allowed"] is False
    assert [(f["citation_label"], f["message"]) for f in blocks] == [("第三十三条", message)]
    assert 'href="/regulation/articles/33/">第三十三条</a>' in page and message in page
    assert refused.status_code == 409 and refused.json()["detail"][0]["message"] == message
    new.refresh_from_db()
    assert new.stage == "draft"
    assert other_check["submission_allowed"] is True, "another unit is not barred by unit A's violation"
    events = AuditEvent.objects.filter(action="oversight.sharing_violation_recorded", project=project)
    assert events.count() == 1


# --- 第十一条、第十三条 数据共享 ------------------------------------------------------------------------


def resource(filer, project, name, **facts):
    with on(date(2026, 11, 3)):
        return services.resource_add(actor=filer, project_id=project.pk, name=name, **facts)


def test_every_resource_finding_cites_its_article(filer_a, project):
    cases = [
        ({"sharing_type": "unconditional", "specific_companies_only": True},
         {("sharing_specific_companies", 11), ("sharing_exchange_platform", 11), ("public_data_catalogue", 33)}),
        ({"sharing_type": "conditional", "legal_basis": "《政务数据共享条例》", "specific_companies_only": True,
          "on_exchange_platform": True}, {("sharing_specific_companies", 11)}),
        ({"sharing_type": "unconditional", "on_exchange_platform": True},
         {("public_data_catalogue", 33)}),
        ({"sharing_type": "conditional", "legal_basis": "x"}, {("sharing_exchange_platform", 11)}),
        ({"sharing_type": "not_shared", "legal_basis": "涉及国家秘密", "state_secret": True},
         {("sharing_state_secret", 13)}),
        ({"sharing_type": "unconditional", "on_exchange_platform": True, "in_public_catalogue": True},
         {("sharing_resource", 11)}),
    ]
    for i, (facts, expected) in enumerate(cases):
        findings = services.resource_findings(InformationResource(project=project, name=f"资源{i}", **facts))
        assert {(f.rule, f.citation.article) for f in findings} == expected, facts
        for f in findings:
            assert f.citation.label.startswith("第") and f.as_dict()["citation"]["article"] == f.citation.article


def test_resource_offered_only_to_specific_companies_is_flagged_with_article_11(filer_a, drc_reviewer, project,
                                                                               client_for):
    r = resource(filer_a, project, "企业登记信息", sharing_type="unconditional", on_exchange_platform=True,
                 in_public_catalogue=True, specific_companies_only=True)
    (finding,) = [f for f in r.findings if f["outcome"] == Outcome.BLOCK]
    assert finding["message"] == "“企业登记信息”应普遍共享，却仅向特定企业、社会组织开放：不得如此（请整改）。"
    assert finding["citation"]["article"] == 11
    html = client_for(drc_reviewer).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert finding["message"] in html and 'href="/regulation/articles/11/">第十一条</a>' in html


def test_state_secret_resource_is_restricted_with_article_13(filer_a, drc_reviewer, auditor, project, client_for):
    r = resource(filer_a, project, "涉密考务数据", sharing_type="not_shared", legal_basis="《保守国家秘密法》",
                 state_secret=True)
    (finding,) = r.findings
    assert finding["citation"]["article"] == 13
    assert finding["message"] == ("“涉密考务数据”涉及国家秘密：提供和使用部门应当遵守有关法律法规规定，"
                                  "仅项目单位、保密部门和审计人员可见。")
    with pytest.raises(Http404):
        selectors.get_resource_for_user(drc_reviewer, r.pk)
    assert selectors.get_resource_for_user(auditor, r.pk) == r
    assert list(selectors.visible_resources(drc_reviewer, project)) == []
    drc_html = client_for(drc_reviewer).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "涉密考务数据" not in drc_html
    assert client_for(drc_reviewer).post(f"/api/v1/oversight/resources/{r.pk}/feedback",
                                         {"text": "x"}, content_type="application/json").status_code == 404
    unit_html = client_for(filer_a).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "涉密考务数据" in unit_html and 'href="/regulation/articles/13/">第十三条</a>' in unit_html
    event = AuditEvent.objects.get(action="oversight.resource_added", object_id=str(r.pk))
    assert "涉密考务数据" not in json.dumps(event.after, ensure_ascii=False) and event.object_label == "涉密信息资源"


def test_units_record_feedback_on_the_use_of_shared_data(filer_a, bdc, project, client_for):
    shared = resource(filer_a, project, "学籍信息", sharing_type="unconditional", on_exchange_platform=True,
                      in_public_catalogue=True)
    closed = resource(filer_a, project, "考生心理测评", sharing_type="not_shared", legal_basis="《个人信息保护法》")
    with on(date(2026, 11, 4)):
        response = client_for(bdc).post(f"/api/v1/oversight/resources/{shared.pk}/feedback",
                                        {"text": "学籍信息用于资助审核，数据及时准确。"}, content_type="application/json")
        with pytest.raises(ActionRefused) as refused:
            services.feedback_add(actor=bdc, resource_id=closed.pk, text="x")
    assert response.status_code == 201
    assert refused.value.message == "“考生心理测评”不予共享，无使用情况可反馈"
    html = client_for(filer_a).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "省大数据中心 2026年11月4日：学籍信息用于资助审核，数据及时准确。" in html
    assert AuditEvent.objects.filter(action="oversight.sharing_feedback_added").count() == 1


# --- OCDS 1.1 ------------------------------------------------------------------------------------------


SCHEMA = json.loads(ocds.SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(package):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(package)


def test_schema_says_it_is_the_platforms_transcription_not_the_official_file():
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "platform's own transcription" in SCHEMA["description"]
    assert "NOT the official" in SCHEMA["description"]


def procure(filer, project, title, category, price_weight, method="open_tender", **extra):
    return funding_services.procurement_create(
        actor=filer, project_id=project.pk, title=title, budget=D("900000.00"), method=method, category=category,
        scoring_method="comprehensive", price_weight=D(price_weight),
        criteria=[{"name": "技术", "weight": D(100) - D(price_weight)}], **extra)


def test_every_ocds_export_validates_and_classified_procurement_is_never_exported(filer_a, project, client_for):
    goods = procure(filer_a, project, "服务器采购", "goods", "30")
    funding_services.bid_add(actor=filer_a, procurement_id=goods.pk, bidder="甲公司", price=D("800000.00"),
                             scores={"技术": D("90")})
    funding_services.bid_add(actor=filer_a, procurement_id=goods.pk, bidder="乙公司", price=D("850000.00"),
                             scores={"技术": D("80")})
    funding_services.procurement_evaluate(actor=filer_a, procurement_id=goods.pk)  # awarded to 甲
    services_tender = procure(filer_a, project, "运维服务采购", "services", "10")  # no bids yet: no award
    single = funding_services.procurement_create(
        actor=filer_a, project_id=project.pk, title="原厂升级服务", budget=D("100000.00"), method="single_source",
        category="services")
    procure(filer_a, project, "涉密终端采购", "goods", "30", classified=True)
    c = client_for(filer_a)

    package = json.loads(c.get(reverse("funding:ocds", args=[project.pk])).content)
    validate(package)
    api = c.get(f"/api/v1/funding/projects/{project.pk}/ocds").json()
    validate(api)
    releases = {r["tender"]["title"]: r for r in package["releases"]}
    assert set(releases) == {"服务器采购", "运维服务采购", "原厂升级服务"}, "涉密采购不导出"
    assert "涉密终端采购" not in json.dumps(package, ensure_ascii=False)
    goods_r, services_r = releases["服务器采购"], releases["运维服务采购"]
    assert goods_r["tag"] == ["tender", "award"] and goods_r["tender"]["mainProcurementCategory"] == "goods"
    assert goods_r["awards"][0]["suppliers"][0]["name"] == "甲公司"
    assert services_r["tag"] == ["tender"] and "awards" not in services_r
    assert services_r["tender"]["mainProcurementCategory"] == "services"
    assert releases["原厂升级服务"]["tender"]["procurementMethod"] == "direct"

    # The services tender evaluated with a tie: no single first place, so still no award; valid.
    funding_services.bid_add(actor=filer_a, procurement_id=services_tender.pk, bidder="丙公司", price=D("400000.00"),
                             scores={"技术": D("80")})
    funding_services.bid_add(actor=filer_a, procurement_id=services_tender.pk, bidder="丁公司",
                             price=D("500000.00"), scores={"技术": D("82.22")})
    funding_services.procurement_evaluate(actor=filer_a, procurement_id=services_tender.pk)
    again = json.loads(c.get(reverse("funding:ocds", args=[project.pk])).content)
    validate(again)
    tied = next(r for r in again["releases"] if r["tender"]["title"] == "运维服务采购")
    assert tied["tender"]["status"] == "complete" and "awards" not in tied
    assert single.pk


@pytest.mark.parametrize("breakage, path", [
    (lambda p: p.update(version="1.0"), "version"),
    (lambda p: p["releases"][0].update(tag=["bid"]), "tag"),
    (lambda p: p["releases"][0]["tender"].update(procurementMethod="公开招标"), "procurementMethod"),
    (lambda p: p["releases"][0]["tender"]["value"].update(amount="900000.00"), "amount"),
    (lambda p: p["releases"][0]["tender"].update(mainProcurementCategory="consultingServices"),
     "mainProcurementCategory"),
    (lambda p: p["releases"][0]["awards"][0].update(status="won"), "status"),
    (lambda p: p["releases"][0].pop("ocid"), "ocid"),
    (lambda p: p.update(publishedDate="2026-11-28"), "publishedDate"),
    (lambda p: p["publisher"].pop("name"), "name"),
    (lambda p: p["releases"][0].update(initiationType="auction"), "initiationType"),
])
def test_the_schema_refuses_a_broken_package(filer_a, project, client_for, breakage, path):
    goods = procure(filer_a, project, "服务器采购", "goods", "30")
    funding_services.bid_add(actor=filer_a, procurement_id=goods.pk, bidder="甲公司", price=D("800000.00"),
                             scores={"技术": D("90")})
    funding_services.procurement_evaluate(actor=filer_a, procurement_id=goods.pk)
    package = json.loads(client_for(filer_a).get(reverse("funding:ocds", args=[project.pk])).content)
    validate(package)
    breakage(package)
    with pytest.raises(jsonschema.ValidationError) as exc:
        validate(package)
    assert path in "/".join(str(x) for x in exc.value.absolute_path) or path in exc.value.message


def test_another_unit_records_feedback_on_shared_data_but_never_sees_secret_or_unshared_resources(
        filer_a, filer_b, project, client_for):
    shared = resource(filer_a, project, "学籍信息", sharing_type="unconditional", on_exchange_platform=True,
                      in_public_catalogue=True)
    closed = resource(filer_a, project, "考生心理测评", sharing_type="not_shared", legal_basis="《个人信息保护法》")
    secret = resource(filer_a, project, "涉密考务数据", sharing_type="conditional", legal_basis="《保守国家秘密法》",
                      state_secret=True)
    b = client_for(filer_b)
    listing = b.get(reverse("oversight:shared")).content.decode()
    assert "学籍信息" in listing and "测试单位甲" in listing
    assert "考生心理测评" not in listing and "涉密考务数据" not in listing
    assert b.get(reverse("oversight:project", args=[project.pk])).status_code == 404  # the project stays closed

    with on(date(2026, 11, 5)):
        empty = b.post(reverse("oversight:shared_feedback", args=[shared.pk]), {"text": " "})
        posted = b.post(reverse("oversight:shared_feedback", args=[shared.pk]),
                        {"text": "用于学生资助审核，数据准确。"}, follow=True)
        api = b.post(f"/api/v1/oversight/resources/{shared.pk}/feedback", {"text": "接口响应及时。"},
                     content_type="application/json")
        for hidden in (closed, secret):
            assert b.post(f"/api/v1/oversight/resources/{hidden.pk}/feedback", {"text": "x"},
                          content_type="application/json").status_code == 404
            assert b.post(reverse("oversight:shared_feedback", args=[hidden.pk]), {"text": "x"}).status_code == 404
    assert empty.status_code == 422
    assert '<div class="errorlist" role="alert"><ul class="errorlist" id="id_text_error"><li>必填</li>' in \
        empty.content.decode()
    assert posted.redirect_chain == [(reverse("oversight:shared"), 302)] and api.status_code == 201
    assert "已反馈共享信息使用情况（第十一条）。" in posted.content.decode()
    shown = b.get(reverse("oversight:shared")).content.decode()
    assert "测试单位乙 2026年11月5日：用于学生资助审核，数据准确。" in shown
    provider = client_for(filer_a).get(reverse("oversight:project", args=[project.pk])).content.decode()
    assert "测试单位乙 2026年11月5日：接口响应及时。" in provider
    assert client_for(filer_a).get(reverse("oversight:shared")).content.decode().count("学籍信息") == 0
    event = AuditEvent.objects.filter(action="oversight.sharing_feedback_added").latest("seq")
    assert event.project_id == project.pk and event.actor_id == filer_b.pk


def test_feedback_of_a_long_text_with_chinese_punctuation_is_recorded(filer_a, bdc, project, client_for):
    """Found by schemathesis on PostgreSQL: a long feedback text must be stored, never a 500."""
    shared = resource(filer_a, project, "学籍信息", sharing_type="unconditional", on_exchange_platform=True,
                      in_public_catalogue=True)
    text = ("省级部门(单位)需市(州)共享协同的政务信息化项目,应当按照统筹规划、分级审批、分级建设、共享协同的原则建设,"
            "由省发展改革委审批。省级项目单位应加强对市 (州)的指导,统筹制定信息共享、业务协同的总体要求和标准规范。") * 2
    response = client_for(bdc).post(f"/api/v1/oversight/resources/{shared.pk}/feedback", {"text": text},
                                    content_type="application/json")
    assert response.status_code == 201, response.content.decode()
    assert response.json()["text"] == text


def deadlocking_feedback(filer, bdc, project, monkeypatch):
    """A shared resource whose feedback service writes half its work and then loses a deadlock, as PostgreSQL
    reports it (OperationalError caused by DeadlockDetected)."""
    import psycopg
    from django.db import OperationalError

    from oversight.models import SharingFeedback

    shared = resource(filer, project, "学籍信息", sharing_type="unconditional", on_exchange_platform=True,
                      in_public_catalogue=True)

    def deadlocked(**kwargs):
        SharingFeedback.objects.create(resource=shared, organisation=bdc.organisation, text="半途", recorded_on=date.today(),
                                       recorded_by=bdc)
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr("oversight.services.record", deadlocked)
    return shared


def test_a_deadlock_reported_by_the_database_is_a_409_with_nothing_saved(filer_a, bdc, project, client_for, monkeypatch):
    """Found by schemathesis on PostgreSQL: two requests waiting for each other's row locks (the resource and the audit
    chain head) made PostgreSQL end one of them, which answered 500. The loser is now told to try again, and its
    transaction has left nothing behind."""
    from oversight.models import SharingFeedback

    shared = deadlocking_feedback(filer_a, bdc, project, monkeypatch)
    response = client_for(bdc).post(f"/api/v1/oversight/resources/{shared.pk}/feedback", {"text": "使用良好"},
                                    content_type="application/json")
    assert response.status_code == 409
    assert response.json()["detail"][0]["message"] == "您的操作与他人的操作同时进行而发生冲突，未作任何更改，请重试。"
    assert not SharingFeedback.objects.exists()


def test_a_deadlock_on_a_web_page_shows_the_chinese_conflict_page_with_nothing_saved(filer_a, bdc, project, client_for,
                                                                                      monkeypatch):
    """The same deadlock through the web form: not the generic 500 page but a 409 telling the user that nothing was
    changed and to try again (web/middleware.py)."""
    from django.db import OperationalError

    from oversight.models import SharingFeedback

    shared = deadlocking_feedback(filer_a, bdc, project, monkeypatch)
    c = client_for(bdc)
    response = c.post(f"/oversight/shared/{shared.pk}/feedback/", {"text": "使用良好"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "您的操作与他人的操作同时进行而发生冲突，未作任何更改，请重试。" in html and "错误编号" not in html
    assert not SharingFeedback.objects.exists()
    htmx = c.post(f"/oversight/shared/{shared.pk}/feedback/", {"text": "使用良好"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409 and htmx["HX-Retarget"] == "body"
    # Any other database error is still the generic page with an error id, not a conflict.
    monkeypatch.setattr("oversight.services.record", lambda **kw: (_ for _ in ()).throw(OperationalError("disk I/O")))
    c.raise_request_exception = False
    other = c.post(f"/oversight/shared/{shared.pk}/feedback/", {"text": "使用良好"})
    assert other.status_code == 500 and "冲突" not in other.content.decode()
