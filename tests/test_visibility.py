"""A department never sees or changes another's projects, through any page or API operation."""

import json

import pytest

from projects.models import Project
from tests import factories


@pytest.fixture
def project_b(filer_b):
    return factories.project(filer_b, name="乙单位的草稿项目")


def test_other_department_gets_404_for_detail_page_and_api(client_for, filer_a, project_b):
    c = client_for(filer_a)
    assert c.get(f"/projects/{project_b.pk}/").status_code == 404
    assert c.get(f"/api/v1/projects/{project_b.pk}").status_code == 404
    assert client_for(project_b.created_by).get(f"/projects/{project_b.pk}/").status_code == 200


def test_other_departments_rows_appear_in_no_list(client_for, filer_a, project_b):
    own = factories.project(filer_a, name="甲单位项目")
    c = client_for(filer_a)
    page = c.get("/projects/").content.decode()
    assert own.name in page and project_b.name not in page
    api = c.get("/api/v1/projects").json()
    assert [p["number"] for p in api["items"]] == [own.number]
    assert project_b.name not in c.get("/").content.decode()
    assert c.get("/projects/", {"q": "乙单位"}).content.decode().count("乙单位的草稿项目") == 0


def test_unit_and_stage_in_a_body_are_ignored(client_for, filer_a, unit_b):
    c = client_for(filer_a)
    response = c.post("/api/v1/projects", data=json.dumps({
        "name": "试图替乙单位申报", "year": 2027, "delivery_mode": "self_built", "total_investment": "100.00",
        "unit": unit_b.pk, "stage": "approved", "approved_total_investment": "999"}), content_type="application/json")
    assert response.status_code == 201
    project = Project.objects.get(name="试图替乙单位申报")
    assert project.unit == filer_a.organisation and project.stage == "draft"
    assert project.approved_total_investment is None


def test_reviewers_do_not_see_drafts_and_auditors_change_nothing(client_for, drc_reviewer, auditor, project_b):
    assert client_for(drc_reviewer).get(f"/projects/{project_b.pk}/").status_code == 404
    assert client_for(auditor).get(f"/projects/{project_b.pk}/").status_code == 404
    response = client_for(auditor).post("/api/v1/projects", data=json.dumps({
        "name": "x", "year": 2027, "delivery_mode": "self_built", "total_investment": "1.00"}),
        content_type="application/json")
    assert response.status_code == 403
    assert client_for(auditor).get("/projects/new/").status_code == 403


def test_anonymous_users_are_sent_to_login_and_refused_by_the_api(client, project_b):
    assert client.get(f"/projects/{project_b.pk}/")["Location"].startswith("/login/")
    assert client.get("/api/v1/projects").status_code == 401
