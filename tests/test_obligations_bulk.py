"""The portfolio recompute in batches (issue #8): the same obligations as the project-by-project path on a varied
dataset (the demo province plus generated projects, with waived, done and gone rows), a number of queries that
depends on the number of batches and not of projects, a failing project that stops no one else, and a row created
by a concurrent job in the middle of a batch."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from delivery.models import AcceptanceDeferral
from obligations import derivation
from obligations.models import Obligation, ObligationKind, ObligationStatus
from obligations.services import recompute_obligations
from oversight.models import GoLive, SecurityProfile, SelfEvaluation
from projects.models import Project, Stage
from reviews.models import OpinionRequest
from scale.generator import Generator

pytestmark = pytest.mark.django_db

DAY_1 = date(2026, 3, 1)
DAY_2 = date(2027, 1, 15)  # a year on: new monitoring years, due dates passed, sanctions lifted or standing
COMPARED = [f.attname for f in Obligation._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]


class Rollback(Exception):
    pass


def snapshot() -> dict[str, dict]:
    return {row["source_key"]: row for row in Obligation.objects.values(*COMPARED)}


def _add_varied_facts():
    """Facts the generated data has few of: a security hidden danger (第五十一条), a go-live without acceptance and
    a filed self-evaluation (第四十六条), a deferral of acceptance (第三十一条第二款)."""
    someone = User.objects.order_by("pk").first()
    projects = list(Project.objects.filter(stage__in=[Stage.IN_CONSTRUCTION, Stage.TRIAL_RUN, Stage.ACCEPTED],
                                           approval_date__isnull=False).order_by("pk"))
    assert len(projects) >= 4, "the dataset should have projects in construction or accepted"
    SecurityProfile.objects.create(project=projects[0], updated_by=someone, major_hidden_danger=True)
    SecurityProfile.objects.create(project=projects[1], updated_by=someone)
    GoLive.objects.create(project=projects[2], went_live_on=date(2024, 6, 1), recorded_by=someone)
    SelfEvaluation.objects.create(project=projects[2], filed_on=date(2025, 9, 1), summary="自评价", profile="p",
                                  filed_by=someone)
    AcceptanceDeferral.objects.create(project=projects[3], requested_on=date(2025, 12, 1),
                                      previous_due=date(2026, 1, 1), new_date=date(2026, 9, 30), reason="延期",
                                      requested_by=someone)


def _between_runs():
    """What users do between two daily runs: a waiver, a fact withdrawn (its open obligation goes), and rows left
    over from facts that have gone (an open one goes; a done one and a waived one stay on record)."""
    overdue = Obligation.objects.filter(status=ObligationStatus.OVERDUE).order_by("source_key").first()
    opened = Obligation.objects.filter(status=ObligationStatus.OPEN, kind=ObligationKind.MONITORING_REPORT
                                       ).order_by("source_key").first()
    for ob in (overdue, opened):
        Obligation.objects.filter(pk=ob.pk).update(status=ObligationStatus.WAIVED, waived_reason="测试豁免")
    opinion = Obligation.objects.filter(kind=ObligationKind.OPINION, status=ObligationStatus.OPEN,
                                        ).order_by("source_key").first()
    if opinion is not None:
        OpinionRequest.objects.filter(pk=opinion.url_args[0]).delete()
    project = Project.objects.filter(stage=Stage.IN_CONSTRUCTION).order_by("pk").first()
    common = {"organisation_id": project.unit_id, "project": project, "kind": ObligationKind.MONITORING_REPORT,
              "title": "旧事项", "article": 45, "opens_on": date(2020, 1, 1), "due_on": date(2020, 12, 31),
              "url_name": "oversight:project", "url_args": [project.pk]}
    Obligation.objects.create(source_key="stale:open", status=ObligationStatus.OPEN, **common)
    Obligation.objects.create(source_key="stale:done", status=ObligationStatus.DONE, done_on=date(2020, 6, 1),
                              **common)
    Obligation.objects.create(source_key="stale:waived", status=ObligationStatus.WAIVED, waived_reason="理由",
                              **common)


def _run(**options) -> tuple[dict, list[dict]]:
    """Day 1, the users' changes, day 2 and day 2 again; the rows after it all (then rolled back)."""
    results, rows = [], {}
    try:
        with transaction.atomic():
            results.append(recompute_obligations(today=DAY_1, **options).as_dict())
            _between_runs()
            results.append(recompute_obligations(today=DAY_2, **options).as_dict())
            results.append(recompute_obligations(today=DAY_2, **options).as_dict())
            rows = snapshot()
            raise Rollback
    except Rollback:
        pass
    return rows, results


