"""The approval process through the platform's services vs. the same process in SpiffWorkflow 3.2.0 (issue #8,
“Against a workflow engine”), in one process, on the current Django database (PostgreSQL only).

One run is a pair of projects, one on each side of ``merged_plan.max_total_investment`` (第十八条第二款第三项), so
both branches of the choice are measured. One *step* is one user task of bench/workflow/approval.bpmn and, on the
platform, the one service call (its own committed transaction: permission, row lock, rules, write, audit chain,
``on_commit`` obligations) that does that task:

  application_save → approval_submit → opinions_request → opinion_answer × each body of ``opinion.bodies``
  (第二十二条, in parallel in the BPMN) → evaluation_record (第二十四条) → choice on total investment ≤ the limit:
  ≤ : approve (项目实施方案)          > : feasibility_approve → preliminary_design_submit → approve (两阶段)

The engine's step is what an engine-backed application does per task on a stateless server: load the latest
serialized workflow from PostgreSQL (a ``text`` column: the serializer's JSON does not survive ``jsonb``), complete
the task with the same form data, run the engine to the next wait state, serialize and INSERT the state, commit.
The engine checks nothing of the measures: no permissions, no rules, no audit — only the control flow.

Fixtures (not timed) are made through the platform's own services in a fresh year, so no generated row is used;
they stay in the database (audit events are append-only), as do the engine's state rows.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

BPMN = Path(__file__).resolve().parent / "workflow" / "approval.bpmn"
PROCESS_ID = "approval"
STATE_TABLE = "bench_spiff_state"
UNIT_CODE = "WFBENCH-U"
USER_PREFIX = "wfbench-"

REFUSAL = ("工作流引擎对比只在 PostgreSQL 上进行（issue #8 的指标按 PostgreSQL 定义）：当前数据库是 {vendor}。"
           "请设置 DATABASE_URL=postgres://… 后再运行。")


class NotPostgreSQL(ImproperlyConfigured):
    pass


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise NotPostgreSQL(REFUSAL.format(vendor="SQLite" if connection.vendor == "sqlite" else connection.vendor))


def _fen(amount: Decimal) -> int:
    """Money as whole 分 for the engine's data: exact, and JSON-serializable without a custom encoder."""
    return int((Decimal(amount) * 100).to_integral_exact())


# --- actors and fixtures (through the platform's services; not timed) -----------------------------------

@dataclass
class Actors:
    filer: object
    drc: object
    office: object
    review: dict  # kind → reviewer of the centralized review body (第十七条)
    opinion: dict  # kind → reviewer of the opinion body (第二十二条)


def _user(username: str, organisation, role: str):
    from accounts.models import RoleAssignment, User

    user, created = User.objects.get_or_create(username=username, defaults={
        "organisation": organisation, "full_name": f"对比测试 {organisation.name}"})
    if created:
        user.set_unusable_password()  # an actor of the services only: it never logs in
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, role=role)
    return User.objects.get(pk=user.pk)


def _actors(profile) -> Actors:
    """Users with the roles and organisations of the demo seed (accounts/demo.py): a filer of a provincial
    project unit, and a reviewer in each body the services address (``body_organisation``)."""
    from accounts.models import Jurisdiction, Organisation, OrgKind, Role
    from reviews.services import body_organisation

    unit, _ = Organisation.objects.get_or_create(code=UNIT_CODE, defaults={
        "name": "对比测试单位（工作流基准）", "kind": OrgKind.PROJECT_UNIT,
        "jurisdiction": Jurisdiction.objects.get(code="510000")})

    def reviewer(kind):
        return _user(f"{USER_PREFIX}{kind}", body_organisation(kind), Role.REVIEWER)

    return Actors(filer=_user(f"{USER_PREFIX}filer", unit, Role.FILER), drc=reviewer(OrgKind.DRC),
                  office=reviewer(OrgKind.LEADING_GROUP_OFFICE),
                  review={k: reviewer(k) for k in profile.value("centralized_review.bodies")},
                  opinion={k: reviewer(k) for k in profile.value("opinion.bodies")})


