"""Settings, all read from the environment; see README "Configuration".

The embedded default (no variables set) runs on SQLite with Celery in-process
and an in-memory channel layer. Production sets DATABASE_URL, REDIS_URL and
SECRET_KEY; the code is the same.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_rate, env_str
from config.secrets import DEVELOPMENT_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CASEWORK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
# The servers and workers refuse the development key when DEBUG is off (config/secrets.py).
SECRET_KEY = env_str("SECRET_KEY", "") or DEVELOPMENT_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    # First: its runserver serves ASGI (HTTP and the notifications WebSocket).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "workbench.staticfiles.WorkbenchStaticFilesConfig",  # django.contrib.staticfiles
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "casework",
    "workflows",
    "documents",
    "portal",
    "notifications",
    "operations",
    "oversight",
    "workbench",
    "lists",
    "channels",
    # The staff UI's frontend (Site, Application, Material UI), used unmodified (README, licence).
    "viewflow",
]

MIDDLEWARE = [
    "operations.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "operations.middleware.ContentSecurityPolicyMiddleware",
    "operations.middleware.BodySizeLimitMiddleware",
    # Static files in every mode (embedded and production): compressed, hashed, cached forever.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Pages speak zh-Hans unless the person chose otherwise (the API follows Accept-Language).
    "workbench.middleware.PagesLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logs the request's unmasked reads of personal identifiers after the view (one INSERT).
    "casework.services.identifier_reads.IdentifierReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "operations.middleware.ReplicaReadsMiddleware",
    # Last: it turns a refused sign-in of a locked-out user into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "workbench.context.workbench",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
# PostgreSQL connection pool (psycopg_pool): under ASGI a request may run on any thread,
# so CONN_MAX_AGE keeps nothing and every request would connect anew. DB_POOL=1 turns it on.
if env_bool("DB_POOL", default=False) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2, "max_size": env_int("DB_POOL_MAX_SIZE", 10),
    }
# A read replica (operations/routing.py): the views in REPLICA_VIEWS read from it, nothing writes to it.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(env_str("DATABASE_REPLICA_URL", ""),
                                                 conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
        DATABASES["replica"].setdefault("OPTIONS", {})["pool"] = DATABASES["default"]["OPTIONS"]["pool"]
DATABASE_ROUTERS = ["operations.routing.ReplicaRouter"]
# The hot path's fixed SQL (casework/fixed_sql.py) runs as prepared statements on PostgreSQL:
# parsed and planned once per connection, from a statement's second run. Off for a pooler that
# cannot keep named prepared statements per client (PgBouncer in transaction mode before 1.21,
# or without max_prepared_statements).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", default=True)
# The three: the public pages (API and HTML), the credit check, the leadership office's
# dashboard and assessment (pages, exports and API); all of them only read.
REPLICA_VIEWS = env_list("REPLICA_VIEWS", [
    "public-listing-list", "public-exit-list", "public:listings", "public:exits", "public:record",
    "credit-check",
    "oversight:index", "oversight:board", "oversight:clocks", "oversight:assessment", "oversight:report",
    "oversight:export", "oversight-dashboard", "oversight-clocks", "oversight-assessment",
])
# After an account's write (POST, PUT, PATCH, DELETE) its requests read from the primary for this
# long, so a page it is sent to after writing shows the write even if the replica lags.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "casework.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: a locked-out user name is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "operations.signin.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# One user name from one address: a stranger cannot lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "operations.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client address is REMOTE_ADDR: behind a proxy, the ASGI server sets it from
# X-Forwarded-For of the trusted proxies only (uvicorn --proxy-headers --forwarded-allow-ips).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# HTTPS (production: HTTPS=1). Behind a TLS-terminating proxy that sets X-Forwarded-Proto, either let
# the ASGI server read it (uvicorn --proxy-headers) or set SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes talk plain HTTP inside
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=HTTPS)
if env_str("SECURE_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env_str("SECURE_PROXY_SSL_HEADER", "").upper().replace("-", "_"),
                               "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_HTTPONLY = True
# The CSRF cookie is read by no script of ours (forms carry the token in a hidden field).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere, nothing from another origin (operations/middleware.py).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    # The one <style> element Turbo (in viewflow's frontend) adds for its progress bar, by hash.
    "style-src": ["'self'", "'sha256-WAyOw4V+FqDc35lQPyRADLBWbuNK8ahvYEaQIYF1+Ps='"],
    # viewflow's page templates (used unmodified) set a few style="…" attributes; this allows
    # attributes only — no <style> elements, no inline script.
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The project's catalogue, then ours for viewflow's own strings (its zh_Hans catalogue is empty).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "viewflow"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` writes (and WhiteNoise serves from); the tests point their servers at a
# fresh directory of their own, so a browser test never runs an older collected copy.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# `collectstatic` (make run does it) writes compressed copies and a manifest of hashed names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps and legacy font formats are fetched by developer tools and old browsers only:
# compressing them (brotli) would take most of collectstatic's time for nothing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv",
    "woff", "woff2", "map", "ttf", "eot", "otf",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The staff site's applications, in menu order (workbench.site builds the viewflow Site).
# Another app adds its pages by appending its viewflow Application here (docs/ui.md).
WORKBENCH_APPLICATIONS = [
    "workbench.apps_ui.InboxApplication",
    "workbench.apps_ui.CasesApplication",
    "workbench.apps_ui.TasksApplication",
    "workbench.apps_ui.TalksApplication",
    "oversight.apps_ui.OversightApplication",
    "oversight.apps_ui.SupervisionApplication",
    "workbench.apps_ui.MessagesApplication",
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Evidence uploads (casework.models.Evidence).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
EVIDENCE_CONTENT_TYPES = env_list(
    "EVIDENCE_CONTENT_TYPES",
    ["application/pdf", "image/jpeg", "image/png", "application/zip", "text/plain"],
)
# Request bodies: the largest evidence upload plus its form; anything declared larger gets 413.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", EVIDENCE_MAX_BYTES + 1024 * 1024)
# What one subject's cases may hold in evidence, all files together (a quota, not a rule of law).
EVIDENCE_QUOTA_BYTES_PER_SUBJECT = env_int("EVIDENCE_QUOTA_BYTES_PER_SUBJECT", 200 * 1024 * 1024)

# JSON request bodies (casework.api.parsers): the deepest body the API takes nests three levels.
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 1024 * 1024)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32)

REDIS_URL = env_str("REDIS_URL", "")

# Official documents (documents/): the language of the issued texts (the templates exist in
# zh-hans and en; an office edits them in the admin).
DOCUMENTS_LANGUAGE = env_str("DOCUMENTS_LANGUAGE", "zh-hans")

# The provincial rule layer of the SLA policies (workflows/models/sla.py): rows with this
# jurisdiction override the national defaults and are overridden by a department's own code.
CASEWORK_PROVINCE = env_str("CASEWORK_PROVINCE", "辽宁")

# One JSON object per line with the request id (operations/logs.py); LOG_FORMAT=text for a terminal.
# WeasyPrint logs every layout step at INFO; its warnings are what matter.
LOGGERS = {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "operations.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env_str("LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": LOGGERS,
}
# Shared by every server process (throttle counters): Redis when there is one.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "casework", "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}
        if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

# Celery: Redis (REDIS_URL) or RabbitMQ (CELERY_BROKER_URL=amqp://…) in production; in the
# embedded default tasks run in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process at commit (make run, seed_demo): a "Task … succeeded" line per
    # delivered notice would bury the server's and the commands' own output.
    LOGGERS["celery.app.trace"] = {"level": "WARNING"}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# PDFs of official documents take seconds each: on their own queue they never hold up the
# delivery of a legal notice (which must reach the subject's open page within a second).
# Workers consume both queues (`make worker`, deploy/); a large city runs a separate
# `-Q documents` worker.
CELERY_TASK_ROUTES = {"documents.tasks.render_pdfs": {"queue": "documents"}}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        "task": "workflows.tasks.sla_sweep",
        "schedule": env_int("SLA_SWEEP_INTERVAL_SECONDS", 60),
    },
}

# The SLA sweep: batch size, and how long a row that raised waits before it is tried again.
SLA_SWEEP_BATCH_SIZE = env_int("SLA_SWEEP_BATCH_SIZE", 500)
SLA_SWEEP_RETRY_SECONDS = env_int("SLA_SWEEP_RETRY_SECONDS", 300)
# Clocks walked per transaction when the sweep applies a rule-set boundary (workflows/boundaries.py).
SLA_BOUNDARY_BATCH_SIZE = env_int("SLA_BOUNDARY_BATCH_SIZE", 1000)
# A case whose exit as expired is held (its rule's exit condition not met) is checked again
# by the sweep this long after each check; it exits at the first check the condition holds.
SLA_EXIT_RECHECK_SECONDS = env_int("SLA_EXIT_RECHECK_SECONDS", 3600)

# Notifications (notifications/, docs/notifications.md).
# Live push: Redis in production; in-memory (one server process) in the embedded default.
# channels_redis waits for a consumer's next message with a blocking read of 5 s (BZPOPMIN),
# and redis-py 8 gives up on any read after 5 s by default: an idle WebSocket's read timed out,
# its consumer died and the socket dropped every few seconds (a hint sent meanwhile was lost).
# The layer's connections wait longer than the blocking read.
CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS = env_int("CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS", 30)
CHANNEL_LAYERS = {
    "default": (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [
            {"address": REDIS_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS}]}}
        if REDIS_URL else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    ),
}
# A worker killed mid-task: Redis hands its unacknowledged tasks out again after this long
# (deliver_pending catches up sooner). A dead broker must fail a publish fast, not hang a request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600),
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT_SECONDS", 2),
    # A publish tries the broker once: the outbox row is the record, deliver_pending the retry.
    "max_retries": 0,
}
# Idempotency keys (Idempotency-Key) are kept per caller this long, then purged hourly.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
CELERY_BEAT_SCHEDULE["idempotency-purge"] = {
    "task": "casework.tasks.purge_idempotency_records",
    "schedule": 3600,
}
CELERY_BEAT_SCHEDULE["notifications-pending"] = {
    "task": "notifications.tasks.deliver_pending",
    "schedule": env_int("NOTIFICATIONS_PENDING_INTERVAL_SECONDS", 60),
}
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
NOTIFICATIONS_PENDING_BATCH_SIZE = env_int("NOTIFICATIONS_PENDING_BATCH_SIZE", 200)
NOTIFICATIONS_DIGEST_ITEMS = env_int("NOTIFICATIONS_DIGEST_ITEMS", 50)
# Messages one delivery task takes (a transition's own notices always travel together).
NOTIFICATIONS_MESSAGES_PER_TASK = env_int("NOTIFICATIONS_MESSAGES_PER_TASK", 100)
# On a Redis broker one dispatch is queued at a time (notifications/dispatch.py); a flag left by
# a lost task stops standing after this many seconds (the beat sweep covers the rows meanwhile).
NOTIFICATIONS_DISPATCH_WINDOW_SECONDS = env_int("NOTIFICATIONS_DISPATCH_WINDOW_SECONDS", 10)
# Tests and benchmarks only: make every send this slow.
NOTIFICATIONS_SEND_DELAY_MS = env_int("NOTIFICATIONS_SEND_DELAY_MS", 0)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casework@localhost")
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "casework.local")
SMS_GATEWAY = env_str("SMS_GATEWAY", "console")  # console, file, or a dotted SmsGateway path
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Other processes see a calendar edit after at most this long (the editing process at once).
CALENDAR_CACHE_SECONDS = env_int("CALENDAR_CACHE_SECONDS", 60)

# A process keeps a token's user and scopes this long (0: no cache); casework/api/authentication.py.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 30)
# The audit chains' HMAC key: from the environment (a secrets store), never the database;
# without it and without DEBUG nothing can be audited. The daily digest of the chains' heads
# goes to AUDIT_DIGEST_DIR (storage the database's users cannot write); docs/security.md.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "")
# Subjects' identifiers are encrypted at rest with this key (AES-SIV, 64 bytes as base64;
# casework/crypto.py). From the secret store, never the database; docs/security.md.
IDENTIFIER_KEY = env_str("IDENTIFIER_KEY", "")
AUDIT_DIGEST_DIR = env_str("AUDIT_DIGEST_DIR", str(VAR_DIR / "audit-digests"))
# A new token expires after this many days unless its issuer says otherwise.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 365)

# The credit check (casework/api/throttles.py, casework/services/credit_checks.py): checks per
# account (all of its tokens together) for people's accounts and for system clients; the cache
# that counts them is the default cache (shared between processes only if it is shared).
CREDIT_CHECK_RATE = env_rate("CREDIT_CHECK_RATE", "60/min")
CREDIT_CHECK_SYSTEM_RATE = env_rate("CREDIT_CHECK_SYSTEM_RATE", "600/min")
# Refuse a check that states no purpose (400); by default an unstated purpose is logged as empty.
CREDIT_CHECK_PURPOSE_REQUIRED = env_bool("CREDIT_CHECK_PURPOSE_REQUIRED", default=False)
# Enumeration alerts to the leadership office: within the window, one caller checking this many
# distinct numbers that share the shown last four characters, or this many distinct citizen
# numbers that are not listed.
CREDIT_CHECK_ALERT_WINDOW_SECONDS = env_int("CREDIT_CHECK_ALERT_WINDOW_SECONDS", 3600)
CREDIT_CHECK_ALERT_NUMBER_VARIANTS = env_int("CREDIT_CHECK_ALERT_NUMBER_VARIANTS", 5)
CREDIT_CHECK_ALERT_DISTINCT_MISSES = env_int("CREDIT_CHECK_ALERT_DISTINCT_MISSES", 200)

# REST API (casework.api): token first, so an anonymous call gets 401 with WWW-Authenticate.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON everywhere; evidence uploads add multipart on their own endpoints.
    "DEFAULT_PARSER_CLASSES": ["casework.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "casework.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["casework.api.filters.ListFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "casework.api.errors.exception_handler",
    # Anonymous callers are throttled per address (only the public lists take them).
    "DEFAULT_THROTTLE_CLASSES": ["operations.throttling.AnonymousRateThrottle"],
}
# Requests per address on the anonymous public endpoints: N/second|minute|hour|day.
PUBLIC_API_RATE = env_str("PUBLIC_API_RATE", "120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Casework API",
    "DESCRIPTION": "The dishonesty (失信) lifecycle: cases, their steps, the credit check, public lists.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "workflows.case.CaseState",
        "ObjectionStateEnum": "workflows.objection.ObjectionState",
        "RectificationStateEnum": "workflows.rectification.RectificationState",
        "TalkStateEnum": "workflows.talk.TalkState",
        "MeasureTaskStateEnum": "workflows.measure_task.MeasureTaskState",
        "RepairStateEnum": "workflows.repair.RepairState",
        "DeadlineStateEnum": "workflows.choices.DeadlineState",
        "SubjectKindEnum": "casework.choices.SubjectKind",
        "DepartmentKindEnum": "casework.choices.DepartmentKind",
        "LegalBasisKindEnum": "casework.choices.LegalBasisKind",
        "TalkKindEnum": "workflows.talk.TalkKind",
        "ExitReasonEnum": "workflows.case.ExitReason",
        "ObjectionOutcomeEnum": "workflows.objection.ObjectionOutcome",
        "ObjectionKindEnum": "workflows.objection.ObjectionKind",
        "UpholdOutcomeEnum": "workflows.objection.UpholdOutcome",
        "PartOutcomeEnum": "workflows.objection.PartOutcome",
        "TalkOutcomeEnum": "workflows.talk.TalkOutcome",
        "ReportOutcomeEnum": "workflows.measure_task.ReportOutcome",
        "DishonestyClassEnum": "workflows.case.DishonestyClass",
        "ListTypeEnum": "workflows.case.ListType",
    },
    # Offline: Swagger UI's assets come from drf-spectacular-sidecar, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
