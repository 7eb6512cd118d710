"""In-process measurements for bench/run (issue #8). Each sub-command prints one line ``BENCH_JSON {...}``.

Run by bench/bench.py in a fresh subprocess each (so the peak RSS it reports is that measurement's own):
  .venv/bin/python bench/inproc.py precheck|portfolio|export|import|workflow [options]
Every write is rolled back, so the generated database stays the same between runs.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from projects.models import Project, Stage  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def emit(**data) -> None:
    data["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print("BENCH_JSON " + json.dumps(data, ensure_ascii=False), flush=True)


class Rollback(Exception):
    pass


def precheck(samples: int = 200) -> None:
    """Median time of one declaration's full pre-check (体检: every rule of the measures + sanctions)."""
    from declarations.selectors import precheck_findings

    ids = list(Project.objects.filter(stage=Stage.DRAFT).order_by("pk").values_list("pk", flat=True)[:samples])
    times, findings = [], 0
    for pk in ids:
        project = Project.objects.select_related("unit__jurisdiction").get(pk=pk)
        started = time.perf_counter()
        result = precheck_findings(project)
        times.append(time.perf_counter() - started)
        findings += len(result)
    emit(kind="precheck", samples=len(times), median_ms=round(statistics.median(times) * 1000, 3),
         p95_ms=round(sorted(times)[int(len(times) * 0.95) - 1] * 1000, 3), findings=findings)


def portfolio(fractions=(0.25, 0.5, 1.0), limit: int | None = None) -> None:
    """The whole portfolio's derived state (obligations incl. sanction notices) recomputed at fractions of the data.

    Each fraction is recomputed twice in one rolled-back transaction: first as the data stands (``seconds``: in a
    generated database most obligations are created), then again (``steady_seconds``: what the daily job does
    once the rows exist — mostly unchanged). ``queries`` counts the statements of the first pass. A warm-up pass
    over a few projects (rolled back) comes first, so the smallest fraction does not pay the process's one-time
    costs (imports, the policy profiles' parsing). PORTFOLIO_BATCH_SIZE=0 measures the project-by-project path."""
    from django.db import connection

    from obligations.services import BATCH_SIZE, recompute_obligations

    batch_size = int(os.environ.get("PORTFOLIO_BATCH_SIZE", BATCH_SIZE)) or None
    all_ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    if limit:
        all_ids = all_ids[:limit]
    try:
        with transaction.atomic():
            recompute_obligations(projects=Project.objects.filter(pk__in=all_ids[:50]), batch_size=batch_size)
            raise Rollback
    except Rollback:
        pass
    out = []
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    for fraction in fractions:
        cut = all_ids[max(0, int(len(all_ids) * fraction) - 1)]
        qs = Project.objects.filter(pk__lte=cut, pk__gte=all_ids[0])
        n = qs.count()
        try:
            with transaction.atomic():
                count[0] = 0
                with connection.execute_wrapper(counted):
                    started = time.perf_counter()
                    result = recompute_obligations(projects=qs, batch_size=batch_size)
                    seconds = time.perf_counter() - started
                queries = count[0]
                started = time.perf_counter()
                steady = recompute_obligations(projects=qs, batch_size=batch_size)
                steady_seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        out.append({"fraction": fraction, "projects": n, "seconds": round(seconds, 3),
                    "per_project_ms": round(seconds / max(n, 1) * 1000, 3),
                    "created": getattr(result, "created", None), "updated": getattr(result, "updated", None),
                    "queries": queries, "queries_per_project": round(queries / max(n, 1), 3),
                    "steady_seconds": round(steady_seconds, 3),
                    "steady_per_project_ms": round(steady_seconds / max(n, 1) * 1000, 3),
                    "steady_unchanged": steady.unchanged, "steady_updated": steady.updated})
    emit(kind="portfolio", batch_size=batch_size, runs=out)


def export(target_rows: int = 100_000) -> None:
    """The ledger as .xlsx (the export's own code path: dashboards.exports.ledger_workbook's writer) for
    ``target_rows`` rows; when the database has fewer visible projects, the visible ledger is written again
    until the target is reached, so the writer's memory is measured at the target row count."""
    from dashboards import exports
    from projects.selectors import visible_projects

    user = User.objects.get(username="scale-drc")
    qs = visible_projects(user).order_by("-year", "number")
    available = qs.count()

    def rows():
        made = 0
        while made < target_rows:
            for p in qs.select_related("unit", "approval").iterator(chunk_size=500):
                if made >= target_rows:
                    return
                made += 1
                yield exports.ledger_row(p)

    started = time.perf_counter()
    content = exports.build_workbook("项目台账", exports.LEDGER_COLUMNS, rows(), notes=[("说明", "bench")])
    seconds = time.perf_counter() - started
    emit(kind="export", rows=target_rows, distinct_rows=available, seconds=round(seconds, 2),
         rows_per_s=round(target_rows / seconds), bytes=len(content))


def catalogue_import(rows: int = 50_000) -> None:
    """A catalogue import of ``rows`` new systems with full validation (catalogue.services.catalogue_import),
    rolled back afterwards."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalogue import excel
    from catalogue.services import catalogue_import as run_import

    user = User.objects.get(username="scale-filer-00002")
    unit = user.organisation
    values = []
    for i in range(rows):
        values.append(excel.export_row({
            "code": "", "name": f"导入测试系统{i:06d}", "purpose": "压测导入", "status": "running",
            "on_government_cloud": True, "network": "egov_extranet", "is_classified": False, "mlps_level": 2,
            "connected_to_sharing_platform": True, "connected_to_service_platform": False,
            "connected_to_unified_office_platform": True, "data_resources": ""}, unit.name))
    content = excel.build_workbook(values, count=rows)
    del values
    upload = SimpleUploadedFile("bench.xlsx", content, content_type=excel.XLSX_CONTENT_TYPE)
    started = time.perf_counter()
    outcome = None
    try:
        with transaction.atomic():
            outcome = run_import(actor=user, upload=upload)
            raise Rollback
    except Rollback:
        pass
    seconds = time.perf_counter() - started
    errors = len(getattr(outcome, "errors", []) or [])
    emit(kind="import", rows=rows, seconds=round(seconds, 2), rows_per_s=round(rows / seconds), errors=errors,
         file_bytes=len(content))


def workflow(runs: int = 20) -> None:
    from bench.workflow_compare import compare

    emit(kind="workflow", **compare(runs))


if __name__ == "__main__":
    what = sys.argv[1]
    arg = int(sys.argv[2]) if len(sys.argv) > 2 else None
    if what == "precheck":
        precheck(arg or 200)
    elif what == "portfolio":
        portfolio(limit=arg)
    elif what == "export":
        export(arg or 100_000)
    elif what == "import":
        catalogue_import(arg or 50_000)
    elif what == "workflow":
        workflow(arg or 20)
    else:
        raise SystemExit(f"unknown measurement {what}")