@pytest.fixture
def varied(db):
    Generator(scale=0.00004, seed=7).run()  # 40 generated projects next to the demo province
    call_command("seed_demo", "--quiet-logins")
    _add_varied_facts()


def test_batches_give_exactly_the_rows_of_the_project_by_project_path(varied):
    reference, reference_results = _run(batch_size=None)
    batched, batched_results = _run(batch_size=7)  # many batches, ending mid-way through the dataset

    assert batched == reference
    assert batched_results == reference_results
    # The comparison is worth something: every kind of row is in it.
    statuses = {row["status"] for row in reference.values()}
    kinds = {row["kind"] for row in reference.values()}
    assert statuses == {ObligationStatus.OPEN, ObligationStatus.DONE, ObligationStatus.OVERDUE,
                        ObligationStatus.WAIVED}
    assert {ObligationKind.OPINION, ObligationKind.MONITORING_REPORT, ObligationKind.SANCTION,
            ObligationKind.SELF_EVALUATION, ObligationKind.ACCEPTANCE_DUE, ObligationKind.RECTIFICATION,
            ObligationKind.SURPLUS_RETURN, ObligationKind.OM_BUDGET_DECLARATION} <= kinds
    assert any(key.startswith("sanction:51:") for key in reference)
    assert "stale:open" not in reference and {"stale:done", "stale:waived"} <= reference.keys()
    assert reference_results[1]["removed"] >= 1 and reference_results[1]["updated"] >= 1
    assert reference_results[2]["created"] == reference_results[2]["updated"] == 0  # idempotent


def _queries(ids: list[int], batch_size: int | None) -> tuple[int, dict]:
    """Statements other than the multi-row INSERTs (which SQLite caps at 999 parameters, ~45 rows each)."""
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            result = recompute_obligations(today=DAY_1, projects=Project.objects.filter(pk__in=ids),
                                           batch_size=batch_size)
            raise Rollback
    except Rollback:
        pass
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "obligations_obligation"')]
    result = result.as_dict()
    if batch_size:
        assert len(inserts) <= result["created"] // 40 + len(ids) // batch_size + 1  # rows go in by the dozen
    return len(captured.captured_queries) - len(inserts), result


def test_queries_grow_with_the_batches_not_with_the_projects(db):
    Generator(scale=0.00004, seed=3).run()
    ids = list(Project.objects.exclude(stage__in=[Stage.NOT_LISTED, Stage.TERMINATED]).order_by("pk")
               .values_list("pk", flat=True))
    assert len(ids) >= 24
    one_batch, first = _queries(ids[:12], batch_size=12)
    two_batches, both = _queries(ids[:24], batch_size=12)
    one_big_batch, _ = _queries(ids[:24], batch_size=24)
    per_project, _ = _queries(ids[:12], batch_size=None)
    assert first["created"] > 12 and both["created"] > first["created"]  # real work was done in each
    assert two_batches <= 2 * one_batch
    assert one_big_batch == one_batch  # twice the projects in one batch: the same statements
    assert one_batch * 3 < per_project  # the project-by-project path reads every fact of every project


