import ipaddress
import logging

from django.conf import settings
from django.db import transaction

from .context import client_ip_var, new_request_id, refused_var, request_id_var

logger = logging.getLogger("zwxm.audit")


def _trusted_networks():
    networks = []
    for entry in getattr(settings, "TRUSTED_PROXIES", ()) or ():
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            logger.error("TRUSTED_PROXIES 中的 %r 不是 IP 地址或网段，已忽略", entry)
    return networks


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The client address for audit records and rate limits (SECURITY.md 15).

    A forwarded-for header is believed only when the request comes from a trusted reverse proxy (the socket
    address is in ``TRUSTED_PROXIES``) and ``TRUSTED_PROXY_IP_HEADER`` names the header that proxy sets. The
    header is read from the right: the first address that is not itself a trusted proxy is the client, so a
    client cannot forge its address by sending its own X-Forwarded-For. Otherwise: the socket address."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    header = getattr(settings, "TRUSTED_PROXY_IP_HEADER", "")
    if not header or not request.META.get(header):
        return remote
    networks = _trusted_networks()
    if not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META[header].split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a malformed header: do not believe any of it
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = new_request_id()
        t1 = request_id_var.set(request.request_id)
        t2 = client_ip_var.set(client_ip(request))
        t3 = refused_var.set(None)
        try:
            response = self.get_response(request)
            if response.status_code in (403, 404):
                _record_refusal(request, response)
        finally:
            request_id_var.reset(t1)
            client_ip_var.reset(t2)
            refused_var.reset(t3)
        response["X-Request-ID"] = request.request_id
        return response


def _record_refusal(request, response) -> None:
    """One audit event per refused access (SECURITY.md 14): any 403 for a signed-in user, and a 404 where a
    selector refused an object the user may not see (the response itself stays a plain 404, so nothing says
    whether the object exists). A view that already audited its own refusal is not counted twice."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    refused = refused_var.get()
    if response.status_code == 404 and refused is None:
        return
    from .models import AuditEvent
    from .services import record

    object_type, object_id = refused or ("url", "-")
    try:
        if AuditEvent.objects.filter(request_id=request.request_id, outcome="refused").exists():
            return
        with transaction.atomic():
            record(actor=user, action="access.refused", outcome="refused", object_type=object_type,
                   object_id=object_id, object_label=f"{request.method} {request.path}"[:200],
                   after={"status": response.status_code, "method": request.method, "path": request.path[:200]})
    except Exception:
        # The refusal stands either way; a failing audit write is an operational alarm, not a 500.
        logger.exception("拒绝访问的审计记录写入失败（请求编号 %s）", getattr(request, "request_id", "-"))


# Unexpected errors are logged with the request id that the error page shows (SECURITY.md 24).
def log_exception_with_request_id(sender, request=None, **kwargs):
    import sys

    logging.getLogger("zwxm.errors").error(
        "error id %s on %s %s", getattr(request, "request_id", "-"), getattr(request, "method", "-"),
        getattr(request, "path", "-"), exc_info=sys.exc_info())
