"""Settings for the Vùng Trồng Registry.

Every deploy-specific value comes from the environment, with defaults that are safe locally.
Production (DEBUG off) refuses to start without SECRET_KEY.
"""

import importlib.util
import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(it may be left out only when DEBUG=1, for local development)."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that its templates (admin/base_site.html: the registry's stylesheet and the
    # language switch) override the admin's and the other apps'.
    "registry",
    "registry.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    "config.request_log.RequestLogMiddleware",
    "config.hostile.HostileInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "registry.public.http.AdminLanguagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.health.DatabaseUnavailableMiddleware",
    "config.routers.ReplicaReadsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

# --- Sign-in lockout (django-axes) --------------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one user from one address, that pair is locked
# out for AXES_COOLOFF_MINUTES (a correct password is refused too); administrators see and
# clear lockouts in the admin ("Access attempts").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_address"
AXES_LOCKOUT_TEMPLATE = "registry/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # lockouts are still logged; successful sign-ins need not be

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# DATABASE_URL=postgres://user:pass@host:5432/name for PostgreSQL (production and CI);
# unset means a SQLite file in the project folder, so a newcomer needs nothing installed.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# DATABASE_REPLICA_URL: a PostgreSQL streaming replica for the API's reads (config/routers.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REGISTRY_REPLICA_READS = env_bool("REGISTRY_REPLICA_READS", "replica" in DATABASES)
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
for _database in DATABASES.values():
    if _database["ENGINE"].endswith("sqlite3"):
        _database.setdefault("OPTIONS", {})["timeout"] = 20
    elif env_bool("DATABASE_SERVER_SIDE_BINDING", True):
        # Server-side parameters let psycopg prepare statements it sees repeatedly, so
        # PostgreSQL plans the API's many-join queries once per connection.
        _database.setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=int(os.environ.get("PREPARE_THRESHOLD", "2")),
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese by default; English when the browser asks for it; Chinese (simplified) on the
# public pages only (registry.public.http.AdminLanguagesMiddleware keeps the admin and the API
# in Vietnamese or English).
LANGUAGE_CODE = "vi"
LANGUAGES = [
    ("vi", _("Vietnamese")),
    ("en", _("English")),
    ("zh-hans", _("Chinese (simplified)")),
]
PUBLIC_ONLY_LANGUAGES = ["zh-hans"]
LOCALE_PATHS = [BASE_DIR / "registry" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- HTTPS -----------------------------------------------------------------------------------
# On by default in production (DEBUG off), off for local runs; each can be set from the
# environment. Behind a TLS-terminating proxy, it must set X-Forwarded-Proto (SECURE_PROXY_HEADER
# on); the health checks are exempt from the redirect so that a container probe over plain HTTP
# works.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is hard to undo and binds the whole domain (a province's gov.vn site): the domain's
# owner decides, so its check (W021) is silenced unless preloading is switched on.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
if env_bool("SECURE_PROXY_HEADER", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Registry rules that may change without a migration -------------------------------------
# Certificates expiring within this many days are shown as "expiring".
REGISTRY_EXPIRING_WITHIN_DAYS = int(os.environ.get("REGISTRY_EXPIRING_WITHIN_DAYS", "60"))
# Export areas smaller than this (ha) get a warning, not an error (unconfirmed national rule).
REGISTRY_MIN_EXPORT_AREA_HA = float(os.environ.get("REGISTRY_MIN_EXPORT_AREA_HA", "10"))
# How far (percent of the code's area) the growers' plots may total from the code's area before
# the admin and the API warn: advice, never a refusal (registry.rules.growers).
GROWER_AREA_TOLERANCE_PERCENT = float(os.environ.get("GROWER_AREA_TOLERANCE_PERCENT", "5"))
# The office that keeps this registry, named on public status timelines instead of a person.
REGISTRY_OFFICE_NAME = os.environ.get(
    "REGISTRY_OFFICE_NAME", "Chi cục Trồng trọt và Bảo vệ thực vật"
)
# The public pages' address on printed QR codes and labels (e.g. https://vungtrong.example.vn);
# empty: the address the request came to (the admin's host when printed from the admin).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
# Rendered code pages are kept (in the "default" cache) for this many seconds under their ETag,
# which changes with the code's data, the day and the language: never stale. 0: render each time.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "86400"))
# At most this many labels on one printed sheet (the admin's filtered selection).
PUBLIC_LABELS_MAX = int(os.environ.get("PUBLIC_LABELS_MAX", "200"))
# --- Growing-area boundaries (issue 14) -------------------------------------------------------
# A boundary may have at most this many vertices (all rings together).
BOUNDARY_MAX_VERTICES = int(os.environ.get("BOUNDARY_MAX_VERTICES", "5000"))
# Every position must lie in this box: min lon, min lat, max lon, max lat (mainland Vietnam and
# its coastal islands).
BOUNDARY_EXTENT = tuple(float(v) for v in env_list("BOUNDARY_EXTENT", "102.1,8.1,109.5,23.4"))
# A boundary spans at most this many degrees each way: the overlap and bbox queries look for
# candidates within this distance through an index (registry/rules/boundaries.py).
BOUNDARY_MAX_SPAN_DEGREES = float(os.environ.get("BOUNDARY_MAX_SPAN_DEGREES", "0.5"))
# A code is flagged when its measured area differs from the declared one by more than this
# share of the declared area.
AREA_MISMATCH_SHARE = os.environ.get("AREA_MISMATCH_SHARE", "0.15")
# Two codes overlap when their boundaries share more than this area (ha, geodesic).
OVERLAP_MIN_HA = os.environ.get("OVERLAP_MIN_HA", "0.05")
# The admin maps' background tiles: a URL template ({z}/{x}/{y}) and its attribution. Empty:
# outlines on a plain background with a scale bar (works on a closed network).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# Leaflet and Leaflet.draw come from django-leaflet's static files, served by the app (no CDN).
# Only its static folder is used: as an installed app it would need GDAL (GeoDjango).
STATICFILES_DIRS = [
    Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"
]
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# The admin's code lists count exactly up to this many rows; past it (by PostgreSQL's planner
# estimate, when the exact count is not cached) they show "about N" and count nothing.
ADMIN_EXACT_COUNT_LIMIT = int(os.environ.get("ADMIN_EXACT_COUNT_LIMIT", "100000"))

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.authentication.RateLimitedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "registry.api.ordering.StrictOrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.RegistryPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "registry.api.throttling.AnonymousRateLimit",
        "registry.api.throttling.UserRateLimit",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        "user": os.environ.get("API_USER_RATE", "1200/minute"),
        "failed_authentication": os.environ.get("API_FAILED_AUTH_RATE", "20/minute"),
    },
    # The client address for rate limits: X-Forwarded-For is believed only for this many
    # proxies in front of the app (0: never; the connection's own address is used).
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "registry.api.errors.json_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    # Swagger UI from the app's own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Vùng Trồng Registry API",
    "DESCRIPTION": (
        "Public look-ups of Vietnamese export growing-area codes (mã số vùng trồng), packing "
        "houses, VietGAP certificates and cooperatives, and a bulk validity check for shipments."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CodeStatusEnum": "registry.choices.CodeStatus",
        "CodeKindEnum": "registry.choices.CodeKind",
        "CooperativeStatusEnum": "registry.choices.CooperativeStatus",
        "ChangeSourceEnum": "registry.choices.ChangeSource",
        "CheckedKindEnum": ["area_code", "packing_house"],
        "InspectionKindEnum": "registry.choices.InspectionKind",
        "InspectionResultEnum": "registry.choices.InspectionResult",
        "SupervisionStateEnum": "registry.choices.SupervisionState",
    },
}

