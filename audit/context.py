"""Per-request context for audit records (client IP, request id), set by the middleware; and the note a selector
leaves when it refuses an object, so the middleware can audit the refusal once (SECURITY.md 14)."""

import os
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str] = ContextVar("client_ip", default="")


def time_ordered_uuid() -> uuid.UUID:
    """A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, then 74 random bits.

    Request ids are indexed (``audit_event_request_idx``, the audit search by request). A random uuid4 puts each new
    event's key on a random leaf page of that index: at ten years' volume (10,000,000 events) the index is several
    times the database's buffer cache, so nearly every action read a cold page and dirtied another, and after each
    checkpoint wrote a full page image of it to the WAL — under the chain head's lock, which every writer waits for
    (issue #8, docs/scaling.md §4). Time-ordered ids go to the right-hand leaf, which stays in memory. They are still
    unique (74 random bits per millisecond) and still parse as UUIDs. Python 3.14's ``uuid.uuid7`` does the same."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits, of which 74 are kept
    rand_a, rand_b = (rand >> 64) & 0xFFF, rand & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def new_request_id() -> str:
    """The id of a request (the X-Request-ID header and every audit event of the request): a time-ordered UUID."""
    return str(time_ordered_uuid())


def system_request_id() -> str:
    """The request id of an event written outside a request (a job, a command): ``sys-`` and 32 hex digits."""
    return f"sys-{time_ordered_uuid().hex}"


# (object_type, object_id) of the object a selector refused during this request, or None.
refused_var: ContextVar[tuple[str, str] | None] = ContextVar("refused_object", default=None)


def note_refused(object_type: str, object_id) -> None:
    """Called where a user is refused an object they may not see (404 without saying whether it exists)."""
    if refused_var.get() is None:
        refused_var.set((object_type, str(object_id)[:60]))
