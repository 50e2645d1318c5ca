"""Django settings for the taller ERP.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (default: an embedded SQLite file in WAL mode), ``SECRET_KEY`` (required
unless ``DEBUG``), ``DEBUG``, ``ALLOWED_HOSTS``, ``HTTPS``, ``MEDIA_ROOT``, ``CORS_ALLOWED_ORIGINS``, and where stored
archives go: ``BACKUPS_ROOT`` (a private folder, default ``var/backups``) or, when
``BACKUPS_S3_BUCKET`` is set, that S3 bucket, configured by django-storages' own names
(``AWS_S3_ENDPOINT_URL``, ``AWS_S3_REGION_NAME``, ``AWS_LOCATION``, ``AWS_DEFAULT_ACL``,
``AWS_S3_ADDRESSING_STYLE``, ``AWS_S3_SIGNATURE_VERSION``; credentials from boto3's usual
chain) and ``BACKUPS_S3_PART_MIB`` / ``BACKUPS_S3_PARTS_IN_MEMORY`` (upload memory).
The backup/restore knobs live in ``backup_restore/conf.py`` and are read from
``BACKUP_RESTORE`` here.
"""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless DEBUG=1 (`make run` sets it): with DEBUG on, Django keeps the SQL of recent
# queries in memory, which a long backup or restore should not pay for.
DEBUG = env_bool("DEBUG", False)
# Signs JWTs and sessions: there is no default. Unset, a DEBUG run (`make run`) makes a random
# key of its own, exported so the processes it starts share it; otherwise the server refuses to
# start (config/wsgi.py, config/asgi.py) and Django refuses anything that needs the key.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

# HTTPS=1 in production behind a TLS proxy that sets X-Forwarded-Proto: secure cookies, HSTS,
# redirects to https. With it, SECRET_KEY and ALLOWED_HOSTS set, `check --deploy` is clean.
if env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)  # the header only; listing is a separate step

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "erp.personal_admin",
    "erp.clientes_servicios",
    "erp.operaciones_inventario",
    "erp.finanzas_facturacion",
    "erp.servicios_IA",
    "erp.demo",
    "backup_restore",
    "backup_restore.jobs",
    "backup_restore.web",
    "django_tasks_db",
    "django_htmx",
]

MIDDLEWARE = [
    # First: it answers a CORS preflight itself, before any authentication or redirect.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the response from Accept-Language; every message of one response follows it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets a long backup read while the shop keeps writing. SQLite has one writer at a
    # time: a write waits up to SQLITE_TIMEOUT seconds for it, then the API answers 503.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": float(os.environ.get("SQLITE_TIMEOUT", "20")),
    }


def _jobs_database(default: dict) -> dict:
    """The ``jobs`` database: the job rows and the task queue, which must stay writable while a
    restore holds the shop database's write lock (see backup_restore/jobs/router.py).

    ``JOBS_DATABASE_URL`` names it. By default it is, on SQLite, a second file beside the first
    (``db.sqlite3`` -> ``db-jobs.sqlite3``); on any other database, the same database reached
    through a connection of its own, outside every restore's transaction.
    """
    if url := os.environ.get("JOBS_DATABASE_URL"):
        jobs = dj_database_url.parse(url, conn_max_age=default.get("CONN_MAX_AGE", 0))
    elif default["ENGINE"] == "django.db.backends.sqlite3":
        main = Path(default["NAME"])
        jobs = dict(default, NAME=str(main.with_name(f"{main.stem}-jobs{main.suffix}")))
    else:
        jobs = dict(default)
    if jobs["ENGINE"] == "django.db.backends.sqlite3":
        jobs["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    return jobs


DATABASES["jobs"] = _jobs_database(DATABASES["default"])
# One database reached through two aliases: everything is migrated once, through either.
JOBS_DATABASE_SHARED = all(DATABASES["jobs"].get(k) == DATABASES["default"].get(k) for k in ("ENGINE", "NAME", "HOST", "PORT"))
DATABASE_ROUTERS = ["backup_restore.jobs.router.JobsRouter"]

# Background jobs (backups and restores as jobs): Django's task framework on the database
# backend of django-tasks-db; `manage.py db_worker` runs them, on any number of machines.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# backup_restore/conf.py documents every knob; the environment may set how often a restore
# reports its progress (rows between two reports).
BACKUP_RESTORE = {}
if progress_rows := os.environ.get("BACKUP_RESTORE_PROGRESS_ROWS"):
    BACKUP_RESTORE["PROGRESS_ROWS"] = int(progress_rows)

# Stored archives: private files, never served as media (BACKUPS_ROOT, default var/backups).
# BACKUPS_S3_BUCKET switches them to S3 or any S3-compatible server (django-storages'
# S3Storage, see backup_restore/jobs/s3.py); see _backups_s3 below and docs/serving.md.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("BACKUPS_ROOT") or str(BASE_DIR / "var" / "backups"),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}

# django-storages' settings, read from the environment variables of the same names, as options
# of the backups storage only. Credentials are not here: boto3 finds them itself
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or pod role).
_S3_ENVIRONMENT = {
    "AWS_S3_ENDPOINT_URL": "endpoint_url",  # e.g. http://127.0.0.1:9000 for MinIO; unset for AWS
    "AWS_S3_REGION_NAME": "region_name",
    "AWS_LOCATION": "location",  # a key prefix inside the bucket
    "AWS_DEFAULT_ACL": "default_acl",  # unset: the bucket's default (private)
    "AWS_S3_ADDRESSING_STYLE": "addressing_style",  # "path" for most S3-compatible servers
    "AWS_S3_SIGNATURE_VERSION": "signature_version",
}


