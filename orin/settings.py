"""ORIN settings, read from the environment with safe development defaults.

`./orinctl` exports DATABASE_URL / REDIS_URL / ORIN_MEDIA_ROOT / ORIN_FACE_MODEL_DIR for the
embedded services; production sets them explicitly (see README).
"""

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = BASE_DIR / ".orin"


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("ORIN_DEBUG", True)
SECRET_KEY = os.environ.get("ORIN_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("ORIN_SECRET_KEY must be set when ORIN_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ORIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("ORIN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "channels",
    "accounts",
    "surveillance",
    "faces",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "orin.urls"
WSGI_APPLICATION = "orin.wsgi.application"
ASGI_APPLICATION = "orin.asgi.application"

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

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://orin@127.0.0.1:54329/orin")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("ORIN_DB_CONN_MAX_AGE", "60")))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db.get("ENGINE") != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL (ORIN needs PostgreSQL with pgvector)")
_db.setdefault("TEST", {})["NAME"] = os.environ.get("ORIN_TEST_DATABASE_NAME") or None
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, Channels layer --------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "orin",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "orin:channels"},
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Secrets at rest -------------------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key and
# run `manage.py rotate_secrets`). The development default is derived from SECRET_KEY.
ORIN_FIELD_ENCRYPTION_KEYS = env_list("ORIN_FIELD_ENCRYPTION_KEYS") or [
    base64.urlsafe_b64encode(hashlib.sha256(("orin-fields:" + SECRET_KEY).encode()).digest()).decode()
]

# --- i18n / time -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("ORIN_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("ORIN_STATIC_ROOT", STATE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("ORIN_MEDIA_ROOT", STATE_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("ORIN_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("ORIN_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["ORIN_S3_BUCKET"],
            "endpoint_url": os.environ.get("ORIN_S3_ENDPOINT_URL"),
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }

# --- Faces -----------------------------------------------------------------------------------
ORIN_FACE_MODEL_DIR = Path(os.environ.get("ORIN_FACE_MODEL_DIR", STATE_DIR / "models" / "buffalo_s"))
ORIN_FACE_MATCH_THRESHOLD = float(os.environ.get("ORIN_FACE_MATCH_THRESHOLD", "0.5"))
ORIN_FACE_CLUSTER_THRESHOLD = float(os.environ.get("ORIN_FACE_CLUSTER_THRESHOLD", "0.5"))
ORIN_HNSW_EF_SEARCH = int(os.environ.get("ORIN_HNSW_EF_SEARCH", "64"))

# --- Partitions ------------------------------------------------------------------------------
ORIN_PARTITION_MONTHS_AHEAD = int(os.environ.get("ORIN_PARTITION_MONTHS_AHEAD", "3"))

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ORIN API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("ORIN_LOG_LEVEL", "INFO"),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Production hardening (ORIN_DEBUG=false) --------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ORIN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("ORIN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
