"""Production settings: everything in config.settings plus the hardening that
``manage.py check --deploy`` asks for. TLS ends at the reverse proxy (see
docs/admin-guide.md), which sets X-Forwarded-Proto."""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import SECRET_KEY

DEBUG = False
BENCH_VIEWS = False  # the bench-only reference views are never mounted in production (issue #8)
if SECRET_KEY.startswith("dev-insecure"):
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 设置随机密钥（至少 50 个字符）。")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405

# The client address behind the gateway (nginx/Tongsuo or a TLCP gateway, docs/admin-guide.md "HTTPS and TLCP
# at the gateway"): only the header that the gateway itself sets, e.g. HTTP_X_REAL_IP. Empty = socket address.
TRUSTED_PROXY_IP_HEADER = os.environ.get("TRUSTED_PROXY_IP_HEADER", "")
# The Content-Security-Policy of config.settings applies unchanged (script-src 'self', frame-ancestors 'none');
# behind HTTPS, browsers also upgrade any stray http:// sub-resource.
CONTENT_SECURITY_POLICY = {  # noqa: F405
    **CONTENT_SECURITY_POLICY,  # noqa: F405
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True},  # noqa: F405
}
