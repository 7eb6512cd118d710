"""The project timeline (issue #8: the latest 50 events, then older pages): 更早的记录 loads the earlier rows in
place with htmx, until every event is on the page in order."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from accounts.models import Role
from audit.services import record
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_earlier_events_load_in_place(page, login):
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu_filer", unit, Role.FILER)
    project = factories.project(filer, name="甲项目")
    with transaction.atomic():
        for i in range(120):
            record(actor=filer, action=f"test.step_{i:03d}", project=project, obj=project)
    login(page, "edu_filer", factories.PASSWORD)
    page.goto(f"/projects/{project.pk}/")
    rows = page.locator("table code")
    expect(rows).to_have_count(50)
    page.get_by_role("link", name="更早的记录").click()
    expect(rows).to_have_count(100)
    assert page.url.endswith(f"/projects/{project.pk}/")  # stayed on the page (htmx)
    page.get_by_role("link", name="更早的记录").click()
    expect(rows).to_have_count(121)
    expect(page.get_by_role("link", name="更早的记录")).to_have_count(0)
    texts = rows.all_inner_texts()
    assert texts[0] == "project.created" and texts[1:] == [f"test.step_{i:03d}" for i in range(120)]
