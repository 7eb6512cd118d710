"""A project unit's first steps in the browser: sign in, create a project, fix what the form refuses."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unit_creates_a_project_and_fixes_a_refused_amount(page, login, shot):
    unit = factories.org("BT-EDU", "四川省教育厅")
    factories.user("edu_filer", unit, Role.FILER)

    login(page, "edu_filer", factories.PASSWORD)
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    expect(page.get_by_text("暂无待办事项。")).to_be_visible()
    shot(page, "todo-empty")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目", exact=True).click()
    expect(page.get_by_role("heading", name="项目台账")).to_be_visible()
    page.get_by_role("link", name="新建项目").click()
    expect(page).to_have_url(re.compile(r"/projects/new/$"))

    page.get_by_label("项目名称").fill("教育政务数据共享平台")
    page.get_by_label("申报年度").fill("2027")
    page.get_by_label("实施方式").select_option(label="自行建设")
    page.get_by_label("申报总投资（元）").fill("-20000000")
    page.get_by_role("button", name="保存草稿").click()

    # Refused: the same form again, what was typed kept, the wrong field marked in Chinese.
    expect(page.get_by_text("申报总投资不能为负数")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects/new/$"))
    expect(page.get_by_label("项目名称")).to_have_value("教育政务数据共享平台")
    expect(page.get_by_label("申报年度")).to_have_value("2027")
    expect(page.get_by_label("申报总投资（元）")).to_have_value("-20000000")
    shot(page, "form-refused-negative-amount")

    page.get_by_label("申报总投资（元）").fill("20000000")
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_role("heading", name="教育政务数据共享平台")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("已创建项目草稿 ZW2027-00001")
    details = page.locator(".card.grid")
    expect(details).to_contain_text("ZW2027-00001")
    expect(details).to_contain_text("20,000,000.00 元")
    expect(details).to_contain_text("2,000.00 万元")
    expect(details).to_contain_text("自行建设")
    expect(page.get_by_role("cell", name="project.created")).to_be_visible()
    shot(page, "project-created")

    page.get_by_role("link", name="待办", exact=True).click()
    expect(page.get_by_role("link", name="ZW2027-00001 教育政务数据共享平台")).to_be_visible()
    expect(page.get_by_text("完善申报材料并提交")).to_be_visible()
    shot(page, "todo-with-draft")


def test_unit_cannot_open_another_units_project(page, login, shot):
    own = factories.org("BT-EDU", "四川省教育厅")
    other = factories.org("BT-HEALTH", "四川省卫生健康委员会")
    factories.user("edu_filer", own, Role.FILER)
    theirs = factories.project(factories.user("health_filer", other, Role.FILER), name="卫生健康数据平台")

    login(page, "edu_filer", factories.PASSWORD)
    response = page.goto(f"/projects/{theirs.pk}/")

    assert response is not None and response.status == 404
    expect(page).to_have_title(re.compile("未找到"))
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("您要访问的页面或对象不存在，或者您无权查看。")).to_be_visible()
    expect(page.get_by_text("卫生健康数据平台")).to_have_count(0)
    shot(page, "other-units-project-404")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目", exact=True).click()
    expect(page.get_by_text("没有符合条件的项目。")).to_be_visible()
