"""Centralized review, opinions and approval in the browser (issue 3 §4 and §6, issue 9 §1): the four review
bodies conclude, the office lists the project and fixes the annual list, the unit submits for approval, the DRC
requests opinions, each of the seven bodies answers in its own browser session, the DRC records the evaluation,
approves and downloads the approval PDF."""


import pytest
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from tests import factories
from tests.test_reviews import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEWERS = {
    "office": OrgKind.LEADING_GROUP_OFFICE, "drc": OrgKind.DRC, "finance": OrgKind.FINANCE,
    "bdc": OrgKind.BIG_DATA_CENTER, "cyber": OrgKind.CYBERSPACE_OFFICE, "secrecy": OrgKind.SECRECY_BUREAU,
    "crypto": OrgKind.CRYPTOGRAPHY_BUREAU, "econ": OrgKind.ECONOMY_IT_DEPARTMENT, "police": OrgKind.PUBLIC_SECURITY,
}


@pytest.fixture
def session_for(browser, live_server, login):
    """``session_for(username)``: a page in a browser context of its own, signed in as that user (one per user)."""
    contexts, pages = [], {}

    def open_session(username: str):
        if username in pages:
            return pages[username]
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
        contexts.append(context)
        page = context.new_page()
        login(page, username, factories.PASSWORD)
        pages[username] = page
        return page

    yield open_session
    for context in contexts:
        context.close()


def test_review_opinions_and_approval_each_body_in_its_own_session(page, login, session_for, shot):
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu", unit, Role.FILER)
    for username, kind in REVIEWERS.items():
        factories.user(username, factories.body(kind), Role.REVIEWER)
    project = submit(factories.project(filer, name="全省教育数据共享平台", total_investment="18000000.00"))
    review_url = f"/reviews/projects/{project.pk}/"

    # 第十七条: the four bodies record their conclusions; the office lists the project and fixes the list.
    for username in ("finance", "bdc", "drc", "office"):
        body = session_for(username) if username != "office" else page
        if username == "office":
            login(page, "office", factories.PASSWORD)
        body.goto(review_url)
        body.get_by_role("radio", name="同意", exact=True).check()
        body.get_by_role("button", name="保存审查结论").click()
        expect(body.get_by_role("status")).to_contain_text("已记录")
        if username in ("finance", "bdc"):
            shot(body, f"{username}-conclusion")
    shot(page, "review-conclusions")
    page.get_by_role("radio", name="列入年度清单").check()
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.get_by_role("heading", name="全省教育数据共享平台")).to_contain_text("已列入年度清单")
    page.goto(f"/reviews/annual-lists/{project.year}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"确定 {project.year} 年度清单").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"已确定 {project.year} 年度政务信息化项目清单（川信息化清单〔{project.year}〕1号）")
    expect(page.get_by_role("main")).to_contain_text("18,000,000.00 元")
    shot(page, "annual-list-fixed")

    # 第十八条第二款: the unit submits its merged implementation plan for approval.
    unit_page = session_for("edu")
    unit_page.goto(f"/reviews/projects/{project.pk}/application/")
    unit_page.get_by_label("报批方式").select_option(label="合并编报项目实施方案")
    unit_page.get_by_label("含系统整合、集约化建设和信息资源共享分析专篇（章）").check()
    unit_page.get_by_label("前期工作深度达到规定要求").check()
    unit_page.get_by_role("button", name="保存并报送审批").click()
    expect(unit_page.get_by_role("heading", name="全省教育数据共享平台")).to_contain_text("审批中")
    shot(unit_page, "submitted-for-approval")

    # 第二十二条: the DRC requests the seven opinions; each body answers in its own session.
    drc = session_for("drc")
    drc.goto(review_url)
    drc.get_by_role("button", name="征求意见").click()
    expect(drc.get_by_text("待出具")).to_have_count(7)
    for username in ("cyber", "secrecy", "crypto", "econ", "police", "finance", "bdc"):
        body = session_for(username)
        body.get_by_role("navigation", name="主导航").get_by_role("link", name="审查审批").click()
        body.locator('a[href^="/reviews/opinions/"]', has_text="全省教育数据共享平台").click()
        body.get_by_role("radio", name="同意", exact=True).check()
        body.get_by_role("button", name="出具意见").click()
        expect(body.get_by_role("status")).to_contain_text("意见")
        if username == "cyber":
            shot(body, "opinion-answered")
        if username == "bdc":
            shot(body, "bdc-opinion-answered")

    # 第二十四条 and the approval: evaluation, then 批复, then the PDF.
    drc.reload()
    expect(drc.get_by_text("待出具")).to_have_count(0)
    drc.get_by_text("记录评估论证结论", exact=True).click()
    drc.get_by_label("评估方式").select_option(label="第三方咨询评估机构")
    drc.get_by_label("评估机构或专家组").fill("四川省工程咨询研究院")
    drc.get_by_label("评估结论").select_option(label="同意")
    drc.get_by_role("button", name="保存").first.click()
    expect(drc.get_by_role("status")).to_contain_text("评估")
    drc.get_by_label("批复总投资（元）").fill("17500000")
    drc.get_by_label("批复建设内容").fill("数据共享交换平台及配套安全系统")
    drc.get_by_label("资金来源").fill("省级预算内基本建设资金")
    drc.get_by_label("建设周期（月）").fill("18")
    drc.get_by_role("button", name="批复", exact=True).click()
    expect(drc.get_by_role("heading", name="全省教育数据共享平台")).to_contain_text("已批复")
    expect(drc.get_by_role("main")).to_contain_text("17,500,000.00 元")
    shot(drc, "approved")
    with drc.expect_download() as download_info:
        drc.get_by_role("link", name="下载批复文件（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
