"""An auditor finds a unit's action in the audit trail."""

import pytest
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_finds_the_units_project_created_event(page, login, shot):
    filer = factories.user("edu_filer", factories.org("BT-EDU", "四川省教育厅"), Role.FILER)
    project = factories.project(filer, name="教育政务数据共享平台")
    factories.user("auditor_b", factories.body(OrgKind.AUDIT_OFFICE), Role.AUDITOR)

    login(page, "auditor_b", factories.PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计日志").click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()

    page.get_by_label("用户名").fill("edu_filer")
    page.get_by_role("button", name="查询").click()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("project.created")
    expect(rows.first).to_contain_text("edu_filer")
    expect(rows.first).to_contain_text("四川省教育厅")
    expect(rows.first).to_contain_text(project.number)
    shot(page, "audit-filtered-by-user")
