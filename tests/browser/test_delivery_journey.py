"""The unit builds, files a small change (报备) and a large one (the DRC approves it in its own session), starts the
trial run, applies for acceptance too early (refused with 第三十一条) and in time, and the DRC accepts; the unit
downloads the acceptance opinion PDF. The clock is moved for the live server (same process) by patching
``django.utils.timezone.localdate``."""

import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from projects.services import transition_project
from rules.periods import period_complete_on
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def approved_project(filer, office, drc, today: date):
    """Declared, listed and approved (approved total 10,000,000.00 元) through the lifecycle services."""
    project = factories.project(filer, name="教育数据共享交换平台", year=today.year)
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="declaration.submitted")
        transition_project(actor=office, project_id=project.pk, transition="put_on_annual_list", action="t.listed")
        transition_project(actor=filer, project_id=project.pk, transition="submit_for_approval", action="t.submitted")
        transition_project(actor=drc, project_id=project.pk, transition="approve", action="t.approved",
                           apply=lambda p: (setattr(p, "approved_total_investment", Decimal("10000000.00")),
                                            setattr(p, "approval_date", today), {})[-1])
    return project


def form(page, title):
    return page.locator("form", has=page.get_by_role("heading", name=title, exact=True))


def test_unit_builds_changes_and_is_accepted(page, browser, live_server, login, shot):
    today = timezone.localdate()
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu_filer", unit, Role.FILER)
    factories.user("edu_head", unit, Role.UNIT_HEAD)
    drc = factories.user("drc_user", factories.body(OrgKind.DRC), Role.REVIEWER)
    office = factories.user("office_user", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    project = approved_project(filer, office, drc, today)
    url = f"/delivery/{project.pk}/"
    page.on("dialog", lambda dialog: dialog.accept())

    # The DRC works in its own browser context (its own cookies and session).
    drc_context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
    drc_context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    drc_page = drc_context.new_page()
    drc_page.on("dialog", lambda dialog: dialog.accept())

    login(page, "edu_filer", factories.PASSWORD)
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("建设与验收：教育数据共享交换平台"))).to_be_visible()

    contract = form(page, "登记合同")
    contract.get_by_label("合同类型").select_option(label="工程监理")
    contract.get_by_label("合同相对方").fill("四川省政务工程监理有限公司")
    contract.get_by_label("合同金额（元）").fill("200000")
    contract.get_by_label("签订日期").fill(today.isoformat())
    contract.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已登记合同。")

    start = form(page, "开工建设（第二十六条）")
    start.get_by_label("项目责任人（项目单位主要负责人）").fill("edu_head")
    start.get_by_label("工程监理单位").fill("四川省政务工程监理有限公司")
    start.get_by_label("批复建设周期（月）").fill("12")
    start.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已登记开工建设。")
    expect(page.get_by_text("12 个月")).to_be_visible()
    shot(page, "construction-started")

    def file_change(content, amount):
        change = form(page, "提出调整（第二十八条、第二十九条）")
        change.get_by_label("（二）确需对原项目技术方案进行完善优化").check()
        change.get_by_label("调整内容及理由").fill(content)
        change.get_by_label("资金调整数额（元）").fill(amount)
        change.get_by_label("调整后总投资（元）").fill("10000000")
        change.get_by_role("button", name="提交").click()

    file_change("将统一身份认证改为调用省级共性平台", "500000")
    expect(page.get_by_role("status")).to_contain_text("属于项目单位自行调整，已向省发展改革委报备（第二十九条）。")
    file_change("新增数据治理模块", "2000000")
    expect(page.get_by_role("status")).to_contain_text("属于重大调整，已向省发展改革委提交调整申请，批准后方可实施（第二十八条）。")
    expect(page.get_by_role("cell", name="待省发展改革委审批")).to_be_visible()
    shot(page, "changes-filed-and-requested")

    login(drc_page, "drc_user", factories.PASSWORD)
    drc_page.goto(url)
    decision = form(drc_page, "审批重大调整：新增数据治理模块")
    decision.get_by_label("审批结论").select_option(label="批准")
    decision.get_by_label("审批意见").fill("同意调整")
    decision.get_by_role("button", name="提交审批结论").click()
    expect(drc_page.get_by_role("status")).to_contain_text("调整申请：已批准。")
    shot(drc_page, "drc-approved-change")

    page.goto(url)
    form(page, "完成建设，开始试运行（第三十一条）").get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已开始试运行。")

    def apply():
        apply_form = form(page, "申请验收（第三十一条）")
        for label in ("项目建设总结", "财务报告", "第三方审计报告", "信息资源共享报告", "第三方测评报告（功能测评报告）",
                      "第三方测评报告（性能测评报告）", "非涉密信息系统网络安全等级保护测评报告", "数据安全风险评估报告",
                      "密码应用安全性评估报告"):
            apply_form.get_by_label(label, exact=True).check()
        apply_form.get_by_role("button", name="提交").click()

    apply()
    ready_on = period_complete_on(today, 3)
    refusal = page.get_by_role("alert").filter(has_text="不能办理")
    expect(refusal).to_contain_text(f"{ready_on} 起可以申请")
    blocked = refusal.locator(".outcome-block").filter(has_text="试运行未满 3 个月")
    expect(blocked.get_by_role("link", name="第三十一条第一款")).to_be_visible()
    expect(form(page, "申请验收（第三十一条）").get_by_label("项目建设总结", exact=True)).to_be_checked()
    shot(page, "acceptance-refused-too-early")

    with mock.patch("django.utils.timezone.localdate", return_value=ready_on):
        page.goto(url)
        apply()
        expect(page.get_by_role("status")).to_contain_text("已申请验收。")

        drc_page.goto(url)
        accept = form(drc_page, "验收结论（第三十一条）")
        accept.get_by_label("验收结论").select_option(label="验收合格")
        accept.get_by_label("验收意见").fill("完成批复建设内容，试运行正常，同意通过竣工验收。")
        accept.get_by_role("button", name="提交").click()
        number = f"川发改验〔{ready_on.year}〕1号"
        expect(drc_page.get_by_role("status")).to_contain_text(f"验收合格，已出具验收意见 {number}。")
        shot(drc_page, "drc-accepted")

        page.goto(url)
        expect(page.locator(".badge, .stage").filter(has_text="已验收（运行中）").first).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name=f"{number}（PDF）").click()
        assert download.value.suggested_filename == f"acceptance-{project.number}.pdf"
        assert open(download.value.path(), "rb").read(5) == b"%PDF-"
        shot(page, "accepted-with-opinion")
    drc_context.close()
