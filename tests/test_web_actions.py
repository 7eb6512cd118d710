"""web.actions.run_posted_action: the POST of a project page's action (funding, oversight), tested on its own."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from projects.services import ActionRefused
from web.actions import Action, run_posted_action


class NoteForm(forms.Form):
    row_id = forms.IntegerField(required=False)
    note = forms.CharField()


class Project:
    pk = 7

    def __init__(self):
        self.refreshed = 0

    def refresh_from_db(self):
        self.refreshed += 1


def post(data):
    request = RequestFactory().post("/x/", data)
    request.user = "someone"
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def actions(run):
    return {"note": Action("备注", NoteForm, run, lambda user, project: True)}


def raising(exc):
    def run(actor, pid, d):
        raise exc
    return run


def test_a_valid_form_runs_the_service_once_and_queues_its_message():
    calls = []
    request, project = post({"note": "好"}), Project()
    posted = run_posted_action(request, project, actions(lambda a, pid, d: calls.append((a, pid, d)) or "已记录。"),
                               "note", {})
    assert posted.done and posted.refusal is None and project.refreshed == 0
    assert calls == [("someone", 7, {"row_id": None, "note": "好"})]
    assert [m.message for m in get_messages(request)] == ["已记录。"]


def test_an_unknown_action_is_not_found():
    with pytest.raises(Http404):
        run_posted_action(post({"note": "好"}), Project(), actions(lambda *a: "x"), "delete_everything", {})


def test_an_invalid_form_does_not_run_the_service():
    project = Project()
    posted = run_posted_action(post({}), project, actions(raising(AssertionError("ran"))), "note", {})
    assert not posted.done and "note" in posted.form.errors and project.refreshed == 1


def test_a_refusal_is_shown_on_the_form_and_the_project_reread():
    project, refusal = Project(), ActionRefused("本阶段不能登记", status=409)
    posted = run_posted_action(post({"note": "好"}), project, actions(raising(refusal)), "note", {})
    assert not posted.done and posted.refusal is refusal and project.refreshed == 1
    assert posted.form.non_field_errors() == ["本阶段不能登记"]


def test_a_services_validation_error_lands_on_its_field_or_on_the_form():
    error = ValidationError({"note": "太短", "elsewhere": "不对"})
    posted = run_posted_action(post({"note": "好"}), Project(), actions(raising(error)), "note", {})
    assert posted.form.errors["note"] == ["太短"] and posted.form.non_field_errors() == ["不对"]
    assert posted.refusal is None  # invalid input, not a refusal


def test_permission_denied_propagates_unless_the_page_shows_it_as_a_403_refusal():
    denied = actions(raising(PermissionDenied("只有审核人可以")))
    with pytest.raises(PermissionDenied):
        run_posted_action(post({"note": "好"}), Project(), denied, "note", {})
    posted = run_posted_action(post({"note": "好"}), Project(), denied, "note", {}, permission_denied_refuses=True)
    assert posted.refusal.status == 403 and posted.form.non_field_errors() == ["只有审核人可以"]


def test_a_rows_form_is_keyed_by_its_row_so_the_page_puts_it_back_there():
    refused = actions(raising(ActionRefused("不行")))
    assert run_posted_action(post({"note": "好", "row_id": 3}), Project(), refused, "note", {"note": "row_id"}).key \
        == "note:3"
    assert run_posted_action(post({"note": "好"}), Project(), refused, "note", {"note": "row_id"}).key == "note"
