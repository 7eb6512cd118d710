"""Issue #8 performance fixes: the pre-check (体检) and the province dashboard do a fixed number of queries
whatever the size of the portfolio, and show exactly what they showed before.

- The pre-check compares a draft with every other unit's declaration (第二十一条) through a per-process
  index (``declarations.selectors._declaration_pool``) rebuilt when one of them changes.
- ``rules.similarity.CombinedIndex`` ranks exactly as one ``SimilarityIndex`` holding every candidate.
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from declarations import selectors, services
from declarations.models import DeclarationMaterials
from projects.models import Project, Stage
from projects.services import transition_project
from rules.ch02_integration import DuplicateSource
from rules.similarity import Candidate, CombinedIndex, SimilarityIndex
from tests import factories
from tests.test_declarations import COMPLETE, ready_project

# --- pure: the combined index ranks as one index -------------------------------------------------

TEXTS = st.text(alphabet="甲乙丙丁戊己，", min_size=1, max_size=12)


@given(texts=st.lists(TEXTS, min_size=1, max_size=25), hidden=st.sets(st.integers(0, 24)),
       exclude=st.sets(st.integers(0, 24)), query=TEXTS, k=st.integers(0, 6), split=st.integers(0, 25),
       group=st.sampled_from([None, "a", "b"]))
@settings(max_examples=200, deadline=None)
def test_combined_index_ranks_exactly_as_one_index_without_the_hidden_keys(texts, hidden, exclude, query, k, split,
                                                                             group):
    candidates = [Candidate(key=f"K{i:02d}", text=t, group="ab"[i % 2]) for i, t in enumerate(texts)]
    hidden_keys = {f"K{i:02d}" for i in hidden}
    excluded = {f"K{i:02d}" for i in exclude}
    one = SimilarityIndex(c for c in candidates if c.key not in hidden_keys)
    combined = CombinedIndex([(SimilarityIndex(candidates[:split]), hidden_keys),
                              (SimilarityIndex(candidates[split:]), hidden_keys)])
    assert (combined.top_matches(query, k, exclude=excluded, group=group)
            == one.top_matches(query, k, exclude=excluded, group=group))


# --- the pre-check ---------------------------------------------------------------------------------

SIMILAR_TASKS = "建设全省统一的测试业务办理系统，网上受理和审批办理。"


def other_declaration(filer, name: str, main_tasks: str = "建设林草防火监测平台。") -> Project:
    """Another unit's declaration, submitted (第十五条): a duplicate-construction candidate (第二十一条)."""
    project = factories.project(filer, name=name)
    services.materials_update(actor=filer, project_id=project.pk, expected_version=0,
                              **(COMPLETE | {"main_tasks": main_tasks, "proposed_functions": "监测；预警。"}))
    with transaction.atomic():
        transition_project(actor=filer, project_id=project.pk, transition="submit", action="test.submitted")
    return project


def checked(project) -> tuple[int, list]:
    project = Project.objects.select_related("unit__jurisdiction").get(pk=project.pk)
    with CaptureQueriesContext(connection) as queries:
        findings = selectors.precheck_findings(project)
    return len(queries), findings


def duplicate_warning(findings):
    return next((f for f in findings if f.rule == f"possible_duplicate_{DuplicateSource.DECLARATION}"), None)


@pytest.mark.django_db
def test_precheck_query_count_does_not_grow_with_the_number_of_other_projects(filer_a, filer_b):
    draft = ready_project(filer_a, "甲单位业务办理系统")
    similar = other_declaration(filer_b, "乙单位业务办理系统", SIMILAR_TASKS)
    for i in range(2):
        other_declaration(filer_b, f"乙单位其他项目{i}")
    selectors._catalogue_pool()  # the catalogue's own pool (tests/test_precheck_catalogue.py), unchanged below
    cold_small, findings_small = checked(draft)  # builds the declarations' index
    warm_small, _ = checked(draft)  # reuses it
    for i in range(2, 14):
        other_declaration(filer_b, f"乙单位其他项目{i}")
    for i in range(6):  # the unit's own projects (read by the sanctions) grow too
        factories.project(filer_a, name=f"甲单位其他项目{i}")
    cold_large, findings_large = checked(draft)  # one of them changed: rebuilt
    warm_large, _ = checked(draft)
    assert DeclarationMaterials.objects.exclude(project__stage=Stage.DRAFT).count() == 15
    assert (cold_small, warm_small) == (cold_large, warm_large)
    assert warm_large < cold_large  # the index is reused while nothing changed
    # What the unit sees is the same at both sizes: the similar declaration, named with its unit.
    for findings in (findings_small, findings_large):
        warning = duplicate_warning(findings)
        assert warning is not None and warning.citation.article == 21
        assert f"“{similar.name}”（测试单位乙）" in warning.message
        assert [m["编号"] for m in warning.evidence["相似条目"]][0] == similar.number


