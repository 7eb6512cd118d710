"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

How it fits together, and why:

- One Chromium (``/usr/bin/chromium``, installed by ``scripts/setup``; never a downloaded browser) for the
  whole ``tests/browser`` package, and a fresh context (cookies, storage) per test: 1366×768, zh-CN,
  Asia/Shanghai.
- While Playwright's sync API is started, an asyncio loop counts as "running" on the main thread, and
  Django refuses ORM calls from such a thread (``SynchronousOnlyOperation``). The test code here is plain
  synchronous code, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set only while this package's tests run: the
  fixture is package-scoped, and Playwright stops (and the variable is restored) after the last browser test.
- The live server's thread must see the test's data, so browser tests are transactional and pytest-django
  flushes every table afterwards, including what the data migrations loaded. ``_browser_db`` re-creates
  that reference data (jurisdictions, bodies, the audit chain head, the shipped policy profile) at the
  start of every test.
- The audit table refuses DELETE (``audit/migrations/0002_append_only``). PostgreSQL flushes with TRUNCATE,
  which the row trigger does not see; SQLite flushes with DELETE, so there the audit rows are removed with
  the trigger lifted for that one statement and the trigger is put back before the flush.
- On SQLite in memory the server thread shares the test's one connection, so the server handles one
  request at a time (a lock around the WSGI app; the sockets stay threaded so an idle pre-connect from
  Chromium cannot stall it), and ``/favicon.ico`` is answered in the browser so it never races a page.
- Screenshots: ``shot(page, name)`` saves ``test-output/screenshots/<test>/<n>-<name>.png``; a failing
  test also saves ``…/failure.png`` and ``failure.html``. An uncaught JavaScript error or any HTTP 5xx
  answer fails the test.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 10_000

_report_key = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_report_key] = report
    return report


# --- the live server ---------------------------------------------------------------------------------

class _OneRequestAtATime:
    """WSGI wrapper: requests reach Django one at a time (see the module docstring)."""

    def __init__(self, app, lock):
        self.app, self.lock = app, lock

    def __call__(self, environ, start_response):
        with self.lock:
            return self.app(environ, start_response)


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server on 127.0.0.1 (``--liveserver`` or DJANGO_LIVE_TEST_SERVER_ADDRESS still win)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "127.0.0.1"
    server = LiveServer(addr, start=False)
    server.request_lock = threading.Lock()
    server.thread.static_handler = lambda app: _OneRequestAtATime(StaticFilesHandler(app), server.request_lock)
    server.start()
    server.warm = False
    yield server
    server.stop()


# --- the browser -------------------------------------------------------------------------------------

@pytest.fixture(scope="package")
def browser() -> Browser:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup, which installs Debian's chromium package "
                    "(or set CHROMIUM to a Chromium executable)", pytrace=False)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        expect.set_options(timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- the database ------------------------------------------------------------------------------------

def seed_reference_data():
    """What the data migrations and post_migrate put in the database, which the flush after each test removes."""
    from accounts.models import Jurisdiction, Organisation
    from accounts.seed import seed_reference
    from audit.models import ChainHead
    from policy.services import sync_shipped_profiles

    seed_reference(Jurisdiction, Organisation)
    ChainHead.objects.get_or_create(id=1)
    sync_shipped_profiles()


def _empty_audit_table_for_flush():
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        return  # PostgreSQL's flush is a TRUNCATE, which the row trigger allows
    triggers = importlib.import_module("audit.migrations.0003_event_algorithm_checkpoint_purge").SQLITE_FORWARD
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        for sql in triggers:
            cursor.execute(sql)


def _reseed_after_flush(sender, **kwargs):
    seed_reference_data()


@pytest.fixture(scope="package", autouse=True)
def _reference_data_survives_flush():
    """The flush after each test sends post_migrate, whose policy receiver stores the shipped profile for
    jurisdiction 510000 that the flush has just removed. While the browser tests run, the receiver puts the
    whole reference data back instead (the same data a fresh ``migrate`` leaves)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    policy = apps.get_app_config("policy")
    post_migrate.disconnect(sender=policy, dispatch_uid="policy-sync-shipped-profiles")
    post_migrate.connect(_reseed_after_flush, sender=policy, dispatch_uid="tests-browser-reseed")
    yield
    post_migrate.disconnect(sender=policy, dispatch_uid="tests-browser-reseed")
    policy.ready()  # connects the policy receiver again


@pytest.fixture(autouse=True)
def _browser_db(_reference_data_survives_flush, browser, transactional_db, live_server, settings):
    # A fast hasher for the test users (PBKDF2 costs ~0.6 s per user and per login); the login form, the
    # session and the permission checks are the real ones. The override reaches the server thread too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_reference_data()
    if not live_server.warm:
        # Warm-up, once: the first request imports the views and compiles the templates, which on a loaded
        # machine takes longer than a page's 10 s; paid here, the first test's first page keeps its timeout.
        from urllib.request import urlopen

        with urlopen(f"{live_server.url}/login/", timeout=120) as response:  # noqa: S310 (our 127.0.0.1 server)
            response.read()
        live_server.warm = True
    yield
    with live_server.request_lock:  # no request is half-way through the shared connection
        _empty_audit_table_for_flush()


# --- a page per test, with its screenshots -----------------------------------------------------------

def _test_dir(request) -> Path:
    path = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshot_dir(request) -> Path:
    return _test_dir(request)


@pytest.fixture
def page(request, browser, live_server, _browser_db, screenshot_dir) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if r.status >= 500 else None)
    yield page
    report = request.node.stash.get(_report_key, None)
    if report is not None and report.failed:
        try:
            page.screenshot(path=screenshot_dir / "failure.png", full_page=True)
            (screenshot_dir / "failure.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        except Exception as exc:  # the failure itself matters more than its picture
            print(f"could not save the failure screenshot: {exc}")
    context.close()
    if problems:
        pytest.fail("the browser saw: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def shot(screenshot_dir):
    """``shot(page, "name")`` → test-output/screenshots/<test>/<n>-<name>.png (full page)."""
    count = 0

    def take(page: Page, name: str) -> Path:
        nonlocal count
        count += 1
        path = screenshot_dir / f"{count:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def login():
    """``login(page, username, password)`` through the real login form; returns once the user is signed in."""

    def sign_in(page: Page, username: str, password: str) -> None:
        page.goto("/login/")
        page.get_by_label("用户名", exact=True).fill(username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_role("button", name="退出")).to_be_visible()

    return sign_in