def _fresh_year() -> int:
    """A year nobody uses yet, so its annual list (第十七条) can be fixed with only these projects on it."""
    from projects.models import Project
    from reviews.models import AnnualProjectList

    used = [Project.objects.aggregate(m=Max("year"))["m"], AnnualProjectList.objects.aggregate(m=Max("year"))["m"],
            timezone.localdate().year]
    return max(y for y in used if y) + 1


def _listed_projects(actors: Actors, year: int, amounts: list[Decimal]) -> list:
    """Projects on the fixed annual list of ``year``: created, catalogue declared (第二十条), submitted, reviewed by
    every body (第十七条), put on the list; then the list is fixed. Submission goes through ``transition_project``
    (the declaration round and pre-check are not part of the measured process)."""
    from declarations.selectors import materials_for
    from declarations.services import materials_update
    from projects.models import Project
    from projects.services import project_create, transition_project
    from reviews import services

    made = []
    for i, amount in enumerate(amounts):
        project = project_create(actor=actors.filer, name=f"工作流对比项目 {year}-{i + 1:03d}", year=year,
                                 delivery_mode="self_built", total_investment=amount)
        materials_update(actor=actors.filer, project_id=project.pk, expected_version=materials_for(project).version,
                         information_resource_catalogue="办件信息、证照信息等 12 类信息资源。")
        with transaction.atomic():
            transition_project(actor=actors.filer, project_id=project.pk, transition="submit",
                               action="declaration.submitted")
        for reviewer in actors.review.values():
            services.conclusion_record(actor=reviewer, project_id=project.pk, conclusion="agree")
        services.annual_list_put_on(actor=actors.office, project_id=project.pk)
        made.append(project.pk)
    services.annual_list_fix(actor=actors.office, year=year)
    return list(Project.objects.filter(pk__in=made).order_by("pk"))


# --- the step list, shared by both sides ------------------------------------------------------------------

@dataclass
class Step:
    task: str  # the BPMN user task's id
    call: object  # (prepared) -> None: the platform service call
    data: dict  # the same form data, given to the engine's task
    prepare: object = None  # () -> what the page would have in its URL (not timed), passed to ``call``


@dataclass
class Case:
    project_id: int
    workflow_id: str
    merged: bool
    steps: list[Step]
    platform_done: list[str] = field(default_factory=list)
    spiff_done: list[str] = field(default_factory=list)


