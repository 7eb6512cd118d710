"""Two application processes against one PostgreSQL (issue #8 §4, docs/scaling.md "several application servers").

Two gunicorn processes serve the same code on two ports against the test database. The test shows that nothing
depends on one process's memory: a session made on one is valid on the other (sessions in the database), the same
one-shot action sent to both at once is done once (row locks, not in-process locks), the audit chain written by
both stays one unforked chain (the chain head row), and the daily job started in both at once sends each reminder
once (the claim rows and the advisory lock).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import User
from audit.chain import verify
from audit.models import AuditEvent
from obligations.models import Obligation, ObligationStatus, ReminderSent
from projects.models import Project
from reviews.models import OpinionRequest
from scale.generator import BENCH_PASSWORD, Generator

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PORTS = (8761, 8762)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env() -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings", "CONN_MAX_AGE": "0",
                "LOG_LEVEL": "ERROR", "DEBUG": "0"})
    return env


@pytest.fixture
def servers(transactional_db):
    assert connection.vendor == "postgresql", "deselected on SQLite by tests/multiprocess/conftest.py"
    from tests.browser.conftest import seed_reference_data

    seed_reference_data()
    Generator(scale=0.0001, seed=8).run()  # users with a known password, projects awaiting opinions, to-dos
    # The test process hashes with MD5 (tests/conftest.py); the servers use the production hasher list.
    User.objects.filter(username__startswith="scale-").update(
        password=PBKDF2PasswordHasher().encode(BENCH_PASSWORD, PBKDF2PasswordHasher().salt()))
    procs = []
    for port in PORTS:
        procs.append(subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "-w", "1", "-b",
             f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=_env(), start_new_session=True))
    try:
        for port in PORTS:
            deadline = time.time() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.3)
        yield PORTS
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(20)


class Browser:
    """A cookie jar shared by requests to either process: the same browser behind a load balancer."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def get(self, port: int, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(f"http://127.0.0.1:{port}{path}"))

    def post(self, port: int, path: str, data: dict) -> tuple[int, str, str]:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                                 headers={"X-CSRFToken": token}))

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")

    def login(self, port: int, username: str) -> None:
        status, page, _ = self.get(port, "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, page, location = self._open(urllib.request.Request(
            f"http://127.0.0.1:{port}/login/",
            data=urllib.parse.urlencode({"username": username, "password": BENCH_PASSWORD,
                                         "csrfmiddlewaretoken": token}).encode()))
        assert status == 302 and "/login/" not in location, (status, location, re.findall(r'class="error[^"]*">([^<]+)', page))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _chain_ok() -> tuple[bool, int]:
    report = verify(AuditEvent.objects.order_by("seq").iterator())
    return report.ok, report.checked


def test_session_made_on_one_process_works_on_the_other_and_logout_ends_it_on_both(servers):
    a, b = servers
    browser = Browser()
    browser.login(a, "scale-drc")
    status, page, _ = browser.get(b, "/projects/")
    assert status == 200 and "审核人" in page  # the generated DRC reviewer's name, shown on B
    assert browser.get(a, "/projects/")[0] == 200
    # Logging out on B ends the session that A created (the session lives in the database, not in A's memory).
    assert browser.post(b, "/logout/", {})[0] in (200, 302)
    status, _, location = browser.get(a, "/projects/")
    assert status == 302 and "/login/" in location


def test_same_one_shot_action_sent_to_both_processes_at_once_is_done_once(servers):
    a, b = servers
    opinion = (OpinionRequest.objects.filter(answered_at__isnull=True, project__stage="under_approval")
               .select_related("body").order_by("pk").first())
    assert opinion is not None, "the generated data has an unanswered opinion"
    username = f"scale-{opinion.body.kind}"
    browsers = [Browser(), Browser()]
    browsers[0].login(a, username)
    browsers[1].login(b, username)
    before = AuditEvent.objects.filter(action="opinion.answered", object_id=str(opinion.pk)).count()
    barrier = threading.Barrier(2)
    results = []

    def answer(browser, port):
        barrier.wait(10)
        results.append(browser.post(port, f"/reviews/opinions/{opinion.pk}/", {"answer": "agree", "text": ""}))

    threads = [threading.Thread(target=answer, args=(br, port)) for br, port in zip(browsers, (a, b), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(status for status, _, _ in results)
    # The winner is redirected to the project (302); the loser is refused with a conflict (409, "已出具意见").
    assert len(statuses) == 2 and statuses[0] == 302 and statuses[1] in (302, 409), statuses
    opinion.refresh_from_db()
    assert opinion.answered_at is not None
    # One process wins; the other is refused with "已出具意见" instead of writing a second answer.
    assert AuditEvent.objects.filter(action="opinion.answered", object_id=str(opinion.pk)).count() == before + 1
    ok, _ = _chain_ok()
    assert ok


def test_audit_chain_written_by_both_processes_at_once_stays_unforked(servers):
    a, b = servers
    projects = list(Project.objects.filter(stage="submitted").order_by("pk").values_list("pk", flat=True)[:4])
    assert projects, "the generated data has submitted projects"
    browsers = {port: Browser() for port in (a, b)}
    for port, browser in browsers.items():
        browser.login(port, "scale-drc")
    start = AuditEvent.objects.count()
    errors = []

    def act(port):
        for i in range(10):
            status, _, _ = browsers[port].post(port, f"/reviews/projects/{projects[i % len(projects)]}/conclusion/",
                                               {"conclusion": "agree", "text": ""})
            if status not in (200, 302):
                errors.append(status)

    threads = [threading.Thread(target=act, args=(port,)) for port in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    written = AuditEvent.objects.filter(action="review.conclusion_recorded").count()
    assert AuditEvent.objects.count() - start >= 20 and written >= 20
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gaps, no duplicates
    ok, checked = _chain_ok()
    assert ok and checked == len(seqs)


def test_daily_job_run_by_two_processes_at_once_claims_each_reminder_once(servers):
    # Every open to-do is due for its reminder today.
    Obligation.objects.filter(status=ObligationStatus.OPEN).update(remind_on=time.strftime("%Y-%m-%d"))
    jobs = [subprocess.Popen([sys.executable, "manage.py", "run_obligations"], cwd=ROOT, env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [job.communicate(timeout=300) for job in jobs]
    assert all(job.returncode == 0 for job in jobs), [err[-800:] for _, err in outputs]
    claimed = [int(re.search(r"提醒 (\d+) 项", out).group(1)) for out, _ in outputs]
    sent = ReminderSent.objects.count()
    assert sent > 0, "the generated to-dos owe reminders today"
    # Each reminder was claimed by exactly one of the two jobs; together they claimed every one, once.
    assert sum(claimed) == sent
    assert sent == ReminderSent.objects.values("obligation_id", "reminder_kind", "due_on").distinct().count()
    ok, _ = _chain_ok()
    assert ok
