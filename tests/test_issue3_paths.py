"""Issue 3 end to end through the REST API: the four approval paths, each from the project's creation to the
approval PDF, with every actor in its own logged-in session and every refusal on the way answered with 409
and the findings of the article that refuses it.

The paths: the standard two-stage self-built path (可研 → 初步设计, 第十八条第一款), the merged implementation
plan (第十八条第二款), the purchased service (第十九条) and the cross-department project (第二十一条).
"""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import OrgKind, Role
from tests import factories
from tests.test_approval import PURCHASED, pdf_text
from tests.test_declarations import COMPLETE
from tests.test_documents import PDF

pytestmark = pytest.mark.django_db

# The demo's logins (README), one per body of the measures.
REVIEWERS = {
    "office": OrgKind.LEADING_GROUP_OFFICE, "drc": OrgKind.DRC, "finance": OrgKind.FINANCE,
    "bdc": OrgKind.BIG_DATA_CENTER, "cyber": OrgKind.CYBERSPACE_OFFICE, "secrecy": OrgKind.SECRECY_BUREAU,
    "crypto": OrgKind.CRYPTOGRAPHY_BUREAU, "econ": OrgKind.ECONOMY_IT_DEPARTMENT, "police": OrgKind.PUBLIC_SECURITY,
}
REVIEW_BODIES = ("office", "drc", "finance", "bdc")  # 第十七条 集中审查
OPINION_BODIES = ("cyber", "secrecy", "crypto", "econ", "police", "finance", "bdc")  # 第二十二条 (the profile's default)
API = "/api/v1"


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


class Session:
    """One person signed in through the real login (session cookie), calling the API."""

    def __init__(self, username: str):
        self.username = username
        self.client = Client()
        assert self.client.login(username=username, password=factories.PASSWORD), username

    def call(self, method: str, url: str, data=None, status: int = 200):
        body = json.dumps({k: _json(v) for k, v in data.items()}) if data is not None else ""
        response = getattr(self.client, method)(f"{API}{url}", data=body, content_type="application/json")
        assert response.status_code == status, (self.username, method, url, response.status_code, response.content)
        return response.json() if response["Content-Type"].startswith("application/json") else response

    def post(self, url, data=None, status=200):
        return self.call("post", url, data, status)

    def refused(self, method: str, url: str, data=None) -> dict:
        """A 409 refusal: its message and the articles of its blocking findings."""
        body = self.call(method, url, data, status=409)
        body["blocking_labels"] = [f["citation_label"] for f in body["findings"] if f["outcome"] == "block"]
        return body


@pytest.fixture
def people(db, settings, tmp_path):
    settings.STORAGE_DIR = tmp_path
    edu = factories.org("SC-EDU", "四川省教育厅")
    health = factories.org("SC-HEALTH", "四川省卫生健康委员会")
    factories.user("edu", edu, Role.FILER)
    factories.user("health", health, Role.FILER)
    for username, kind in REVIEWERS.items():
        factories.user(username, factories.body(kind), Role.REVIEWER)
    sessions = {name: Session(name) for name in ("edu", "health", *REVIEWERS)}
    sessions["health_unit_id"] = health.pk
    return sessions