@pytest.mark.django_db
def test_precheck_sees_a_change_to_another_declaration_at_once(filer_a, filer_b, unit_b):
    draft = ready_project(filer_a, "甲单位业务办理系统")
    similar = other_declaration(filer_b, "乙单位业务办理系统", SIMILAR_TASKS)
    assert "“乙单位业务办理系统”（测试单位乙）" in duplicate_warning(checked(draft)[1]).message
    # The other unit is renamed: the warning names it by its new name.
    unit_b.name = "测试单位乙（更名）"
    unit_b.save()
    assert "（测试单位乙（更名））" in duplicate_warning(checked(draft)[1]).message
    # Its declaration is rewritten (a new version of the materials): no longer similar.
    materials = DeclarationMaterials.objects.get(project=similar)
    materials.main_tasks, materials.proposed_functions = "建设林草防火监测平台。", "监测；预警。"
    materials.version += 1
    materials.save()
    project = Project.objects.get(pk=similar.pk)
    project.name = "乙单位林草防火项目"
    project.save()
    assert duplicate_warning(checked(draft)[1]) is None
    # A new similar declaration appears: warned about at once.
    newer = other_declaration(filer_b, "乙单位审批办理系统", SIMILAR_TASKS)
    assert "乙单位审批办理系统" in duplicate_warning(checked(draft)[1]).message
    # Terminated projects are not compared (as before the cache).
    Project.objects.filter(pk=newer.pk).update(stage=Stage.TERMINATED)
    assert duplicate_warning(checked(draft)[1]) is None


@pytest.mark.django_db
def test_precheck_never_compares_the_units_own_declarations(filer_a):
    draft = ready_project(filer_a, "甲单位业务办理系统")
    own = other_declaration(filer_a, "甲单位另一业务办理系统", SIMILAR_TASKS)
    assert duplicate_warning(checked(draft)[1]) is None
    assert own.number not in {c.key for c in selectors.declaration_candidates(draft)}


# --- the province dashboard ------------------------------------------------------------------------

