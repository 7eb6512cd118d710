"""The hash chain: canonical form of an event and its MAC, and verification (SECURITY.md 18).

Each event stores the MAC algorithm it was chained with (``algorithm``): ``hmac-sha256`` or, when the national-crypto
provider is on, ``hmac-sm3``. Verification recomputes every event with the algorithm recorded on it, so switching
the provider on (or off) never breaks the verification of older events. Events written before the algorithm was
recorded (``algorithm == ""``) are verified in their original canonical form with HMAC-SHA256.

The key (``AUDIT_HMAC_KEY``) comes from the environment, never from the database: someone who can write to the
database cannot re-forge the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings

GENESIS = "0" * 64
LEGACY_ALGORITHM = "hmac-sha256"
ALGORITHMS = ("hmac-sha256", "hmac-sm3")
# The fields chained before R15 added the algorithm and the department; an event with algorithm "" is canonicalised
# with exactly these so that trails written before the upgrade still verify.
LEGACY_FIELDS = ("seq", "at", "actor_id", "actor_name", "roles", "organisation_id", "organisation_name", "action",
                 "object_type", "object_id", "object_label", "project_id", "outcome", "before", "after",
                 "findings", "profile", "client_ip", "request_id")
CHAINED_FIELDS = LEGACY_FIELDS + ("algorithm",)


def national_crypto_enabled() -> bool:
    try:
        from gmcrypto.provider import national_crypto_enabled as enabled
    except ImportError:  # the national-crypto app is optional; the switch is the same setting
        return bool(getattr(settings, "NATIONAL_CRYPTO", False))
    return bool(enabled())


def current_algorithm() -> str:
    """The MAC algorithm new events are chained with: HMAC-SM3 when the national-crypto switch is on (the same
    choice as the provider's ``mac_algorithm``, without building the provider on every audit write)."""
    return "hmac-sm3" if national_crypto_enabled() else "hmac-sha256"


def _local_mac(algorithm: str, key: bytes, data: bytes) -> str:
    if algorithm == "hmac-sha256":
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    if algorithm == "hmac-sm3":
        # cryptography's HMAC over SM3 (GB/T 32905); used when the gmcrypto provider is not installed.
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as chmac

        h = chmac.HMAC(key, hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"未知的审计链算法：{algorithm!r}")


def mac(algorithm: str, key: bytes, data: bytes) -> str:
    """The pluggable MAC: the national-crypto provider (which may be a cipher machine) when present, else local."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"未知的审计链算法：{algorithm!r}")
    if algorithm == "hmac-sha256":
        return _local_mac(algorithm, key, data)  # not national crypto: no cipher machine involved, same result
    try:
        from gmcrypto.provider import get_provider
    except ImportError:
        return _local_mac(algorithm, key, data)
    return get_provider().mac_with(algorithm, key, data)


def canonical(event) -> bytes:
    fields = CHAINED_FIELDS if getattr(event, "algorithm", "") else LEGACY_FIELDS
    data = {}
    for name in fields:
        value = getattr(event, name)
        if name == "at":
            # Microseconds as stored: SQLite and PostgreSQL both keep them.
            value = value.isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


def event_hash(prev_hash: str, event) -> str:
    algorithm = getattr(event, "algorithm", "") or LEGACY_ALGORITHM
    return mac(algorithm, _key(), prev_hash.encode() + b"\n" + canonical(event))


def checkpoint_mac(seq: int, hash_: str, algorithm: str) -> str:
    """MAC of a purge checkpoint (the anchor the chain restarts from), so the anchor cannot be moved without the key."""
    return mac(algorithm, _key(), f"audit-checkpoint\n{seq}\n{hash_}".encode())


@dataclass
class ChainReport:
    checked: int
    ok: bool
    problem: str = ""
    seq: int | None = None


def verify(events, *, anchor_seq: int = 0, anchor_hash: str = GENESIS,
           head: tuple[int, str] | None = None) -> ChainReport:
    """Walk events in ``seq`` order; name the first one that was altered, is missing or out of place.

    After a purge (R19) the chain starts from the checkpoint: the last purged event's ``seq`` and ``hash``.
    ``head`` (the chain head's ``seq`` and ``hash``) also catches events cut off the end of the chain."""
    prev_hash = anchor_hash
    expected_seq = anchor_seq + 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return ChainReport(checked, False, f"缺少第 {expected_seq} 号事件（下一个是第 {event.seq} 号）", expected_seq)
            return ChainReport(checked, False, f"第 {event.seq} 号事件序号重复或顺序错乱", event.seq)
        if event.prev_hash != prev_hash:
            return ChainReport(checked, False, f"第 {event.seq} 号事件与前一事件的链接不符（被删除、插入或调换）", event.seq)
        try:
            expected = event_hash(prev_hash, event)
        except ValueError:
            return ChainReport(checked, False, f"第 {event.seq} 号事件的算法标记被改动", event.seq)
        if not hmac.compare_digest(event.hash, expected):
            return ChainReport(checked, False, f"第 {event.seq} 号事件的内容被改动", event.seq)
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    if head is not None and (head[0], head[1]) != (expected_seq - 1, prev_hash):
        if head[0] > expected_seq - 1:
            return ChainReport(checked, False, f"缺少第 {expected_seq} 号至第 {head[0]} 号事件（链尾被删除）", expected_seq)
        return ChainReport(checked, False, f"链头（第 {head[0]} 号）与最后一个事件（第 {expected_seq - 1} 号）不符",
                           expected_seq - 1)
    return ChainReport(checked, True)


def verify_stored(queryset=None) -> ChainReport:
    """Verify the stored trail from the latest purge checkpoint (whose own MAC is checked first)."""
    from .models import AuditCheckpoint, AuditEvent, ChainHead

    anchor_seq, anchor_hash = 0, GENESIS
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    if checkpoint is not None:
        try:
            good = hmac.compare_digest(checkpoint.mac, checkpoint_mac(checkpoint.seq, checkpoint.hash, checkpoint.algorithm))
        except ValueError:
            good = False
        if not good:
            return ChainReport(0, False, f"清理检查点（第 {checkpoint.seq} 号）被改动", checkpoint.seq)
        anchor_seq, anchor_hash = checkpoint.seq, checkpoint.hash
    head = ChainHead.objects.filter(id=1).values_list("seq", "hash").first()
    qs = queryset if queryset is not None else AuditEvent.objects.all()
    return verify(qs.order_by("seq").iterator(chunk_size=2000), anchor_seq=anchor_seq, anchor_hash=anchor_hash,
                  head=head if queryset is None else None)
