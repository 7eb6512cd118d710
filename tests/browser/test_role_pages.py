"""The roles the lifecycle journeys touch only in passing, each doing its own work in the browser: the finance
department's page (第三十六条, 第三十七条), and the system administrator adding a city profile (第五十三条) and
entering a year's holiday calendar (民法典 第二百零三条). Their screenshots illustrate docs/guide/."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from obligations.models import CalendarDay, HolidayCalendar
from policy.models import PolicyProfile
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITY_PROFILE = """key: chengdu-2027
name: 成都市政务信息化项目管理办法（测试）
jurisdiction: "510100"
parent_jurisdiction: "510000"
effective_from: 2027-01-01
source: 第五十三条 地方办法
parameters:
  merged_plan.max_total_investment: "8000000.00"
"""


def test_finance_reviewer_opens_the_finance_page(page, login, shot):
    factories.user("finance_b", factories.body(OrgKind.FINANCE), Role.REVIEWER)
    login(page, "finance_b", factories.PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="财政审核").click()
    expect(page.get_by_role("heading", name="财政审核：结余资金与运维经费")).to_be_visible()
    expect(page.get_by_text("没有未退回的结余资金。")).to_be_visible()
    expect(page.get_by_role("link", name="第三十六条").first).to_be_visible()
    shot(page, "finance-page")


def test_administrator_adds_a_city_profile_and_a_holiday_calendar(page, login, shot):
    admin = factories.user("sysadmin_b", factories.org("BT-OPS", "平台运维单位", kind=OrgKind.PLATFORM),
                           Role.SYSTEM_ADMIN)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    admin.user_permissions.set(Permission.objects.filter(
        content_type__app_label="obligations", content_type__model__in=["holidaycalendar", "calendarday"]))
    login(page, "sysadmin_b", factories.PASSWORD)

    # 第五十三条: a city profile; a wrong parameter is refused with its name, and what was pasted stays.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政策配置").click()
    page.get_by_role("link", name="新增或修订配置").click()
    document = page.get_by_label("配置内容（YAML 或 JSON）")
    document.fill(CITY_PROFILE + "  merged_plan.no_such_parameter: 1\n")
    page.get_by_role("button", name="校验并保存").click()
    expect(page.get_by_role("alert")).to_contain_text("未知参数：merged_plan.no_such_parameter")
    expect(page.get_by_label("配置内容（YAML 或 JSON）")).to_have_value(CITY_PROFILE + "  merged_plan.no_such_parameter: 1\n")
    shot(page, "city-profile-refused")
    page.get_by_label("配置内容（YAML 或 JSON）").fill(CITY_PROFILE)
    page.get_by_role("button", name="校验并保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存配置“成都市政务信息化项目管理办法（测试）”第 1 版")
    shot(page, "city-profile-saved")
    assert PolicyProfile.objects.filter(key="chengdu-2027", jurisdiction__code="510100").count() == 1

    # The holiday calendar: the State Council's notice, entered as data in the admin site.
    page.goto("/django-admin/obligations/holidaycalendar/add/")
    page.get_by_label("年度:", exact=True).fill("2031")  # the admin site's labels end with a colon
    page.get_by_label("依据（国务院办公厅通知）").fill("国务院办公厅关于2031年部分节假日安排的通知")
    page.get_by_label("已核对官方通知").check()
    page.locator("#id_days-0-day").fill("2031-01-01")
    page.locator("#id_days-0-kind").select_option(label="法定节假日（放假）")
    page.locator("#id_days-0-name").fill("元旦")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messagelist, .success").first).to_contain_text("2031")
    shot(page, "holiday-calendar-saved")
    calendar = HolidayCalendar.objects.get(year=2031)
    assert calendar.confirmed
    assert CalendarDay.objects.get(calendar=calendar).name == "元旦"
