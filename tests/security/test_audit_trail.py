"""SECURITY.md 14–20: the audit trail.

R14 one record per action, export, upload/download/delete, configuration change and refused access; R15 every
field filled (client address from a trusted proxy only); R16 no secret in any log or audit record; R17 the table
is append-only in the database; R18 the HMAC chain finds every one of 1,000 random mutations (the 50 concurrent
writers are in tests/concurrency/test_r18_concurrent_writers.py); R19 retention and the controlled purge; R20 the
audit write is part of the action's transaction.
"""

from __future__ import annotations

import copy
import importlib
import logging
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as chmac
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

import tests.test_issue3_paths as issue3
import tests.test_issue4_paths as issue4
from accounts.models import OrgKind, Role
from audit import chain
from audit import services as audit_services
from audit.chain import CHAINED_FIELDS, GENESIS, verify, verify_stored
from audit.models import AuditCheckpoint, AuditEvent, ChainHead, PurgePermit
from audit.purge import PurgeRefused, purge_events
from audit.services import record
from projects.models import Project, Stage
from tests import factories
from tests.test_audit import tampering

pytestmark = pytest.mark.django_db

TRIGGERS = importlib.import_module("audit.migrations.0003_event_algorithm_checkpoint_purge")
# What differs between any two responses: the request id and the per-request masked CSRF token.
PER_REQUEST = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9]{64}")


def new_project(client, name: str, **extra):
    """Fill in and send the 新建项目 page as a browser would (with whatever hidden fields the form carries)."""
    page = client.get("/projects/new/").content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(?!csrfmiddlewaretoken)([\w-]+)" value="([^"]*)"', page))
    return client.post("/projects/new/", {**hidden, "name": name, "year": 2027, "delivery_mode": "self_built",
                                          "total_investment": "1000000.00"}, **extra)


def events_of(response):
    return list(AuditEvent.objects.filter(request_id=response["X-Request-ID"]).order_by("seq"))


@pytest.fixture
def requests_seen(monkeypatch):
    """Every request made through a Django test client in the test, with its status and request id."""
    seen = []
    original = Client.request

    def request(self, **environ):
        response = original(self, **environ)
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], response.status_code,
                     response.get("X-Request-ID")))
        return response

    monkeypatch.setattr(Client, "request", request)
    return seen


# Requests that read or export without changing anything, and their expected number of audit records when 2xx.
EXPORT = re.compile(r"(\.pdf|\.xlsx|\.json|\.csv|/ocds|/export/?|/download/?|/archive/\d+/)$")
READ_ONLY_POSTS = re.compile(r"/precheck$")
# One request that performs two actions, each recorded once: saving the approval application (when a body is
# sent) and submitting it (reviews.api.submit_for_approval).
TWO_ACTIONS = {re.compile(r"/approval-submission$"): ["approval.application_saved", "approval.submitted"]}


def expected_records(method: str, path: str, status: int) -> int:
    if status in (403, 404):
        return 1  # a refused access (R14), audited once by audit.middleware
    if status >= 400:
        return 0  # refused by the rules (409) or bad input (400/422): nothing happened, nothing is recorded
    if method in ("GET", "HEAD"):
        return 1 if EXPORT.search(path) else 0
    return 0 if READ_ONLY_POSTS.search(path) else 1


def assert_one_record_per_action(seen):
    wrong = []
    for method, path, status, request_id in seen:
        actions = sorted(AuditEvent.objects.filter(request_id=request_id).values_list("action", flat=True))
        composite = next((a for pattern, a in TWO_ACTIONS.items() if pattern.search(path)), None)
        if composite and status < 400 and len(actions) == 2:
            if actions != sorted(composite):
                wrong.append((method, path, status, actions))
        elif len(actions) != expected_records(method, path, status):
            wrong.append((method, path, status, actions))
    assert not wrong, wrong


# --- R14 ---------------------------------------------------------------------------------------------------