# --- Spreadsheet imports ---------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
# Limits on an uploaded file (registry.imports): its size, the uncompressed size of an XLSX and
# the compression ratio of any of its parts (zip bombs), and its number of data rows.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", str(100 * 1024 * 1024))
)
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", "100"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
# Previewed uploads wait here for their confirmation (empty: "vung-trong-imports" in the system
# temporary directory; with several web servers, a directory they share). Confirming deletes
# the file; `manage.py expire_import_files`, run daily, deletes those never confirmed, and a
# preview older than IMPORT_FILE_MAX_AGE_HOURS can no longer be confirmed.
IMPORT_TMP_DIR = os.environ.get("IMPORT_TMP_DIR", "")
IMPORT_FILE_MAX_AGE_HOURS = int(os.environ.get("IMPORT_FILE_MAX_AGE_HOURS", "24"))
# Rows are validated and written in batches (a constant number of queries per batch). The
# preview keeps the counts, at most IMPORT_PREVIEW_MAX_ERRORS errors and at most
# IMPORT_PREVIEW_MAX_CHANGES changed rows (with the totals), never the whole file.
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "1000"))
IMPORT_PREVIEW_MAX_ERRORS = int(os.environ.get("IMPORT_PREVIEW_MAX_ERRORS", "10000"))
IMPORT_PREVIEW_MAX_CHANGES = int(os.environ.get("IMPORT_PREVIEW_MAX_CHANGES", "20000"))