def _steps(project, actors: Actors, limit: Decimal, opinion_bodies: list[str]) -> tuple[bool, list[Step]]:
    from reviews import services
    from reviews.models import OpinionRequest

    pk, total = project.pk, project.total_investment
    merged = total <= limit  # the unit's choice of path (第十八条第二款第三项), checked again by the platform's rules
    application = ({"path": "merged", "has_integration_sharing_chapter": True, "depth_requirements_met": True,
                    "summary": "合并编报项目实施方案"} if merged else
                   {"path": "two_stage", "has_integration_sharing_chapter": True, "summary": "可研、初设两阶段报批"})
    approval = {"approved_total_investment": total, "approved_content": "建设数据共享交换平台及配套安全系统",
                "funding_sources": "省级预算内基本建设资金", "construction_months": 18}
    evaluation = {"evaluator_kind": "third_party", "evaluator": "四川省工程咨询研究院", "conclusion": "agree",
                  "evaluated_on": timezone.localdate()}

    def answer(kind):
        data = ({"answer": "agree_with_conditions", "text": "运维经费须另行核定"} if kind == "finance"
                else {"answer": "agree", "text": ""})

        def opinion_id():  # the body's page links to its request by id: finding it is not part of the step
            return OpinionRequest.objects.filter(project_id=pk, body__kind=kind).values_list("pk", flat=True)[0]

        return Step(f"opinion_{kind}",
                    lambda opinion: services.opinion_answer(actor=actors.opinion[kind], opinion_id=opinion, **data),
                    {f"opinion_{kind}": {**data, "by": actors.opinion[kind].username}}, prepare=opinion_id)

    steps = [
        Step("application_save", lambda _: services.application_save(actor=actors.filer, project_id=pk, data=application),
             {"application": application, "total_investment_fen": _fen(total), "merged_plan_limit_fen": _fen(limit),
              "by": actors.filer.username}),
        Step("approval_submit", lambda _: services.approval_submit(actor=actors.filer, project_id=pk),
             {"submitted_by": actors.filer.username}),
        Step("opinions_request", lambda _: services.opinions_request(actor=actors.drc, project_id=pk),
             {"requested_by": actors.drc.username}),
        *[answer(kind) for kind in opinion_bodies],
        Step("evaluation_record", lambda _: services.evaluation_record(actor=actors.drc, project_id=pk, **evaluation),
             {"evaluation": {**evaluation, "evaluated_on": evaluation["evaluated_on"].isoformat()}}),
    ]
    money = {"approved_total_investment_fen": _fen(total)}
    if merged:
        steps.append(Step("approve_merged", lambda _: services.approve(actor=actors.drc, project_id=pk, **approval),
                          {"approval": {**approval, **money, "approved_total_investment": str(total)}}))
    else:
        steps += [
            Step("feasibility_approve",
                 lambda _: services.feasibility_approve(actor=actors.drc, project_id=pk, approved_investment=total),
                 {"feasibility_approved_investment_fen": _fen(total)}),
            Step("preliminary_design_submit",
                 lambda _: services.preliminary_design_submit(actor=actors.filer, project_id=pk, budget_estimate=total,
                                                            has_integration_sharing_chapter=True),
                 {"design": {"budget_estimate_fen": _fen(total), "has_integration_sharing_chapter": True}}),
            Step("approve_two_stage", lambda _: services.approve(actor=actors.drc, project_id=pk, **approval),
                 {"approval": {**approval, **money, "approved_total_investment": str(total)}}),
        ]
    return merged, steps


# --- the engine side ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _spec():
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID)


@lru_cache(maxsize=1)
def serializer():
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

    return BpmnWorkflowSerializer()


def user_task_ids() -> set[str]:
    from SpiffWorkflow.bpmn.specs.defaults import UserTask

    return {name for name, spec in _spec().task_specs.items() if isinstance(spec, UserTask)}


def ensure_state_table() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (id serial PRIMARY KEY, workflow_id text NOT NULL, "
                       "state text NOT NULL, saved_at timestamptz NOT NULL DEFAULT now())")
        # The engine loads the latest state of one workflow per task: give it the index it needs.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {STATE_TABLE}_wf ON {STATE_TABLE} (workflow_id, id)")


def _save_state(cursor, workflow_id: str, state: str) -> None:
    cursor.execute(f"INSERT INTO {STATE_TABLE} (workflow_id, state, saved_at) VALUES (%s, %s, now())",
                   [workflow_id, state])


def latest_state(workflow_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state FROM {STATE_TABLE} WHERE workflow_id = %s ORDER BY id DESC LIMIT 1",
                       [workflow_id])
        return cursor.fetchone()[0]


def spiff_start(workflow_id: str) -> None:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    workflow = BpmnWorkflow(_spec())
    workflow.do_engine_steps()
    with transaction.atomic(), connection.cursor() as cursor:
        _save_state(cursor, workflow_id, serializer().serialize_json(workflow))


