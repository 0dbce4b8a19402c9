"""Settings, read from the environment through small typed helpers.

Defaults give a working local install (SQLite under var/, no services) once
DEBUG=1 is set, as `make run` does; DEBUG is off by default, and then the
settings refuse to load without a real SECRET_KEY and ALLOWED_HOSTS.
Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and the signing key
file. Nothing exists only in production.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_debug, env_int, env_list, env_str
from config.security import refuse_unsafe_production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# The SQLite database, keys, index and broker live here: a new folder is made, not an error.
VAR_DIR.mkdir(parents=True, exist_ok=True)


# Off unless the environment turns it on, so a deploy that forgets it fails closed:
# with DEBUG off the settings refuse to load (below) without a real SECRET_KEY and
# ALLOWED_HOSTS. `make run` sets DEBUG=1; the test run and mypy get it from tests/settings.py.
DEBUG = env_debug()
# Development only: a fixed key is fine when nothing is exposed beyond 127.0.0.1.
DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "") or (DEV_SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)

# Absolute base for URLs the registry writes into documents it creates
# (page_url, claim_url, _links). Seeds keep the URLs they were published with.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PASSPORT_SIGNER = env_str("PASSPORT_SIGNER", "registry.local")
# The Ed25519 private key (a private JWK, mode 0600). Never in the database.
PASSPORT_SIGNING_KEY_FILE = Path(
    env_str("PASSPORT_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "passport-signing.jwk"))
)
# Create the key on first use when none exists (development); production runs
# `manage.py passport_keys generate` once and keeps the file safe.
PASSPORT_AUTO_KEY = env_bool("PASSPORT_AUTO_KEY", DEBUG)
# The transparency log signs its checkpoints with a key of its own (a private JWK,
# made on first use like the passport key when PASSPORT_AUTO_KEY is on), as the
# C2SP signed-note key named by LOG_ORIGIN.
LOG_SIGNING_KEY_FILE = Path(
    env_str("LOG_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "log-signing.jwk"))
)
LOG_ORIGIN = env_str("LOG_ORIGIN", f"{PASSPORT_SIGNER}/log")
# Witnesses that cosign the log's checkpoints: "URL COSIGNER_KEY" pairs separated by
# commas (the key as `python -m passports.witness --print-key` prints it).
LOG_WITNESSES = [
    tuple(item.split()) for item in env_str("LOG_WITNESSES", "").split(",") if item.strip()
]
if any(len(pair) != 2 for pair in LOG_WITNESSES):
    raise ImproperlyConfigured("LOG_WITNESSES: give 'URL COSIGNER_KEY' pairs, comma-separated")
LOG_WITNESS_INTERVAL_SECONDS = env_int("LOG_WITNESS_INTERVAL_SECONDS", 60)

# Catalog files for `make run` when OpenRouter's live API does not answer.
_default_catalog_dir = BASE_DIR.parent / "shared" / "data"
CATALOG_DIR = Path(env_str("CATALOG_DIR", str(_default_catalog_dir)))
OPENROUTER_MODELS_URL = env_str(
    "OPENROUTER_MODELS_URL", "https://openrouter.ai/api/v1/models?output_modalities=all"
)
OPENROUTER_FETCH_TIMEOUT = float(env_str("OPENROUTER_FETCH_TIMEOUT", "3"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "axes",
    "drf_spectacular_sidecar",
    "registry",
    "passports",
    "matching",
    "probes",
    "claims",
    "web",
    "agents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in an address or form is a 400 before any view (PostgreSQL text cannot hold one).
    # So is a query or form Django will not parse (over DATA_UPLOAD_MAX_NUMBER_FIELDS, ...):
    # parsed lazily inside a view, it was a 500 with DEBUG on.
    "api.middleware.RejectUnparseableMiddleware",
    "api.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out admin sign-in into the lockout page (AXES_* below); last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# A form without its CSRF token: the site's 403 page, not Django's.
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's, waking within a millisecond of a lock's release (core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "core.sqlite"
    # WAL lets the web server read while an import or a worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Request bodies: a passport is far below 1 MiB; anything larger is refused
# with a JSON 413 before it is parsed.
PASSPORT_MAX_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = PASSPORT_MAX_BYTES
# Catalog files are bigger than one passport (OpenRouter's is ~1.3 MB).
CATALOG_MAX_BYTES = env_int("CATALOG_MAX_BYTES", 64 * 1024 * 1024)
# Each web process keeps the rendered JSON of the signed versions it served (immutable;
# registry/served.py), least recently used out past this many MB. The full catalog's
# ~1,400 versions take ~10 MB.
SERVED_VERSIONS_CACHE_MB = env_int("SERVED_VERSIONS_CACHE_MB", 64)
# Each web process keeps pages of the plain passport list (registry/list_page.py), filed
# under the list clock that every write to the listed rows moves; least recently used out
# past this many rows in all (~3 kB a row, the full catalog's measured: the default is
# ~12 MB, the whole list in 2-3 orderings). 0 keeps none.
LIST_PAGES_CACHE_ROWS = env_int("LIST_PAGES_CACHE_ROWS", 4000)

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # An approved claim's owner token ("Token tpo_..."): may PUT its own artifact only.
        "claims.authentication.OwnerTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Views that name a throttle_scope are limited per client (THROTTLE_* below).
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ScopedThrottle"],
    # How many proxies in front of the app append to X-Forwarded-For: 0 (the default)
    # uses REMOTE_ADDR and ignores the header, which any client can write.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    # No versioning class reads it; drf-spectacular copies any other ?version= into the
    # schema's Content-Disposition header, where a newline was a 500 (issue 14).
    "ALLOWED_VERSIONS": ["1.0.0"],
}

# The shared cache: throttle counters and admin sign-in failures live here. Redis
# (CACHE_URL=redis://host:6379/N) when several processes serve; otherwise this
# process's memory, which is enough for one development server.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "registry",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Throttles (THROTTLE_*), the admin sign-in lockout (AXES_*, AUTHENTICATION_BACKENDS) and
# HTTPS/HSTS/secure cookies (HTTPS_ONLY, SECURE_*, *_COOKIE_SECURE) live in config/security.py.
from config.security import *  # noqa: E402, F403

# Feedback from one client on one model counts once per this many seconds toward its
# success rate (repeat reports are stored, not counted), so it cannot be farmed.
FEEDBACK_DEDUP_SECONDS = env_int("FEEDBACK_DEDUP_SECONDS", 24 * 3600)

# The admin sign-in lockout (config/security.py) counts failures in this cache.
if not CACHE_URL and DEBUG:
    # Memory is per process: right for one development server, a hole behind several
    # production workers, where the warning stays.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Trust-passport registry API",
    "DESCRIPTION": "Signed trust passports of AI models: browse, verify, resolve.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # 3.1: the passport's JSON Schema (2020-12) is used as it is (api.openapi).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.openapi.add_components",
    ],
    # /api/docs/ serves Swagger UI from our own static files (drf-spectacular-sidecar), not
    # a CDN, and sends no spec to the online validator: the page talks to this host only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Matching: the saved index lives here; callback tokens expire after a week.
MATCH_INDEX_DIR = Path(env_str("MATCH_INDEX_DIR", str(VAR_DIR / "index")))
MATCH_FEEDBACK_TTL = env_int("MATCH_FEEDBACK_TTL", 7 * 24 * 3600)
# Web processes load the embedding model and the index at start, not on the first request.
MATCH_WARM_ON_START = env_bool("MATCH_WARM_ON_START", True)
# torch's threads per process: web workers answer side by side, one query each.
MATCH_TORCH_THREADS = env_int("MATCH_TORCH_THREADS", 1)
# Index rows (texts: about four per capability) above which the index is approximate (an
# inverted file of float16 vectors, matching.index): a flat scan of 400k rows reads 600 MB
# per query. Up to it, search is exact.
MATCH_ANN_THRESHOLD = env_int("MATCH_ANN_THRESHOLD", 20000)

# Celery: Redis when CELERY_BROKER_URL is set; otherwise kombu's filesystem
# transport under var/ (no services needed).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
_BROKER_DIR = VAR_DIR / "broker"
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Without it kombu writes control/ (broadcast exchanges) into the working directory.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis: a message a dead worker took (acks_late, not acked) goes back to the
    # queue after this many seconds. Longer than the longest task (probes: 300 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Live probes (probes app): beat schedules a round every PROBE_INTERVAL_SECONDS;
# one round makes at most PROBE_BUDGET_PER_RUN probe calls.
PROBE_INTERVAL_SECONDS = env_int("PROBE_INTERVAL_SECONDS", 3 * 3600)
PROBE_BUDGET_PER_RUN = env_int("PROBE_BUDGET_PER_RUN", 200)
PROBE_WINDOW_SECONDS = env_int("PROBE_WINDOW_SECONDS", 7 * 24 * 3600)
PROBE_CONNECT_TIMEOUT = float(env_str("PROBE_CONNECT_TIMEOUT", "5"))
PROBE_READ_TIMEOUT = float(env_str("PROBE_READ_TIMEOUT", "60"))
PROBE_MAX_ATTEMPTS = env_int("PROBE_MAX_ATTEMPTS", 3)
PROBE_BACKOFF_SECONDS = float(env_str("PROBE_BACKOFF_SECONDS", "1"))
PROBE_BACKOFF_CAP_SECONDS = float(env_str("PROBE_BACKOFF_CAP_SECONDS", "30"))
PROBE_RATE_PER_SECOND = float(env_str("PROBE_RATE_PER_SECOND", "2"))  # per provider
PROBE_BREAKER_THRESHOLD = env_int("PROBE_BREAKER_THRESHOLD", 5)
PROBE_BREAKER_COOLDOWN_SECONDS = env_int("PROBE_BREAKER_COOLDOWN_SECONDS", 24 * 3600)
# A run claimed longer ago than this belongs to a dead worker and may be taken over.
PROBE_CLAIM_TIMEOUT_SECONDS = env_int("PROBE_CLAIM_TIMEOUT_SECONDS", 360)
PROBE_LONG_CONTEXT_TOKENS = env_int("PROBE_LONG_CONTEXT_TOKENS", 4000)
# The only environment variables an endpoint's api_key_env may name (probes.egress): a
# staff token must not be able to send SECRET_KEY or DATABASE_URL to a host of its choosing.
PROBE_KEY_ENVS = env_list("PROBE_KEY_ENVS", ["OPENROUTER_API_KEY"])
for _name in PROBE_KEY_ENVS:
    if _name in {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} or not re.fullmatch(
        r"[A-Z_][A-Z0-9_]{0,99}", _name
    ):
        raise ImproperlyConfigured(
            "PROBE_KEY_ENVS names variables that hold a provider's key (A-Z, 0-9, _), "
            f"never one of the server's own secrets; got {_name!r}"
        )
# Plain http:// and loopback addresses (127.0.0.0/8, ::1, localhost) as probe targets:
# off in production; tests (a stand-in provider on 127.0.0.1) and a local model server
# turn it on. Private, link-local and metadata addresses are refused either way.
PROBE_ALLOW_LOOPBACK = env_bool("PROBE_ALLOW_LOOPBACK", False)
# Resolves and feedback are counted into passports once per round: at most one new
# version per passport per round from them, however many resolves happened.
OUTCOMES_INTERVAL_SECONDS = env_int("OUTCOMES_INTERVAL_SECONDS", 3600)
# Outcome and probe rounds sign each passport in a transaction of its own; on SQLite (one
# writer at a time) they wait this long between two, so a resolve waiting to write its
# log goes first instead of waiting for the whole round (registry.refresh.refresh_yield).
REFRESH_PAUSE_SECONDS = float(env_str("REFRESH_PAUSE_SECONDS", "0.05"))
CELERY_BEAT_SCHEDULE = {
    "probes-round": {"task": "probes.schedule", "schedule": float(PROBE_INTERVAL_SECONDS)},
    "log-witnesses": {
        "task": "passports.push_checkpoint",
        "schedule": float(LOG_WITNESS_INTERVAL_SECONDS),
    },
    "outcomes-round": {
        "task": "matching.apply_outcomes",
        "schedule": float(OUTCOMES_INTERVAL_SECONDS),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # faiss's loader says at INFO which CPU features it found (AVX2, AVX512...) on
        # every import: noise at the top of every command's log.
        "faiss.loader": {"level": "WARNING"},
    },
}

# With DEBUG off, the settings refuse to load on development secrets (config/security.py).
refuse_unsafe_production(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    dev_secret_key=DEV_SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    key_files=(PASSPORT_SIGNING_KEY_FILE, LOG_SIGNING_KEY_FILE),
    auto_key=PASSPORT_AUTO_KEY,
)