def test_r14_every_request_of_the_approval_paths_writes_exactly_one_record_per_action(requests_seen, settings,
                                                                                      tmp_path):
    """The whole of issue 3's two-stage path and the purchased-service path through the API, one session per
    body: every change (create, upload, conclusion, decision, opinion, approval…) is one record, every PDF
    download one, every refused access one, every read and every rule refusal none."""
    settings.STORAGE_DIR = tmp_path
    edu = factories.org("SC-EDU", "四川省教育厅")
    health = factories.org("SC-HEALTH", "四川省卫生健康委员会")
    factories.user("edu", edu, Role.FILER)
    factories.user("health", health, Role.FILER)
    for username, kind in issue3.REVIEWERS.items():
        factories.user(username, factories.body(kind), Role.REVIEWER)
    people = {name: issue3.Session(name) for name in ("edu", "health", *issue3.REVIEWERS)}
    people["health_unit_id"] = health.pk

    issue3.test_the_standard_two_stage_self_built_path(people)
    assert len(requests_seen) > 40
    methods = {m for m, *_ in requests_seen}
    assert {"GET", "POST", "PUT", "PATCH"} <= methods
    assert_one_record_per_action(requests_seen)
    # The refused download of another unit's approval is one refusal naming the project, nothing else.
    refused = AuditEvent.objects.get(action="access.refused")
    assert (refused.actor_name, refused.outcome, refused.object_type) == ("health", "refused", "projects.project")


def test_r14_every_request_of_the_delivery_path_writes_exactly_one_record_per_action(
        requests_seen, settings, tmp_path, unit_a, filer_a):
    """Issue 4's self-built path from approval to acceptance (archive upload, changes, trial run, acceptance,
    filing), then the downloads and exports of the accepted project: one record each."""
    settings.STORAGE_DIR = tmp_path
    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    people = {"unit": issue4.client(filer_a), "drc": issue4.client(issue4.reviewer(OrgKind.DRC)),
              "office": issue4.client(issue4.reviewer(OrgKind.LEADING_GROUP_OFFICE)),
              "leader": issue4.client(factories.user("leader_t", factories.body(OrgKind.LEADING_GROUP),
                                                     Role.REVIEWER))}
    issue4.test_self_built_from_approval_to_accepted(filer_a, people)
    project = Project.objects.get(stage=Stage.ACCEPTED)
    unit, auditor = people["unit"], issue4.client(factories.user("aud", factories.body(OrgKind.AUDIT_OFFICE),
                                                                 Role.AUDITOR))
    entry = project.archive_entries.first() if hasattr(project, "archive_entries") else None
    from delivery.models import ArchiveEntry

    entry = entry or ArchiveEntry.objects.get(project=project)
    downloads = [
        unit.get(f"/delivery/{project.pk}/opinion.pdf"),
        unit.get(f"/delivery/archive/{entry.pk}/"),
        unit.get(f"/funding/{project.pk}/ocds.json"),
        unit.get(f"/api/v1/funding/projects/{project.pk}/ocds"),
        unit.get(f"/dashboards/projects/{project.pk}/record.pdf"),
        unit.get("/dashboards/export/projects.xlsx"),
        unit.get("/catalogue/export/"),
        unit.get("/obligations/export.xlsx"),
        unit.get("/contacts/export.csv"),
        auditor.get("/dashboards/export/rectifications.xlsx"),
        auditor.get(f"/reviews/annual-lists/{project.year}.xlsx"),
    ]
    assert [r.status_code for r in downloads] == [200] * len(downloads), [
        (r.request["PATH_INFO"], r.status_code) for r in downloads]
    for response in downloads:
        recorded = events_of(response)
        assert len(recorded) == 1, (response.request["PATH_INFO"], recorded)
        assert recorded[0].outcome == "success"
    assert_one_record_per_action(requests_seen)
    refused = [e for e in AuditEvent.objects.filter(action="access.refused")]
    # The unit tried twice to take the DRC's decisions itself (403): two refusals, one each.
    assert len(refused) == 2 and {e.actor_name for e in refused} == {"filer_a"}


def test_r14_refused_access_is_recorded_once_and_the_404_does_not_say_the_project_exists(
        filer_a, filer_b, client_for):
    project = factories.project(filer_a, name="甲单位的项目")
    other = client_for(filer_b)
    hidden = other.get(f"/projects/{project.pk}/")
    missing = other.get("/projects/987654/")
    assert hidden.status_code == missing.status_code == 404
    # Nothing on the page tells the two apart (the request id and CSRF token aside).
    assert PER_REQUEST.sub(b"", hidden.content) == PER_REQUEST.sub(b"", missing.content)
    assert "甲单位的项目" not in hidden.content.decode()
    for response, object_id in ((hidden, str(project.pk)), (missing, "987654")):
        (event,) = events_of(response)
        assert (event.action, event.outcome, event.actor, event.object_type, event.object_id) == (
            "access.refused", "refused", filer_b, "projects.project", object_id)
        assert event.after["status"] == 404
    api = other.get(f"/api/v1/projects/{project.pk}")
    assert api.status_code == 404 and len(events_of(api)) == 1
    forbidden = other.get("/audit/")
    assert forbidden.status_code == 403
    (event,) = events_of(forbidden)
    assert (event.action, event.outcome, event.object_label) == ("access.refused", "refused", "GET /audit/")
    # The project's owner sees it; no refusal is recorded for that.
    own = client_for(filer_a).get(f"/projects/{project.pk}/")
    assert own.status_code == 200 and events_of(own) == []


