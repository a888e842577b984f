"""FinSync settings, read from the environment (see README, "Configuration").

Without DATABASE_URL FinSync uses SQLite (WAL mode) in the ignored data folder; without REDIS_URL it
starts an embedded Redis (finsync/embedded.py). The same code paths serve both.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured

from finsync import embedded
from finsync.env import env_bool, env_int, env_list, env_str

BASE_DIR = embedded.BASE_DIR
DATA_DIR = embedded.DATA_DIR

DEBUG = env_bool("DEBUG", default=False)
DEMO_MODE = env_bool("FINSYNC_DEMO", default=True)
# The sandbox systems (apps/sandbox) served under /sandbox/: stand-ins for ERP, Coupa, treasury and bank.
FINSYNC_SANDBOX = env_bool("FINSYNC_SANDBOX", default=DEMO_MODE)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not DEMO_MODE:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG and FINSYNC_DEMO are off")
    SECRET_KEY = embedded.dev_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("FINSYNC_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "channels",
    # platform
    "apps.common",
    "apps.access",
    "apps.audit",
    "apps.connectors",
    "apps.sync",
    "apps.exceptions",
    "apps.mappings",
    "apps.governance",
    "apps.jobs",
    "apps.sla",
    "apps.controls",
    "apps.close",
    "apps.catalog",
    # domain
    "apps.masterdata",
    "apps.ledger",
    "apps.procurement",
    "apps.treasury",
    "apps.banking",
    # experience
    "apps.dashboard",
    "apps.workbench",
    "apps.demo",
    "apps.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.access.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.common.csp.ContentSecurityPolicyMiddleware",
    "apps.common.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "finsync.urls"
WSGI_APPLICATION = "finsync.wsgi.application"
ASGI_APPLICATION = "finsync.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.access.context_processors.access",
                "apps.common.context_processors.product",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{embedded.data_dir() / 'finsync.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("FINSYNC_DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: it compiled a workbench query for 10 s at 1 M rows; short OLTP queries never win it back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids the
        # "database is locked" upgrade deadlock between two writers.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, results, channel layer, cache -------------------------------------------
REDIS_URL = embedded.redis_url()

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "finsync",
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # The layer waits for messages with a 5 s blocking pop; redis-py 8 gives every socket a 5 s read timeout
        # by default, which fires first and tears each idle websocket down every 5 s (channels_redis #422).
        # A read timeout above the pop's still notices a dead Redis.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                   "prefix": "finsync:ws"},
    }
}

CELERY_BROKER_URL = env_str("FINSYNC_CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = timedelta(hours=6)
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only once it finished: a killed worker re-delivers
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: do not hoard messages another worker could run
# Pool processes per worker (`--concurrency` overrides): twice the cores. A chunk's task spends much of its time
# waiting for PostgreSQL and the target's answer; one process per core left the cores idle meanwhile
# (docs/PERFORMANCE.md, "End-to-end pipeline").
CELERY_WORKER_CONCURRENCY = env_int("FINSYNC_WORKER_CONCURRENCY", 2 * (os.cpu_count() or 1))
CELERY_TASK_TIME_LIMIT = env_int("FINSYNC_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# Celery's Django fixup closes every database connection before and after each task unless this is set, so each
# chunk of records paid a new PostgreSQL connection (and a cold backend). finsync/celery.py applies Django's own
# rule at each task instead, as Django does per request: CONN_MAX_AGE, health checks, a broken connection dropped.
CELERY_DB_REUSE_MAX = 10**9
# The visibility timeout must exceed the longest task, or Redis re-delivers a task still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "finsync-heartbeat": {"task": "apps.common.tasks.heartbeat", "schedule": 15.0},
    "sync-sweep": {"task": "sync.sweep", "schedule": float(env_int("FINSYNC_SWEEP_SECONDS", 5))},
    "treasury-payments-unacknowledged": {"task": "treasury.payments_unacknowledged_check", "schedule": 900.0},
    "treasury-reconciliation-run": {"task": "treasury.reconciliation_run", "schedule": 1800.0},
    "jobs-sweep": {"task": "jobs.sweep", "schedule": 60.0},
    "treasury-reconciliation-unmatched": {"task": "treasury.reconciliation_unmatched_check", "schedule": 3600.0},
    "sla-flow-stats-refresh": {"task": "sla.flow_stats_refresh", "schedule": 60.0},
    "sla-evaluate": {"task": "sla.evaluate", "schedule": 60.0},
    "exceptions-tally-compact": {"task": "exceptions.tally_compact", "schedule": 600.0},
}
# Latency SLAs judge the records received in this trailing window.
FINSYNC_SLA_WINDOW_MINUTES = env_int("FINSYNC_SLA_WINDOW_MINUTES", 60)

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18N / time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("FINSYNC_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env_str("FINSYNC_STATIC_ROOT") or str(DATA_DIR / "staticfiles")
embedded.data_dir().joinpath("staticfiles").mkdir(exist_ok=True)
# Plotly's browser bundle is served from the installed package (no CDN: FinSync works offline).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", Path(plotly.__file__).parent / "package_data")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Uploads --------------------------------------------------------------------------------------
FINSYNC_MAX_UPLOAD_MB = env_int("FINSYNC_MAX_UPLOAD_MB", 200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploaded files above 1 MB are spooled to a temporary file, not held in memory (a bank file upload may
# carry 20 files of up to 50 MB; apps/banking/uploads.py reads them piece by piece).
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.access.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.common.throttling.PerUserThrottle",
        "apps.common.throttling.PerTokenThrottle",
        "apps.common.throttling.PerAnonymousThrottle",
        "apps.common.throttling.PerScopeThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("FINSYNC_THROTTLE_USER", "1200/min"),
        "token": env_str("FINSYNC_THROTTLE_TOKEN", "600/min"),
        "anon": env_str("FINSYNC_THROTTLE_ANON", "120/min"),
        "inbound": env_str("FINSYNC_THROTTLE_INBOUND", "6000/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FinSync API",
    "DESCRIPTION": "Finance operations sync hub: records, exceptions, connectors and canonical finance data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "status" or "kind"; name each choice set after what it is.
    "ENUM_NAME_OVERRIDES": {
        "ExceptionStatusEnum": "apps.exceptions.choices.Status",
        "ExceptionKindEnum": "apps.exceptions.choices.KIND_CHOICES",
        "ResolutionCodeEnum": "apps.exceptions.choices.ResolutionCode",
        "SeverityEnum": "apps.exceptions.choices.Severity",
        "RecordStatusEnum": "apps.sync.choices.RecordStatus",
        "AttemptOutcomeEnum": "apps.sync.choices.AttemptOutcome",
        "ConnectorKindEnum": "apps.connectors.choices.ConnectorKind",
        "RunStatusEnum": "apps.connectors.choices.RunStatus",
        "SupplierStatusEnum": "apps.masterdata.choices.SupplierStatus",
        "JobStatusEnum": "apps.jobs.choices.JobStatus",
    },
}

# --- Security -------------------------------------------------------------------------------------
# Sign-in throttling (apps/access/login.py): this many failures per username and address lock that
# pair out for the window.
FINSYNC_LOGIN_MAX_FAILURES = env_int("FINSYNC_LOGIN_MAX_FAILURES", 5)
FINSYNC_LOGIN_LOCKOUT_SECONDS = env_int("FINSYNC_LOGIN_LOCKOUT_SECONDS", 900)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (apps/common/csp.py, docs/SECURITY.md): our own origin only, no inline script
# or style, never framed. `'self'` also covers same-origin websockets (ws:/wss:) in CSP level 3.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    # Two hashes for the vendored Plotly bundle, which writes two <style> elements of fixed content:
    # an EMPTY one it then fills through the CSSOM (which CSP does not govern), and its map library's
    # stylesheet (".maplibregl-map{…", plotly 7.1). A hash allows exactly that text and nothing an
    # attacker could inject; a Plotly upgrade that changes it fails tests/security/test_csp.py.
    "style-src": ["'self'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
                  "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("FINSYNC_CSP_REPORT_ONLY", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- FinSync --------------------------------------------------------------------------------------
FINSYNC_HEARTBEAT_STALE_SECONDS = env_int("FINSYNC_HEARTBEAT_STALE_SECONDS", 90)
# How long a worker may hold a record before another may take it over (it died, or its task was lost).
FINSYNC_RECORD_LEASE_SECONDS = env_int("FINSYNC_RECORD_LEASE_SECONDS", 300)
# Technical retries: exponential backoff from this base (seconds), at most this many attempts, then dead letter.
FINSYNC_RETRY_BASE_SECONDS = float(env_str("FINSYNC_RETRY_BASE_SECONDS", "2"))
FINSYNC_MAX_TECHNICAL_ATTEMPTS = env_int("FINSYNC_MAX_TECHNICAL_ATTEMPTS", 6)
# Circuit breaker: open after this many failures in a row, probe again after the cool-down.
FINSYNC_CIRCUIT_THRESHOLD = env_int("FINSYNC_CIRCUIT_THRESHOLD", 5)
FINSYNC_CIRCUIT_COOLDOWN_SECONDS = env_int("FINSYNC_CIRCUIT_COOLDOWN_SECONDS", 30)
# A received record no worker picked up after this long is re-sent by the sweeper (its task was lost).
FINSYNC_LOST_AFTER_SECONDS = env_int("FINSYNC_LOST_AFTER_SECONDS", 30)
# API lists of very large tables (sync records, exceptions) count at most this many rows past the requested offset.
FINSYNC_API_COUNT_AHEAD = env_int("FINSYNC_API_COUNT_AHEAD", 10_000)
# Treasury controls: hours a sent batch may wait for its pain.002; reconciliation windows.
FINSYNC_ACK_SLA_HOURS = env_int("FINSYNC_ACK_SLA_HOURS", 4)
FINSYNC_RECON_UNMATCHED_DAYS = env_int("FINSYNC_RECON_UNMATCHED_DAYS", 5)
FINSYNC_RECON_DATE_WINDOW_DAYS = env_int("FINSYNC_RECON_DATE_WINDOW_DAYS", 3)
# Database connections writing a large reconciliation run's end-to-end matches at once (PostgreSQL; 1 = one).
FINSYNC_RECON_PARTS = env_int("FINSYNC_RECON_PARTS", 2)
FINSYNC_METRICS_TOKEN = env_str("FINSYNC_METRICS_TOKEN", "")
FINSYNC_FERNET_KEYS = env_list("FINSYNC_FERNET_KEYS", []) or [embedded.dev_fernet_key()]

LOG_LEVEL = env_str("FINSYNC_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
        },
    },
    "filters": {"correlation": {"()": "apps.common.logcontext.CorrelationIdFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["correlation"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