def test_a_project_with_broken_facts_stops_no_one_else(db, monkeypatch, caplog):
    Generator(scale=0.00004, seed=5).run()
    ids = list(Project.objects.filter(stage__in=[Stage.UNDER_APPROVAL, Stage.IN_CONSTRUCTION, Stage.ACCEPTED])
               .order_by("pk").values_list("pk", flat=True))
    before = snapshot()
    reference = _day_one(batch_size=None)
    broken = next(Project.objects.get(pk=pk) for pk in ids
                  if {k: r for k, r in reference.items() if r["project_id"] == pk}
                  != {k: r for k, r in before.items() if r["project_id"] == pk})
    original = derivation.opinion_obligations

    def breaks_for_one(project, ctx):
        if project.pk == broken.pk:
            raise ValueError("事实有误")
        return original(project, ctx)

    monkeypatch.setattr(derivation, "PROJECT_DERIVATIONS", tuple(
        breaks_for_one if f is original else f for f in derivation.PROJECT_DERIVATIONS))
    recompute_obligations(today=DAY_1, batch_size=100)
    rows = snapshot()

    def of(snap, mine):
        return {k: r for k, r in snap.items() if (r["project_id"] == broken.pk) == mine}

    assert of(rows, True) == of(before, True)  # the broken project is left as it was
    assert of(rows, False) == of(reference, False) and len(of(rows, False)) > 10  # everyone else is recomputed
    assert f"重算项目 {broken.number} 的义务失败" in caplog.text


def _day_one(batch_size: int | None) -> dict[str, dict]:
    rows = {}
    try:
        with transaction.atomic():
            recompute_obligations(today=DAY_1, batch_size=batch_size)
            rows = snapshot()
            raise Rollback
    except Rollback:
        pass
    return rows


def test_a_row_created_by_a_concurrent_job_mid_batch_is_updated_not_duplicated(db, monkeypatch):
    from obligations import services

    Generator(scale=0.00004, seed=9).run()
    reference = _day_one(batch_size=None)
    original = services._current_rows
    raced = []

    def concurrent_job_writes_after_our_read(rows, facts):
        current = original(rows, facts)
        if not raced:  # the other job inserts a row this batch is about to create (with a stale title)
            row = next(r for r in rows if r.source_key not in current)
            values = services._values(row, None, DAY_1) | {"title": "另一个任务写入的旧标题"}
            raced.append(Obligation.objects.create(source_key=row.source_key, **values))
        return current

    monkeypatch.setattr(services, "_current_rows", concurrent_job_writes_after_our_read)
    result = recompute_obligations(today=DAY_1, batch_size=500)
    assert raced and Obligation.objects.filter(source_key=raced[0].source_key).count() == 1
    assert snapshot() == reference  # the raced row carries this job's values; nothing is missing or doubled
    assert result.updated >= 1 and result.created >= 10


def test_the_due_date_passing_turns_an_open_obligation_overdue_in_a_batch(db):
    Generator(scale=0.00004, seed=11).run()
    recompute_obligations(today=DAY_1)
    ob = Obligation.objects.filter(status=ObligationStatus.OPEN, due_on__isnull=False).order_by("due_on").first()
    recompute_obligations(today=ob.due_on)
    ob.refresh_from_db()
    assert ob.status == ObligationStatus.OPEN
    recompute_obligations(today=ob.due_on + timedelta(days=1))
    ob.refresh_from_db()
    assert ob.status == ObligationStatus.OVERDUE


# --- The daily job: only what changed, and the same result as recomputing everything ----------------------------


def _record_fact_change(project, action="test.fact_changed"):
    """What every lifecycle service does: the fact and its audit event (naming the project) in one transaction."""
    from audit.services import record

    someone = User.objects.order_by("pk").first()
    with transaction.atomic():
        SecurityProfile.objects.update_or_create(project=project, defaults={"updated_by": someone,
                                                                             "major_hidden_danger": True})
        record(actor=None, action=action, project=project, object_label=str(project))


def _quiet_window() -> date:
    """A day followed by a week in which some open obligations of the generated data fall due (same year)."""
    try:
        with transaction.atomic():
            recompute_obligations(today=date(2026, 1, 5))
            dues = sorted(set(Obligation.objects.filter(status=ObligationStatus.OPEN, due_on__isnull=False,
                                                        due_on__gte=date(2026, 1, 10), due_on__lte=date(2026, 11, 30))
                              .values_list("due_on", flat=True)))
            raise Rollback
    except Rollback:
        pass
    assert dues, "the generated data should have open obligations falling due in 2026"
    return dues[0] - timedelta(days=3)


