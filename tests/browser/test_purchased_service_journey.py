"""A purchased service (政府购买服务) from approval to accepted, as the unit and the DRC click it in their own
browser sessions: the unit registers its contracts, starts, completes the service and runs the trial run, then
organises its own acceptance and reports the result (第三十一条第三款) — refused while the result is missing —
and the DRC reviews it and issues the 审核意见; the unit downloads the PDF.

The project is declared, reviewed, listed and approved through the services (tests/test_issue4_paths.py); the
clock is moved for the live server (same process) by patching ``django.utils.timezone.localdate``."""

import re
from datetime import date
from unittest import mock

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests import factories
from tests.test_approval import PURCHASED
from tests.test_issue4_paths import approved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLY = "报送项目单位组织验收的结果（第三十一条第三款）"
REVIEW = "审核项目单位的验收结果（第三十一条第三款）"


def on(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def form(page, title):
    return page.locator("form", has=page.get_by_role("heading", name=title, exact=True))


def new_page(browser, live_server):
    """Another person's browser: its own context, cookies and session."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return context, context.new_page()


def test_purchased_service_is_accepted_on_the_units_own_acceptance(page, browser, live_server, login, shot):
    unit = factories.org("BT-HEALTH", "四川省卫生健康委员会")
    filer = factories.user("health_filer", unit, Role.FILER)
    factories.user("health_head", unit, Role.UNIT_HEAD)
    # Approved on 2025-01-10 with an 18-month construction period; the DRC reviewer is ``r_drc``.
    project = approved(filer, name="全民健康数据分析服务", mode="purchased_service", data=PURCHASED)
    url = f"/delivery/{project.pk}/"

    with on(date(2025, 2, 1)):
        login(page, "health_filer", factories.PASSWORD)
        page.goto(url)
        expect(page.get_by_role("heading", name=re.compile("建设与验收：全民健康数据分析服务"))).to_be_visible()
        expect(page.get_by_text("政府购买服务项目：由项目单位按要求组织验收")).to_be_visible()

        for kind, party, amount in (("政府采购", "四川某数据服务有限公司", "9000000"),
                                    ("工程监理", "四川省政务工程监理有限公司", "190000")):
            contract = form(page, "登记合同")
            contract.get_by_label("合同类型").select_option(label=kind)
            contract.get_by_label("合同相对方").fill(party)
            contract.get_by_label("合同金额（元）").fill(amount)
            contract.get_by_label("签订日期").fill("2025-01-20")
            contract.get_by_role("button", name="提交").click()
            expect(page.get_by_role("status")).to_contain_text("已登记合同。")
        expect(page.get_by_role("cell", name="9,000,000.00 元")).to_be_visible()

        start = form(page, "开工建设（第二十六条）")
        start.get_by_label("项目责任人（项目单位主要负责人）").fill("health_head")
        start.get_by_label("工程监理单位").fill("四川省政务工程监理有限公司")
        start.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text("已登记开工建设。")
        expect(page.get_by_text("18 个月")).to_be_visible()  # the period the approval fixed
        shot(page, "service-started")

    with on(date(2025, 12, 1)):
        page.goto(url)
        form(page, "完成建设，开始试运行（第三十一条）").get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text("已开始试运行。")
        expect(page.locator(".badge").filter(has_text="试运行").first).to_be_visible()

    with on(date(2026, 3, 2)):
        page.goto(url)
        report = form(page, APPLY)
        report.get_by_label("项目单位组织验收的验收结果").check()
        report.get_by_role("button", name="提交").click()
        refusal = page.get_by_role("alert").filter(has_text="不能办理")
        blocked = refusal.locator("div.outcome-block").filter(has_text="政府购买服务项目由项目单位组织验收")
        expect(blocked).to_contain_text("请填写项目单位组织验收的日期和验收结果")
        expect(blocked.get_by_role("link", name="第三十一条第三款")).to_be_visible()
        report = form(page, APPLY)
        expect(report.get_by_label("项目单位组织验收的验收结果")).to_be_checked()  # the form kept the input
        shot(page, "refused-without-the-units-result")

        report.get_by_label("项目单位组织验收日期（政府购买服务项目，第三十一条第三款）").fill("2026-03-02")
        report.get_by_label("项目单位验收结果（政府购买服务项目）").fill("服务内容和质量达到合同约定，验收合格")
        report.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text(
            "已将项目单位组织验收的结果报省发展改革委审核（第三十一条第三款）。")
        expect(page.get_by_role("cell", name=re.compile("项目单位验收：2026年3月2日 服务内容和质量达到合同约定"))).to_be_visible()
        expect(page.locator(".badge").filter(has_text="已申请验收").first).to_be_visible()
        shot(page, "unit-result-reported")

    drc_context, drc_page = new_page(browser, live_server)
    with on(date(2026, 3, 9)):
        login(drc_page, "r_drc", factories.PASSWORD)
        drc_page.goto(url)
        expect(drc_page.get_by_role("cell", name=re.compile("服务内容和质量达到合同约定，验收合格"))).to_be_visible()
        review = form(drc_page, REVIEW)
        review.get_by_label("验收结论").select_option(label="验收合格")
        review.get_by_label("审核意见").fill("经组织专家评估，同意项目单位的验收结果。")
        questions = []
        drc_page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        review.get_by_role("button", name="提交").click()
        number = "川发改验审〔2026〕1号"
        expect(drc_page.get_by_role("status")).to_contain_text(f"验收合格，已出具审核意见 {number}。")
        assert questions == ["确定提交验收结论？"]
        shot(drc_page, "drc-review-opinion-issued")
    drc_context.close()

    page.goto(url)
    expect(page.locator(".badge").filter(has_text="已验收（运行中）").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="审核意见")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"{number}（PDF）").click()
    assert download.value.suggested_filename == f"acceptance-{project.number}.pdf"
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    shot(page, "accepted-with-review-opinion")
