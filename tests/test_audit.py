import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.chain import verify
from audit.models import AuditEvent
from tests import factories


@pytest.fixture
def trail(filer_a):
    for i in range(5):
        factories.project(filer_a, name=f"项目{i}")
    return list(AuditEvent.objects.order_by("seq"))


class tampering:
    """Lift the append-only triggers for one test, as an attacker with database access could."""

    def __enter__(self):
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute("SET CONSTRAINTS ALL IMMEDIATE")
                c.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
            else:
                c.execute("DROP TRIGGER audit_event_no_update")
                c.execute("DROP TRIGGER audit_event_no_delete")
        return self

    def __exit__(self, *exc):
        import importlib

        mod = importlib.import_module("audit.migrations.0003_event_algorithm_checkpoint_purge")
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute("SET CONSTRAINTS ALL IMMEDIATE")
                c.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update")
            else:
                for sql in mod.SQLITE_FORWARD:
                    c.execute(sql)


def events():
    return AuditEvent.objects.order_by("seq")


def test_every_action_appends_one_chained_event(trail, filer_a):
    assert [e.action for e in trail[-5:]] == ["project.created"] * 5
    last = trail[-1]
    assert last.actor == filer_a and last.organisation == filer_a.organisation
    assert last.after["name"] == "项目4" and last.object_label.endswith("项目4")
    assert verify(events()).ok


def test_a_changed_event_is_named(trail):
    target = trail[-3]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(after={"name": "改过的名字"})
    report = verify(events())
    assert not report.ok and report.seq == target.seq
    assert report.problem == f"第 {target.seq} 号事件的内容被改动"


def test_a_deleted_event_is_named(trail):
    target = trail[-3]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).delete()
    report = verify(events())
    assert not report.ok and report.seq == target.seq
    assert f"缺少第 {target.seq} 号事件" in report.problem


def test_reordered_events_are_detected(trail):
    a, b = trail[-3], trail[-2]
    with tampering():
        # Swap the two events' positions in the chain.
        AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    report = verify(events())
    assert not report.ok and report.seq == a.seq


def test_the_verify_command_names_the_first_bad_event(trail):
    call_command("verify_audit_chain")
    with tampering():
        AuditEvent.objects.filter(pk=trail[-2].pk).update(actor_name="someone-else")
    with pytest.raises(CommandError, match=f"第 {trail[-2].seq} 号事件的内容被改动"):
        call_command("verify_audit_chain")


def test_the_database_refuses_update_and_delete_of_audit_events(trail):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[-1].pk).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[-1].pk).delete()


def test_audit_search_by_project_user_and_organisation(trail, client_for, auditor, filer_a):
    c = client_for(auditor)
    page = c.get("/audit/", {"actor": "filer_a"}).content.decode()
    assert page.count("project.created") == 5
    number = trail[-1].object_label.split()[0]
    only_one = c.get("/audit/", {"project": number}).content.decode()
    assert only_one.count("project.created") == 1
    assert c.get("/audit/", {"organisation": "测试单位甲"}).content.decode().count("project.created") == 5
    api = c.get("/api/v1/audit/events", {"actor": "filer_a"}).json()
    assert len(api) == 5 and api[0]["action"] == "project.created"


def test_only_auditors_read_the_audit_trail(trail, client_for, filer_a, sysadmin):
    assert client_for(filer_a).get("/audit/").status_code == 403
    assert client_for(sysadmin).get("/audit/").status_code == 403
    assert client_for(filer_a).get("/api/v1/audit/events").status_code == 403