def spiff_step(workflow_id: str, task_id: str, data: dict, timings: dict) -> bool:
    """Load → complete the ready user task ``task_id`` with ``data`` → run to the next wait state → save, commit.
    Returns whether the workflow is complete."""
    from SpiffWorkflow.util.task import TaskState

    t0 = time.perf_counter()
    workflow = serializer().deserialize_json(latest_state(workflow_id))
    t1 = time.perf_counter()
    task = next((t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == task_id),
                None)
    if task is None:
        raise RuntimeError(f"引擎中没有就绪的任务 {task_id}")
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    state = serializer().serialize_json(workflow)
    t2 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _save_state(cursor, workflow_id, state)
    t3 = time.perf_counter()
    for key, seconds in (("load", t1 - t0), ("run", t2 - t1), ("save", t3 - t2)):
        timings.setdefault(key, []).append(seconds)
    timings.setdefault("bytes", []).append(len(state))
    return workflow.is_completed()


# --- the comparison -------------------------------------------------------------------------------------

class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class _CommitHookTimer:
    """Time spent in the ``on_commit`` callbacks (the obligations' recompute) inside the platform's steps: they run
    in the request, after the commit, so they are part of the step; the split shows what they cost."""

    def __init__(self, queries: _QueryCounter):
        self.seconds, self.queries, self.callbacks, self.counter = 0.0, 0, 0, queries

    def __enter__(self):
        self.wrapper = transaction.get_connection()  # the DatabaseWrapper itself, not django.db.connection's proxy
        original = type(self.wrapper).run_and_clear_commit_hooks

        def timed():
            started, before = time.perf_counter(), self.counter.count
            self.callbacks += len(self.wrapper.run_on_commit)
            try:
                return original(self.wrapper)
            finally:
                self.seconds += time.perf_counter() - started
                self.queries += self.counter.count - before

        self.wrapper.run_and_clear_commit_hooks = timed  # an instance attribute: Atomic.__exit__ calls it
        return self

    def __exit__(self, *exc):
        del self.wrapper.run_and_clear_commit_hooks


def _task_kind(task: str) -> str:
    return "opinion_answer" if task.startswith("opinion_") and task != "opinions_request" else task


def _ms(values: list[float], q: float | None = None) -> float:
    if q is None:
        return round(statistics.fmean(values) * 1000, 3)
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))] * 1000, 3)