def declare(people, *, name: str, delivery_mode: str, total: str) -> dict:
    """The unit creates the project, names its catalogue entry, fills the materials, fixes what the pre-check
    blocks (a missing 密码应用方案, 第十六条第二项, uploaded as a document) and submits in the open round."""
    unit, office = people["edu"], people["office"]
    today = timezone.localdate()
    year = today.year + 1
    office.post("/declarations/rounds", {"year": year, "title": f"{year}年度项目申报", "opens_on": today.isoformat(),
                                         "closes_on": (today + timezone.timedelta(days=30)).isoformat()}, status=201)

    project = unit.post("/projects", {"name": name, "year": year, "delivery_mode": delivery_mode,
                                      "total_investment": total}, status=201)
    assert (project["stage"], project["number"]) == ("draft", f"ZW{year}-00001")
    pid = project["id"]
    system = unit.post("/catalogue/systems", {
        "name": f"{name}系统", "purpose": "网上受理、审批办理和统计分析", "status": "planned", "on_government_cloud": True,
        "network": "egov_extranet", "is_classified": False, "mlps_level": 3, "connected_to_sharing_platform": True,
        "connected_to_service_platform": True, "connected_to_unified_office_platform": False}, status=201)
    unit.post(f"/catalogue/projects/{pid}/links", {"system_id": system["id"], "relation": "build"}, status=201)

    unit.call("patch", f"/declarations/projects/{pid}/materials",
              {**COMPLETE, "cryptography_plan": "", "version": 0})
    check = unit.post(f"/declarations/projects/{pid}/precheck")
    assert check["submission_allowed"] is False
    refused = unit.refused("post", f"/declarations/projects/{pid}/submit")
    assert refused["blocking_labels"] == ["第十六条第二项"]
    assert refused["detail"][0]["message"] == "申报材料“技术方案”缺少密码应用方案：请上传密码应用方案。"

    uploaded = unit.client.post(f"{API}/declarations/projects/{pid}/documents",
                                {"kind": "cryptography_plan", "file": _pdf("密码应用方案.pdf")})
    assert uploaded.status_code == 201, uploaded.content
    assert unit.post(f"/declarations/projects/{pid}/precheck")["submission_allowed"] is True
    assert unit.post(f"/declarations/projects/{pid}/submit")["stage"] == "submitted"
    return project


def _pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def review_and_list(people, project: dict) -> None:
    """第十七条: the four bodies conclude (listing is refused until they all have), the office lists the
    project and fixes the year's annual list."""
    pid, year, office = project["id"], project["year"], people["office"]
    for username in REVIEW_BODIES[:3]:
        people[username].post(f"/reviews/projects/{pid}/conclusions", {"conclusion": "agree"}, status=201)
    early = office.refused("post", f"/reviews/projects/{pid}/decision", {"decision": "list"})
    assert early["blocking_labels"] == ["第十七条"] and "省大数据中心" in early["detail"][0]["message"]
    people["bdc"].post(f"/reviews/projects/{pid}/conclusions",
                       {"conclusion": "agree_with_conditions", "text": "复用省级政务云和统一身份认证"}, status=201)
    assert office.post(f"/reviews/projects/{pid}/decision", {"decision": "list"})["stage"] == "listed"
    fixed = office.post(f"/reviews/annual-lists/{year}/fix", status=201)
    assert fixed["fixed"] is True and fixed["number"] == f"川信息化清单〔{year}〕1号"
    assert (fixed["count"], Decimal(fixed["total"])) == (1, Decimal(project["total_investment"]))
    assert [p["number"] for p in people["edu"].call("get", f"/reviews/annual-lists/{year}")["projects"]] == [
        project["number"]]


def opinions_and_evaluation(people, project: dict, also: tuple[str, ...] = ()) -> None:
    """第二十二条、第二十四条: the DRC asks the seven bodies; approval is refused while one opinion is missing and
    while the evaluation is missing; each body answers in its own session. ``also``: the other articles that
    still refuse the approval at that point (the two-stage path's 第十八条第一款)."""
    pid, drc = project["id"], people["drc"]
    requested = drc.post(f"/reviews/projects/{pid}/opinion-requests", status=201)
    assert sorted(o["body"] for o in requested) == sorted(REVIEWERS[u] for u in OPINION_BODIES)
    for username in OPINION_BODIES[:-1]:
        body = people[username]
        mine = body.call("get", "/reviews/opinions?pending=true")
        assert [o["project_number"] for o in mine] == [project["number"]], username
        answered = body.post(f"/reviews/opinions/{mine[0]['id']}/answer", {"answer": "agree"})
        assert answered["answered_at"] and answered["days_taken"] == 0
    missing = drc.refused("post", f"/reviews/projects/{pid}/approval", APPROVAL)
    assert missing["blocking_labels"] == ["第二十二条", *also]
    assert "省大数据中心尚未出具书面意见" in missing["detail"][0]["message"]
    last = people["bdc"].call("get", "/reviews/opinions?pending=true")
    people["bdc"].post(f"/reviews/opinions/{last[0]['id']}/answer",
                       {"answer": "agree_with_conditions", "text": "部署于省级政务云"})
    no_evaluation = drc.refused("post", f"/reviews/projects/{pid}/approval", APPROVAL)
    assert no_evaluation["blocking_labels"] == ["第二十四条", *also]
    drc.post(f"/reviews/projects/{pid}/evaluation", {
        "evaluator_kind": "third_party", "evaluator": "四川省工程咨询研究院", "conclusion": "agree",
        "evaluated_on": timezone.localdate().isoformat()}, status=201)


