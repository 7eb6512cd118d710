"""The approval paths of issue 3 in the browser, besides the merged plan (tests/browser/test_review_journey.py):
the standard two-stage self-built path (第十八条第一款), the purchased service (第十九条) and the cross-department
project (第二十一条). Each project is declared, reviewed, listed and its annual list fixed through the services
(tests/test_reviews.py ``listed``); the unit then fills its approval application in the browser, each refusal
shows the article that refuses it, the DRC requests the opinions, six bodies answer through the services and one in
its own browser session, and the DRC records the evaluation, approves and downloads the approval PDF."""

import pytest
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from reviews import services
from reviews.models import OpinionRequest
from tests import factories
from tests.test_reviews import OPINION_BODIES, listed, reviewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROWSER_BODY = OrgKind.CYBERSPACE_OFFICE  # the one body that answers in its own browser session


@pytest.fixture
def session_for(browser, live_server, login):
    """``session_for(username)``: a page in a browser context of its own, signed in as that user."""
    contexts = []

    def open_session(username: str):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        login(page, username, factories.PASSWORD)
        return page

    yield open_session
    for context in contexts:
        context.close()


def listed_project(*, name: str, mode: str, total: str):
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu", unit, Role.FILER)
    for kind in (OrgKind.DRC, *OPINION_BODIES):
        reviewer(kind)
    project, = listed(factories.project(filer, name=name, delivery_mode=mode, total_investment=total))
    assert project.stage == "listed"
    return project


def refused_with(page, article: str, text: str) -> None:
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("未能办理：")
    expect(refusal).to_contain_text(text)
    blocking = refusal.locator("li.outcome-block")
    expect(blocking.get_by_role("link", name=article, exact=True)).to_have_count(1)


def opinions(drc, session_for, shot, project) -> None:
    """第二十二条: the DRC requests the seven opinions in the browser; six bodies answer through the services and
    one in its own browser session."""
    drc.goto(f"/reviews/projects/{project.pk}/")
    drc.get_by_role("button", name="征求意见").click()
    expect(drc.get_by_text("待出具")).to_have_count(7)
    for kind in OPINION_BODIES:
        if kind != BROWSER_BODY:
            opinion = OpinionRequest.objects.get(project=project, body__kind=kind)
            services.opinion_answer(actor=reviewer(kind), opinion_id=opinion.pk, answer="agree")
    body = session_for(f"r_{BROWSER_BODY}")
    body.goto(f"/reviews/projects/{project.pk}/")
    body.get_by_role("link", name="出具本部门意见").click()
    body.get_by_role("radio", name="同意", exact=True).check()
    body.get_by_role("button", name="出具意见").click()
    expect(body.get_by_role("status")).to_contain_text("意见")
    shot(body, "opinion-answered")
    drc.reload()
    expect(drc.get_by_text("待出具")).to_have_count(0)


def evaluate(drc) -> None:
    """第二十四条: the DRC records the evaluation."""
    drc.get_by_text("记录评估论证结论", exact=True).click()
    drc.get_by_label("评估方式").select_option(label="第三方咨询评估机构")
    drc.get_by_label("评估机构或专家组").fill("四川省工程咨询研究院")
    drc.get_by_label("评估结论").select_option(label="同意")
    drc.get_by_role("button", name="保存").first.click()
    expect(drc.get_by_role("status")).to_contain_text("评估")