def test_r14_upload_download_and_delete_are_one_record_each(filer_a, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalogue.models import ProjectSystemLink
    from tests.test_declarations import in_catalogue
    from tests.test_documents import PDF

    settings.STORAGE_DIR = tmp_path
    project = factories.project(filer_a)
    in_catalogue(filer_a, project)
    c = client_for(filer_a)
    uploaded = c.post(f"/api/v1/declarations/projects/{project.pk}/documents",
                      {"kind": "implementation_plan", "file": SimpleUploadedFile("实施方案.pdf", PDF)})
    assert uploaded.status_code == 201, uploaded.content
    (event,) = events_of(uploaded)
    assert event.action == "document.uploaded" and event.after["name"] == "实施方案.pdf"
    document_id = uploaded.json()["id"]
    for url in (f"/declarations/documents/{document_id}/download/", f"/api/v1/declarations/documents/{document_id}/download"):
        downloaded = c.get(url)
        assert downloaded.status_code == 200
        b"".join(downloaded.streaming_content)
        (event,) = events_of(downloaded)
        assert event.action == "document.downloaded" and event.object_id == str(document_id)
    link = ProjectSystemLink.objects.get(project=project)
    deleted = c.post(f"/catalogue/projects/{project.pk}/links/{link.pk}/delete/")
    assert deleted.status_code == 302 and not ProjectSystemLink.objects.filter(pk=link.pk).exists()
    (event,) = events_of(deleted)
    assert event.action == "catalogue.project_system_unlinked"


def test_r14_profile_and_configuration_changes_are_one_record_each(client_for, sysadmin):
    from accounts.models import Jurisdiction

    page = client_for(sysadmin).post("/policy/new/", {"document": (
        'key: chengdu-audit\nname: 成都市办法\njurisdiction: "510100"\nparent_jurisdiction: "510000"\n'
        "effective_from: 2027-01-01\nparameters:\n  trial_run.months: 6\n")})
    assert page.status_code == 302, page.content.decode()[:2000]
    (event,) = events_of(page)
    assert (event.action, event.actor, event.outcome) == ("policy.profile_saved", sysadmin, "success")

    # A configuration change in the admin site (a new jurisdiction): one record, in the admin's transaction.
    sysadmin.is_staff = sysadmin.is_superuser = True
    sysadmin.save()
    admin = client_for(sysadmin)
    province = Jurisdiction.objects.get(code="510000")
    added = admin.post("/django-admin/accounts/jurisdiction/add/", {
        "code": "519901", "name": "测试县", "level": "county", "parent": province.pk})
    assert added.status_code == 302, added.content.decode()[:2000]
    (event,) = events_of(added)
    assert (event.action, event.object_type, event.object_label) == ("admin.added", "accounts.jurisdiction",
                                                                     str(Jurisdiction.objects.get(code="519901")))
    assert event.actor == sysadmin


# --- R15 ---------------------------------------------------------------------------------------------------

R15_FIELDS = ("at", "actor_name", "roles", "organisation_name", "client_ip", "action", "object_type", "object_id",
              "object_label", "outcome", "request_id", "algorithm", "prev_hash", "hash")


def test_r15_every_field_of_a_users_action_is_filled(filer_a, client_for, auditor):
    c = client_for(filer_a)
    response = new_project(c, "字段齐全的项目", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    (event,) = events_of(response)
    assert all(getattr(event, f) not in ("", None) for f in R15_FIELDS), {f: getattr(event, f) for f in R15_FIELDS}
    assert (event.actor_name, event.roles, event.organisation_name) == ("filer_a", "filer", "测试单位甲")
    assert (event.client_ip, event.request_id, event.outcome) == ("192.0.2.10", response["X-Request-ID"], "success")
    assert event.before == {} and event.after["name"] == "字段齐全的项目"
    # Milliseconds are kept and shown.
    assert event.at_ms.endswith(f".{timezone.localtime(event.at).microsecond // 1000:03d}")
    page = client_for(auditor).get("/audit/", {"actor": "filer_a"}).content.decode()
    assert event.at_ms in page and event.request_id in page and "192.0.2.10" in page


def test_r15_a_system_job_is_recorded_as_system_with_every_field_filled(db):
    with transaction.atomic():
        event = record(actor=None, action="obligations.recomputed", after={"projects": 3})
    assert (event.actor_name, event.roles, event.organisation_name, event.client_ip) == ("system", "system", "系统",
                                                                                         "local")
    assert event.request_id.startswith("sys-") and len(event.request_id) == 36
    assert (event.object_type, event.object_id, event.object_label) == ("-", "-", "-")
    assert all(getattr(event, f) not in ("", None) for f in R15_FIELDS)


@pytest.mark.parametrize(("remote", "forwarded", "configured", "expected"), [
    # Through the trusted gateway: the address the gateway appended (the rightmost untrusted one), not the
    # address the client claimed at the front of the header.
    ("10.0.0.5", "198.51.100.66, 203.0.113.9", True, "203.0.113.9"),
    # Two trusted hops.
    ("10.0.0.5", "203.0.113.9, 10.0.0.6", True, "203.0.113.9"),
    # Not from a trusted proxy: the header is ignored, whatever it says.
    ("198.51.100.7", "203.0.113.9", True, "198.51.100.7"),
    # No header configured: the socket address.
    ("10.0.0.5", "203.0.113.9", False, "10.0.0.5"),
    # A malformed header from the proxy is not believed.
    ("10.0.0.5", "not-an-address", True, "10.0.0.5"),
])
def test_r15_the_client_address_comes_from_a_trusted_proxy_header_only(filer_a, client_for, settings, remote,
                                                                       forwarded, configured, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/29"]
    settings.TRUSTED_PROXY_IP_HEADER = "HTTP_X_FORWARDED_FOR" if configured else ""
    response = new_project(client_for(filer_a), "地址测试", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 302
    assert events_of(response)[0].client_ip == expected


def test_r15_the_new_fields_are_chained_and_older_events_still_verify(filer_a):
    factories.project(filer_a)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.algorithm == "hmac-sha256" and "algorithm" in chain.canonical(event).decode()
    assert "request_id" in chain.canonical(event).decode()
    # An event written before the algorithm was recorded (algorithm "") is verified in its original form.
    legacy = copy.copy(event)
    legacy.algorithm = ""
    legacy.hash = chain.event_hash(legacy.prev_hash, legacy)
    assert '"algorithm"' not in chain.canonical(legacy).decode()
    assert verify([legacy], anchor_seq=legacy.seq - 1, anchor_hash=legacy.prev_hash).ok


# --- R16 ---------------------------------------------------------------------------------------------------

ID_NUMBER = "11010519491231002X"  # a valid GB 11643 number (check digit X)
NEW_PASSWORD = "Neu-Passwort-2026!zw"


def test_r16_no_password_code_session_key_or_id_number_in_any_log_or_audit_record(caplog, filer_a):
    from contacts.models import ContactRole

    caplog.set_level(logging.DEBUG)
    browser = Client()
    failed = browser.post("/login/", {"username": "filer_a", "password": "Wrong-Guess-2026!x"})
    assert failed.status_code == 200
    logged_in = browser.post("/login/", {"username": "filer_a", "password": factories.PASSWORD})
    assert logged_in.status_code == 302
    session_key = browser.cookies["sessionid"].value
    changed = browser.post("/accounts/password/", {"old_password": factories.PASSWORD,
                                                   "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert changed.status_code == 302, changed.content.decode()[:1000]
    project = factories.project(filer_a)
    saved = browser.post(f"/contacts/projects/{project.pk}/", {
        "role": ContactRole.values[0], "name": "张三", "position": f"处长（证件 {ID_NUMBER}）",
        "id_number": ID_NUMBER, "mobile": "13800138000"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    # A careless log line anywhere in the code, and an exception carrying a secret: redacted before any handler.
    logging.getLogger("zwxm.anything").warning("登录参数 password=%s otp=%s sessionid=%s 身份证 %s",
                                               NEW_PASSWORD, "493817", session_key, ID_NUMBER)
    try:
        raise ValueError(f"bad row {{'password': '{NEW_PASSWORD}'}} {ID_NUMBER}")
    except ValueError:
        logging.getLogger("zwxm.errors").exception("导入失败")
    logged = caplog.text + "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "导入失败" in logged and "1101**********002X" in logged  # the lines are there, masked
    trail = "\n".join(
        f"{e.object_label} {e.before} {e.after} {e.findings} {e.action}" for e in AuditEvent.objects.all())
    assert "contacts.contact_saved" in trail and "1101**********002X" in trail
    for secret in (factories.PASSWORD, NEW_PASSWORD, "Wrong-Guess-2026!x", "493817", session_key, ID_NUMBER):
        assert secret not in logged, secret
        assert secret not in trail, secret


def test_r16_redaction_masks_secrets_in_text_and_in_before_after_values():
    from audit.redaction import redact_text, redact_value

    assert redact_text(f"身份证号 {ID_NUMBER}，电话 13800138000") == "身份证号 1101**********002X，电话 13800138000"
    # Not an ID number: longer digit runs (a bank account) and 18-character credit codes with letters stay.
    assert redact_text("账号 6222021001122334455") == "账号 6222021001122334455"
    assert redact_text("91510100MA61234567") == "91510100MA61234567"
    assert redact_text('{"password": "a b c", "name": "x"}') == '{"password": "******", "name": "x"}'
    assert redact_text("Authorization: Bearer abcdefghijklmnop") == "Authorization: Bearer ******"
    assert redact_value({"new_password1": "x", "code": "T-A", "items": [{"otp": "123456"}],
                         "note": ID_NUMBER}) == {
        "new_password1": "******", "code": "T-A", "items": [{"otp": "******"}], "note": "1101**********002X"}


# --- R17 ---------------------------------------------------------------------------------------------------

@pytest.fixture
def trail(filer_a):
    for i in range(6):
        factories.project(filer_a, name=f"链上项目{i}")
    return list(AuditEvent.objects.order_by("seq"))


def refused_by_database(operation):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        operation()


def test_r17_update_and_delete_fail_in_the_database_on_every_path(trail):
    target = trail[-2]
    refused_by_database(lambda: AuditEvent.objects.filter(pk=target.pk).update(action="x"))
    refused_by_database(lambda: AuditEvent.objects.filter(pk=target.pk).delete())
    refused_by_database(lambda: AuditEvent.objects.get(pk=target.pk).delete())
    refused_by_database(lambda: AuditEvent.objects.all().delete())

    def save_changed():
        event = AuditEvent.objects.get(pk=target.pk)
        event.after = {"name": "改过"}
        event.save()

    refused_by_database(save_changed)
    refused_by_database(lambda: AuditEvent.objects.bulk_update(
        [AuditEvent(pk=target.pk, seq=target.seq, outcome="failed")], ["outcome"]))

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [target.pk])
        return run

    refused_by_database(raw("UPDATE audit_auditevent SET actor_name = 'x' WHERE id = %s"))
    refused_by_database(raw("DELETE FROM audit_auditevent WHERE id = %s"))
    assert AuditEvent.objects.get(pk=target.pk).action == target.action
    assert verify_stored().ok


def test_r17_even_the_purge_permit_cannot_delete_a_young_event(trail):
    """The door opened for a purge (PostgreSQL setting, SQLite permit row) still refuses rows < 180 days old."""
    def with_permit():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('zwxm.audit_purge', 'on', true)")
        PurgePermit.objects.create(up_to_seq=10 ** 9)
        AuditEvent.objects.filter(pk=trail[0].pk).delete()

    refused_by_database(with_permit)
    assert AuditEvent.objects.filter(pk=trail[0].pk).exists()


# --- R18 ---------------------------------------------------------------------------------------------------

def _changed(value, rng):
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value + rng.choice([1, -1, 7])
    if isinstance(value, str):
        if value in chain.ALGORITHMS or value == "":
            return rng.choice([a for a in (*chain.ALGORITHMS, "") if a != value])
        if re.fullmatch(r"[0-9a-f]{64}", value):
            i = rng.randrange(64)
            return value[:i] + ("0" if value[i] != "0" else "1") + value[i + 1:]
        i = rng.randrange(len(value) + 1)
        return value[:i] + rng.choice("x改 1") + value[i:]
    if isinstance(value, dict):
        return {**value, f"k{rng.randrange(100)}": rng.choice(["", 0, "v", None])}
    if isinstance(value, list):
        return [*value, {"added": rng.randrange(100)}]
    return value + timedelta(microseconds=rng.choice([1, 1000, -1, 10 ** 6]))  # the time


def mutate(events, kind, rng):
    """One random mutation on a fresh copy of the chain (the originals are never touched)."""
    copies = [copy.copy(e) for e in events]
    if kind == "edit":
        i = rng.randrange(len(copies))
        field = rng.choice((*CHAINED_FIELDS, "prev_hash", "hash"))
        edited = copy.deepcopy(copies[i])
        setattr(edited, field, _changed(getattr(edited, field), rng))
        copies[i] = edited
        return copies, f"edit #{edited.seq}.{field}"
    if kind == "delete":
        i = rng.randrange(len(copies))
        del copies[i]
        return copies, f"delete index {i}"
    if kind == "insert":
        i = rng.randrange(len(copies) + 1)
        forged = copy.deepcopy(rng.choice(events))
        how = rng.choice(["duplicate", "forged", "renumbered"])
        if how != "duplicate":
            # An attacker writes a plausible event after position i, linked to its predecessor, with a key it
            # guesses (it does not have AUDIT_HMAC_KEY).
            forged.seq = copies[i - 1].seq + 1 if i else 1
            forged.prev_hash = copies[i - 1].hash if i else GENESIS
            forged.after = {"forged": rng.randrange(10 ** 6)}
            key = b"guessed-key-%d" % rng.randrange(10 ** 6)
            forged.hash = chain.mac("hmac-sha256", key, forged.prev_hash.encode() + b"\n" + chain.canonical(forged))
            if how == "renumbered":
                for later in range(i, len(copies)):
                    shifted = copy.copy(copies[later])
                    shifted.seq += 1
                    copies[later] = shifted
        copies.insert(i, forged)
        return copies, f"insert {how} at {i}"
    i, j = rng.sample(range(len(copies)), 2)
    copies[i], copies[j] = copies[j], copies[i]
    if rng.random() < 0.5:  # also swap their numbers, so the order by seq looks right
        a, b = copy.copy(copies[i]), copy.copy(copies[j])
        a.seq, b.seq = b.seq, a.seq
        copies[i], copies[j] = a, b
    return copies, f"swap {i}<->{j}"


def test_r18_verification_detects_every_one_of_1000_random_mutations(filer_a, settings):
    settings.NATIONAL_CRYPTO = False
    for i in range(12):
        factories.project(filer_a, name=f"项目{i}")
    settings.NATIONAL_CRYPTO = True  # a chain that switched algorithm half-way
    with transaction.atomic():
        for i in range(12):
            record(actor=filer_a if i % 2 else None, action="test.event", after={"i": i, "amount": Decimal("1.10")})
    events = list(AuditEvent.objects.order_by("seq"))
    assert {e.algorithm for e in events} == {"hmac-sha256", "hmac-sm3"}
    head = (events[-1].seq, events[-1].hash)
    assert verify(events, head=head).ok and verify_stored().ok

    rng = random.Random(20261128)
    kinds = {"edit": 0, "delete": 0, "insert": 0, "swap": 0}
    for n in range(1000):
        kind = rng.choice(list(kinds))
        mutated, what = mutate(events, kind, rng)
        report = verify(mutated, head=head)
        assert not report.ok, (n, what)
        assert report.problem
        kinds[kind] += 1
    assert min(kinds.values()) >= 200, kinds
    assert verify(events, head=head).ok  # the originals were never touched


def test_r18_tampering_directly_in_the_database_is_detected_and_named(trail):
    target = trail[2]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(client_ip="10.9.9.9")
    report = verify_stored()
    assert not report.ok and report.problem == f"第 {target.seq} 号事件的内容被改动"
    with pytest.raises(CommandError, match=f"第 {target.seq} 号事件的内容被改动"):
        call_command("verify_audit_chain")


def test_r18_a_row_inserted_or_the_tail_deleted_in_the_database_is_detected(trail):
    last = trail[-1]
    with tampering():
        AuditEvent.objects.filter(pk=last.pk).delete()
    report = verify_stored()
    assert not report.ok and f"缺少第 {last.seq} 号" in report.problem
    forged = copy.copy(last)
    forged.pk = None
    forged.after = {"name": "伪造"}
    forged.hash = "f" * 64
    forged.save(force_insert=True)  # INSERT is allowed: the chain itself must refuse it
    report = verify_stored()
    assert not report.ok and report.seq == last.seq


def test_r18_the_algorithm_is_hmac_sm3_when_national_crypto_is_on_and_switching_keeps_verification(
        filer_a, settings):
    factories.project(filer_a, name="国际算法")
    settings.NATIONAL_CRYPTO = True
    factories.project(filer_a, name="国密算法")
    settings.NATIONAL_CRYPTO = False
    factories.project(filer_a, name="再切回")
    sha, sm3, back = AuditEvent.objects.order_by("-seq")[:3][::-1]
    assert (sha.algorithm, sm3.algorithm, back.algorithm) == ("hmac-sha256", "hmac-sm3", "hmac-sha256")
    # Computed independently with cryptography's HMAC over SM3 (GB/T 32905).
    h = chmac.HMAC(settings.AUDIT_HMAC_KEY.encode(), hashes.SM3())
    h.update(sm3.prev_hash.encode() + b"\n" + chain.canonical(sm3))
    assert sm3.hash == h.finalize().hex()
    assert verify_stored().ok
    call_command("verify_audit_chain")


def test_r18_the_key_lives_outside_the_database(trail, settings):
    """A chain re-forged by someone with database access but without AUDIT_HMAC_KEY does not verify."""
    settings.AUDIT_HMAC_KEY = "someone-elses-key"
    report = verify_stored()
    assert not report.ok and report.seq == trail[0].seq


# --- R19 ---------------------------------------------------------------------------------------------------

@pytest.fixture
def aged_trail(db, monkeypatch):
    """A trail that began 400 days ago: events written at given ages (days ago), oldest first, through the real
    record(). The events the test database was created with (today) are cleared first, bypassing the triggers
    as only a database owner could, so that the old events really come first in the chain."""
    with tampering():
        AuditEvent.objects.all().delete()
        ChainHead.objects.update_or_create(id=1, defaults={"seq": 0, "hash": GENESIS})
    now = timezone.now()
    for days in (400, 300, 200, 181, 179, 10):
        monkeypatch.setattr(audit_services.timezone, "now", lambda d=days: now - timedelta(days=d))
        with transaction.atomic():
            record(actor=None, action="test.aged", after={"days": days})
    monkeypatch.undo()
    assert verify_stored().ok
    return now


def test_r19_retention_below_180_days_is_refused(settings):
    from audit.apps import check_retention

    settings.AUDIT_RETENTION_DAYS = 179
    assert [e.id for e in check_retention()] == ["audit.E001"]
    with pytest.raises(CommandError, match="低于法定的 180 天"):
        call_command("purge_audit")
    with pytest.raises(CommandError, match="低于法定的 180 天"):
        call_command("purge_audit", "--days", "30")
    settings.AUDIT_RETENTION_DAYS = 180
    assert check_retention() == []


def test_r19_purge_removes_only_older_events_is_audited_and_the_chain_still_verifies(aged_trail, filer_a):
    factories.project(filer_a, name="今天的项目")
    before = list(AuditEvent.objects.order_by("seq"))
    old = [e for e in before if e.action == "test.aged" and e.after["days"] > 180]
    assert len(old) == 4
    call_command("purge_audit")
    remaining = list(AuditEvent.objects.order_by("seq"))
    assert {e.seq for e in remaining} == {e.seq for e in before} - {e.seq for e in old} | {remaining[-1].seq}
    assert sorted(e.after["days"] for e in remaining if e.action == "test.aged") == [10, 179]
    purge = remaining[-1]
    assert (purge.action, purge.actor_name, purge.outcome) == ("audit.purged", "system", "success")
    assert purge.after["purged"] == 4 and purge.after["anchor_seq"] == old[-1].seq
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.hash, checkpoint.purged_count) == (old[-1].seq, old[-1].hash, 4)
    assert not PurgePermit.objects.exists()  # the door is closed again
    assert verify_stored().ok
    call_command("verify_audit_chain")
    # A second purge finds nothing more to remove, and says so in the trail.
    result = purge_events()
    assert result.purged == 0 and result.event.after["purged"] == 0 and verify_stored().ok


def test_r19_a_longer_retention_keeps_more(aged_trail):
    result = purge_events(days=250)
    assert result.purged == 2
    assert sorted(e.after["days"] for e in AuditEvent.objects.filter(action="test.aged")) == [10, 179, 181, 200]
    assert verify_stored().ok


def test_r19_a_purge_of_a_tampered_chain_is_refused(aged_trail):
    victim = AuditEvent.objects.order_by("seq")[1]
    with tampering():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_name="x")
    with pytest.raises(PurgeRefused, match="审计链核验未通过"):
        purge_events()
    assert AuditEvent.objects.filter(pk=victim.pk).exists()  # nothing removed


def test_r19_a_forged_checkpoint_does_not_verify(aged_trail):
    purge_events()
    checkpoint = AuditCheckpoint.objects.get()
    youngest_old = AuditEvent.objects.filter(action="test.aged").order_by("seq").first()
    # Someone with database access moves the anchor forward to hide young events.
    AuditCheckpoint.objects.create(seq=youngest_old.seq, hash=youngest_old.hash, algorithm=checkpoint.algorithm,
                                   mac="0" * 64, purged_at=timezone.now(), purged_count=1)
    report = verify_stored()
    assert not report.ok and "清理检查点" in report.problem


def test_r19_the_database_refuses_a_young_delete_even_inside_a_purge(aged_trail):
    """The purge itself cannot be talked into removing young events: the trigger checks the age."""
    now = aged_trail
    # Pretend it is a year later: Python's cut-off would include every event, the database's clock does not.
    with pytest.raises(DatabaseError, match="append-only"):
        purge_events(days=180, now=now + timedelta(days=365))
    assert AuditEvent.objects.filter(action="test.aged").count() == 6
    assert not AuditCheckpoint.objects.exists() and not PurgePermit.objects.exists()


# --- R20 ---------------------------------------------------------------------------------------------------

def test_r20_when_the_audit_write_fails_the_lifecycle_action_does_not_happen(filer_a, monkeypatch):
    from projects.services import transition_project

    project = factories.project(filer_a)
    seq_before = ChainHead.objects.get(id=1).seq
    count_before = AuditEvent.objects.count()

    def broken(*args, **kwargs):
        raise DatabaseError("审计存储不可用")

    monkeypatch.setattr(audit_services, "event_hash", broken)
    with pytest.raises(DatabaseError, match="审计存储不可用"), transaction.atomic():
        transition_project(actor=filer_a, project_id=project.pk, transition="submit", action="declaration.submitted")
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT
    assert AuditEvent.objects.count() == count_before and ChainHead.objects.get(id=1).seq == seq_before
    monkeypatch.undo()
    with transaction.atomic():
        transition_project(actor=filer_a, project_id=project.pk, transition="submit", action="declaration.submitted")
    project.refresh_from_db()
    assert project.stage == "submitted"


def test_r20_a_failing_audit_write_through_the_web_saves_nothing(filer_a, client_for, monkeypatch):
    c = client_for(filer_a)
    c.raise_request_exception = False

    def broken(*args, **kwargs):
        raise DatabaseError("审计存储不可用")

    monkeypatch.setattr(audit_services, "event_hash", broken)
    count_before = AuditEvent.objects.count()
    response = new_project(c, "不应出现的项目")
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()
    assert not Project.objects.filter(name="不应出现的项目").exists()
    assert AuditEvent.objects.count() == count_before
    monkeypatch.undo()
    # The project number was not used up either: the next project gets the first number of the year.
    assert factories.project(filer_a).number == "ZW2027-00001"


def test_r18_r19_the_sqlite_and_postgresql_triggers_are_the_ones_of_migration_0003(db):
    """The triggers in the database are the controlled-purge versions (a rebuilt SQLite table loses them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'")
            triggers = dict(cursor.fetchall())
            assert {"audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update"} <= set(triggers)
            assert "audit_purgepermit" in triggers["audit_event_no_delete"]
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid IN "
                           "('audit_auditevent'::regclass, 'audit_auditcheckpoint'::regclass) AND NOT tgisinternal")
            assert {"audit_event_no_update", "audit_checkpoint_no_update"} <= {r[0] for r in cursor.fetchall()}
    assert TRIGGERS.MIN_DAYS == 180


def test_r14_the_admin_site_has_no_unaudited_bulk_delete(client_for, sysadmin):
    """django-admin's "delete selected" logs with bulk_create (no post_save, so no audit record): it is switched
    off; a deletion in the admin site is one object at a time and audited."""
    from accounts.models import Jurisdiction

    province = Jurisdiction.objects.get(code="510000")
    counties = [Jurisdiction.objects.create(code=f"51990{i}", name=f"测试县{i}", level="county", parent=province)
                for i in (1, 2)]
    sysadmin.is_staff = sysadmin.is_superuser = True
    sysadmin.save()
    admin = client_for(sysadmin)
    changelist = admin.get("/django-admin/accounts/jurisdiction/")
    assert changelist.status_code == 200 and 'value="delete_selected"' not in changelist.content.decode()
    bulk = admin.post("/django-admin/accounts/jurisdiction/", {
        "action": "delete_selected", "_selected_action": [c.pk for c in counties], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert Jurisdiction.objects.filter(pk__in=[c.pk for c in counties]).count() == 2
    one = admin.post(f"/django-admin/accounts/jurisdiction/{counties[0].pk}/delete/", {"post": "yes"})
    assert one.status_code == 302 and not Jurisdiction.objects.filter(pk=counties[0].pk).exists()
    (event,) = events_of(one)
    assert (event.action, event.object_type, event.actor) == ("admin.deleted", "accounts.jurisdiction", sysadmin)