def compare(runs: int = 20, *, details: bool = False) -> dict:
    """``runs`` pairs of projects (one ≤ the merged-plan limit, one above) through both sides, step by step
    interleaved (platform step, then the same engine step) so that the shared machine's noise hits both alike."""
    _require_postgresql()
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if connection.in_atomic_block:
        raise RuntimeError("compare() must run in autocommit mode: every step is its own committed transaction")
    from policy.services import resolve_for
    from projects.models import Project, Stage
    from projects.services import profile_for, today

    ensure_state_table()
    year = _fresh_year()
    # The profile in force for the province (the fixture unit's jurisdiction) names the bodies and gives the
    # merged-plan limit; each project's own profile (profile_for, as the services read it) is used below.
    province = resolve_for("510000", today())
    actors = _actors(province)
    limit: Decimal = province.value("merged_plan.max_total_investment")
    amounts = []
    for i in range(runs):
        amounts += [(limit - Decimal("500000.00") - i * Decimal("10000.00")).quantize(Decimal("0.01")),
                    (limit + Decimal("5000000.00") + i * Decimal("10000.00")).quantize(Decimal("0.01"))]
    projects = _listed_projects(actors, year, amounts)

    cases = []
    for project in projects:
        profile = profile_for(project)
        project_limit = profile.value("merged_plan.max_total_investment")
        bodies = list(profile.value("opinion.bodies"))
        missing = {f"opinion_{k}" for k in bodies} - user_task_ids()
        if missing:
            raise RuntimeError(f"BPMN 文件缺少意见任务：{sorted(missing)}（与政策参数 opinion.bodies 不一致）")
        merged, steps = _steps(project, actors, project_limit, bodies)
        case = Case(project.pk, f"project-{project.pk}-{uuid.uuid4().hex[:8]}", merged, steps)
        spiff_start(case.workflow_id)
        cases.append(case)

    platform_times, spiff_times, timings = [], [], {}
    platform_queries, spiff_queries = _QueryCounter(), _QueryCounter()
    by_task: dict[str, list[tuple[float, float]]] = {}
    spiff_completed = {}
    hooks = _CommitHookTimer(platform_queries)
    for case in cases:
        for step in case.steps:
            prepared = step.prepare() if step.prepare else None
            with connection.execute_wrapper(platform_queries), hooks:
                started = time.perf_counter()
                step.call(prepared)
                platform_times.append(time.perf_counter() - started)
            case.platform_done.append(step.task)
            with connection.execute_wrapper(spiff_queries):
                started = time.perf_counter()
                spiff_completed[case.workflow_id] = spiff_step(case.workflow_id, step.task, step.data, timings)
                spiff_times.append(time.perf_counter() - started)
            case.spiff_done.append(step.task)
            by_task.setdefault(_task_kind(step.task), []).append((platform_times[-1], spiff_times[-1]))

    stages = dict(Project.objects.filter(pk__in=[c.project_id for c in cases]).values_list("pk", "stage"))
    total_steps = len(platform_times)
    result = {
        "runs": runs,
        "steps_per_run": total_steps // runs,
        "platform_step_ms": _ms(platform_times), "spiff_step_ms": _ms(spiff_times),
        "platform_p50_ms": _ms(platform_times, 0.5), "platform_p95_ms": _ms(platform_times, 0.95),
        "spiff_p50_ms": _ms(spiff_times, 0.5), "spiff_p95_ms": _ms(spiff_times, 0.95),
        "ratio": round(statistics.fmean(spiff_times) / statistics.fmean(platform_times), 2),
        "platform_queries_per_step": round(platform_queries.count / total_steps, 1),
        "spiff_queries_per_step": round(spiff_queries.count / total_steps, 1),
        "platform_on_commit_ms": round(hooks.seconds / total_steps * 1000, 3),
        "platform_on_commit_queries_per_step": round(hooks.queries / total_steps, 1),
        "platform_on_commit_callbacks_per_step": round(hooks.callbacks / total_steps, 2),
        "by_task_ms": {kind: [_ms([p for p, _ in pairs]), _ms([e for _, e in pairs])] for kind, pairs in by_task.items()},
        "spiff_load_ms": _ms(timings["load"]), "spiff_run_ms": _ms(timings["run"]),
        "spiff_save_ms": _ms(timings["save"]), "spiff_state_bytes": round(statistics.fmean(timings["bytes"])),
        "merged_plan_limit": str(limit), "year": year,
        "approved": sum(1 for c in cases if stages[c.project_id] == Stage.APPROVED),
        "spiff_completed": sum(1 for c in cases if spiff_completed.get(c.workflow_id)),
        "same_steps": all(c.platform_done == c.spiff_done == [s.task for s in c.steps] for c in cases),
        "note": (f"一步 = BPMN 中的一个用户任务 = 平台的一次服务调用（各自提交的事务，含权限、行锁、规则、审计链和 on_commit 义务重算）；"
                 f"每轮 2 个项目（总投资不超过/超过合并编报限额 {limit} 元各 1 个，{total_steps // runs} 步），"
                 f"两侧逐步交替执行；引擎侧每步从 PostgreSQL text 列读出最新状态、反序列化、完成任务、序列化并插入新行后提交，"
                 f"不做任何权限、规则或审计（只有流程控制），所以平台每步做的事更多；"
                 f"夹具项目、审计事件和 {STATE_TABLE} 行留在数据库中（审计只可追加）。"),
    }
    if details:
        result["cases"] = [{"project_id": c.project_id, "workflow_id": c.workflow_id, "merged": c.merged,
                            "platform_steps": c.platform_done, "spiff_steps": c.spiff_done,
                            "platform_stage": stages[c.project_id],
                            "spiff_completed": bool(spiff_completed.get(c.workflow_id))} for c in cases]
    return result


