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


@pytest.fixture
def demo_province(db):
    from accounts.demo import app_demo_builders, build_organisations_and_users

    build_organisations_and_users()
    for _, module in app_demo_builders():
        module.build()


def test_a_project_page_opens_exactly_for_the_users_whose_lists_hold_it(demo_province):
    """``get_project_for_user`` checks visibility on the loaded row (``can_see_project``, issue #8) instead of in
    the query; it must open exactly the projects ``visible_projects`` lists, for every demo user and project, the
    drafts, opinion bodies and auditors included, locked or not."""
    from django.db import transaction
    from django.http import Http404

    from accounts.models import User
    from projects.selectors import can_see_project, get_project_for_user, visible_projects
    from reviews.models import OpinionRequest

    projects = list(Project.objects.order_by("pk"))
    assert {p.stage for p in projects} >= {"draft", "submitted", "approved"}
    asked = set(OpinionRequest.objects.values_list("body_id", "project_id"))
    assert asked, "the demo asks bodies for opinions"
    seen_by_some_and_hidden_from_others = 0
    for user in User.objects.exclude(organisation=None):
        listed = set(visible_projects(user).values_list("pk", flat=True))
        for project in projects:
            user = User.objects.get(pk=user.pk)  # a fresh request's user
            assert can_see_project(user, project) == (project.pk in listed), (user.username, project.number)
            for for_update in (False, True):
                with transaction.atomic():
                    try:
                        opened = get_project_for_user(user, project.pk, for_update=for_update)
                    except Http404:
                        opened = None
                assert (opened is not None) == (project.pk in listed), (user.username, project.number, for_update)
                if opened is not None:
                    assert opened.name == project.name and opened.unit.name == project.unit.name
                    assert opened.unit.jurisdiction.code == project.unit.jurisdiction.code
        seen_by_some_and_hidden_from_others += 0 < len(listed) < len(projects)
        # An opinion body that is neither a unit nor a portfolio body sees exactly what it was asked about.
        if user.org_kind == "cyberspace_office":
            assert listed == {p for body, p in asked if body == user.organisation_id}
    assert seen_by_some_and_hidden_from_others >= 3


def test_an_id_that_is_no_project_is_the_same_404(client_for, filer_a):
    c = client_for(filer_a)
    for pk in ("999999", str(2**63), "0"):
        assert c.get(f"/projects/{pk}/").status_code == 404
