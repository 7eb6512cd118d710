"""The ledger's “共 N 个项目” is kept until the projects it counts may have changed (projects.selectors.ledger_count,
issue #8): the count of 13,518 rows was a quarter of the page at 100,000 projects. What a user must never see is a
count that does not match the rows after a change; these tests change the rows in every way the key has to notice."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.services import record
from projects.models import Project, Stage
from tests import factories

pytestmark = pytest.mark.django_db

LEDGER = "/projects/"


def shown_count(client, **params) -> int:
    html = client.get(LEDGER, params).content.decode()
    return int(re.search(r"共 (\d+) 个项目", html).group(1))


def count_statements(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(LEDGER, params)
    return sum(1 for q in ctx.captured_queries if "COUNT(" in q["sql"].upper())


def test_the_same_ledger_again_shows_the_same_count_without_counting_again(filer_a, client_for):
    for i in range(3):
        factories.project(filer_a, name=f"计数项目{i}")
    client = client_for(filer_a)
    assert count_statements(client, year=2027) == 1
    assert count_statements(client, year=2027) == 0
    assert shown_count(client, year=2027) == 3


def test_a_project_created_through_the_service_is_counted_at_once(filer_a, client_for):
    client = client_for(filer_a)
    factories.project(filer_a, name="第一个")
    assert shown_count(client) == 1
    factories.project(filer_a, name="第二个")
    assert shown_count(client) == 2


def test_an_audited_change_of_stage_is_counted_at_once(filer_a, drc_reviewer, client_for):
    first, second = factories.project(filer_a, name="甲"), factories.project(filer_a, name="乙")
    client = client_for(drc_reviewer)
    assert shown_count(client, stage=Stage.SUBMITTED) == 0
    # No new project (the largest id stays): only the chain head says something changed.
    with transaction.atomic():
        Project.objects.filter(pk__in=[first.pk, second.pk]).update(stage=Stage.SUBMITTED)
        record(actor=filer_a, action="declaration.submitted", obj=first, project=first)
    assert shown_count(client, stage=Stage.SUBMITTED) == 2


def test_a_project_inserted_without_an_audit_event_is_counted_at_once(filer_a, client_for):
    project = factories.project(filer_a, name="原有")
    client = client_for(filer_a)
    assert shown_count(client) == 1
    # As the scale generator writes: a bulk insert, no event. The largest id moves.
    Project.objects.bulk_create([Project(number="ZW-BULK-0001", investment_code="", name="批量写入", unit=project.unit,
                                         year=2027, delivery_mode=project.delivery_mode,
                                         total_investment=project.total_investment, stage=Stage.DRAFT,
                                         created_by=filer_a)])
    assert shown_count(client) == 2


def test_a_change_no_event_announces_is_shown_after_the_configured_seconds(filer_a, client_for, settings,
                                                                          monkeypatch):
    import django.core.cache.backends.locmem as locmem

    project = factories.project(filer_a, name="手工改动")
    client = client_for(filer_a)
    assert shown_count(client, stage=Stage.DRAFT) == 1
    Project.objects.filter(pk=project.pk).update(stage=Stage.SUBMITTED)  # by hand: no event, no new id
    now = locmem.time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + settings.LEDGER_COUNT_CACHE_SECONDS - 1)
    assert shown_count(client, stage=Stage.DRAFT) == 1  # still within the bound
    monkeypatch.setattr(locmem.time, "time", lambda: now + settings.LEDGER_COUNT_CACHE_SECONDS + 1)
    assert shown_count(client, stage=Stage.DRAFT) == 0


def test_with_the_setting_at_zero_every_page_counts(filer_a, client_for, settings):
    settings.LEDGER_COUNT_CACHE_SECONDS = 0
    project = factories.project(filer_a, name="不缓存")
    client = client_for(filer_a)
    assert count_statements(client) == 1 and count_statements(client) == 1
    Project.objects.filter(pk=project.pk).update(stage=Stage.SUBMITTED)
    assert shown_count(client, stage=Stage.DRAFT) == 0


def test_users_who_see_different_rows_never_share_a_count(filer_a, filer_b, drc_reviewer, client_for):
    factories.project(filer_a, name="甲的草稿")
    submitted = factories.project(filer_a, name="甲已申报")
    factories.project(filer_b, name="乙的草稿")
    with transaction.atomic():
        Project.objects.filter(pk=submitted.pk).update(stage=Stage.SUBMITTED)
        record(actor=filer_a, action="declaration.submitted", obj=submitted, project=submitted)
    # Same filters, same data version, one after another: each sees only what is theirs to see.
    assert shown_count(client_for(filer_a)) == 2
    assert shown_count(client_for(filer_b)) == 1
    assert shown_count(client_for(drc_reviewer)) == 1  # others' drafts are not shown to a portfolio body
    assert shown_count(client_for(filer_a)) == 2
