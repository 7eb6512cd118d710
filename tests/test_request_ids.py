"""Request ids are time-ordered UUIDs (version 7, RFC 9562), so each new audit event's key lands on the right-hand
leaf of ``audit_event_request_idx`` instead of a random one (issue #8: at 10,000,000 events a random key read a cold
page and wrote a full page image to the WAL under the chain head's lock)."""

import uuid

from django.db import transaction

from audit import context
from audit.models import AuditEvent
from audit.services import record


def _at(monkeypatch, unix_ms: int) -> None:
    monkeypatch.setattr(context.time, "time_ns", lambda: unix_ms * 1_000_000)


def test_a_request_id_is_a_version_7_uuid_carrying_its_millisecond(monkeypatch):
    _at(monkeypatch, 1_796_601_600_123)  # 2026-12-07 00:00:00.123 UTC
    value = uuid.UUID(context.new_request_id())
    assert (value.version, value.variant) == (7, uuid.RFC_4122)
    assert value.int >> 80 == 1_796_601_600_123


def test_ids_of_later_milliseconds_sort_after_earlier_ones_as_text(monkeypatch):
    ids = []
    for unix_ms in (1_796_601_600_000, 1_796_601_600_001, 1_796_601_600_002, 1_796_601_601_000, 1_828_137_600_000):
        _at(monkeypatch, unix_ms)
        ids += [context.new_request_id() for _ in range(3)]
    firsts = ids[::3]
    assert firsts == sorted(firsts)  # the index orders them as strings: the same order
    # Within one millisecond the order is random (only locality matters), but every id is distinct.
    assert len(set(ids)) == len(ids)


def test_ids_of_one_millisecond_are_all_distinct(monkeypatch):
    _at(monkeypatch, 1_796_601_600_000)
    ids = {context.new_request_id() for _ in range(20_000)}
    assert len(ids) == 20_000


def test_the_response_and_its_audit_event_carry_a_version_7_id(client, db):
    response = client.post("/login/", {"username": "nobody", "password": "wrong"})
    value = uuid.UUID(response["X-Request-ID"])
    assert value.version == 7
    assert AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists()


def test_an_event_outside_a_request_has_a_sys_id_of_a_version_7_uuid(db, monkeypatch):
    _at(monkeypatch, 1_796_601_600_000)
    with transaction.atomic():
        event = record(actor=None, action="obligations.recomputed", after={"projects": 1})
    assert event.request_id.startswith("sys-") and len(event.request_id) == 36
    value = uuid.UUID(hex=event.request_id.removeprefix("sys-"))
    assert value.version == 7 and value.int >> 80 == 1_796_601_600_000
