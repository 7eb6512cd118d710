"""Annual declaration: rounds (第十五条), materials (第十六条), pre-check (体检) and submission."""

import json
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from catalogue import services as catalogue_services
from declarations import selectors, services
from declarations.demo import CLEAN_ANSWERS
from declarations.models import DeclarationMaterials, DeclarationRound
from projects.models import Stage
from projects.services import ActionRefused
from rules.findings import Citation, Outcome
from tests import factories

pytestmark = pytest.mark.django_db

REAL_LOCALDATE = timezone.localdate
OPENS, CLOSES = date(2026, 11, 1), date(2026, 12, 31)

COMPLETE = CLEAN_ANSWERS | {
    "main_tasks": "建设全省统一的测试业务办理系统。",
    "basis_and_necessity": "依据省数字政府建设规划。",
    "performance_goals": "业务网上办理率 100%。",
    "delivery_mode_reason": "业务专业性强，自行建设。",
    "proposed_functions": "网上受理；审批办理；统计分析。",
    "application_plan": "部署在省级政务云，复用统一身份认证。",
    "information_resource_catalogue": "办件信息、证照信息等 12 类信息资源。",
    "government_cloud_plan": "计算 64 vCPU、内存 256 GB、存储 20 TB。",
    "mlps_plan": "按等保第三级建设。",
    "cryptography_plan": "采用 SM2/SM3/SM4 实现身份鉴别和数据加密。",
    "om_funding": Decimal("1200000.00"),
    "funding_channels": ["fiscal_budget"],
}


@contextmanager
def on(day: date):
    """Make ``day`` today (Asia/Shanghai) for the services; dates given explicitly still convert normally."""
    def localdate(value=None, timezone=None):
        return day if value is None else REAL_LOCALDATE(value, timezone)

    with patch("django.utils.timezone.localdate", side_effect=localdate):
        yield


def open_round(office, opens_on=OPENS, closes_on=CLOSES, year=2027):
    with on(opens_on):
        return services.round_create(actor=office, year=year, title=f"{year}年度项目申报", opens_on=opens_on,
                                     closes_on=closes_on)


def in_catalogue(filer, project, name="测试业务办理系统"):
    system = catalogue_services.system_create(
        actor=filer, name=name, purpose="网上受理和审批办理", status="planned", on_government_cloud=True,
        network="egov_extranet", is_classified=False, mlps_level=3, connected_to_sharing_platform=True,
        connected_to_service_platform=True, connected_to_unified_office_platform=False, data_resources="")
    catalogue_services.link_project_system(actor=filer, project_id=project.pk, system_id=system.pk, relation="build")


def ready_project(filer, name="测试项目", **overrides):
    project = factories.project(filer, name=name)
    in_catalogue(filer, project, name=f"{name}系统")
    services.materials_update(actor=filer, project_id=project.pk, expected_version=0, **(COMPLETE | overrides))
    project.refresh_from_db()
    return project


def blocking_rules(findings):
    return {f.rule for f in findings if f.outcome == Outcome.BLOCK}


# --- Rounds --------------------------------------------------------------------------------------