def _acceptance_portfolio(filer_a, filer_b):
    """Projects in every acceptance situation of 第三十一条 and 第三十二条, written row by row."""
    from datetime import date, timedelta

    from django.utils import timezone

    from delivery.models import (
        AcceptanceApplication,
        AcceptanceDeferral,
        AcceptanceStatus,
        ConstructionRecord,
    )
    from reviews.models import Approval

    today = timezone.localdate()
    long_ago, recently = date(2023, 3, 10), today - timedelta(days=20)

    def make(filer, name, stage, approved_on=None, record_months=None, approval_months=None, deferrals=(),
             acceptances=()):
        project = factories.project(filer, name=name)
        if approved_on is not None:
            Project.objects.filter(pk=project.pk).update(stage=stage, approval_date=approved_on,
                                                         approved_total_investment=Decimal("10000000.00"))
        else:
            Project.objects.filter(pk=project.pk).update(stage=stage)
        if record_months is not None:
            ConstructionRecord.objects.create(project=project, responsible_person="负责人", started_on=approved_on,
                                              construction_period_months=record_months, created_by=filer)
        if approval_months is not None:
            Approval.objects.create(project=project, number=f"川发改批〔{project.pk}〕", approved_content="内容",
                                    approved_total_investment=Decimal("10000000.00"), funding_sources="财政",
                                    approval_date=approved_on, construction_months=approval_months,
                                    approved_by=filer, approved_at=timezone.now())
        for requested_on, new_date in deferrals:
            AcceptanceDeferral.objects.create(project=project, requested_on=requested_on, previous_due=requested_on,
                                              new_date=new_date, reason="延期", requested_by=filer)
        for applied_on, status in acceptances:
            AcceptanceApplication.objects.create(project=project, applied_on=applied_on, profile="p",
                                                 applied_by=filer, status=status)
        return project

    return today, [
        make(filer_b, "乙逾期未申请验收", Stage.IN_CONSTRUCTION, long_ago, record_months=12),
        make(filer_b, "乙按批复周期未到期", Stage.IN_CONSTRUCTION, recently, approval_months=6),
        make(filer_b, "乙建设记录优先于批复", Stage.TRIAL_RUN, long_ago, record_months=12, approval_months=120),
        make(filer_a, "甲延期后未到期", Stage.IN_CONSTRUCTION, long_ago, record_months=12,
             deferrals=[(date(2024, 1, 1), date(2024, 6, 1)), (date(2024, 5, 1), today + timedelta(days=90))]),
        make(filer_a, "甲延期后仍逾期", Stage.SUSPENDED, long_ago, record_months=12,
             deferrals=[(date(2024, 5, 1), date(2025, 1, 1))]),
        make(filer_a, "甲验收不合格", Stage.ACCEPTANCE_FAILED, recently, record_months=24,
             acceptances=[(recently, AcceptanceStatus.FAILED)]),
        make(filer_a, "甲逾期但已申请验收", Stage.ACCEPTANCE_APPLIED, long_ago, record_months=6,
             acceptances=[(date(2024, 1, 2), AcceptanceStatus.FAILED), (date(2024, 9, 1), AcceptanceStatus.APPLIED)]),
        make(filer_a, "甲验收合格", Stage.ACCEPTANCE_APPLIED, long_ago, record_months=6,
             acceptances=[(date(2024, 9, 1), AcceptanceStatus.PASSED)]),
        make(filer_a, "甲无建设周期", Stage.APPROVED, long_ago),
        make(filer_b, "乙草稿", Stage.DRAFT),
    ]


@pytest.mark.django_db
def test_dashboard_acceptance_and_sanction_figures_equal_the_per_project_rules(filer_a, filer_b, drc_reviewer):
    """The dashboard loads only the projects that can bar their unit; what it shows equals the delivery and
    oversight selectors run over every project of every unit (the code before issue #8)."""
    from dashboards import selectors as dashboards
    from delivery.selectors import acceptance_due_on, unit_acceptance_sanctions
    from oversight.selectors import unit_sanctions_findings
    from policy.services import memoised_profiles
    from projects.selectors import visible_projects

    today, made = _acceptance_portfolio(filer_a, filer_b)
    projects = visible_projects(drc_reviewer)
    with memoised_profiles():
        # the due dates read in one query equal delivery.selectors.acceptance_due_on, project by project
        due_dates = dashboards._acceptance_due_dates(Project.objects.filter(pk__in=[p.pk for p in made]), today)
        for project in Project.objects.filter(pk__in=[p.pk for p in made]).select_related("unit__jurisdiction"):
            assert due_dates[project.pk][0] == acceptance_due_on(project, today), project.name
        overdue = [(p.name, due) for p, due in dashboards.acceptance_overdue(projects, today)]
        expected_overdue = []
        for p in projects.filter(stage__in=dashboards.AWAITING_ACCEPTANCE_STAGES).select_related("unit__jurisdiction"):
            due = acceptance_due_on(p, today)
            if due is not None and due < today:
                expected_overdue.append((p.name, due))
        sanctions = [(s.unit.name, [f.message for f in s.findings])
                     for s in dashboards.units_under_sanction(projects, today)]
        expected = []
        for unit in sorted({p.unit for p in made}, key=lambda u: u.name):
            own = list(Project.objects.filter(unit=unit).select_related("unit__jurisdiction").order_by("number"))
            findings = list(unit_sanctions_findings(unit, today, projects=own)) + list(
                unit_acceptance_sanctions(unit, today, projects=own))
            if findings:
                expected.append((unit.name, [f.message for f in findings]))
    assert overdue == expected_overdue
    assert sorted(name for name, _ in overdue) == ["乙建设记录优先于批复", "乙逾期未申请验收", "甲延期后仍逾期"]
    assert sanctions == expected
    messages = {m for _, ms in sanctions for m in ms}
    assert any("甲验收不合格" in m and "验收不合格" in m for m in messages)
    assert not any("甲逾期但已申请验收" in m or "甲延期后未到期" in m or "甲验收合格" in m for m in messages)