APPROVAL = {"approved_total_investment": "9500000.00", "approved_content": "应用系统、数据资源和安全保障建设",
            "funding_sources": "省级预算内基本建设资金", "construction_months": 18}


def approve_and_download(people, project: dict, amount: str = "9500000.00") -> None:
    pid = project["id"]
    approval = people["drc"].post(f"/reviews/projects/{pid}/approval",
                                  {**APPROVAL, "approved_total_investment": amount}, status=201)
    assert approval["number"] == f"川发改审批〔{timezone.localdate().year}〕{approval['number'].split('〕')[1]}"
    assert people["edu"].call("get", f"/projects/{pid}")["stage"] == "approved"
    response = people["edu"].client.get(f"{API}/reviews/projects/{pid}/approval.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert approval["number"] in text and project["name"] in text
    # Another unit sees neither the project nor its approval.
    assert people["health"].client.get(f"{API}/reviews/projects/{pid}/approval.pdf").status_code == 404


# --- the four paths -------------------------------------------------------------------------------------

def test_the_standard_two_stage_self_built_path(people):
    project = declare(people, name="全省教育数据共享平台", delivery_mode="self_built", total="9800000.00")
    review_and_list(people, project)
    pid, unit, drc = project["id"], people["edu"], people["drc"]
    application = {"path": "two_stage", "has_integration_sharing_chapter": False, "summary": "可行性研究报告"}
    saved = unit.call("put", f"/reviews/projects/{pid}/application", application)
    assert [f["citation_label"] for f in saved["findings"] if f["outcome"] == "block"] == ["第十八条第一款"]
    refused = unit.refused("post", f"/reviews/projects/{pid}/approval-submission")
    assert refused["blocking_labels"] == ["第十八条第一款"]
    assert "缺少系统整合、集约化建设和信息资源共享分析专篇" in refused["detail"][0]["message"]
    submitted = unit.post(f"/reviews/projects/{pid}/approval-submission",
                          {**application, "has_integration_sharing_chapter": True})
    assert submitted["stage"] == "under_approval"
    opinions_and_evaluation(people, project, also=("第十八条第一款",))
    early = drc.refused("post", f"/reviews/projects/{pid}/approval", APPROVAL)
    assert early["blocking_labels"] == ["第十八条第一款"] and "可行性研究报告尚未批复" in early["detail"][0]["message"]
    feasibility = drc.post(f"/reviews/projects/{pid}/feasibility-approval", {"approved_investment": "9800000.00"},
                           status=201)
    assert feasibility["feasibility_approval_number"].startswith("川发改审批〔")
    unit.post(f"/reviews/projects/{pid}/preliminary-design",
              {"budget_estimate": "9500000.00", "has_integration_sharing_chapter": True})
    approve_and_download(people, project)


def test_the_merged_plan_path_is_refused_one_fen_above_the_limit(people):
    project = declare(people, name="教育督导信息平台", delivery_mode="self_built", total="20000000.01")
    review_and_list(people, project)
    pid, unit = project["id"], people["edu"]
    merged = {"path": "merged", "has_integration_sharing_chapter": True, "depth_requirements_met": True,
              "summary": "项目实施方案"}
    refused = unit.refused("post", f"/reviews/projects/{pid}/approval-submission", merged)
    assert refused["blocking_labels"] == ["第十八条第二款"]
    limit = next(f for f in refused["findings"] if f["rule"] == "merged_plan_eligible")
    assert "总投资 20,000,000.01 元超过 20,000,000.00 元" in limit["message"], limit["message"]
    assert unit.call("get", f"/projects/{pid}")["stage"] == "listed"
    # Exactly at the limit (the plan's total investment trimmed to 2000万元) the merged plan qualifies.
    submitted = unit.post(f"/reviews/projects/{pid}/approval-submission",
                          {**merged, "total_investment": "20000000.00"})
    assert submitted["stage"] == "under_approval"
    opinions_and_evaluation(people, project)
    approve_and_download(people, project, amount="19800000.00")


def test_the_purchased_service_path(people):
    project = declare(people, name="教育政务服务热线外包服务", delivery_mode="purchased_service", total="1200000.00")
    review_and_list(people, project)
    pid, unit = project["id"], people["edu"]
    wrong_path = unit.refused("post", f"/reviews/projects/{pid}/approval-submission",
                              {"path": "merged", "has_integration_sharing_chapter": True, "depth_requirements_met": True})
    assert "第十九条" in wrong_path["blocking_labels"]
    no_cost = unit.refused("post", f"/reviews/projects/{pid}/approval-submission",
                           {**PURCHASED, "construction_cost": None})
    assert no_cost["blocking_labels"] == ["第十九条第二项"]
    assert "请填写自行建设所需的建设经费" in no_cost["detail"][0]["message"]
    assert unit.post(f"/reviews/projects/{pid}/approval-submission", PURCHASED)["stage"] == "under_approval"
    opinions_and_evaluation(people, project)
    approve_and_download(people, project, amount="900000.00")


def test_the_cross_department_path(people):
    project = declare(people, name="全省学生健康数据共享平台", delivery_mode="self_built", total="9800000.00")
    review_and_list(people, project)
    pid, unit = project["id"], people["edu"]
    edu_id = factories.org("SC-EDU", "四川省教育厅").pk
    lead = {"department_id": edu_id, "is_lead": True, "scope": "学生学籍和体质监测数据归集",
            "business_flows": "学校上报、教育厅汇总", "data_flows": "学籍库 → 共享交换平台", "interfaces": "学籍查询接口"}
    application = {"path": "merged", "has_integration_sharing_chapter": True, "depth_requirements_met": True,
                   "is_cross_department": True, "parts": [lead]}
    alone = unit.refused("post", f"/reviews/projects/{pid}/approval-submission", application)
    assert alone["blocking_labels"] == ["第二十一条"]
    assert alone["findings"][[f["rule"] for f in alone["findings"]].index(
        "cross_department_structure.participants")]["outcome"] == "block"
    participant = {"department_id": people["health_unit_id"], "is_lead": False, "scope": "学生就诊和疫苗接种数据",
                   "business_flows": "医疗机构上报", "data_flows": "全民健康信息平台 → 共享交换平台",
                   "interfaces": "健康档案查询接口"}
    submitted = unit.post(f"/reviews/projects/{pid}/approval-submission", {**application, "parts": [lead, participant]})
    assert submitted["stage"] == "under_approval"
    review = people["drc"].call("get", f"/reviews/projects/{pid}")
    assert review["application"]["path"] == "merged"
    # The participating department's unit is not the project's: it does not see the project.
    assert people["health"].client.get(f"{API}/projects/{pid}").status_code == 404
    for url in (f"/declarations/projects/{pid}/materials", f"/catalogue/projects/{pid}", f"/reviews/projects/{pid}"):
        assert people["health"].client.get(f"{API}{url}").status_code == 404, url
    assert people["health"].client.post(f"{API}/catalogue/projects/{pid}/links", json.dumps(
        {"system_id": 1, "relation": "build"}), content_type="application/json").status_code == 404
    opinions_and_evaluation(people, project)
    approve_and_download(people, project)
