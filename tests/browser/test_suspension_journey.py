"""A suspension and a termination (第三十条), as the unit, the DRC and the leading group click them, each in its own
browser session: the unit reports a serious delay; the DRC suspends construction (confirming the destructive
action); the unit, on the page it still has open, tries to file a change and is refused with 第三十条; the unit
applies to terminate, the DRC reports it to the leading group, and the leading group approves: the project is
已终止.

The project is approved through the review services and started through the delivery services; the clock is
moved for the live server (same process) by patching ``django.utils.timezone.localdate``."""

import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from delivery import services as delivery
from tests import factories
from tests.test_issue4_paths import approved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGE = "提出调整（第二十八条、第二十九条）"
TERMINATE = "申请终止项目建设（第三十条第二款）"


def form(page, title):
    return page.locator("form", has=page.get_by_role("heading", name=title, exact=True))


def new_page(browser, live_server):
    """Another person's browser: its own context, cookies and session."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return context, context.new_page()


def confirming(page, questions: list):
    """Accept the next confirm dialog (destructive actions ask first) and remember its question."""
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))


def badge(page, text):
    return page.locator(".badge").filter(has_text=text).first


def test_unit_reports_drc_suspends_and_leading_group_terminates(page, browser, live_server, login, shot):
    unit = factories.org("BT-WATER", "四川省水利厅")
    filer = factories.user("water_filer", unit, Role.FILER)
    factories.user("water_head", unit, Role.UNIT_HEAD)
    factories.user("leader", factories.body(OrgKind.LEADING_GROUP), Role.REVIEWER)
    # Approved on 2025-01-10 (the DRC reviewer is ``r_drc``), started on 2025-02-01.
    project = approved(filer, name="智慧水利监管平台")
    with mock.patch("django.utils.timezone.localdate", return_value=date(2025, 2, 1)):
        delivery.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="四川某监理公司",
                              amount=Decimal("190000.00"), signed_on=date(2025, 1, 20))
        delivery.start_construction(actor=filer, project_id=project.pk, responsible_person="water_head",
                                    supervision_contractor="四川某监理公司")
    url = f"/delivery/{project.pk}/"
    drc_context, drc_page = new_page(browser, live_server)
    leader_context, leader_page = new_page(browser, live_server)
    questions: list[str] = []

    with mock.patch("django.utils.timezone.localdate", return_value=date(2025, 9, 15)):
        login(page, "water_filer", factories.PASSWORD)
        page.goto(url)
        expect(badge(page, "建设中")).to_be_visible()
        trouble = form(page, "报告严重逾期或重大损失（第三十条）")
        trouble.get_by_label("工程严重逾期").check()
        trouble.get_by_label("情况说明").fill("主体工程进度滞后计划 5 个月，承建单位履约能力不足")
        trouble.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text("已向省发展改革委报告（第三十条）。")
        expect(page.get_by_role("listitem").filter(has_text="工程严重逾期")).to_contain_text("待省发展改革委处理")
        shot(page, "delay-reported")

        login(drc_page, "r_drc", factories.PASSWORD)
        drc_page.goto(url)
        respond = form(drc_page, "处理问题报告")
        respond.get_by_label("处理", exact=True).select_option(label="暂停项目建设")
        respond.get_by_label("处理意见").fill("暂停项目建设，待评估后决定是否继续实施")
        confirming(drc_page, questions)
        respond.get_by_role("button", name="提交处理意见").click()
        expect(drc_page.get_by_role("status")).to_contain_text("已处理：暂停项目建设。")
        assert questions == ["确定处理该问题报告？选择暂停将暂停项目建设。"]
        expect(badge(drc_page, "已暂停")).to_be_visible()
        shot(drc_page, "drc-suspended")

        # The unit's page still shows the change form from before the suspension: the change is refused.
        change = form(page, CHANGE)
        change.get_by_label("（三）根据业务发展需要，在已批复项目建设规划的框架下调整相关建设内容及进度").check()
        change.get_by_label("调整内容及理由").fill("调整建设进度")
        change.get_by_label("资金调整数额（元）").fill("100000")
        change.get_by_label("调整后总投资（元）").fill("9500000")
        change.get_by_role("button", name="提交").click()
        refusal = page.get_by_role("alert").filter(has_text="不能办理")
        expect(refusal).to_contain_text(
            "项目已暂停建设（第三十条）：暂停期间只能由省发展改革委恢复建设或经领导小组同意终止项目，不能提出调整。")
        expect(badge(page, "已暂停")).to_be_visible()
        expect(page.get_by_text("项目已暂停建设（第三十条）：暂停期间只能恢复建设或经领导小组同意终止项目。")).to_be_visible()
        expect(form(page, CHANGE)).to_have_count(0)
        expect(form(page, "完成建设，开始试运行（第三十一条）")).to_have_count(0)
        shot(page, "change-refused-while-suspended")

        terminate = form(page, TERMINATE)
        terminate.get_by_label("项目已实施且有实质性进展").check()
        terminate.get_by_label("难以继续实施的原因").select_option(label="外部环境变化")
        terminate.get_by_label("无法完成总体目标").check()
        terminate.get_by_label("申请说明").fill("流域管理体制调整，原建设目标已无法实现")
        confirming(page, questions)
        terminate.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text("已提出终止申请，待省发展改革委核报领导小组。")
        assert questions[-1] == "确定申请终止项目建设？"
        expect(page.get_by_role("listitem").filter(has_text=re.compile("^终止申请 "))).to_contain_text("已申请，待省发展改革委核报")

        drc_page.goto(url)
        report = form(drc_page, "核报领导小组")
        expect(report.get_by_label("结论")).to_have_count(0)  # reporting is not deciding
        report.get_by_label("意见").fill("经核实，同意报领导小组终止")
        report.get_by_role("button", name="核报领导小组").click()
        expect(drc_page.get_by_role("status")).to_contain_text("已核报领导小组。")
        expect(form(drc_page, "领导小组决定")).to_have_count(0)  # the DRC cannot decide
        shot(drc_page, "drc-reported")

        login(leader_page, "leader", factories.PASSWORD)
        leader_page.goto(url)
        decide = form(leader_page, "领导小组决定")
        decide.get_by_label("结论").select_option(label="同意")
        decide.get_by_label("意见").fill("同意终止项目建设")
        confirming(leader_page, questions)
        decide.get_by_role("button", name="提交决定").click()
        expect(leader_page.get_by_role("status")).to_contain_text("终止申请：领导小组已同意，项目终止。")
        assert questions[-1] == "同意后项目建设即终止，确定？"
        expect(badge(leader_page, "已终止")).to_be_visible()
        shot(leader_page, "leading-group-terminated")

        page.goto(url)
        expect(page.get_by_role("heading", name=re.compile("建设与验收：智慧水利监管平台"))).to_contain_text("已终止")
        expect(page.get_by_role("listitem").filter(has_text=re.compile("^终止申请 "))).to_contain_text("领导小组已同意，项目终止")
        expect(form(page, TERMINATE)).to_have_count(0)
        shot(page, "terminated")
    drc_context.close()
    leader_context.close()