# --- Background imports (registry.tasks) -----------------------------------------------------
# Files of more than IMPORT_IN_REQUEST_MAX_ROWS rows are previewed and applied by the worker
# (`manage.py worker`, the "worker" service of docker-compose.yml), through Procrastinate, whose
# queue lives in the registry's PostgreSQL: a job is enqueued in the same transaction as its
# ImportJob record. Procrastinate's migrations are PostgreSQL-only, so on SQLite the app is
# left out and every import runs in the request.
IMPORTS_IN_BACKGROUND = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IMPORTS_IN_BACKGROUND:
    INSTALLED_APPS.append("procrastinate.contrib.django")
IMPORT_IN_REQUEST_MAX_ROWS = int(os.environ.get("IMPORT_IN_REQUEST_MAX_ROWS", "1000"))
# The worker runs at this lower CPU priority (os.nice), so that imports yield the CPU to the
# web server's requests.
IMPORT_WORKER_NICE = int(os.environ.get("IMPORT_WORKER_NICE", "10"))
# Niceness reaches only the worker's own process, not the database backend that does most of an
# import's writing: so while other sessions run statements, a background import also pauses
# between batches to work at most this share of the time (registry.import_engine.Pacer; 1: never
# pause). With the web idle it runs at full speed.
IMPORT_WORKER_SHARE = float(os.environ.get("IMPORT_WORKER_SHARE", "0.5"))
# A job whose worker has sent no heartbeat for IMPORT_STALLED_AFTER_SECONDS (the worker was
# killed) is started again, from the beginning (an application is one transaction: nothing of
# the killed attempt remains), at most IMPORT_MAX_ATTEMPTS times in all; then it is failed.
IMPORT_STALLED_AFTER_SECONDS = float(os.environ.get("IMPORT_STALLED_AFTER_SECONDS", "30"))
IMPORT_MAX_ATTEMPTS = int(os.environ.get("IMPORT_MAX_ATTEMPTS", "3"))
# Finished jobs are removed from the queue's tables daily (registry.tasks.remove_finished_jobs):
# succeeded ones after JOBS_KEEP_SUCCEEDED_HOURS, failed or cancelled ones after
# JOBS_KEEP_FAILED_HOURS. The import's own record (ImportJob) is kept.
JOBS_KEEP_SUCCEEDED_HOURS = int(os.environ.get("JOBS_KEEP_SUCCEEDED_HOURS", "168"))
JOBS_KEEP_FAILED_HOURS = int(os.environ.get("JOBS_KEEP_FAILED_HOURS", "720"))
# The worker takes every queue (imports, open data, webhooks): one service in docker-compose.
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": float(os.environ.get("IMPORT_WORKER_HEARTBEAT_SECONDS", "10")),
    "stalled_worker_timeout": IMPORT_STALLED_AFTER_SECONDS,
    # new jobs wake the worker at once (LISTEN/NOTIFY); jobs scheduled for later (webhook
    # retries) are looked for this often
    "fetch_job_polling_interval": float(os.environ.get("WORKER_POLL_SECONDS", "5")),
}

# --- The change feed (registry.changes, registry.feeds) --------------------------------------
# The Atom feed's entries (the newest), and the authority of its entries' tag: URIs (a domain
# the registry owns; never change it once readers follow the feed).
ATOM_FEED_ENTRIES = int(os.environ.get("ATOM_FEED_ENTRIES", "100"))
ATOM_FEED_TAG_AUTHORITY = os.environ.get("ATOM_FEED_TAG_AUTHORITY", "vungtrong.example.gov.vn")

# --- Webhooks (registry.webhooks, registry.outbound) -----------------------------------------
# Only https to public addresses, unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES (local testing only:
# plain http and loopback). A failed delivery is retried after WEBHOOK_RETRY_BASE_SECONDS,
# doubling each time, until WEBHOOK_RETRY_FOR_SECONDS after its first attempt; then failed.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_RESPONSE_BYTES = int(os.environ.get("WEBHOOK_MAX_RESPONSE_BYTES", "65536"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "60"))
WEBHOOK_RETRY_FOR_SECONDS = float(os.environ.get("WEBHOOK_RETRY_FOR_SECONDS", str(24 * 3600)))

