"""The hash chain: canonical form of an event and its HMAC, and verification."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings

GENESIS = "0" * 64
CHAINED_FIELDS = ("seq", "at", "actor_id", "actor_name", "roles", "organisation_id", "organisation_name", "action",
                  "object_type", "object_id", "object_label", "project_id", "outcome", "before", "after",
                  "findings", "profile", "client_ip", "request_id")


def canonical(event) -> bytes:
    data = {}
    for name in CHAINED_FIELDS:
        value = getattr(event, name)
        if name == "at":
            # Microseconds as stored: SQLite and PostgreSQL both keep them.
            value = value.isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(prev_hash: str, event) -> str:
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(event), hashlib.sha256).hexdigest()


@dataclass
class ChainReport:
    checked: int
    ok: bool
    problem: str = ""
    seq: int | None = None


def verify(events) -> ChainReport:
    """Walk events in ``seq`` order; name the first one that was altered, is missing or out of place."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return ChainReport(checked, False, f"缺少第 {expected_seq} 号事件（下一个是第 {event.seq} 号）", expected_seq)
            return ChainReport(checked, False, f"第 {event.seq} 号事件序号重复或顺序错乱", event.seq)
        if event.prev_hash != prev_hash:
            return ChainReport(checked, False, f"第 {event.seq} 号事件与前一事件的链接不符（被删除、插入或调换）", event.seq)
        if not hmac.compare_digest(event.hash, event_hash(prev_hash, event)):
            return ChainReport(checked, False, f"第 {event.seq} 号事件的内容被改动", event.seq)
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, True)
