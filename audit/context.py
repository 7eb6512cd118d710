"""Per-request context for audit records (client IP, request id), set by the middleware; and the note a selector
leaves when it refuses an object, so the middleware can audit the refusal once (SECURITY.md 14)."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str] = ContextVar("client_ip", default="")
# (object_type, object_id) of the object a selector refused during this request, or None.
refused_var: ContextVar[tuple[str, str] | None] = ContextVar("refused_object", default=None)


def note_refused(object_type: str, object_id) -> None:
    """Called where a user is refused an object they may not see (404 without saying whether it exists)."""
    if refused_var.get() is None:
        refused_var.set((object_type, str(object_id)[:60]))
