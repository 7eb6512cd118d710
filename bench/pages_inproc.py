"""Per-request cost of the pages and the action in process, through the WSGI handler (no HTTP, no queueing):
what bench/run's HTTP figures are made of (docs/scaling.md §3).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/pages_inproc.py MODE [N] [--prof|--sql]

MODE: hello, detail, todo, ledger, audit, dash, action (a review conclusion POST, which adds conclusions and audit
events to the database as bench/run's action does) or ref (the action's reference view: lock, update, insert).
Prints the median and p95 of N requests (default 200) after 20 warm-up requests; ``--prof`` prints a pyinstrument profile of them instead, ``--sql`` the statements of one request
with their times, ``--gc`` also the garbage collector's pauses by generation, ``--slow`` also the ten slowest
requests with the time of their statements, of their COMMIT and of their longest statement. Signs in the generated users (scale-drc, scale-filer-00001, scale-auditor) with a forced login.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
for name, value in (("CONN_MAX_AGE", "600"), ("BENCH_VIEWS", "1"), ("DEBUG", "0"), ("LOG_LEVEL", "ERROR")):
    os.environ.setdefault(name, value)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from audit.models import AuditEvent  # noqa: E402
from projects.models import Project  # noqa: E402

USERS = {"todo": "scale-filer-00001", "audit": "scale-auditor"}  # the others: scale-drc
CSRF = "x" * 32


def main(mode: str, n: int, flags: set[str]) -> None:
    app = get_wsgi_application()
    client = Client()
    client.force_login(User.objects.get(username=USERS.get(mode, "scale-drc")))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; csrftoken={CSRF}"
    busy = list(AuditEvent.objects.exclude(project=None).filter(project__stage__in=["in_construction", "accepted"])
                .values_list("project_id", flat=True).order_by("project_id")[:50])
    submitted = list(Project.objects.filter(stage="submitted").order_by("pk").values_list("pk", flat=True)[:5000])
    paths = {"hello": "/bench/hello/", "todo": "/", "dash": "/dashboards/province/",
             "ledger": "/projects/?stage=in_construction&sort=-investment&min_investment=1000000",
             "audit": "/audit/?action=review.conclusion_recorded"}
    count = [0]

    def environ() -> dict:
        count[0] += 1
        method, body, path = "GET", b"", paths.get(mode, "")
        if mode == "detail":
            path = f"/projects/{busy[count[0] % len(busy)]}/"
        elif mode == "action":
            method, body = "POST", b"conclusion=agree&text="
            path = f"/reviews/projects/{submitted[count[0] % len(submitted)]}/conclusion/"
        elif mode == "ref":
            method, path = "POST", f"/bench/lock-update-insert/?n={count[0] % 64}"
        path, _, query = path.partition("?")
        env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "HTTP_COOKIE": cookie,
               "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1"}
        if method == "POST":
            env.update(CONTENT_TYPE="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN=CSRF,
                       HTTP_REFERER="http://127.0.0.1:8000/")
        return env

    statuses: dict[str, int] = {}

    def call() -> None:
        seen = {}
        b"".join(app(environ(), lambda status, headers, exc=None: seen.setdefault("status", status)))
        statuses[seen["status"]] = statuses.get(seen["status"], 0) + 1

    for _ in range(20):
        call()
    if "--sql" in flags:
        timed = []

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timed.append((time.perf_counter() - started, sql))

        with connection.execute_wrapper(wrapper):
            call()
        for seconds, sql in timed:
            print(f"{seconds * 1000:.3f} ms  {sql[:300]}")
        return
    if "--prof" in flags:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(n):
            call()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
        return
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    if "--gc" in flags:
        import gc

        began = {}

        def on_gc(phase, info):
            if phase == "start":
                began["t"] = time.perf_counter()
            else:
                pauses[info["generation"]].append(time.perf_counter() - began["t"])

        gc.callbacks.append(on_gc)
    times = []
    slowest: list[tuple[float, float, float, float, str]] = []
    if "--slow" in flags:
        commits: list[float] = []
        wrapper_class = type(connections[DEFAULT_DB_ALIAS])
        plain_commit = wrapper_class._commit

        def timed_commit(self):
            started = time.perf_counter()
            try:
                return plain_commit(self)
            finally:
                commits.append(time.perf_counter() - started)

        wrapper_class._commit = timed_commit
        statements: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):
            begun = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - begun, sql))
    for _ in range(n):
        if "--slow" not in flags:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
            continue
        statements.clear()
        commits.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            call()
        times.append(time.perf_counter() - started)
        longest = max(statements, default=(0.0, ""))
        slowest.append((times[-1], sum(t for t, _ in statements), sum(commits), longest[0], longest[1][:80]))
    for total, in_statements, in_commit, longest, sql in sorted(slowest)[-10:]:
        print(f"  slow request {total * 1000:.1f} ms: statements {in_statements * 1000:.1f} ms, COMMIT "
              f"{in_commit * 1000:.1f} ms, longest statement {longest * 1000:.1f} ms {sql}")
    times.sort()
    print(f"{mode}: median {statistics.median(times) * 1000:.3f} ms, p95 {times[int(n * 0.95) - 1] * 1000:.3f} ms, "
          f"p99 {times[int(n * 0.99) - 1] * 1000:.3f} ms, max {times[-1] * 1000:.3f} ms, {n} requests, "
          f"responses {statuses}")
    if "--gc" in flags:
        for generation, seen in pauses.items():
            print(f"  garbage collections of generation {generation}: {len(seen)}, "
                  f"{sum(seen) * 1000:.1f} ms in all, longest {max(seen, default=0) * 1000:.2f} ms")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(args[0], int(args[1]) if len(args) > 1 else 200, {a for a in sys.argv[1:] if a.startswith("--")})
