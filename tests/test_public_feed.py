"""The public, read-only feed for 政务公开 (issue 6 §4): approved-or-later projects only, only the fields the
leading group office selected, no login — and nothing else leaks."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import OrgKind
from audit.models import AuditEvent
from dashboards import feed
from tests import factories
from tests.test_dashboards import approve_by_transitions
from tests.test_reviews import reviewer, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(filer_a, filer_b):
    approved = approve_by_transitions(factories.project(filer_a, name="公开的已批复项目", total_investment="9000000.00"),
                                      filer_a, "8765432.10", date(2026, 5, 20))
    draft = factories.project(filer_a, name="秘密草稿项目", total_investment="111111.11")
    submitted = submit(factories.project(filer_b, name="已申报未批复项目", total_investment="222222.22"))
    not_listed = submit(factories.project(filer_b, name="未列入清单项目", year=2026, total_investment="333333.33"))
    from reviews import services as review_services
    from tests.test_reviews import review_by_all

    review_by_all(not_listed, conclusion="disagree")
    review_services.annual_list_leave_off(actor=reviewer(OrgKind.LEADING_GROUP_OFFICE), project_id=not_listed.pk,
                                          reason="不符合条件")
    return {"approved": approved, "hidden": [draft, submitted, not_listed]}


def test_default_feed_publishes_only_approved_projects_and_the_default_fields(projects):
    response = Client().get("/public/projects.json")  # no login
    assert response.status_code == 200
    data = response.json()
    assert list(data["fields"]) == ["number", "name", "unit", "year", "approved_total_investment"]
    assert data["projects"] == [{"number": projects["approved"].number, "name": "公开的已批复项目",
                                 "unit": "测试单位甲", "year": 2027, "approved_total_investment": "8765432.10"}]
    text = response.content.decode()
    for hidden in projects["hidden"]:
        assert hidden.number not in text and hidden.name not in text
    for secret in ("9000000", "2026-05-20", "self_built", "\"approved\"", "\"stage\"", "created_by", "filer_a"):
        assert secret not in text

    page = Client().get(reverse("public:projects"))
    html = page.content.decode()
    assert page.status_code == 200 and "公开的已批复项目" in html and "8765432.10" in html
    for hidden in projects["hidden"]:
        assert hidden.name not in html
    assert "申报总投资" not in html and "9000000" not in html and "批复日期" not in html


def test_the_office_chooses_the_fields_and_unselected_ones_never_appear(projects, client_for, office_reviewer):
    client = client_for(office_reviewer)
    response = client.post(reverse("dashboards:public_feed_config"),
                           {"fields": ["name", "approval_date", "stage", "delivery_mode"]})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="dashboards.public_feed_configured")
    assert event.after == {"fields": ["name", "delivery_mode", "approval_date", "stage"]}
    data = Client().get("/public/projects.json").json()
    assert data["projects"] == [{"name": "公开的已批复项目", "delivery_mode": "自行建设", "approval_date": "2026-05-20",
                                 "stage": "已批复"}]
    text = Client().get("/public/projects.json").content.decode()
    assert projects["approved"].number not in text and "8765432.10" not in text and "测试单位甲" not in text
    html = Client().get(reverse("public:projects")).content.decode()
    assert "2026-05-20" in html and projects["approved"].number not in html and "测试单位甲" not in html


def test_only_safe_fields_and_only_the_office_may_configure(projects, client_for, office_reviewer, drc_reviewer,
                                                            filer_a):
    with pytest.raises(ValidationError, match="不能公开的字段：total_investment、created_by"):
        feed.feed_configure(actor=office_reviewer, fields=["name", "total_investment", "created_by"])
    response = client_for(office_reviewer).post(reverse("dashboards:public_feed_config"),
                                                {"fields": ["name", "investment_code"]})
    assert response.status_code == 400 and "不能公开的字段：investment_code" in response.content.decode()
    with pytest.raises(PermissionDenied, match="只有领导小组办公室可以配置政务公开字段"):
        feed.feed_configure(actor=drc_reviewer, fields=["name"])
    assert client_for(filer_a).get(reverse("dashboards:public_feed_config")).status_code == 403
    assert not AuditEvent.objects.filter(action="dashboards.public_feed_configured").exists()
    data = Client().get("/public/projects.json").json()
    assert list(data["fields"]) == ["number", "name", "unit", "year", "approved_total_investment"]


def test_the_api_feed_is_the_same(projects):
    response = Client().get("/api/v1/dashboards/public-projects")
    assert response.status_code == 200
    assert response.json() == Client().get("/public/projects.json").json()["projects"]
