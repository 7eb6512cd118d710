import uuid

from django.conf import settings

from .context import client_ip_var, request_id_var


def client_ip(request) -> str:
    # Only a trusted reverse proxy's header is believed (SECURITY.md 15); otherwise the socket address.
    header = getattr(settings, "TRUSTED_PROXY_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        t1 = request_id_var.set(request.request_id)
        t2 = client_ip_var.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(t1)
            client_ip_var.reset(t2)
        response["X-Request-ID"] = request.request_id
        return response


# Unexpected errors are logged with the request id that the error page shows (SECURITY.md 24).
def log_exception_with_request_id(sender, request=None, **kwargs):
    import logging
    import sys

    logging.getLogger("zwxm.errors").error(
        "error id %s on %s %s", getattr(request, "request_id", "-"), getattr(request, "method", "-"),
        getattr(request, "path", "-"), exc_info=sys.exc_info())
