"""A deferral (第三十一条第二款), as the unit clicks it: the unit sees that it cannot apply for acceptance by the due
date and files a written deferral request with its reason and a new date. A date that does not move the due date
is refused with the article and the form keeps the reason; the accepted request moves the acceptance due date on
the page, and the day after the old due date the 第三十二条 consequences do not appear.

The project is approved through the review services and started through the delivery services; the clock is
moved for the live server (same process) by patching ``django.utils.timezone.localdate``."""

import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from delivery import services as delivery
from tests import factories
from tests.test_issue4_paths import approved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFER = "延期验收申请（第三十一条第二款）"
REASON = "核心设备受供应链影响延迟到货，系统联调无法按期完成"


def on(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def form(page, title):
    return page.locator("form", has=page.get_by_role("heading", name=title, exact=True))


def fact(page, label):
    """The value shown under ``label`` in the acceptance card."""
    return page.locator(".card.grid > div").filter(has=page.locator(".muted").get_by_text(label, exact=True))


def test_unit_defers_acceptance_and_the_due_date_moves(page, login, shot):
    unit = factories.org("BT-TRANS", "四川省交通运输厅")
    filer = factories.user("trans_filer", unit, Role.FILER)
    factories.user("trans_head", unit, Role.UNIT_HEAD)
    # Approved on 2024-06-03 for 12 months: with the 3-month trial run, acceptance is due on 2025-09-03.
    project = approved(filer, name="综合交通运行监测平台", approval_date=date(2024, 6, 3), months=12)
    with on(date(2024, 7, 1)):
        delivery.contract_add(actor=filer, project_id=project.pk, kind="supervision", party="四川某监理公司",
                              amount=Decimal("150000.00"), signed_on=date(2024, 6, 20))
        delivery.start_construction(actor=filer, project_id=project.pk, responsible_person="trans_head",
                                    supervision_contractor="四川某监理公司")
    url = f"/delivery/{project.pk}/"

    with on(date(2025, 8, 20)):
        login(page, "trans_filer", factories.PASSWORD)
        page.goto(url)
        expect(page.get_by_role("heading", name=re.compile("建设与验收：综合交通运行监测平台"))).to_be_visible()
        expect(fact(page, "验收期限")).to_contain_text("2025年9月3日")
        expect(fact(page, "验收状态")).to_contain_text("未到验收期限")
        shot(page, "due-soon")

        # A date that does not move the due date is refused; the reason stays in the form.
        deferral = form(page, DEFER)
        deferral.get_by_label("申请延期至").fill("2025-09-01")
        deferral.get_by_label("不能按期申请验收的理由").fill(REASON)
        deferral.get_by_role("button", name="提交").click()
        refusal = page.get_by_role("alert").filter(has_text="不能办理")
        expect(refusal).to_contain_text("延期后的日期 2025-09-01 应晚于原验收期限 2025-09-03。")
        expect(refusal.locator("div.outcome-block").get_by_role("link", name="第三十一条第二款")).to_be_visible()
        deferral = form(page, DEFER)
        expect(deferral.get_by_label("不能按期申请验收的理由")).to_have_value(REASON)
        expect(fact(page, "验收期限")).to_contain_text("2025年9月3日")
        shot(page, "deferral-refused")

        deferral.get_by_label("申请延期至").fill("2026-03-31")
        deferral.get_by_role("button", name="提交").click()
        expect(page.get_by_role("status")).to_contain_text("已提出延期验收申请，验收期限延至 2026-03-31。")
        expect(fact(page, "验收期限")).to_contain_text("2026年3月31日")
        expect(page.get_by_role("listitem").filter(has_text="延期验收申请 2025年8月20日")).to_contain_text(
            f"2025年9月3日 → 2026年3月31日（{REASON}）")
        shot(page, "deferred")

    with on(date(2025, 9, 4)):  # the day after the old due date: not overdue (第三十二条)
        page.goto(url)
        expect(fact(page, "验收期限")).to_contain_text("2026年3月31日")
        expect(fact(page, "验收状态")).to_contain_text("未到验收期限")
        expect(page.locator("div.outcome-block").filter(has_text="不安排该项目运行维护经费")).to_have_count(0)
        shot(page, "not-overdue-after-old-due-date")