def approve_and_download(drc, shot, project, amount: str, shown: str) -> None:
    drc.get_by_label("批复总投资（元）").fill(amount)
    drc.get_by_label("批复建设内容").fill("应用系统、数据资源和安全保障建设")
    drc.get_by_label("资金来源").fill("省级预算内基本建设资金")
    drc.get_by_label("建设周期（月）").fill("18")
    drc.get_by_role("button", name="批复", exact=True).click()
    expect(drc.get_by_role("heading", name=project.name)).to_contain_text("已批复")
    expect(drc.get_by_role("main")).to_contain_text(shown)
    shot(drc, "approved")
    with drc.expect_download() as download_info:
        drc.get_by_role("link", name="下载批复文件（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_two_stage_self_built_feasibility_then_preliminary_design(page, login, session_for, shot):
    project = listed_project(name="全省教育数据共享平台", mode="self_built", total="9800000.00")

    # 第十八条第一款: the feasibility study without the integration/sharing chapter is refused.
    login(page, "edu", factories.PASSWORD)
    page.goto(f"/reviews/projects/{project.pk}/")
    page.get_by_role("link", name="填写审批申请并报送").click()
    page.get_by_label("报批方式").select_option(label="可行性研究报告 + 初步设计方案（含投资概算）")
    page.get_by_label("建设内容概述").fill("可行性研究报告")
    page.get_by_role("button", name="保存并报送审批").click()
    refused_with(page, "第十八条第一款", "缺少系统整合、集约化建设和信息资源共享分析专篇")
    expect(page.get_by_role("heading", name=project.name)).to_contain_text("已列入年度清单")
    shot(page, "refused-without-chapter")
    page.get_by_label("含系统整合、集约化建设和信息资源共享分析专篇（章）").check()
    page.get_by_role("button", name="保存并报送审批").click()
    expect(page.get_by_role("heading", name=project.name)).to_contain_text("审批中")
    expect(page.get_by_text("可行性研究报告尚未批复。")).to_be_visible()

    drc = session_for("r_drc")
    opinions(drc, session_for, shot, project)
    evaluate(drc)

    # The DRC approves the feasibility study, then the unit submits the preliminary design with its budget.
    drc.get_by_label("可研批复总投资（元）").fill("9800000")
    drc.get_by_role("button", name="批复可研").click()
    expect(drc.get_by_text("可行性研究报告已于")).to_contain_text("9,800,000.00 元")
    shot(drc, "feasibility-approved")
    page.goto(f"/reviews/projects/{project.pk}/")
    page.get_by_role("link", name="报送初步设计方案（含投资概算）").click()
    page.get_by_label("投资概算（元）").fill("9500000")
    page.get_by_label("初步设计方案包括系统整合、集约化建设和信息资源共享分析专篇（章）").check()
    page.get_by_role("button", name="报送初步设计方案").click()
    expect(page.get_by_text("初步设计方案已于")).to_contain_text("9,500,000.00 元")
    shot(page, "design-submitted")

    drc.reload()
    approve_and_download(drc, shot, project, "9500000", "9,500,000.00 元")


SERVICE_PLAN = {"项目必要性分析": "热线业务量持续增长", "技术性分析": "云呼叫中心", "经济性分析": "按坐席计费",
                "信息资源共享分析": "工单数据接入共享平台", "信息安全要求": "等级保护第三级",
                "采用自建和购买服务方式经济性比较分析": "购买服务节约一成以上", "经费需求": "每年三十万元",
                "招标和采购方案": "公开招标", "主要目标": "全天候受理", "服务需求": "坐席、工单和知识库服务"}


def test_purchased_service_lifetime_cost_must_be_clearly_lower(page, login, session_for, shot):
    project = listed_project(name="教育政务服务热线外包服务", mode="purchased_service", total="900000.00")

    login(page, "edu", factories.PASSWORD)
    page.goto(f"/reviews/projects/{project.pk}/application/")
    page.get_by_label("报批方式").select_option(label="项目服务需求方案（购买服务）")
    for label, text in SERVICE_PLAN.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("潜在服务提供商家数").fill("3")
    page.get_by_label("符合政务信息系统与信息资源安全保密要求").check()
    page.get_by_label("信息系统使用期限（年）").fill("3")
    # Self-build: 400,000 + 3 × 200,000 = 1,000,000; the fees total 900,000.01, one fen short of 明显小于.
    page.get_by_label("购买服务：逐年服务费（元，每年一行）").fill("300000\n300000\n300000.01")
    page.get_by_label("自行建设：建设经费（元）").fill("400000")
    page.get_by_label("自行建设：逐年运维经费（元，每年一行）").fill("200000\n200000\n200000")
    page.get_by_role("button", name="保存并报送审批").click()
    refused_with(page, "第十九条第二项", "未明显小于")
    expect(page.get_by_role("alert")).to_contain_text("还差 0.01 元")
    shot(page, "refused-lifetime-cost")

    page.get_by_label("购买服务：逐年服务费（元，每年一行）").fill("300000\n300000\n300000")
    page.get_by_role("button", name="保存并报送审批").click()
    expect(page.get_by_role("heading", name=project.name)).to_contain_text("审批中")
    expect(page.get_by_role("main")).to_contain_text("项目服务需求方案（购买服务）")

    drc = session_for("r_drc")
    opinions(drc, session_for, shot, project)
    evaluate(drc)
    approve_and_download(drc, shot, project, "900000", "900,000.00 元")


def test_cross_department_needs_a_participating_department(page, login, session_for, shot):
    project = listed_project(name="全省学生健康数据共享平台", mode="self_built", total="9800000.00")
    factories.org("BT-HEALTH", "四川省卫生健康委员会")

    login(page, "edu", factories.PASSWORD)
    page.goto(f"/reviews/projects/{project.pk}/application/")
    page.get_by_label("报批方式").select_option(label="合并编报项目实施方案")
    page.get_by_label("含系统整合、集约化建设和信息资源共享分析专篇（章）").check()
    page.get_by_label("前期工作深度达到规定要求").check()
    page.get_by_label("省级跨部门共建共享项目").check()
    lead = page.locator(".part", has=page.get_by_role("heading", name="部门 1", exact=True))
    lead.get_by_label("部门", exact=True).select_option(label="四川省教育厅")
    lead.get_by_label("牵头部门").check()
    lead.get_by_label("建设范围和主体内容").fill("学生学籍和体质监测数据归集")
    lead.get_by_label("业务流").fill("学校上报、教育厅汇总")
    lead.get_by_label("数据流").fill("学籍库 → 共享交换平台")
    lead.get_by_label("系统接口").fill("学籍查询接口")
    page.get_by_role("button", name="保存并报送审批").click()
    refused_with(page, "第二十一条", "跨部门共建共享项目须至少有一个参建部门。请添加参建部门及其建设内容。")
    expect(page.get_by_role("heading", name=project.name)).to_contain_text("已列入年度清单")
    shot(page, "refused-without-participant")

    other = page.locator(".part", has=page.get_by_role("heading", name="部门 2", exact=True))
    other.get_by_label("部门", exact=True).select_option(label="四川省卫生健康委员会")
    other.get_by_label("建设范围和主体内容").fill("学生就诊和疫苗接种数据")
    other.get_by_label("业务流").fill("医疗机构上报")
    other.get_by_label("数据流").fill("全民健康信息平台 → 共享交换平台")
    other.get_by_label("系统接口").fill("健康档案查询接口")
    page.get_by_role("button", name="保存并报送审批").click()
    expect(page.get_by_role("heading", name=project.name)).to_contain_text("审批中")
    parts = page.get_by_role("table").filter(has_text="建设范围和主体内容")
    expect(parts).to_contain_text("四川省教育厅")
    expect(parts).to_contain_text("四川省卫生健康委员会")
    shot(page, "submitted-cross-department")

    drc = session_for("r_drc")
    opinions(drc, session_for, shot, project)
    evaluate(drc)
    approve_and_download(drc, shot, project, "9500000", "9,500,000.00 元")
