"""Procurement, performance and supervision as people click them: the unit records a tender with three bids and
evaluates them (ranks, a tie), files its monitoring report; the DRC records a supervision finding ordering
rectification by a deadline; with the clock past the deadline the rectification is overdue and the DRC takes the
first step of the ladder (通报批评). The clock is moved for the live server (same process) by patching
``django.utils.timezone.localdate``."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from oversight.models import EscalationDecision
from tests import factories
from tests.browser.test_delivery_journey import approved_project, form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_procurement_monitoring_and_an_overdue_rectification(page, browser, live_server, login, shot):
    today = timezone.localdate()
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu_filer", unit, Role.FILER)
    drc = factories.user("drc_user", factories.body(OrgKind.DRC), Role.REVIEWER)
    office = factories.user("office_user", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    project = approved_project(filer, office, drc, today)
    page.on("dialog", lambda dialog: dialog.accept())

    # --- the unit: a services tender (price weight 10, 第三十九条第二款) with three bids ---
    login(page, "edu_filer", factories.PASSWORD)
    page.goto(f"/funding/{project.pk}/")
    procurement = form(page, "登记政府采购（第三十九条）")
    procurement.get_by_label("采购项目名称", exact=True).fill("平台运维服务采购")
    procurement.get_by_label("采购预算（元）", exact=True).fill("900000")
    procurement.get_by_label("采购方式（第三十九条第一款）", exact=True).select_option(value="open_tender")
    procurement.get_by_label("项目属性", exact=True).select_option(value="services")
    procurement.get_by_label("评审方法", exact=True).select_option(value="comprehensive")
    procurement.get_by_label("价格分值", exact=True).fill("10")
    procurement.get_by_label("其他评分因素及分值（每行“名称：分值”）", exact=True).fill("技术：90")
    procurement.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已登记政府采购。")

    for bidder, price, score in (("甲公司", "400000", "80"), ("乙公司", "500000", "82.22"), ("丙公司", "600000", "70")):
        bid = form(page, "登记投标")
        bid.get_by_label("投标人", exact=True).fill(bidder)
        bid.get_by_label("投标报价（元）", exact=True).fill(price)
        bid.get_by_label("其他评分因素得分（每行“名称：得分”）", exact=True).fill(f"技术：{score}")
        bid.get_by_role("button", name="登记投标").click()
        expect(page.get_by_role("status")).to_contain_text("已登记投标。")
    page.get_by_role("button", name="计算综合得分和排名").click()
    expect(page.get_by_role("status")).to_contain_text("已完成评审计算（第三十九条第二款）。")
    # 甲: 10 × 400,000/400,000 + 0.9 × 80 = 82.00; 乙: 10 × 0.8 + 0.9 × 82.22 = 82.00 (rounded): tied first.
    rows = page.locator("section.card", has=page.get_by_role("heading", name="平台运维服务采购")).locator("tbody tr")
    expect(rows.filter(has_text="甲公司").locator("td").first).to_have_text("1（并列）")
    expect(rows.filter(has_text="乙公司").locator("td").first).to_have_text("1（并列）")
    expect(rows.filter(has_text="丙公司").locator("td").first).to_have_text("3")
    expect(rows.filter(has_text="甲公司")).to_contain_text("并列，由评标委员会依法确定")
    expect(rows.filter(has_text="甲公司").locator("td").nth(5)).to_have_text("82.00")
    shot(page, "bids-ranked-with-a-tie")

    # --- the unit: this year's monitoring report (第四十五条) ---
    page.goto(f"/oversight/{project.pk}/")
    monitoring = form(page, "提交年度绩效监控报告（第四十五条）")
    monitoring.get_by_label("年度", exact=True).fill(str(today.year))
    monitoring.get_by_label("计划完成进度（%）", exact=True).fill("40")
    monitoring.get_by_label("实际完成进度（%）", exact=True).fill("30")
    monitoring.get_by_label("截至报告期计划累计支出（元）", exact=True).fill("4000000")
    monitoring.get_by_label("实际累计支出（元）", exact=True).fill("3500000")
    monitoring.get_by_label("项目实施进度情况", exact=True).fill("完成需求分析和概要设计。")
    monitoring.get_by_label("资金计划执行情况", exact=True).fill("按合同支付首期款。")
    monitoring.get_by_label("项目使用单位意见", exact=True).fill("同意。")
    monitoring.get_by_label("监理单位意见", exact=True).fill("进度略有滞后。")
    monitoring.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("绩效监控报告")
    expect(page.get_by_role("cell", name="完成需求分析和概要设计。").or_(
        page.get_by_role("cell", name="按合同支付首期款。"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"风险等级 \d（1 低 – 5 高）"))).to_be_visible()
    shot(page, "monitoring-report-filed")

    # --- the DRC, in its own session: a supervision finding ordering rectification by a deadline ---
    drc_context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
    drc_context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    drc_page = drc_context.new_page()
    drc_page.on("dialog", lambda dialog: dialog.accept())
    due = today + timedelta(days=10)
    login(drc_page, "drc_user", factories.PASSWORD)
    drc_page.goto(f"/oversight/{project.pk}/")
    finding = form(drc_page, "记录监督发现并要求限期整改（第四十七条）")
    finding.get_by_label("监督事项（第四十七条）", exact=True).select_option(label="实施进度")
    finding.get_by_label("发现的问题", exact=True).fill("实施进度滞后于计划 10 个百分点。")
    finding.get_by_label("整改要求", exact=True).fill("制定赶工计划并报送。")
    finding.get_by_label("整改期限（不填按配置的默认天数）", exact=True).fill(due.isoformat())
    finding.get_by_role("button", name="提交").click()
    expect(drc_page.get_by_role("status")).to_be_visible()
    expect(drc_page.get_by_text(f"整改期限内：请项目单位于 {due} 前完成整改并报送。")).to_be_visible()
    shot(drc_page, "rectification-ordered")

    # --- past the deadline: overdue, and the first step of the ladder ---
    with mock.patch("django.utils.timezone.localdate", return_value=due + timedelta(days=1)):
        drc_page.goto("/oversight/rectifications/")
        overdue = f"逾期不整改（期限 {due}）：下一步处理措施为“通报批评”，请作出决定并记录。"
        expect(drc_page.get_by_text(overdue)).to_be_visible()
        expect(drc_page.locator(".outcome-block, .outcome-warn").filter(has_text=overdue)
               .get_by_role("link", name=re.compile("第四十七条"))).to_be_visible()
        shot(drc_page, "rectification-overdue")
        step = form(drc_page, "通报批评（决定处理措施）")
        step.get_by_label("决定内容", exact=True).fill("对项目单位逾期未整改予以通报批评。")
        step.get_by_role("button", name="决定：通报批评").click()
        expect(drc_page.get_by_role("status")).to_contain_text("已决定“通报批评”（第四十七条）。")
        expect(drc_page.locator("li").filter(has_text="对项目单位逾期未整改予以通报批评。")).to_contain_text("通报批评")
        expect(drc_page.get_by_text("下一步处理措施为“暂缓安排投资计划”")).to_be_visible()
        shot(drc_page, "criticism-recorded")

        page.goto(f"/oversight/{project.pk}/")
        expect(page.locator("li").filter(has_text="对项目单位逾期未整改予以通报批评。")).to_contain_text("通报批评")
        shot(page, "unit-sees-the-criticism")
    assert list(EscalationDecision.objects.values_list("step", flat=True)) == ["notice_of_criticism"]
    drc_context.close()