def test_the_daily_job_recomputes_what_changed_and_ends_where_a_full_run_ends(db, monkeypatch):
    from obligations import services
    from obligations.tasks import recompute_for_day

    monkeypatch.setattr(services, "FULL_RECOMPUTE_WEEKDAY", None)  # every day incremental, Sundays too
    Generator(scale=0.00004, seed=13).run()
    start = _quiet_window()
    first = recompute_for_day(start)
    assert first["scope"] == "first_run" and first["projects"] is None
    changed = Project.objects.filter(stage=Stage.IN_CONSTRUCTION).order_by("pk").first()
    scopes = []
    for offset in range(1, 7):
        if offset == 2:
            _record_fact_change(changed)
        summary = recompute_for_day(start + timedelta(days=offset))
        scopes.append((summary["scope"], summary["projects"]))
    last_day = start + timedelta(days=6)
    incremental = snapshot()
    full = _day_one_on(last_day)

    assert incremental == full
    total = Project.objects.count()
    assert all(scope == "changed" and projects < total for scope, projects in scopes), scopes
    assert incremental[f"sanction:51:{changed.pk}"]["status"] == ObligationStatus.OPEN  # the fact change applied
    turned = [r for r in incremental.values() if r["due_on"] and start < r["due_on"] < last_day
              and r["status"] == ObligationStatus.OVERDUE]
    assert turned  # due dates passed inside the window were picked up by date


def _day_one_on(day: date) -> dict[str, dict]:
    rows = {}
    try:
        with transaction.atomic():
            recompute_obligations(today=day, batch_size=None)
            rows = snapshot()
            raise Rollback
    except Rollback:
        pass
    return rows


def test_the_daily_job_leaves_untouched_projects_alone_and_a_full_run_catches_up(db):
    import io

    from obligations.models import CalendarDay, HolidayCalendar
    from obligations.services import daily_scope
    from obligations.tasks import last_run, recompute_for_day

    Generator(scale=0.00004, seed=17).run()
    monday = date(2026, 6, 1)
    recompute_for_day(monday)
    # A row corrected behind the services' back (no audit event): the daily run does not see it ...
    in_scope = daily_scope(monday + timedelta(days=1), last_run()).project_ids
    quiet = (Obligation.objects.exclude(project_id__in=in_scope)
             .filter(project__isnull=False, status=ObligationStatus.OPEN).order_by("pk").first())
    assert quiet is not None and len(in_scope) < Project.objects.count()
    Obligation.objects.filter(pk=quiet.pk).update(title="手工改动")
    tuesday = recompute_for_day(monday + timedelta(days=1))
    assert tuesday["scope"] == "changed" and tuesday["projects"] < Project.objects.count()
    assert Obligation.objects.get(pk=quiet.pk).title == "手工改动"
    # ... a full run (--full, or Sunday's) puts it right.
    out = io.StringIO()
    call_command("run_obligations", "--today", "2026-06-03", "--full", stdout=out)
    assert Obligation.objects.get(pk=quiet.pk).title != "手工改动"
    assert "重算全部项目（按要求）" in out.getvalue()
    assert daily_scope(date(2026, 6, 7), last_run()).full_reason == "weekly"  # a Sunday
    assert daily_scope(date(2027, 1, 1), last_run()).full_reason == "new_year"
    assert daily_scope(date(2026, 6, 4), None).full_reason == "first_run"
    assert not daily_scope(date(2026, 6, 4), last_run()).full
    CalendarDay.objects.create(calendar=HolidayCalendar.objects.get(year=2026), day=date(2026, 7, 10),
                               kind="holiday", name="临时调整")
    assert daily_scope(date(2026, 6, 4), last_run()).full_reason == "holidays_changed"