@pytest.mark.django_db
def test_opinion_lead_times_are_counted_by_local_day_as_each_request_counts_them(filer_a, drc_reviewer):
    """第二十二条: the days a body took, in Asia/Shanghai calendar days (a request at 23:30 answered at 00:30 the
    next morning took one day), grouped in SQL, equal ``OpinionRequest.days_taken`` of each request."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from accounts.models import OrgKind
    from dashboards import selectors as dashboards
    from reviews.models import OpinionRequest

    shanghai = ZoneInfo("Asia/Shanghai")
    finance, office = factories.body(OrgKind.FINANCE), factories.body(OrgKind.LEADING_GROUP_OFFICE)
    times = [  # (body, requested, answered)
        (finance, datetime(2026, 3, 1, 23, 30, tzinfo=shanghai), datetime(2026, 3, 2, 0, 30, tzinfo=shanghai)),
        (finance, datetime(2026, 3, 1, 0, 10, tzinfo=shanghai), datetime(2026, 3, 6, 23, 50, tzinfo=shanghai)),
        (finance, datetime(2026, 3, 1, 8, 0, tzinfo=shanghai), None),
        (office, datetime(2026, 3, 1, 7, 59, tzinfo=shanghai), datetime(2026, 3, 1, 8, 1, tzinfo=shanghai)),
        (office, datetime(2026, 3, 1, 7, 0, tzinfo=shanghai), datetime(2026, 3, 11, 7, 0, tzinfo=shanghai)),
    ]
    for i, (body, requested_at, answered_at) in enumerate(times):
        project = factories.project(filer_a, name=f"征求意见项目{i}")
        OpinionRequest.objects.create(project=project, body=body, requested_at=requested_at,
                                      due_date=date(2026, 3, 31), answered_at=answered_at,
                                      answer="agree" if answered_at else "")
    shown = {o.body: (o.requested, o.answered, o.pending, o.summary)
             for o in dashboards.opinion_times(Project.objects.all())}
    expected = {}
    for body in (finance, office):
        rows = list(OpinionRequest.objects.filter(body=body))
        days = [r.days_taken for r in rows if r.days_taken is not None]
        expected[body.name] = (len(rows), len(days), len(rows) - len(days), dashboards.summarise_days(days))
    assert shown == expected
    assert shown[finance.name][3] == {"n": 2, "avg": 3.0, "min": 1, "max": 5}
    assert shown[office.name][3] == {"n": 2, "avg": 5.0, "min": 0, "max": 10}


# --- a lifecycle action over HTTP: the centralized-review conclusion (issue #8) --------------------

# Queries of one conclusion POST, counted by the test below: the session; the user with its organisation and roles
# (accounts.backends); the savepoint; the project read, proven visible and locked in one statement; the profile
# rows in force; the body's current conclusion and its update; the chain head's lock, the event and the head's
# update; the release. It was 23 before issue #8 (the project read twice, its unit and jurisdiction fetched one by
# one, every profile and the whole jurisdiction table re-read and re-parsed, the audit label fetching the project
# and the body again), then 14 (the user's roles and organisation each a query of their own, the project read
# once to prove it visible and again to lock it).
CONCLUSION_POST_QUERIES = 11


def _conclusion_post(client, project, conclusion="agree", text="") -> tuple[int, object]:
    from reviews.models import ReviewConclusion  # noqa: F401 (the model the POST writes)

    token = client.cookies["csrftoken"].value
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/reviews/projects/{project.pk}/conclusion/", {"conclusion": conclusion, "text": text},
                               HTTP_X_CSRFTOKEN=token)
    return len(queries), response


def _reviewer_client(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # the CSRF check runs, as for the browser and the benchmark
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    return client


@pytest.mark.django_db
def test_conclusion_post_query_count_does_not_grow_with_the_data(filer_a, filer_b):
    from accounts.models import OrgKind, Role
    from audit.chain import verify
    from audit.models import AuditEvent
    from reviews.models import ReviewConclusion
    from tests.test_reviews import reviewer, submit

    drc = reviewer(OrgKind.DRC)
    client = _reviewer_client(drc)
    first = submit(factories.project(filer_a, name="甲单位审查项目"))
    small_new, response = _conclusion_post(client, first, "disagree", "资金渠道不明")
    assert response.status_code == 302 and response["Location"] == f"/reviews/projects/{first.pk}/"
    small_revise, _ = _conclusion_post(client, first)

    # Larger: more units' submitted projects, the other bodies' conclusions, a longer audit chain.
    for i in range(8):
        other = submit(factories.project(filer_b if i % 2 else filer_a, name=f"其他申报项目{i}"))
        for kind in (OrgKind.LEADING_GROUP_OFFICE, OrgKind.FINANCE):
            from reviews import services as review_services

            review_services.conclusion_record(actor=reviewer(kind), project_id=other.pk, conclusion="agree")
    second = submit(factories.project(filer_b, name="乙单位审查项目"))
    review_services.conclusion_record(actor=reviewer(OrgKind.FINANCE), project_id=second.pk, conclusion="agree")
    large_new, _ = _conclusion_post(client, second, "agree_with_conditions", "运维经费须另行核定")
    large_revise, response = _conclusion_post(client, second)
    assert response.status_code == 302

    assert small_new == small_revise == large_new == large_revise <= CONCLUSION_POST_QUERIES
    # What the reviewer and the auditor see is unchanged: the current conclusion, both revisions audited with the
    # body's label, and the chain intact.
    assert ReviewConclusion.objects.get(project=second, body=drc.organisation, is_current=True).conclusion == "agree"
    events = list(AuditEvent.objects.filter(project=second, action="review.conclusion_recorded", actor=drc)
                  .order_by("seq"))
    assert [e.after["conclusion"] for e in events] == ["agree_with_conditions", "agree"]
    assert events[-1].before == {"conclusion": "agree_with_conditions", "text": "运维经费须另行核定"}
    assert events[-1].object_label == f"{second.number} {second.name} · {drc.organisation.name} · 同意"
    assert events[-1].roles == Role.REVIEWER and events[-1].organisation_name == drc.organisation.name
    assert verify(AuditEvent.objects.order_by("seq")).ok


@pytest.mark.django_db
def test_conclusion_post_still_refuses_what_it_refused(filer_a, filer_b, auditor, client_for):
    """The view no longer reads the project before a valid form: the service's read is the first step, so another
    unit's project is still a 404 (audited once as refused) and a reader who is no review body is still a 403."""
    from audit.models import AuditEvent
    from reviews.models import ReviewConclusion
    from tests.test_reviews import submit

    draft = factories.project(filer_b, name="乙单位草稿")
    submitted = submit(factories.project(filer_a, name="甲单位申报"))
    other_filer = client_for(filer_a)
    response = other_filer.post(f"/reviews/projects/{draft.pk}/conclusion/", {"conclusion": "agree"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.refused", actor=filer_a, object_id=str(draft.pk)).count() == 1
    response = other_filer.post(f"/reviews/projects/{draft.pk}/conclusion/", {"conclusion": "无效"})
    assert response.status_code == 404  # invalid input on an invisible project: 404 before any input check
    response = client_for(auditor).post(f"/reviews/projects/{submitted.pk}/conclusion/", {"conclusion": "agree"})
    assert response.status_code == 403
    assert not ReviewConclusion.objects.filter(project__in=[draft, submitted]).exists()


@pytest.mark.django_db
def test_profile_cache_follows_a_new_version_and_a_reparented_jurisdiction_at_once(drc_reviewer):
    """The parsed profiles are kept per process, but the rows in force are asked for on every resolution: a new
    version saved (by any process) and a jurisdiction moved under another parent apply to the next resolution."""
    from datetime import date

    from accounts.models import Jurisdiction
    from policy.models import PolicyProfile
    from policy.services import resolve_for, save_profile

    day = date(2026, 6, 1)
    province = PolicyProfile.objects.get(is_current=True, jurisdiction__code="510000")
    assert resolve_for("510100", day).value("trial_run.months") == province.parameters["trial_run.months"]
    with CaptureQueriesContext(connection) as warm:
        resolve_for("510100", day)
    assert len(warm) == 1  # which rows are current, with the jurisdiction's parents; nothing parsed again
    save_profile({"key": "chengdu-test", "name": "成都市测试配置", "jurisdiction": "510100",
                  "parent_jurisdiction": "510000", "effective_from": "2026-01-01",
                  "parameters": {"trial_run.months": 5}}, actor=drc_reviewer)
    assert resolve_for("510100", day).value("trial_run.months") == 5
    assert resolve_for("510100", day).version_label.startswith("chengdu-test@v1+")
    save_profile({"key": "chengdu-test", "name": "成都市测试配置", "jurisdiction": "510100",
                  "parent_jurisdiction": "510000", "effective_from": "2026-01-01",
                  "parameters": {"trial_run.months": 4}}, actor=drc_reviewer)
    assert resolve_for("510100", day).value("trial_run.months") == 4
    # A county under 成都 inherits 成都's value; moved under another city, it no longer does.
    county = Jurisdiction.objects.create(code="510199", name="测试县", level="county",
                                         parent=Jurisdiction.objects.get(code="510100"))
    assert resolve_for(county.code, day).value("trial_run.months") == 4
    county.parent = Jurisdiction.objects.get(code="510300")
    county.save()
    assert resolve_for(county.code, day).value("trial_run.months") == province.parameters["trial_run.months"]


# --- the signed-in request floor and the audit write (issue #8) -----------------------------------

def _session_request(client):
    """A request carrying ``client``'s session, read through the configured session engine."""
    from importlib import import_module

    from django.conf import settings as django_settings
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    engine = import_module(django_settings.SESSION_ENGINE)
    request.session = engine.SessionStore(client.cookies[django_settings.SESSION_COOKIE_NAME].value)
    return request


@pytest.mark.django_db
def test_a_signed_in_request_reads_its_session_and_its_user_with_organisation_and_roles_in_two_statements(
        drc_reviewer, client_for):
    from django.contrib.auth import get_user

    from accounts.models import OrgKind, Role

    request = _session_request(client_for(drc_reviewer))
    place = drc_reviewer.organisation.jurisdiction
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user.pk == drc_reviewer.pk and user.is_authenticated
        assert user.organisation.kind == OrgKind.DRC and user.org_kind == OrgKind.DRC
        assert user.role_set() == {Role.REVIEWER}
        # The organisation's jurisdiction comes along: the profile in force for the user's place needs its code.
        assert user.organisation.jurisdiction == place and user.organisation.jurisdiction.code == place.code
    assert len(queries) == 2
    # An account without an organisation or roles is loaded as well, and reads neither again.
    from accounts.models import User

    lone = User.objects.create_user(username="lone", password=factories.PASSWORD)
    request = _session_request(client_for(lone))
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user.pk == lone.pk and user.organisation is None and user.role_set() == frozenset()
    assert len(queries) == 2


@pytest.mark.django_db
def test_a_granted_role_applies_on_the_next_request_and_a_removed_one_ends_the_session(drc_reviewer, sysadmin,
                                                                                      client_for):
    from django.contrib.auth import get_user

    from accounts.models import Role
    from accounts.services import role_grant, role_remove

    client = client_for(drc_reviewer)
    role_grant(actor=sysadmin, user=drc_reviewer, role=Role.AUDITOR)  # the security stamp stays: no new login
    assert get_user(_session_request(client)).role_set() == {Role.REVIEWER, Role.AUDITOR}
    role_remove(actor=sysadmin, user=drc_reviewer, role=Role.AUDITOR)
    assert not get_user(_session_request(client)).is_authenticated


@pytest.mark.django_db
def test_an_expired_session_and_a_disabled_account_are_signed_out(drc_reviewer, filer_a, client_for):
    from datetime import timedelta

    from django.contrib.auth import get_user
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import User

    expired = client_for(drc_reviewer)
    request = _session_request(expired)
    Session.objects.filter(session_key=request.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    assert not get_user(request).is_authenticated
    assert request.session.session_key is None
    assert expired.get("/").status_code == 302  # to the login page

    disabled = client_for(filer_a)
    User.objects.filter(pk=filer_a.pk).update(is_active=False)  # even without a new security stamp
    assert not get_user(_session_request(disabled)).is_authenticated
    assert disabled.get("/").status_code == 302


@pytest.mark.django_db
def test_the_audit_event_stored_is_the_event_chained_and_its_listeners_are_told(filer_a):
    from django.db.models.signals import post_save

    from audit.chain import CHAINED_FIELDS, verify
    from audit.models import AuditEvent, ChainHead
    from audit.services import record

    told = []

    def listener(sender, instance, created, **kwargs):
        told.append((instance, created))

    post_save.connect(listener, sender=AuditEvent)
    try:
        with transaction.atomic():
            event = record(actor=filer_a, action="project.created", obj=filer_a.organisation,
                           before={"note": "旧"}, after={"amount": Decimal("1.50"), "names": ("甲", "乙")})
    finally:
        post_save.disconnect(listener, sender=AuditEvent)
    assert told == [(event, True)]
    stored = AuditEvent.objects.get(pk=event.pk)
    assert {f: getattr(stored, f) for f in CHAINED_FIELDS + ("prev_hash", "hash")} == \
           {f: getattr(event, f) for f in CHAINED_FIELDS + ("prev_hash", "hash")}
    assert stored.after == {"amount": "1.50", "names": ["甲", "乙"]} and stored.roles == "filer"
    head = ChainHead.objects.get(id=1)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert verify(AuditEvent.objects.order_by("seq")).ok


def test_postgresql_connections_prepare_the_statements_they_repeat(monkeypatch, drc_reviewer):
    """Planning was most of a short statement's time on PostgreSQL (the signed-in user's read: 0.39 ms, 0.09 ms
    prepared; issue #8): the settings bind parameters on the server so that psycopg prepares a statement once it has
    run PG_PREPARE_THRESHOLD times on a connection, and PG_PREPARE_THRESHOLD= (empty) turns that off for a pooler
    that cannot keep prepared statements."""
    from accounts.backends import _statements, load_user
    from config.settings import _database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://zw@db.example:5432/zw")
    monkeypatch.delenv("PG_PREPARE_THRESHOLD", raising=False)
    assert _database_config()["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", "")
    assert "OPTIONS" not in _database_config()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///tmp/x.sqlite3")
    assert "server_side_binding" not in _database_config()["OPTIONS"]

    if connection.vendor == "postgresql":  # the database under test is configured so: its statements get prepared
        for _ in range(6):
            assert load_user(drc_reviewer.pk).pk == drc_reviewer.pk
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        user_sql = _statements(connection.alias).sql.replace("%s", "$1")
        assert user_sql in prepared


@pytest.mark.django_db
def test_recording_an_event_takes_two_statements_on_postgresql_and_three_on_sqlite(filer_a):
    """Every audited action holds the chain head's lock from its first chain statement to its COMMIT, so each
    statement under it delays every other writer (issue #8): PostgreSQL inserts the event and moves the head in one
    statement (a data-modifying WITH); SQLite, which cannot, uses two. Either way the head ends on the event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AuditEvent, ChainHead
    from audit.services import record

    with transaction.atomic():
        record(actor=filer_a, action="project.created", obj=filer_a.organisation)  # the head row exists from here
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event = record(actor=filer_a, action="project.updated", obj=filer_a.organisation)
    chain = [q["sql"] for q in queries.captured_queries if "audit_" in q["sql"]]
    assert len(chain) == (2 if connection.vendor == "postgresql" else 3), chain
    head = ChainHead.objects.get(id=1)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


@pytest.mark.django_db
def test_the_audit_trails_trigram_index_has_no_pending_list_to_merge_under_the_chain_lock():
    """GIN's pending list is merged by the INSERT that overflows it, and the audit event's INSERT runs under the chain
    head's lock: at 10 M events one action in ≈ 2,000 took 212 ms and held up every other (issue #8, migration
    audit 0006). The index is written directly instead; SQLite has no such index."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_event_org_name_trgm'")
            assert cursor.fetchone()[0] == 0
            return
        cursor.execute("SELECT c.reloptions, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
                       "WHERE c.relname = 'audit_event_org_name_trgm'")
        options, method = cursor.fetchone()
    assert method == "gin" and "fastupdate=off" in (options or [])
