"""Settings, read from environment variables only.

With no ``DATABASE_URL`` and no ``REDIS_URL`` the platform runs on the embedded
default: SQLite and the in-process channel layer (one process). With them it uses
PostgreSQL and Redis, which is how tests, CI and production run.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_positive_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        number = default if value in (None, "") else float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise ImproperlyConfigured(f"{name} must be a number above 0 (got {value!r})")
    return number


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A known key lets anyone forge email-confirmation keys, unsubscribe tokens and
        # sessions: no public fallback outside DEBUG. `make run`, `make test` and
        # `make bench` make a random key for this machine (var/secret-key).
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random value, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
            "(docs/operations.md), or DEBUG=1 on a development machine."
        )
    SECRET_KEY = "insecure-key-for-debug-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
# How many proxies in front of the app add to X-Forwarded-For (docs/operations.md, "TLS
# and a proxy in front"): limits per address read the address the outermost trusted
# proxy saw, never one a client wrote itself. 0: no proxy, the socket's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    # Before allauth, so our templates override its layout.
    "frontend",
    "allauth",
    "allauth.account",
    "django_countries",
    "csp",
    "drf_spectacular",  # after "frontend": our redoc.html (no inline style, no web fonts)
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "people",
    "consult",
    "sessions.apps.LiveConfig",
    "polls",
    "boards",
    "qna",
    "consensus",
    "outreach",
    "representation",
    "synthesis",
    "knowledge",
    "reports",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consult.language.ProfileLanguageMiddleware",
    "consult.time_zone.ReaderTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "consult.urls"
ASGI_APPLICATION = "asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif env_int("DB_POOL_MAX", 0) > 0:
    # A connection pool per process: under ASGI every request and live-room worker
    # thread would otherwise open (or, with CONN_MAX_AGE, leak) its own connection.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": env_int("DB_POOL_MAX", 20), "timeout": 20}
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's asyncio pool raises when full; size it for join storms.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("REDIS_MAX_CONN", 200),
                        # Longer than the layer's 5 s blocking pop, or every idle
                        # receive ends in a read timeout (redis-py's default is 5 s).
                        "socket_timeout": 15,
                        "socket_connect_timeout": 5,
                    }
                ],
                "capacity": 1000,
                "expiry": 30,
                # Deployments (or test workers) sharing one Redis keep apart by prefix.
                "prefix": os.environ.get("CHANNEL_PREFIX", "asgi"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Rate limits and lockouts (allauth's, the API's throttles, the join limits) count in
# the cache: with Redis every process shares one count; the embedded default (one
# process) keeps them in memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL") or REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "consult"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: anyone may register (email verified before the first log-in) to take
# part in consultations; organisers get the "organise" permission from an administrator.
ACCOUNT_ADAPTER = "frontend.accounts.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", True)
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "consult.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# A password reset for an address without an account sends nothing (and the page
# reads the same either way).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# allauth refuses a user name or address after 5 failed log-ins in 5 minutes (and an
# address after 10 a minute): someone who keeps failing on purpose could keep a known
# user out for good, so a password reset (proof of the mailbox) lifts the lockout and
# logs the user in at once, without the login form.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
TERMS_VERSION = "2026-11"
# Links in emails point here (the worker has no request to take the host from).
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Consult <noreply@localhost>"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
LOGIN_REDIRECT_URL = "frontend:dashboard"
LOGIN_URL = "account_login"
# Requests never send mail: every message (allauth's too) goes to the outbox table, and
# the worker (manage.py notify_worker, started by `make run`) delivers it through
# MAIL_DELIVERY_BACKEND: an SMTP server when EMAIL_HOST is set, else the console.
EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"
MAIL_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
# Each pass of the mail worker also runs these (functions taking no arguments, returning
# how many emails they queued) before it delivers the outbox.
MAIL_WORKER_PASSES = ["outreach.services.send_due_invitations"]
# Invitation and reminder emails queued per minute at most (outreach.services).
OUTREACH_MAILS_PER_MINUTE = env_int("OUTREACH_MAILS_PER_MINUTE", 60)

# Background work (retention, ...) goes through Django's Tasks API (the django-tasks
# backport) stored in the database: `manage.py db_worker` takes jobs with row locks (any
# number of workers; `make run` starts one). The same backend in tests: a test runs a
# queued job the way a worker does (tests/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Tasks enqueued again once their period (seconds) has passed since they were last
# enqueued (consult/periodic.py; `manage.py enqueue_due_tasks`, and `serve` every minute).
PERIODIC_TASKS = {"sessions.retention.erase_expired_guest_profiles": 24 * 3600}

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt", "Português"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The project's English date formats (day month year, 24-hour clock; consult/locale_formats).
FORMAT_MODULE_PATH = ["consult.locale_formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", True)
# Without a collected manifest (development, tests) files are looked up per request:
# scanning every app's static files at start-up costs each test client 0.3-0.5 s.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
# HTTPS=true: the platform is served over TLS (docs/operations.md, "TLS"). Behind a TLS
# proxy, TRUST_X_FORWARDED_PROTO=true lets the proxy's X-Forwarded-Proto say so (only
# when the proxy sets that header itself, as deploy/nginx.conf does): cookies become
# Secure and links (the projector's join link and QR code) start with https://.
HTTPS = env_bool("HTTPS", False)
if env_bool("TRUST_X_FORWARDED_PROTO", HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", HTTPS)
# The health check is called on the machine itself, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "600/minute")},
    # The throttles count per address: the one the trusted proxy saw (with 0, the
    # socket's; a client's own X-Forwarded-For never counts).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # One error shape for every refusal (docs/api.md).
    "EXCEPTION_HANDLER": "consult.api_errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Consult API",
    "DESCRIPTION": "Live sessions and consultations: processes, consultations, versions, "
    "sections, comments, validation answers and dispositions; and the knowledge "
    "repository, read-only: good-practice cases, impact areas and the mapping matrix. "
    "Every refusal answers "
    '`{"error": {"code", "message", "fields"?}}` (the `Error` schema); writes need a '
    "logged-in session and its CSRF token in `X-CSRFToken` (joining a session needs "
    "neither). Limits and statuses: docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components (read-only fields only in answers); a
    # PATCH takes the same required fields as its component says.
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,
}

# Live room limits (documented in docs/protocol.md).
LIVE_ROOM = {
    "MAX_FRAME_BYTES": env_int("LIVE_MAX_FRAME_BYTES", 4096),
    "RATE_PER_SECOND": env_int("LIVE_RATE_PER_SECOND", 10),
    "RATE_BURST": env_int("LIVE_RATE_BURST", 20),
    "ABUSE_CLOSE_AFTER": env_int("LIVE_ABUSE_CLOSE_AFTER", 50),
    "TALLY_INTERVAL_MS": env_int("LIVE_TALLY_INTERVAL_MS", 200),
    # While a kind computes a newer result in the background, its tally is sent again
    # this often (ActivityKind.results_pending).
    "RECHECK_MS": env_int("LIVE_RECHECK_MS", 1000),
    "PANEL_INTERVAL_MS": env_int("LIVE_PANEL_INTERVAL_MS", 500),
    "REPLAY_BUFFER": env_int("LIVE_REPLAY_BUFFER", 256),
    "DB_THREADS": env_int("LIVE_DB_THREADS", 2),
    # Participants' commands (sessions/command_queue.py): the batches carried out at
    # once, the most commands in one batch, and how many may wait before a command is
    # refused with "busy" (docs/protocol.md, "Over capacity").
    "COMMAND_WORKERS": env_int("LIVE_COMMAND_WORKERS", 1),
    "COMMAND_BATCH_MAX": env_int("LIVE_COMMAND_BATCH_MAX", 200),
    "COMMAND_QUEUE_MAX": env_int("LIVE_COMMAND_QUEUE_MAX", 1000),
    # A socket holding more than this many unsent bytes (Daphne's fast path) is a slow
    # reader: the server stops writing to it and holds its frames (sessions/connections.py).
    "SOCKET_BUFFER_BYTES": env_int("LIVE_SOCKET_BUFFER_BYTES", 65536),
    # Frames a slow socket may hold before its backlog is dropped for a fresh snapshot
    # (replaced tallies do not count; each held frame allows 4 replaced seqs).
    "SOCKET_HELD_MAX": env_int("LIVE_SOCKET_HELD_MAX", 64),
    # How long a thread may hold the GIL while another waits for it (CPython: 5 ms).
    # Set by asgi.py; see there.
    "SWITCH_INTERVAL_MS": env_positive_float("LIVE_SWITCH_INTERVAL_MS", 1.0),
}

# Joining, per client address (sessions/join_limits.py; docs/protocol.md, "Limits"): the
# wrong join codes it may try (on every way of trying one) per fixed window, and the
# participants it may create in one session per day (a workshop behind one venue NAT
# can be hundreds of people). 0: no limit.
JOIN_LIMITS = {
    "WRONG_CODES_PER_ADDRESS": env_int("JOIN_WRONG_CODES_PER_ADDRESS", 20),
    "WRONG_CODES_WINDOW_S": env_int("JOIN_WRONG_CODES_WINDOW_S", 600),
    "PARTICIPANTS_PER_ADDRESS": env_int("JOIN_PARTICIPANTS_PER_ADDRESS", 500),
    "PARTICIPANTS_WINDOW_S": 24 * 3600,
}
# How long a participant token (and the room cookie holding it) is valid after joining;
# a closed session's tokens are refused whatever their age (docs/protocol.md).
PARTICIPANT_TOKEN_MAX_AGE_S = env_int("PARTICIPANT_TOKEN_MAX_AGE_S", 30 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
