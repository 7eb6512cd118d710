"""bench/workflow_compare.py (issue #8, “Against a workflow engine”): both sides complete the same steps with the
same outcome, on both sides of the merged-plan limit; the engine's state is text that round-trips; refused off
PostgreSQL. Committed transactions (each step commits, on_commit runs), so a transactional database."""

from decimal import Decimal

import pytest
from django.db import connection
from SpiffWorkflow.util.task import TaskState

from bench import workflow_compare
from bench.workflow_compare import NotPostgreSQL, compare
from projects.models import Project, Stage
from reviews.models import Approval, ApprovalApplication
from tests.concurrency.conftest import _committed_db, _reference_data_survives_flush  # noqa: F401

COMMON = ["application_save", "approval_submit", "opinions_request",
          *[f"opinion_{k}" for k in ("cyberspace_office", "secrecy_bureau", "cryptography_bureau",
                                     "economy_it_department", "public_security", "finance", "big_data_center")],
          "evaluation_record"]


def test_the_comparison_runs_the_same_process_on_both_sides_or_refuses_off_postgresql():
    if connection.vendor != "postgresql":
        with pytest.raises(NotPostgreSQL, match="只在 PostgreSQL 上进行"):
            compare(2)
        assert not Project.objects.exists()
        return

    result = compare(2, details=True)

    cases = result["cases"]
    assert len(cases) == 4 and result["runs"] == 2
    assert [c["merged"] for c in cases] == [True, False, True, False]
    limit = result["merged_plan_limit"]
    assert limit == "20000000.00"  # the shipped profile's merged_plan.max_total_investment, read through the platform
    for case in cases:
        project = Project.objects.get(pk=case["project_id"])
        application = ApprovalApplication.objects.get(project=project)
        tail = (["approve_merged"] if case["merged"]
                else ["feasibility_approve", "preliminary_design_submit", "approve_two_stage"])
        assert case["platform_steps"] == case["spiff_steps"] == COMMON + tail
        assert (project.total_investment <= Decimal(limit)) == case["merged"]
        assert application.path == ("merged" if case["merged"] else "two_stage")
        assert project.stage == Stage.APPROVED and case["platform_stage"] == Stage.APPROVED
        assert Approval.objects.filter(project=project).exists()
        assert case["spiff_completed"]

        # The engine's state: text in PostgreSQL after every task, which the serializer reads back.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), pg_typeof(min(state))::text FROM {workflow_compare.STATE_TABLE} "
                           "WHERE workflow_id = %s", [case["workflow_id"]])
            rows, column_type = cursor.fetchone()
        assert rows == len(case["spiff_steps"]) + 1 and column_type == "text"
        workflow = workflow_compare.serializer().deserialize_json(workflow_compare.latest_state(case["workflow_id"]))
        assert workflow.is_completed()
        finished = {t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)}
        assert set(case["spiff_steps"]) <= finished
        assert ("feasibility_approve" if case["merged"] else "approve_merged") not in finished  # the other branch

    assert result["steps_per_run"] == len(COMMON) * 2 + 1 + 3
    assert result["approved"] == result["spiff_completed"] == 4 and result["same_steps"]
    assert result["platform_step_ms"] > 0 and result["spiff_step_ms"] > 0
    assert "留在数据库中" in result["note"]


def test_refuses_a_sqlite_database_with_a_clear_message(monkeypatch):
    with monkeypatch.context() as patch, pytest.raises(NotPostgreSQL) as refused:
        patch.setattr(connection, "vendor", "sqlite")  # undone before the flush, which reads the vendor
        compare(2)
    assert str(refused.value).startswith("工作流引擎对比只在 PostgreSQL 上进行")
    assert "SQLite" in str(refused.value) and "DATABASE_URL" in str(refused.value)
