"""Production settings: everything in config.settings plus the hardening that
``manage.py check --deploy`` asks for. TLS ends at the reverse proxy (see
docs/admin-guide.md), which sets X-Forwarded-Proto."""

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import SECRET_KEY

DEBUG = False
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