def test_the_office_opens_and_closes_a_round_and_both_are_audited(office_reviewer):
    r = open_round(office_reviewer)
    assert (r.year, r.opens_on, r.closes_on, r.title) == (2027, OPENS, CLOSES, "2027年度项目申报")
    with on(date(2026, 11, 28)):
        services.round_close(actor=office_reviewer, round_id=r.pk)
        with pytest.raises(ActionRefused) as refused:
            services.round_close(actor=office_reviewer, round_id=r.pk)
    r.refresh_from_db()
    assert refused.value.message == f"2027年度项目申报已于 {REAL_LOCALDATE(r.closed_at)} 关闭"
    actions = list(AuditEvent.objects.filter(object_id=str(r.pk), object_type="declarations.declarationround")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["declaration_round.opened", "declaration_round.closed"]


def test_only_the_leading_group_office_opens_rounds(filer_a, drc_reviewer, client_for, office_reviewer):
    for actor in (filer_a, drc_reviewer):
        with pytest.raises(PermissionDenied, match="^只有领导小组办公室的审核人可以开启或关闭申报批次$"):
            open_round(actor)
        assert client_for(actor).get("/declarations/rounds/new/").status_code == 403
    with on(date(2026, 11, 1)):
        response = client_for(office_reviewer).post("/declarations/rounds/new/", {
            "year": "2027", "title": "", "opens_on": "2026-11-01", "closes_on": "2026-12-31"})
    assert response.status_code == 302
    assert DeclarationRound.objects.get().title == "2027年度政务信息化项目申报"
    page = client_for(filer_a).get("/declarations/").content.decode()
    assert "2027年度政务信息化项目申报" in page and "开启申报批次" not in page


def test_a_round_that_closes_before_it_opens_or_overlaps_is_refused(office_reviewer):
    with pytest.raises(ValidationError) as bad:
        open_round(office_reviewer, opens_on=date(2026, 12, 1), closes_on=date(2026, 11, 30))
    assert bad.value.message_dict == {"closes_on": ["申报截止日期（2026-11-30）不能早于开始日期（2026-12-01）"]}
    open_round(office_reviewer)
    with pytest.raises(ValidationError) as overlap:
        open_round(office_reviewer, opens_on=date(2026, 12, 31), closes_on=date(2027, 1, 15))
    assert overlap.value.message_dict == {"opens_on": [
        "与2027年度项目申报（2026-11-01 至 2026-12-31）的申报期重叠，同一年度的批次不能重叠"]}


def test_submission_on_the_closing_day_is_accepted_and_the_day_after_refused(office_reviewer, filer_a, filer_b):
    r = open_round(office_reviewer)
    late, in_time = ready_project(filer_a, "甲项目"), ready_project(filer_b, "乙项目")
    with on(date(2027, 1, 1)), pytest.raises(ActionRefused) as refused:
        services.declaration_submit(actor=filer_a, project_id=late.pk)
    assert refused.value.message == "本轮申报已于 2026-12-31 截止，不能再提交。请等待下一轮申报，或联系领导小组办公室。"
    assert [f.citation for f in refused.value.findings if f.outcome == Outcome.BLOCK] == [Citation(15)]
    with on(date(2026, 12, 31)):
        submitted = services.declaration_submit(actor=filer_b, project_id=in_time.pk)
    assert submitted.stage == Stage.SUBMITTED
    materials = DeclarationMaterials.objects.get(project=in_time)
    assert materials.submitted_round == r
    event = AuditEvent.objects.get(action="declaration.submitted")
    assert event.before == {"stage": "draft"} and event.after["stage"] == "submitted"
    assert event.after["round"] == "2027年度项目申报" and event.profile.startswith("sichuan-province")
    assert {"declaration_round_open", "materials_complete"} <= {f["rule"] for f in event.findings}


def test_submission_before_the_round_opens_without_a_round_or_in_a_closed_round_is_refused(office_reviewer, filer_a):
    project = ready_project(filer_a)
    with on(date(2026, 11, 28)), pytest.raises(ActionRefused) as no_round:
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    assert no_round.value.message == "领导小组办公室尚未开放 2027 年度的项目申报，暂不能提交。请在申报批次开放后提交。"
    r = open_round(office_reviewer)
    with on(date(2026, 10, 31)), pytest.raises(ActionRefused) as early:
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    assert early.value.message == "本轮申报尚未开始：申报期为 2026-11-01 至 2026-12-31，请在申报期内提交。"
    with on(date(2026, 11, 1)):
        assert selectors.round_finding(project).outcome == Outcome.PASS
    with on(date(2026, 11, 28)):
        closed_round = services.round_close(actor=office_reviewer, round_id=r.pk)
        with pytest.raises(ActionRefused) as closed:
            services.declaration_submit(actor=filer_a, project_id=project.pk)
    assert closed.value.message == (f"2027年度项目申报已由领导小组办公室于 {REAL_LOCALDATE(closed_round.closed_at)} "
                                    "关闭，不能再提交。请等待下一轮申报，或联系领导小组办公室。")
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT


# --- Pre-check and submission ----------------------------------------------------------------------

def test_submission_is_refused_with_the_findings_and_their_articles_then_fixed_and_accepted(
        office_reviewer, filer_a, client_for):
    open_round(office_reviewer)
    project = ready_project(filer_a, cryptography_plan="", deployed_on_provincial_cloud=False)
    with on(date(2026, 11, 28)), pytest.raises(ActionRefused) as refused:
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    blocks = {f.rule: f for f in refused.value.findings if f.outcome == Outcome.BLOCK}
    assert set(blocks) == {"provincial_cloud_deployment", "materials_complete.has_cryptography_plan"}
    cloud, crypto = blocks["provincial_cloud_deployment"], blocks["materials_complete.has_cryptography_plan"]
    assert cloud.citation == Citation(8, item=3) and cloud.citation.label == "第八条第三项"
    assert cloud.message.startswith("原则上不予立项：") and "未部署到省级政务云" in cloud.message
    assert crypto.citation == Citation(16, item=2)
    assert crypto.message == "申报材料“技术方案”缺少密码应用方案：请上传密码应用方案。"
    assert refused.value.message == f"{cloud.message}；{crypto.message}"

    # The page shows exactly what to fix, with the article links.
    with on(date(2026, 11, 28)):
        page = client_for(filer_a).post(f"/declarations/projects/{project.pk}/submit/")
    html = page.content.decode()
    assert page.status_code == 409
    assert "不能提交申报：" in html and crypto.message in html
    assert 'href="/regulation/articles/16/">第十六条第二项</a>' in html
    assert 'href="/regulation/articles/8/">第八条第三项</a>' in html
    assert 'class="finding outcome-block"' in html

    services.materials_update(actor=filer_a, project_id=project.pk, expected_version=1,
                              cryptography_plan="采用商用密码。", deployed_on_provincial_cloud=True)
    with on(date(2026, 11, 28)):
        response = client_for(filer_a).post(f"/declarations/projects/{project.pk}/submit/")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED


def test_a_fresh_draft_is_asked_for_every_answer_instead_of_passing_blank_questions(filer_a):
    project = factories.project(filer_a)
    with on(date(2026, 11, 28)):
        findings = selectors.submission_findings(project)
    by_rule = {f.rule: f for f in findings}
    cloud = by_rule["provincial_cloud_deployment.unanswered"]
    assert cloud.outcome == Outcome.BLOCK and cloud.citation == Citation(8, item=3)
    assert cloud.message == ("请在申报材料中回答第八条第三项的问题：是否涉密项目；建设性质；"
                             "是否部署（升级改造项目：迁移）到省级政务云。")
    assert by_rule["data_aggregation.unanswered"].citation == Citation(12)
    assert "provincial_cloud_deployment" not in by_rule  # no PASS for a question nobody answered
    assert by_rule["catalogue_coverage"].outcome == Outcome.BLOCK
    assert by_rule["materials_complete.main_tasks"].message == "申报材料“基本情况”缺少主要任务：请填写主要任务。"
    assert [f.citation.article for f in findings] == sorted(f.citation.article for f in findings)


def test_legal_basis_turns_an_article_8_block_into_a_justification_for_the_drc(office_reviewer, filer_a):
    open_round(office_reviewer)
    project = ready_project(filer_a, buys_non_classified_server_hardware=True)
    with on(date(2026, 11, 28)):
        assert "non_classified_infrastructure" in blocking_rules(selectors.submission_findings(project))
    services.materials_update(actor=filer_a, project_id=project.pk, expected_version=1,
                              legal_basis={"1": "《某某法》第十条"})
    project.refresh_from_db()
    with on(date(2026, 11, 28)):
        findings = {f.rule: f for f in selectors.submission_findings(project)}
        assert findings["non_classified_infrastructure"].outcome == Outcome.NEEDS_JUSTIFICATION
        assert services.declaration_submit(actor=filer_a, project_id=project.pk).stage == Stage.SUBMITTED


def test_the_precheck_page_and_its_htmx_fragment(filer_a, client_for):
    project = factories.project(filer_a)
    c = client_for(filer_a)
    with on(date(2026, 11, 28)):
        page = c.get(f"/declarations/projects/{project.pk}/precheck/")
        fragment = c.get(f"/declarations/projects/{project.pk}/precheck/", headers={"HX-Request": "true"})
    html, part = page.content.decode(), fragment.content.decode()
    assert page.status_code == fragment.status_code == 200
    assert "运行体检" in html and 'hx-get="/declarations/projects/' in html and "<html" in html
    assert part.lstrip().startswith('<section id="findings"') and "<html" not in part and "运行体检" not in part
    assert "outcome-block" in part and 'href="/regulation/articles/8/">第八条第三项</a>' in part
    assert "<th scope=\"row\">未回答的问题</th>" in part
    assert "HX-Request" in page["Vary"] and "HX-Request" in fragment["Vary"]


# --- Materials -------------------------------------------------------------------------------------

def test_a_stale_version_is_refused_not_overwritten(filer_a, client_for):
    project = factories.project(filer_a)
    services.materials_update(actor=filer_a, project_id=project.pk, expected_version=0, main_tasks="第一版")
    with pytest.raises(ActionRefused) as stale:
        services.materials_update(actor=filer_a, project_id=project.pk, expected_version=0, main_tasks="覆盖")
    assert stale.value.message == "申报材料已被他人修改，请刷新后在最新版本上修改（版本不一致）"
    response = client_for(filer_a).post(f"/declarations/projects/{project.pk}/edit/",
                                        {"version": "0", "main_tasks": "网页上的旧版本"})
    assert response.status_code == 409
    assert "申报材料已被他人修改，请刷新后在最新版本上修改（版本不一致）" in response.content.decode()
    assert DeclarationMaterials.objects.get(project=project).main_tasks == "第一版"
    response = client_for(filer_a).post(f"/declarations/projects/{project.pk}/edit/",
                                        {"version": "1", "main_tasks": "第二版", "om_funding": "1234567.89",
                                         "needs_clear": "true", "funding_channels": ["capital_budget", "other"],
                                         "legal_basis_4": "  "})
    assert response.status_code == 302
    materials = DeclarationMaterials.objects.get(project=project)
    assert (materials.main_tasks, materials.version, materials.needs_clear) == ("第二版", 2, True)
    assert materials.om_funding == Decimal("1234567.89") and materials.legal_basis == {}
    assert materials.funding_channels == ["capital_budget", "other"] and materials.is_classified is None
    event = AuditEvent.objects.filter(action="declaration.materials_updated").latest("seq")
    assert event.before["main_tasks"] == "第一版" and event.after["om_funding"] == "1234567.89"


def test_materials_change_only_in_a_draft_and_only_by_the_unit(office_reviewer, filer_a, filer_b, unit_a):
    open_round(office_reviewer)
    project = ready_project(filer_a)
    head = factories.user("head_a", unit_a, "unit_head")
    services.materials_update(actor=head, project_id=project.pk, expected_version=1, main_tasks="负责人修改")
    with pytest.raises(ValidationError) as bad:
        services.materials_update(actor=filer_a, project_id=project.pk, expected_version=2, submitted_at=None)
    assert bad.value.message_dict == {"submitted_at": ["不允许修改此字段"]}
    with on(date(2026, 11, 28)):
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    with pytest.raises(PermissionDenied, match="^只有本项目单位的填报人或负责人可以填写申报材料$"):
        services.materials_update(actor=office_reviewer, project_id=project.pk, expected_version=2, main_tasks="x")
    with pytest.raises(Http404):
        services.materials_update(actor=filer_b, project_id=project.pk, expected_version=2, main_tasks="x")
    with pytest.raises(ActionRefused, match="^项目处于“已申报”阶段，只有草稿可以修改申报材料$"):
        services.materials_update(actor=filer_a, project_id=project.pk, expected_version=2, main_tasks="x")


def test_wrong_answers_are_refused_with_chinese_messages(filer_a):
    project = factories.project(filer_a)
    with pytest.raises(ValidationError) as bad:
        services.materials_update(actor=filer_a, project_id=project.pk, expected_version=0,
                                  funding_channels=["银行贷款"], legal_basis={"9": "x"}, om_funding=Decimal("-1"))
    assert bad.value.message_dict == {
        "funding_channels": ["经费渠道只能从给定选项中选择"],
        "legal_basis": ["法律法规依据只能对应第八条第一项至第八项，内容为文字"],
        "om_funding": ["运行维护经费不能为负数"],
    }


def test_the_investment_code_is_checked_by_the_rules_layer_and_audited(filer_a, filer_b, client_for):
    project = factories.project(filer_a)
    with pytest.raises(ValidationError) as bad:
        services.investment_code_record(actor=filer_a, project_id=project.pk, code="2021-5100-65-01-000001")
    assert bad.value.message_dict == {"investment_code": [
        "项目代码“2021-5100-65-01-000001”格式不正确：行政区划代码应为 6 位半角数字，实际为“5100”。"
        "正确格式为年份4位-行政区划代码6位-行业代码2位-项目类型代码2位-流水号6位，例如 2021-510000-65-01-000001，请核对后重新填写。"]}
    response = client_for(filer_a).post(f"/declarations/projects/{project.pk}/investment-code/",
                                        {"investment_code": "2027-510000-65-01-000123"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.investment_code == "2027-510000-65-01-000123"
    event = AuditEvent.objects.get(action="project.investment_code_recorded")
    assert event.before == {"investment_code": ""} and event.after == {"investment_code": "2027-510000-65-01-000123"}
    other = factories.project(filer_b)
    with pytest.raises(ValidationError) as taken:
        services.investment_code_record(actor=filer_b, project_id=other.pk, code="2027-510000-65-01-000123")
    assert taken.value.message_dict == {"investment_code": ["项目代码“2027-510000-65-01-000123”已登记在其他项目上，请核对"]}


# --- Visibility ----------------------------------------------------------------------------------

def test_unit_b_cannot_see_unit_a_drafts_in_any_page_list_or_api(office_reviewer, filer_a, filer_b, client_for):
    open_round(office_reviewer)
    project = ready_project(filer_a, "甲单位草稿")
    own = factories.project(filer_b, "乙单位项目")
    c = client_for(filer_b)
    for url in (f"/declarations/projects/{project.pk}/", f"/declarations/projects/{project.pk}/edit/",
                f"/declarations/projects/{project.pk}/precheck/", f"/declarations/projects/{project.pk}/documents/",
                f"/api/v1/declarations/projects/{project.pk}/materials",
                f"/api/v1/declarations/projects/{project.pk}/documents"):
        assert c.get(url).status_code == 404, url
    for url in (f"/declarations/projects/{project.pk}/submit/", f"/api/v1/declarations/projects/{project.pk}/submit",
                f"/api/v1/declarations/projects/{project.pk}/precheck"):
        assert c.post(url).status_code == 404, url
    patch_response = c.patch(f"/api/v1/declarations/projects/{project.pk}/materials",
                             data=json.dumps({"version": 1, "main_tasks": "篡改"}), content_type="application/json")
    assert patch_response.status_code == 404
    assert "甲单位草稿" not in c.get("/declarations/").content.decode()
    assert [p["name"] for p in c.get("/api/v1/declarations/projects").json()] == [own.name]
    # Other units' drafts are never duplicate candidates either.
    with on(date(2026, 11, 28)):
        assert selectors.declaration_candidates(own) == []
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    assert [c.key for c in selectors.declaration_candidates(own)] == [project.number]


# --- API -----------------------------------------------------------------------------------------

def test_the_api_reads_updates_prechecks_and_submits(office_reviewer, filer_a, client_for):
    open_round(office_reviewer)
    project = factories.project(filer_a)
    in_catalogue(filer_a, project)
    c = client_for(filer_a)
    url = f"/api/v1/declarations/projects/{project.pk}"
    assert c.get(f"{url}/materials").json()["version"] == 0
    assert c.get("/api/v1/declarations/rounds").json()[0]["title"] == "2027年度项目申报"

    refused = c.patch(f"{url}/materials", data=json.dumps({"version": 0, "submitted_round": 1}),
                      content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "submitted_round", "message": "不允许提交此字段"}]

    body = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in COMPLETE.items()} | {"version": 0}
    body["cryptography_plan"] = ""
    updated = c.patch(f"{url}/materials", data=json.dumps(body), content_type="application/json")
    assert updated.status_code == 200 and updated.json()["version"] == 1
    assert updated.json()["om_funding"] == "1200000.00"

    with on(date(2026, 11, 28)):
        check = c.post(f"{url}/precheck").json()
        submit = c.post(f"{url}/submit")
    assert check["submission_allowed"] is False
    crypto = next(f for f in check["findings"] if f["rule"] == "materials_complete.has_cryptography_plan")
    assert crypto == {"rule": "materials_complete.has_cryptography_plan", "outcome": "block",
                      "message": "申报材料“技术方案”缺少密码应用方案：请上传密码应用方案。",
                      "citation": {"article": 16, "paragraph": None, "item": 2}, "citation_label": "第十六条第二项",
                      "evidence": {"缺少的材料": "密码应用方案", "所属部分": "技术方案", "涉密": False}}
    assert submit.status_code == 409
    assert submit.json()["detail"] == [{"field": "", "message": "申报材料“技术方案”缺少密码应用方案：请上传密码应用方案。"}]
    assert crypto in submit.json()["findings"]

    c.patch(f"{url}/materials", data=json.dumps({"version": 1, "cryptography_plan": "采用商用密码。"}),
            content_type="application/json")
    with on(date(2026, 11, 28)):
        assert c.post(f"{url}/precheck").json()["submission_allowed"] is True
        accepted = c.post(f"{url}/submit")
    assert accepted.status_code == 200 and accepted.json()["stage"] == "submitted"
    with on(date(2026, 11, 28)):
        again = c.post(f"{url}/submit")
    assert again.status_code == 409
    assert again.json()["detail"][0]["message"] == "项目当前处于“已申报”阶段，不能执行此操作（可能已被他人处理）"


def test_rounds_through_the_api_are_for_the_office_only(office_reviewer, filer_a, client_for):
    body = json.dumps({"year": 2027, "title": "补充申报", "opens_on": "2026-11-28", "closes_on": "2026-12-10"})
    with on(date(2026, 11, 28)):
        refused = client_for(filer_a).post("/api/v1/declarations/rounds", data=body, content_type="application/json")
        created = client_for(office_reviewer).post("/api/v1/declarations/rounds", data=body,
                                                   content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["message"] == "只有领导小组办公室的审核人可以开启或关闭申报批次"
    assert created.status_code == 201 and created.json()["is_open"] is True


def test_the_demo_leaves_two_submitted_declarations_and_a_draft_to_fix(client_for):
    from django.core.management import call_command

    from accounts.models import User
    from projects.models import Project

    with on(date(2026, 11, 28)):
        call_command("seed_demo", "--quiet-logins")
        # Submitted through the service in the open 2027 round (later demos may take them further).
        for name in ("全民健康信息平台（二期）", "综合交通运输运行监测系统"):
            submitted = Project.objects.get(name=name)
            assert submitted.stage != Stage.DRAFT
            assert submitted.declaration.submitted_round.year == 2027
            assert AuditEvent.objects.filter(project=submitted, action="declaration.submitted").count() == 1
        draft = Project.objects.get(name="四川省教育数据共享交换平台升级")
        assert draft.stage == Stage.DRAFT
        assert {"provincial_cloud_deployment", "non_classified_infrastructure",
                "materials_complete.has_cryptography_plan"} <= blocking_rules(selectors.submission_findings(draft))
        page = client_for(User.objects.get(username="edu")).get(f"/declarations/projects/{draft.pk}/precheck/")
    assert page.status_code == 200 and "提交申报" in page.content.decode()


def test_every_declaration_page_renders_for_the_unit_and_the_office(office_reviewer, filer_a, client_for):
    open_round(office_reviewer)
    project = ready_project(filer_a)
    c = client_for(filer_a)
    with on(date(2026, 11, 28)):
        for url, text in ((f"/declarations/projects/{project.pk}/", "申报期为 2026-11-01 至 2026-12-31，可以提交。"),
                          (f"/declarations/projects/{project.pk}/edit/", "保存申报材料"),
                          (f"/declarations/projects/{project.pk}/documents/", "尚未上传附件。"),
                          (f"/projects/{project.pk}/", "填写申报材料"),
                          ("/declarations/", project.name)):
            response = c.get(url)
            assert response.status_code == 200, url
            assert text in response.content.decode(), url
        office_page = client_for(office_reviewer).get("/declarations/").content.decode()
    assert "关闭批次" in office_page and "开启申报批次" in office_page
    assert 'href="/declarations/"' in c.get("/").content.decode()  # the nav item 申报批次
    schema = c.get("/api/v1/openapi.json").json()
    assert "/api/v1/declarations/projects/{project_id}/submit" in schema["paths"]


def test_reviewers_read_the_precheck_of_a_submitted_project_without_the_round(office_reviewer, filer_a, client_for):
    open_round(office_reviewer)
    project = ready_project(filer_a)
    with on(date(2026, 11, 28)):
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    with on(date(2027, 3, 1)):  # the round has long closed
        page = client_for(office_reviewer).get(f"/declarations/projects/{project.pk}/precheck/")
        api = client_for(office_reviewer).post(f"/api/v1/declarations/projects/{project.pk}/precheck").json()
    html = page.content.decode()
    assert page.status_code == 200 and "项目已提交申报，以下为当前申报材料的体检结论，供审核参考。" in html
    assert "截止" not in html and "提交申报</button>" not in html
    assert api["submission_allowed"] is True
    assert "declaration_round_open" not in {f["rule"] for f in api["findings"]}


# --- Sanctions that bar new projects (第三十二条; 第三十三条、第五十一条 from oversight) -------------------

def test_an_overdue_acceptance_blocks_the_units_next_declaration_until_accepted(
        office_reviewer, drc_reviewer, filer_a, filer_b, unit_a, client_for):
    from delivery import services as delivery_services
    from tests.test_delivery import ALL_MATERIALS, approve, build, run_trial

    factories.user("head_a", unit_a, "unit_head")
    old = approve(factories.project(filer_a, name="教育考试管理系统"), filer_a, office_reviewer, drc_reviewer,
                  approval_date=date(2024, 6, 1))
    build(old, filer_a, months=12, started_on=date(2024, 7, 1))  # acceptance due 2025-09-01
    run_trial(old, filer_a)
    open_round(office_reviewer)
    new = ready_project(filer_a, name="教育督导信息平台")
    other_units = ready_project(filer_b, name="卫生健康监督平台")
    c = client_for(filer_a)
    url = f"/api/v1/declarations/projects/{new.pk}"

    with on(date(2026, 11, 2)):
        findings = selectors.submission_findings(new)
        check = c.post(f"{url}/precheck").json()
        refused = c.post(f"{url}/submit")
        page = c.get(f"/declarations/projects/{new.pk}/precheck/").content.decode()
        others = selectors.submission_findings(other_units)
    sanction = next(f for f in findings if f.rule == "sanction_article_32")
    assert blocking_rules(findings) == {"sanction_article_32"}
    assert sanction.citation == Citation(32)
    assert sanction.message == (
        f"项目单位受到限制，不能申报新增项目：项目 {old.number} 教育考试管理系统 逾期未申请验收（验收期限 2025-09-01）"
        "（未进行验收或验收不合格的项目，不批准项目单位新增项目）。请先完成该项目验收并验收合格。")
    assert check["submission_allowed"] is False
    assert [f["citation_label"] for f in check["findings"] if f["outcome"] == "block"] == ["第三十二条"]
    assert refused.status_code == 409 and refused.json()["detail"][0]["message"] == sanction.message
    assert 'href="/regulation/articles/32/">第三十二条</a>' in page and sanction.message in page
    assert not blocking_rules(others), "another unit is not barred by unit A's project"

    with on(date(2026, 11, 3)):
        delivery_services.apply_for_acceptance(actor=filer_a, project_id=old.pk, materials=ALL_MATERIALS)
        delivery_services.acceptance_decide(actor=drc_reviewer, project_id=old.pk, passed=True, opinion="验收合格")
    with on(date(2026, 11, 4)):
        findings = selectors.submission_findings(new)
        accepted = c.post(f"{url}/submit")
    assert next(f for f in findings if f.citation == Citation(32)).outcome == Outcome.PASS
    assert accepted.status_code == 200 and accepted.json()["stage"] == "submitted"


def test_sanctions_of_the_oversight_chapters_are_read_when_oversight_provides_them(filer_a, unit_a):
    """第三十三条 and 第五十一条 come from ``oversight.selectors.unit_sanctions_findings`` once it exists."""
    import importlib.machinery
    import types

    from rules.findings import Finding

    project = ready_project(filer_a, name="教育督导信息平台")
    finding = Finding("security_no_new_systems", Outcome.BLOCK, "存在重大安全隐患", Citation(51),
                      {"项目": "ZW2025-00009 教育网站", "原因": "存在重大安全隐患，尚未整改"})
    # Stands in for oversight/selectors.py (built by another app) with the one function the pre-check reads.
    oversight = types.ModuleType("oversight.selectors")
    oversight.__spec__ = importlib.machinery.ModuleSpec("oversight.selectors", None)
    oversight.unit_sanctions_findings = lambda unit, today: [finding] if unit == unit_a else []
    with patch.dict("sys.modules", {"oversight.selectors": oversight}), on(date(2026, 11, 2)):
        findings = selectors.precheck_findings(project)
    blocked = [f for f in findings if f.blocks]
    assert [f.citation.label for f in blocked] == ["第五十一条"]
    assert blocked[0].message.startswith("项目单位受到限制，不能申报新增项目：项目 ZW2025-00009 教育网站 存在重大安全隐患，尚未整改")
