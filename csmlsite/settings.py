"""Settings for the CSML programme site, read from the environment.

With no environment at all the site runs in development mode on the embedded
PostgreSQL (csmlsite/embedded_db.py). Production sets DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL.
"""

import logging
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])


def site_url_default() -> str:
    """The site's public address when SITE_URL is not set: the development server's, or
    in production https:// and the first host name of ALLOWED_HOSTS (".example.org"
    allows its subdomains too: the name itself is taken)."""
    if DEBUG:
        return "http://127.0.0.1:8000"
    host = next((h.lstrip(".") for h in ALLOWED_HOSTS if h.strip(".*")), "localhost")
    return f"https://{host}"


# The public address of the site, where no request tells it: the programme book, printed
# in the background, prints a QR code of each session's page.
SITE_URL = (os.environ.get("SITE_URL") or site_url_default()).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The search indexes' operator class (OpClass) and pg_trgm (programme/search_index.py).
    "django.contrib.postgres",
    "import_export",
    "simple_history",
    "csmlsite.apps.AxesConfig",  # django-axes, named for staff
    "csp",
    # Background tasks (the programme book is printed by `manage.py db_worker`).
    "django_tasks",
    "django_tasks_db",
    "programme",
]

MIDDLEWARE = [
    # Static files are not here: the WSGI application (csmlsite/wsgi.py) answers them,
    # and most stored pages, before Django's request handling (programme/caching/front.py).
    # First, stored public pages, before the rest of the stack (programme/caching/).
    "programme.caching.pages.PageCache",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A view failing for want of the database answers 503 (programme/middleware.py).
    "programme.middleware.DatabaseUnavailable",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses sign-in after repeated failures (see AXES_*).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address a lock is for: REMOTE_ADDR, or behind our reverse proxies the one they
# forwarded (csmlsite/client_address.py says how, and why nothing else is believed).
AXES_CLIENT_IP_CALLABLE = "csmlsite.client_address.client_address"
# How many reverse proxies every request passes before it reaches gunicorn: 1 behind the
# README's nginx. 0 (the default) ignores X-Forwarded-For, which any client can write.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_URL = "track:login"

ROOT_URLCONF = "csmlsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "programme.context_processors.language_links",
            ],
        },
    },
]

WSGI_APPLICATION = "csmlsite.wsgi.application"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    from csmlsite import embedded_db

    DATABASES = {"default": embedded_db.database_settings()}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself: the switch must be readable by who needs it.
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["csmlsite.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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


def cache_settings(url: str) -> dict:
    """CACHE_URL: locmem:// (default, one process, at most PAGE_STORE_MAX_BYTES),
    redis://host:6379/0 (several app servers share one cache; bound it with Redis's
    maxmemory, README), dummy:// (no caching). programme/caching/ describes what is kept."""
    scheme = url.split("://", 1)[0]
    backends = {
        "locmem": "programme.caching.store.BoundedLocMemCache",
        "redis": "django.core.cache.backends.redis.RedisCache",
        "rediss": "django.core.cache.backends.redis.RedisCache",
        "dummy": "django.core.cache.backends.dummy.DummyCache",
    }
    if scheme not in backends:
        raise ImproperlyConfigured(f"CACHE_URL {url!r}: use locmem://, redis:// or dummy://")
    cache = {"BACKEND": backends[scheme], "TIMEOUT": 24 * 3600}
    if scheme.startswith("redis"):
        cache["LOCATION"] = url
    else:
        cache["LOCATION"] = "csml"
        cache["OPTIONS"] = {
            "MAX_ENTRIES": 10_000,
            "MAX_BYTES": int(os.environ.get("PAGE_STORE_MAX_BYTES", str(64 * 1024 * 1024))),
        }
    return cache


CACHES = {"default": cache_settings(os.environ.get("CACHE_URL", "locmem://"))}
# Each app process learns of data changes from PostgreSQL (LISTEN/NOTIFY) instead of
# asking on every request for a stored page (programme/caching/feed.py).
VERSION_FEED = env_bool("VERSION_FEED", default=True)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "csml@localhost")

# Everything worth a look goes to stderr, which gunicorn (and runserver) pass on to the
# terminal, journald or the container's log. Django's default configuration shows its
# records only with DEBUG on and otherwise mails them to ADMINS, which this site does not
# set: with DEBUG=0 a 500's traceback was lost. So there is one handler, on the root
# logger, and every logger reaches it by propagation: Django's (django.request: 500s
# with their traceback, 404s and refused CSRF as warnings; django.security), ours
# (programme.*: a stored page served while the database is unavailable, a change the
# database refused) and django-axes' (each failed sign-in, each lockout). Django's own
# handlers on "django" are removed so that nothing is printed twice in development;
# runserver's request lines (django.server) keep theirs.
# LOG_LEVEL defaults to WARNING: nothing of ours logs below it, and INFO would add only
# django-axes' successful sign-ins, its start-up line in every process and command, and
# runserver's "watching for file changes".
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(f"LOG_LEVEL {LOG_LEVEL!r}: use DEBUG, INFO, WARNING or ERROR")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # gunicorn's own lines look like this, so its log reads as one.
        "gunicorn_like": {
            "format": "[{asctime}] [{process}] [{levelname}] {name}: {message}",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
            "style": "{",
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",  # sys.stderr
            "formatter": "gunicorn_like",
            # On the handler: Django's loggers keep their own level (INFO).
            "level": LOG_LEVEL,
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": []}},
}

# Background tasks are rows in the database, run by `manage.py db_worker` (README, Deploy):
# PostgreSQL is the only service the site needs. Nothing runs a task at enqueue time,
# tests included; a test that needs a book prints it by calling the task's function.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds a year's data must stay unchanged before its programme book is printed, so that
# a burst of edits prints once (programme/caching/books.py).
BOOK_PRINT_DELAY = int(os.environ.get("BOOK_PRINT_DELAY", "10"))

IMPORT_EXPORT_USE_TRANSACTIONS = True
# Staff spreadsheet imports (programme/spreadsheets/limits.py): a year's largest sheet
# (talks with abstracts) is about 200 rows and 300 KB.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "5000"))

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def static_file_headers(headers, path, url):
    """What SecurityMiddleware would add to a static file, which whitenoise answers
    before it: the same for every request, so computed once per file."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = SECURE_REFERRER_POLICY
    if not DEBUG and SECURE_HSTS_SECONDS:  # browsers heed it over https only
        headers["Strict-Transport-Security"] = (
            f"max-age={SECURE_HSTS_SECONDS}; includeSubDomains; preload"
        )


WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers

# No inline script or style and nothing from other hosts: the site vendors everything.
# (json_script blocks are data, not script, and need no exception.)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
