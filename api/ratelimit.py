"""Rate limits (SECURITY.md 25): API calls and exports per user per minute answer 429 with a Chinese
message and Retry-After.

The counters are fixed one-minute windows kept in the cache named ``settings.RATE_LIMIT_CACHE``, which is
shared by every worker process (the database cache, or Redis; a per-process LocMem cache would let each
gunicorn worker grant the full allowance again). Limits: ``RATE_LIMIT_API_PER_MINUTE`` (every request under
/api/) and ``RATE_LIMIT_EXPORTS_PER_MINUTE`` (the .xlsx/.pdf/.json downloads below, in pages and API alike);
0 switches a limit off.
"""

import logging
import math
import re
import time

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.shortcuts import render

from audit.middleware import client_ip

logger = logging.getLogger("zwxm.security")

# The export views: generated spreadsheets, PDFs and the OCDS JSON (namespace:url_name).
EXPORT_VIEWS = frozenset({
    "catalogue:export",
    "dashboards:export_projects",
    "dashboards:export_rectifications",
    "dashboards:project_record",
    "delivery:opinion_pdf",
    "reviews:approval_pdf",
    "reviews:annual_list_xlsx",
    "funding:ocds",
    "obligations:export",
})
# The same exports through the API.
API_EXPORT_PATH = re.compile(r"^/api/v1/.*(\.pdf|\.xlsx|/ocds)$")

WINDOW_SECONDS = 60
API_MESSAGE = "请求过于频繁：每位用户每分钟最多调用接口 {limit} 次，请 {retry} 秒后再试。"
EXPORT_MESSAGE = "导出过于频繁：每位用户每分钟最多导出 {limit} 次，请 {retry} 秒后再试。"


def _who(request) -> str:
    """The counter's owner: the signed-in user, the bearer token's user, or else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        from accounts.models import ApiToken

        from .auth import hash_token

        user_id = (ApiToken.objects.filter(digest=hash_token(header[7:].strip()), revoked=False)
                   .values_list("user_id", flat=True).first())
        if user_id:
            return f"u{user_id}"
    return f"ip{client_ip(request)}"


def hit(kind: str, who: str, limit: int) -> int:
    """Count one request; return 0 when it is allowed, else the seconds until the window ends."""
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"rl:{kind}:{who}:{window}"
    cache = caches[settings.RATE_LIMIT_CACHE]
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path
        is_api = path.startswith("/api/")
        match = request.resolver_match
        view_name = f"{match.namespace}:{match.url_name}" if match and match.namespace else ""
        is_export = view_name in EXPORT_VIEWS or bool(is_api and API_EXPORT_PATH.match(path))
        if not (is_api or is_export):
            return None
        who = _who(request)
        checks = []
        if is_api:
            checks.append(("api", settings.RATE_LIMIT_API_PER_MINUTE, API_MESSAGE))
        if is_export:
            checks.append(("export", settings.RATE_LIMIT_EXPORTS_PER_MINUTE, EXPORT_MESSAGE))
        for kind, limit, message in checks:
            retry = hit(kind, who, limit)
            if retry:
                logger.warning("rate limit %s exceeded by %s on %s", kind, who, path)
                text = message.format(limit=limit, retry=retry)
                if is_api:
                    response = JsonResponse({"detail": [{"field": "", "message": text}]}, status=429,
                                            json_dumps_params={"ensure_ascii": False})
                else:
                    response = render(request, "429.html", {"message": text}, status=429)
                response["Retry-After"] = str(retry)
                return response
        return None
