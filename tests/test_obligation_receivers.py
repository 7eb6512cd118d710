"""When a committed action refreshes the project's obligations (obligations/receivers.py, issue #8).

The refresh is most of a lifecycle request's time, so it is skipped for events that cannot have changed a fact the
derivation reads; the others still refresh at once (the to-do list shows the new duty on the next page)."""

import pytest
from django.db import transaction

from accounts.models import OrgKind
from audit.models import AuditEvent
from audit.services import record
from obligations import receivers
from obligations.models import Obligation
from obligations.services import recompute_obligations
from reviews import services as review_services
from tests import factories
from tests.test_reviews import reviewer, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshes(monkeypatch):
    """The projects whose obligations were refreshed after a commit."""
    seen = []
    real = receivers.facts_changed

    def spy(project_id=None, **kwargs):
        seen.append(project_id)
        real(project_id, **kwargs)

    monkeypatch.setattr(receivers, "facts_changed", spy)
    return seen


def test_a_review_conclusion_changes_no_obligation_and_does_not_refresh_them(filer_a, refreshes,
                                                                            django_capture_on_commit_callbacks):
    project = submit(factories.project(filer_a, name="审查结论不改变义务的项目"))
    recompute_obligations(project=project)
    before = sorted(Obligation.objects.filter(project=project).values_list("source_key", "status", "due_on"))
    refreshes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review_services.conclusion_record(actor=reviewer(OrgKind.DRC), project_id=project.pk, conclusion="agree")
    assert refreshes == []
    # Nothing was missed: a full recompute afterwards finds the same duties.
    result = recompute_obligations(project=project)
    assert (result.created, result.removed) == (0, 0)
    assert sorted(Obligation.objects.filter(project=project).values_list("source_key", "status", "due_on")) == before


def test_a_refused_action_does_not_refresh_but_a_fact_changing_one_does(filer_a, refreshes,
                                                                       django_capture_on_commit_callbacks):
    project = factories.project(filer_a, name="提交申报的项目")
    with django_capture_on_commit_callbacks(execute=True):
        submit(project)
    assert project.pk in refreshes
    refreshes.clear()
    # A refused approval of this project, audited with the project (as the services record refusals): its
    # transaction changed nothing, so nothing is refreshed.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(actor=filer_a, action="approval.approved", project=project, outcome="refused")
    assert AuditEvent.objects.filter(project=project, outcome="refused").exists()
    assert refreshes == []


@pytest.mark.parametrize("action, outcome, refresh", [
    ("review.conclusion_recorded", "success", False),
    ("approval.application_saved", "success", False),  # records no derivation reads (ACTION_DERIVATIONS)
    ("evaluation.recorded", "success", False),
    ("approval.submitted", "success", True),
    ("document.downloaded", "success", False),
    ("annual_list.exported", "success", False),
    ("opinion.answered", "success", True),
    ("opinion.answered", "refused", False),
    ("delivery.accepted", "failed", False),
    ("obligation.waived", "success", False),
    ("obligations.recomputed", "success", False),
    ("delivery.trial_run_started", "success", True),
])
def test_which_events_refresh_obligations(action, outcome, refresh):
    assert receivers.changes_obligation_facts(action, outcome) is refresh