def _backups_s3(bucket: str) -> dict:
    """STORAGES["backups"] on S3: multipart uploads in parts of BACKUPS_S3_PART_MIB (default
    8) MiB, at most BACKUPS_S3_PARTS_IN_MEMORY (default 2) waiting or in flight."""
    options = {option: os.environ[var] for var, option in _S3_ENVIRONMENT.items() if os.environ.get(var)}
    options["part_size"] = int(os.environ.get("BACKUPS_S3_PART_MIB", "8")) * 1024 * 1024
    options["parts_in_memory"] = int(os.environ.get("BACKUPS_S3_PARTS_IN_MEMORY", "2"))
    return {"BACKEND": "backup_restore.jobs.s3.ArchiveS3Storage", "OPTIONS": {"bucket_name": bucket, **options}}


if os.environ.get("BACKUPS_S3_BUCKET"):
    STORAGES["backups"] = _backups_s3(os.environ["BACKUPS_S3_BUCKET"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Spanish by default; English when the request's Accept-Language prefers it. Our catalogs are in
# locale/ (committed, compiled: `make messages` rebuilds them); DRF's and simplejwt's come with them.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "es")  # also the language of the commands' output
LANGUAGES = [("es", "Español"), ("en", "English")]
# simplejwt's catalog too, without installing it as an app (its models module reads SECRET_KEY on
# import); ours comes first and fills what its Spanish catalog lacks.
LOCALE_PATHS = [BASE_DIR / "locale", Path(importlib.util.find_spec("rest_framework_simplejwt").origin).parent / "locale"]
TIME_ZONE = "America/La_Paz"
USE_I18N = True
USE_TZ = True

# The owners' page (backup_restore/web): Django's own login, then /backups/.
LOGIN_URL = "backup_web:login"
LOGIN_REDIRECT_URL = "backup_web:page"
LOGOUT_REDIRECT_URL = "backup_web:login"

# A shop's own frontend on another origin (django-cors-headers): only the origins listed in
# CORS_ALLOWED_ORIGINS (comma-separated, e.g. "https://taller.example.com"; none by default) get
# CORS headers, credentials included; any other origin gets none, so its browser blocks the answer.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
# Headers a script may read: the download's file name, and what the job API answers with.
CORS_EXPOSE_HEADERS = ["Content-Disposition", "Content-Length", "Location", "ETag", "Content-Range", "Accept-Ranges", "Retry-After"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Uploads bigger than this are spooled to FILE_UPLOAD_TEMP_DIR, never kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

REST_FRAMEWORK = {
    # A JWT (scripts, a shop's own frontend) or the session of the owners' page; with the
    # session, DRF requires the CSRF token on every unsafe method.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every API error in one shape, {"ok": false, "error": {...}}, the token endpoints' included.
    "EXCEPTION_HANDLER": "backup_restore.api.views.api_exception_handler",
}

# OpenAPI schema at /api/schema/, Swagger UI at /api/docs/ (backup_restore/api/schema.py describes the API).
SPECTACULAR_SETTINGS = {
    "TITLE": "Taller ERP: tenant backup & restore API",
    "DESCRIPTION": (
        "Download a shop's backup as a stream and restore one, with JWT bearer authentication. "
        "Errors of every endpoint share one body: {\"ok\": false, \"error\": {code, message, line, section, field}}; "
        "messages in Spanish, or English with Accept-Language: en (the code never changes)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,  # file fields become binary in multipart request bodies
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [],  # enums stay inline: each status documents its own error codes
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
}
if importlib.util.find_spec("drf_spectacular_sidecar"):
    # Swagger UI / Redoc served from our own static files, not from a CDN.
    INSTALLED_APPS.append("drf_spectacular_sidecar")
    SPECTACULAR_SETTINGS |= {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
}

# In the database, so that every worker process and machine shares one backup throttle; its
# table is made by `migrate` (backup_restore's first migration runs createcachetable).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "taller_cache"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"bounded": {"()": "backup_restore.logs.Bounded"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "backup_restore": {
            "handlers": ["console"],
            "filters": ["bounded"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
        },
    },
}