# The subscriptions' daily e-mail digest (registry.digests), sent by the worker at this cron
# time (the server's TIME_ZONE), through Django's e-mail backend: the console unless
# EMAIL_BACKEND says otherwise (e.g. django.core.mail.backends.smtp.EmailBackend, with
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
DIGEST_CRON = os.environ.get("DIGEST_CRON", "0 6 * * *")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "registry@localhost")

# --- Caches ----------------------------------------------------------------------------------
# "default": general use; "throttle": rate-limit counters; "answers": counts and list pages kept
# under the data version (registry.answer_cache). With REDIS_URL they are shared by every worker
# and server (Django's RedisCache, keeping one client per pool: config.redis_cache; one key
# prefix each); without it, each process keeps its own, the answers bounded in bytes
# (CACHE_MAX_BYTES) as well as in entries.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"registry:{alias}",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        for alias in ("default", "throttle", "answers")
    }
else:
    _MAX_ENTRIES = int(os.environ.get("CACHE_MAX_ENTRIES", "20000"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "default",
            "OPTIONS": {"MAX_ENTRIES": _MAX_ENTRIES},
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
            "OPTIONS": {"MAX_ENTRIES": _MAX_ENTRIES},
        },
        "answers": {
            "BACKEND": "registry.memory_cache.BoundedMemoryCache",
            "LOCATION": "answers",
            "OPTIONS": {
                "MAX_ENTRIES": _MAX_ENTRIES,
                "MAX_BYTES": int(os.environ.get("CACHE_MAX_BYTES", str(64 * 1024 * 1024))),
            },
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per request comes from config.request_log; Django's own duplicates it for 4xx/5xx.
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Supervision and inspections ---------------------------------------------------------------
# A code is "monitored" while its latest inspection is within this many months (the national
# rule is not confirmed: a setting, not a constant). Overrides (JSON, months) by market code,
# by inspection kind, or by "MARKET:kind", e.g. {"CN": 6, "CN:video": 3}; the most specific
# key applies (registry.rules.supervision).
SUPERVISION_INTERVAL_MONTHS = int(os.environ.get("SUPERVISION_INTERVAL_MONTHS", "12"))
SUPERVISION_INTERVAL_OVERRIDES = json.loads(os.environ.get("SUPERVISION_INTERVAL_OVERRIDES", "{}"))
# "due": the interval ends within this many days.
SUPERVISION_DUE_WITHIN_DAYS = int(os.environ.get("SUPERVISION_DUE_WITHIN_DAYS", "30"))
# Files attached to inspections (report PDF, photos): stored through STORAGES["default"] under
# MEDIA_ROOT, served only by the API to users who may view inspections.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
INSPECTION_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("INSPECTION_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
INSPECTION_ATTACHMENT_EXTENSIONS = env_list("INSPECTION_ATTACHMENT_EXTENSIONS", "pdf,jpg,jpeg,png")

# --- Open data (issue 13): daily snapshots of every public record, served at /open-data/.
# Where snapshots are written and read (shared by web and worker: a volume in docker-compose).
OPEN_DATA_ROOT = Path(os.environ.get("OPEN_DATA_ROOT", MEDIA_ROOT / "open-data"))
# How many snapshots are kept (the newest); older ones are deleted after each publication.
OPEN_DATA_KEEP = int(os.environ.get("OPEN_DATA_KEEP", "30"))
# When the worker publishes one (cron, in UTC, Procrastinate's periodic tasks).
OPEN_DATA_SCHEDULE = os.environ.get("OPEN_DATA_SCHEDULE", "30 19 * * *")
# The licence (an SPDX id: CC-BY-4.0, CC0-1.0, ODC-BY-1.0, ODbL-1.0 are known by title and URL)
# and the source named in each datapackage.json. Unconfirmed: the publishing office decides.
OPEN_DATA_LICENSE = os.environ.get("OPEN_DATA_LICENSE", "CC-BY-4.0")
OPEN_DATA_SOURCE_TITLE = os.environ.get("OPEN_DATA_SOURCE_TITLE", "Vùng Trồng Registry")
OPEN_DATA_SOURCE_URL = os.environ.get("OPEN_DATA_SOURCE_URL", "")
