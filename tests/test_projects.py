from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import RoleAssignment
from audit.models import AuditEvent
from projects.services import ActionRefused, project_update, transition_project
from tests import factories


def submit(actor, project):
    with transaction.atomic():
        return transition_project(actor=actor, project_id=project.pk, transition="submit",
                                  action="declaration.submitted")


pytestmark = pytest.mark.django_db


def test_project_gets_a_platform_number_for_life(filer_a):
    first = factories.project(filer_a, year=2027)
    second = factories.project(filer_a, year=2027)
    assert (first.number, second.number) == ("ZW2027-00001", "ZW2027-00002")
    assert factories.project(filer_a, year=2028).number == "ZW2028-00001"


def test_editing_a_stale_version_is_refused(filer_a):
    project = factories.project(filer_a)
    project_update(actor=filer_a, project_id=project.pk, expected_version=1, name="新名称")
    with pytest.raises(ActionRefused, match="项目已被他人修改"):
        project_update(actor=filer_a, project_id=project.pk, expected_version=1, name="覆盖别人的修改")
    project.refresh_from_db()
    assert project.name == "新名称" and project.version == 2


def test_fields_the_unit_may_not_set_are_refused(filer_a):
    project = factories.project(filer_a)
    with pytest.raises(Exception, match="不允许修改此字段"):
        project_update(actor=filer_a, project_id=project.pk, expected_version=1,
                       approved_total_investment=Decimal("1"))


def test_a_transition_happens_once_and_the_repeat_is_told(filer_a):
    project = factories.project(filer_a)
    submit(filer_a, project)
    events = AuditEvent.objects.filter(project=project, action="declaration.submitted")
    assert events.count() == 1
    assert events.get().before == {"stage": "draft"} and events.get().after == {"stage": "submitted"}
    assert events.get().profile == "sichuan-province-2021@v1"
    with pytest.raises(ActionRefused, match="项目当前处于“已申报”阶段，不能执行此操作"):
        submit(filer_a, project)
    assert events.count() == 1


def test_a_body_cannot_take_a_units_step_on_a_draft_it_cannot_see(filer_a, drc_reviewer):
    from django.http import Http404

    project = factories.project(filer_a)
    with pytest.raises(Http404):
        submit(drc_reviewer, project)


def test_reviewers_see_submitted_projects_but_not_drafts(filer_a, drc_reviewer, cyber_reviewer, client_for):
    draft = factories.project(filer_a, name="草稿项目")
    submitted = factories.project(filer_a, name="已申报项目")
    submit(filer_a, submitted)
    page = client_for(drc_reviewer).get("/projects/").content.decode()
    assert "已申报项目" in page and "草稿项目" not in page
    assert client_for(drc_reviewer).get(f"/projects/{draft.pk}/").status_code == 404
    # An opinion body sees only what is before it (no opinion requested yet).
    assert "已申报项目" not in client_for(cyber_reviewer).get("/projects/").content.decode()


def test_the_office_takes_the_list_decision_and_the_unit_cannot(filer_a, office_reviewer):
    project = factories.project(filer_a)
    submit(filer_a, project)
    with pytest.raises(ActionRefused, match="您没有执行此操作的权限"), transaction.atomic():
        transition_project(actor=filer_a, project_id=project.pk, transition="put_on_annual_list", action="x")
    with transaction.atomic():
        transition_project(actor=office_reviewer, project_id=project.pk, transition="put_on_annual_list",
                           action="review.listed")
    project.refresh_from_db()
    assert project.stage == "listed"


def test_removing_a_role_takes_effect_on_the_next_request(filer_a, client_for):
    project = factories.project(filer_a)
    c = client_for(filer_a)
    assert c.get(f"/projects/{project.pk}/").status_code == 200
    RoleAssignment.objects.filter(user=filer_a).delete()
    assert c.get(f"/projects/{project.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        factories.project(type(filer_a).objects.get(pk=filer_a.pk))
