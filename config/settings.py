"""Settings for the platform.

Every deployment-specific value comes from the environment (12-factor), so the
same code runs the embedded SQLite demo and a PostgreSQL production server.
Production hardening lives in ``config.production``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# The development key is only good for the demo and the tests; production refuses it (config.production).
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-only-for-demo-and-tests-0123456789-abcdefghij")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]

# Where uploaded documents, the SQLite database and generated files live.
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))
STORAGE_DIR = Path(os.environ.get("STORAGE_DIR", DATA_DIR / "storage"))

# Key of the audit trail's HMAC chain. It must live outside the database so that
# someone who can write to the database cannot re-forge the chain.
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "dev-audit-chain-key-change-me-in-production")
# Audit and security records are kept at least 180 days (网络安全法 第二十一条; SECURITY.md 19): `manage.py purge_audit`
# removes only older events, and a lower value is refused (system check audit.E001, and the command itself).
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "180"))
# The client address in audit records (SECURITY.md 15): TRUSTED_PROXY_IP_HEADER (e.g. HTTP_X_FORWARDED_FOR or
# HTTP_X_REAL_IP) is believed only when the request comes from one of TRUSTED_PROXIES (addresses or networks of
# the reverse proxies / TLCP gateway); otherwise the socket address (REMOTE_ADDR) is recorded.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()]
TRUSTED_PROXY_IP_HEADER = os.environ.get("TRUSTED_PROXY_IP_HEADER", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    # The task queue (Django's tasks API; django-tasks on Django 5.2): reminders and the daily obligations job.
    "django_tasks",
    "django_tasks_db",
    # The platform's own apps, in the order of the measures' lifecycle.
    "accounts",
    "audit",
    "regulation",
    "policy",
    "projects",
    "catalogue",
    "declarations",
    "reviews",
    "delivery",
    "funding",
    "oversight",
    "obligations",
    "dashboards",
    "web",
    "api",
    # Login lockout (SECURITY.md 3): after the platform's apps so accounts' audit receivers run first.
    "axes",
    "scale",  # data at scale and the bench-only reference views (issue #8, docs/scaling.md)
    "gmcrypto",
    "contacts",
    "ops",  # backup, restore, restore_drill, reconcile_files (SECURITY.md 30, 41)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 429 for too many API calls or exports per user per minute (SECURITY.md 25).
    "api.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response, in development and tests too (SECURITY.md 23).
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # A deadlock or serialisation failure reported by PostgreSQL: a Chinese 409 page, nothing saved (SECURITY.md 35).
    "web.middleware.ConcurrencyConflictMiddleware",
    # Idle and absolute session limits, forced password change and second factor (SECURITY.md 2, 4, 6).
    "accounts.middleware.SessionSecurityMiddleware",
    # django-axes: turns a lockout into the login page with the lock message; must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def _database_config() -> dict:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    default_sqlite = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_sqlite)
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE transactions take the
        # write lock at BEGIN so two writers queue instead of failing half-way with
        # "database is locked"; the busy timeout is how long they queue.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            # SQLITE_JOURNAL=default: SQLite's own rollback journal (DELETE, synchronous FULL), only for
            # bench/run's WAL-versus-default comparison (issue #8); never set it in a deployment.
            if os.environ.get("SQLITE_JOURNAL", "wal") != "default"
            else "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
    else:
        # Persistent connections: a government server has few workers and many requests.
        config["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
        config["CONN_HEALTH_CHECKS"] = True
        # Server-side binding lets psycopg prepare a statement once it has run PG_PREPARE_THRESHOLD times on a
        # connection: PostgreSQL then skips planning it again, which was most of a short query's time (the signed-in
        # user's read: 0.39 → 0.09 ms; issue #8, docs/scaling.md). Behind a pooler in transaction mode without
        # prepared-statement support (PgBouncer < 1.21), set PG_PREPARE_THRESHOLD= (empty) to turn it off.
        threshold = os.environ.get("PG_PREPARE_THRESHOLD", "5")
        if threshold:
            config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": int(threshold)}
        test_name = os.environ.get("PG_TEST_NAME")
        if test_name:
            config["TEST"] = {"NAME": test_name}
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Login security (SECURITY.md 1–7; docs/admin-guide.md "Login security settings") ---------------------
# R01 password rules (等保 GB/T 22239-2019 §8.1.4.1 a) and R02 age and history.
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))
PASSWORD_MAX_LENGTH = int(os.environ.get("PASSWORD_MAX_LENGTH", "64"))
PASSWORD_MIN_CHARACTER_CLASSES = int(os.environ.get("PASSWORD_MIN_CHARACTER_CLASSES", "3"))
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_HISTORY_COUNT = int(os.environ.get("PASSWORD_HISTORY_COUNT", "5"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": max(8, PASSWORD_MIN_LENGTH)}},
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": min(64, PASSWORD_MAX_LENGTH)}},
    {"NAME": "accounts.passwords.CharacterClassesValidator",
     "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES}},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.OrganisationNameValidator"},
    {"NAME": "accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"count": PASSWORD_HISTORY_COUNT}},
]
# R03 lockout (django-axes, accounts/lockout.py): LOGIN_FAILURE_LIMIT failures for a username lock it for
# LOGIN_LOCKOUT_MINUTES, the right password included; LOGIN_IP_FAILURE_LIMIT failures from one address in the
# same window stop that address.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("LOGIN_IP_FAILURE_LIMIT", "50"))
# accounts.backends: Django's ModelBackend and database sessions, reading the signed-in user with its organisation
# and roles in one statement and the session row with one prepared statement (issue #8: the signed-in floor).
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutBackend", "accounts.backends.AccountBackend"]
SESSION_ENGINE = "accounts.backends"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_ip"  # the same trusted-proxy rule as the audit trail
AXES_ENABLE_ADMIN = False  # unlocking goes through accounts.services.account_unlock, which is audited
AXES_VERBOSE = False
# Axes keeps the failed request's form; one-time codes and CSRF tokens are masked like the password (SECURITY.md 16).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
# axes.W006 asks for ip_address among the lockout parameters; that would lock an address at the username's
# limit (5). The address is throttled instead at its own, higher limit (LOGIN_IP_FAILURE_LIMIT, accounts/lockout.py).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# R04 sessions: idle limit (the cookie's age, renewed on every request) and absolute lifetime.
SESSION_IDLE_SECONDS = min(1800, int(os.environ.get("SESSION_IDLE_SECONDS", "1800")))
SESSION_ABSOLUTE_SECONDS = min(8 * 3600, int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(8 * 3600))))
# R06 second factor: roles that must use it (e.g. OTP_REQUIRED_ROLES=system_admin,security_admin,audit_admin).
OTP_REQUIRED_ROLES = [r.strip() for r in os.environ.get("OTP_REQUIRED_ROLES", "").split(",") if r.strip()]
OTP_ISSUER = "四川省政务信息化项目管理平台"
# R07 default account names refused by `check --deploy`, and dormant accounts disabled by the daily job.
DEFAULT_ACCOUNT_NAMES = ["admin", "root", "test", "administrator"]
DORMANT_ACCOUNT_DAYS = int(os.environ.get("DORMANT_ACCOUNT_DAYS", "90"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": STORAGE_DIR}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served by the platform itself (whitenoise): government networks have no CDN.
WHITENOISE_USE_FINDERS = True

# The database backend needs no extra server; larger deployments switch BACKEND to a Redis- or
# RabbitMQ-backed worker (docs/scaling.md).
# TASKS_BACKEND=rq puts the queue on Redis (REDIS_URL) with `manage.py rqworker default` as the worker.
TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")], "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
if os.environ.get("TASKS_BACKEND") == "rq":
    # django_rq's admin dashboard talks to Redis and answers 500 without it: installed only with the Redis queue.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# The session row (and its cookie's expiry) is renewed when accounts.middleware moves the last-seen time, at most
# once every SESSION_TOUCH_SECONDS, not on every request: writing and committing the row on every request was the
# main fixed cost of a signed-in page (issue #8). The idle limit can only come up to a minute early, never late.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = int(os.environ.get("SESSION_TOUCH_SECONDS", "60"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zwxm-platform@localhost")

# Upload limits (SECURITY.md 26): the figures are settings an administrator may change.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(100 * 1024 * 1024)))
UPLOAD_PROJECT_QUOTA_BYTES = int(os.environ.get("UPLOAD_PROJECT_QUOTA_BYTES", str(2 * 1024 * 1024 * 1024)))
# ZIP-based uploads (zip, docx, xlsx, ofd), checked from the central directory before anything is unpacked.
UPLOAD_ARCHIVE_MAX_ENTRIES = int(os.environ.get("UPLOAD_ARCHIVE_MAX_ENTRIES", "1000"))
UPLOAD_ARCHIVE_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_ARCHIVE_MAX_UNPACKED_BYTES", str(500 * 1024 * 1024)))
# Virus scanning through clamd (SECURITY.md 31), off unless CLAMD_SOCKET (Unix socket) or CLAMD_HOST is set.
# CLAMD_REQUIRED: when scanning is on but clamd is unreachable, refuse the upload (fail closed).
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
CLAMD_HOST = os.environ.get("CLAMD_HOST", "")
CLAMD_PORT = int(os.environ.get("CLAMD_PORT", "3310"))
CLAMD_TIMEOUT = float(os.environ.get("CLAMD_TIMEOUT", "30"))
CLAMD_REQUIRED = env_bool("CLAMD_REQUIRED", True)
# Largest non-file request body (JSON, form fields); files are limited by UPLOAD_MAX_BYTES above. A bigger
# body is refused with 413 and a Chinese message (api.errors / web.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))

# Content-Security-Policy (SECURITY.md 23), sent by django-csp 4 (a kept library rather than a hand-made
# header): scripts only from this server (no inline script, no eval); no framing. Inline *styles* stay
# allowed because ECharts writes its tooltips as HTML with style attributes; styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Rate limits (SECURITY.md 25): requests per user (or per address when anonymous) per minute. The counters
# live in the cache named RATE_LIMIT_CACHE, which must be shared by every worker process: the database
# cache by default (`manage.py createcachetable`, run by the api app's migration), or Redis when
# RATE_LIMIT_REDIS_URL is set. 0 switches a limit off.
RATE_LIMIT_API_PER_MINUTE = int(os.environ.get("RATE_LIMIT_API_PER_MINUTE", "300"))
RATE_LIMIT_EXPORTS_PER_MINUTE = int(os.environ.get("RATE_LIMIT_EXPORTS_PER_MINUTE", "20"))
RATE_LIMIT_CACHE = "ratelimit"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["RATE_LIMIT_REDIS_URL"]}
        if os.environ.get("RATE_LIMIT_REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "zw_rate_limit_cache"}
    ),
}

# How long the ledger keeps a count when nothing audited has changed since (projects.selectors.ledger_count): a
# bound on what no audit event announces (a unit renamed in the admin site). 0 counts on every page.
LEDGER_COUNT_CACHE_SECONDS = int(os.environ.get("LEDGER_COUNT_CACHE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No password, one-time code, session key or full ID number in any log (SECURITY.md 16): audit.redaction also
    # redacts every LogRecord when it is created; this filter covers handlers configured before the apps load.
    "filters": {"redact_secrets": {"()": "audit.redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# National cryptography (SECURITY.md R32–R34; docs/admin-guide.md "National cryptography"). Keys never live in the
# database: SM4_KEY / SM2_PRIVATE_KEY (hex) come from the environment or from the files named by *_FILE.
NATIONAL_CRYPTO = env_bool("NATIONAL_CRYPTO", False)
CRYPTO_PROVIDER = os.environ.get("CRYPTO_PROVIDER", "gmcrypto.provider.SoftwareCryptoProvider")

# The province dashboard reads a stored summary of its figures (dashboards.snapshots, issue #8); one older than
# this many seconds, or of another day, is still shown with its time and its recomputation is queued.
DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS = int(os.environ.get("DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS", "300"))

# Bench-only reference views (/bench/hello/, /bench/lock-update-insert/) for bench/run (issue #8).
# Never on in production: config.production turns it off.
BENCH_VIEWS = env_bool("BENCH_VIEWS", False)
