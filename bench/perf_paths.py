"""Before/after figures of the issue #8 performance fixes, in process (docs/scaling.md §5).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/perf_paths.py [drafts]

Prints one ``BENCH_JSON`` line per figure:
- ``precheck``: ``declarations.selectors.precheck_findings`` over ``drafts`` drafts (default 20): the first
  check of the process (builds the declarations' index), the median of the others, and the queries of one;
- ``province_dashboard``: the whole page ``/dashboards/province/`` through the test client as users get it (a
  stored snapshot of its figures, dashboards.snapshots: median of 20 requests and their queries), the first page ever
  (no snapshot yet: computed and stored in the request), the recomputation the queue and the daily job run, and
  ``dashboards.selectors.province_dashboard`` alone, with its query count.
Writes nothing: the page request (its session and any audit event) runs in a transaction rolled back.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.inproc import Rollback, emit  # noqa: E402


class Counted:
    """Counts the queries run inside it (CaptureQueriesContext keeps at most 9,000, too few for the old page)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.n


def precheck(samples: int) -> None:
    from declarations.selectors import precheck_findings
    from projects.models import Project, Stage

    ids = list(Project.objects.filter(stage=Stage.DRAFT).order_by("pk").values_list("pk", flat=True)[:samples])
    times, queries = [], 0
    for pk in ids:
        project = Project.objects.select_related("unit__jurisdiction").get(pk=pk)
        with Counted() as captured:
            started = time.perf_counter()
            precheck_findings(project)
            times.append(time.perf_counter() - started)
        queries = len(captured)
    emit(kind="precheck", samples=len(times), first_ms=round(times[0] * 1000), median_rest_ms=round(
        statistics.median(times[1:] or times) * 1000), queries_per_check=queries,
        projects=Project.objects.count())


def province_dashboard(samples: int = 20) -> None:
    """The page as users get it (a fresh snapshot, its HTML rendered once in this process: the median of
    ``samples`` requests), the first page ever (no snapshot: computed and stored in the request), the recomputation
    the queue and the daily job run (dashboards.snapshots.compute), and the selectors alone. All rolled back."""
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from dashboards import snapshots
    from dashboards.models import DashboardSnapshot
    from dashboards.selectors import province_dashboard as figures

    user = User.objects.get(username="scale-drc")
    with Counted() as captured:
        started = time.perf_counter()
        figures(user, timezone.localdate())
        selectors_s = time.perf_counter() - started
    selector_queries = len(captured)
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(user)
            client.get("/healthz")  # imports the URLconf and middleware once, outside the measured requests
            DashboardSnapshot.objects.all().delete()
            started = time.perf_counter()
            cold = client.get("/dashboards/province/")
            cold_s = time.perf_counter() - started
            started = time.perf_counter()
            snapshots.store(snapshots.compute())
            compute_s = time.perf_counter() - started
            client.get("/dashboards/province/")  # renders the new snapshot's tables once in this process
            times = []
            for _ in range(samples):
                with Counted() as captured:
                    started = time.perf_counter()
                    response = client.get("/dashboards/province/")
                    times.append(time.perf_counter() - started)
            raise Rollback
    except Rollback:
        pass
    emit(kind="province_dashboard", page_ms=round(statistics.median(times) * 1000, 2), status=response.status_code,
         page_queries=len(captured), first_page_s=round(cold_s, 2), first_status=cold.status_code,
         snapshot_compute_s=round(compute_s, 2), selectors_s=round(selectors_s, 2),
         selector_queries=selector_queries)


if __name__ == "__main__":
    precheck(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    province_dashboard()
