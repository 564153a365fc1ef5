"""One settings module, driven by environment variables (see README, Configuration)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TEREZE_DATA_DIR", BASE_DIR.parent / "var"))

DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("TEREZE_ENV", "development") == "production":
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = "development-only-key-change-me"  # noqa: S105 - never used with TEREZE_ENV=production
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "tereze.core",
    "tereze.registry",
    "tereze.centres",
    "tereze.applications",
    "tereze.portal",
    "tereze.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tereze.core.admission.AdmissionControl",  # bounds concurrent API requests; 503 + Retry-After beyond
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tereze.portal.middleware.StaffTotpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Admission control (tereze/core/admission.py): API requests in progress per process, how long one
# beyond that waits for a slot, and the Retry-After sent with the 503. 0 turns the bound off.
TEREZE_API_CONCURRENCY = int(os.environ.get("TEREZE_API_CONCURRENCY", "8"))
TEREZE_API_QUEUE_SECONDS = float(os.environ.get("TEREZE_API_QUEUE_SECONDS", "2"))
TEREZE_API_RETRY_AFTER = int(os.environ.get("TEREZE_API_RETRY_AFTER", "2"))
# ...stretched by how many are refused for each admitted lately, up to this.
TEREZE_API_RETRY_AFTER_MAX = int(os.environ.get("TEREZE_API_RETRY_AFTER_MAX", "60"))
# How long the arrival ticket sent with that 503 keeps the applicant's place (ADR 9).
TEREZE_ARRIVAL_TICKET_SECONDS = int(os.environ.get("TEREZE_ARRIVAL_TICKET_SECONDS", "3600"))
# How often each process re-reads officials' open cases for the reviewer draw (ADR 6).
TEREZE_DRAW_REFRESH_SECONDS = float(os.environ.get("TEREZE_DRAW_REFRESH_SECONDS", "2"))

ROOT_URLCONF = "tereze.urls"
WSGI_APPLICATION = "tereze.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"

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
            ],
            "builtins": ["tereze.core.templatetags.tereze"],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tereze.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers proceed while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Server-side binding, and psycopg prepares a query the connection has run five times (Django
    # turns preparing off unless told), so hot statements are parsed and planned once per
    # connection, not on every request (ADR 8). Behind PgBouncer: 1.21+ with max_prepared_statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TEREZE_TIME_ZONE", "Asia/Almaty")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("TEREZE_UPLOAD_DIR", DATA_DIR / "uploads"))  # outside the web root
UPLOAD_MAX_BYTES = int(os.environ.get("TEREZE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES * 3

SESSION_COOKIE_AGE = int(os.environ.get("TEREZE_SESSION_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
# A citizen's portal session also ends this long after sign-in, however active (shared computers).
TEREZE_PORTAL_SESSION_MAX_SECONDS = int(os.environ.get("TEREZE_PORTAL_SESSION_MAX_SECONDS", str(4 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if os.environ.get("TEREZE_ENV") == "production":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@tereze.local")
TEREZE_PUBLIC_URL = os.environ.get("TEREZE_PUBLIC_URL", "http://127.0.0.1:8000")

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "tereze", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tereze",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": os.environ.get("TEREZE_HUEY_IMMEDIATE", "0") == "1",
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "tereze.core.logmask.MaskPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Replaces Django's default "django" logger, whose admin e-mail handler would see records unmasked.
    "loggers": {"django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False}},
}
