"""Settings shared by every environment. Environment-specific files import * from here."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from ctip.settings.env import read_environment

ENV = read_environment()
BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = ENV.data_dir

SECRET_KEY = ENV.secret_key
DEBUG = False
ALLOWED_HOSTS = ENV.allowed_hosts
CTIP_DEMO_MODE = False
# Comma-separated url-safe base64 keys; the first encrypts, all decrypt (see core.crypto).
CTIP_FIELD_KEYS = ENV.field_keys

# Outgoing mail (ctip remind). Without CTIP_EMAIL_HOST mail is not configured: reminders print.
EMAIL_HOST = ENV.email_host
EMAIL_PORT = ENV.email_port
EMAIL_HOST_USER = ENV.email_user
EMAIL_HOST_PASSWORD = ENV.email_password
EMAIL_USE_TLS = ENV.email_use_tls
DEFAULT_FROM_EMAIL = ENV.email_from or "ctip@localhost"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "ctip.core",
    "ctip.cases",
    "ctip.services",
    "ctip.followup",
    "ctip.screening",
    "ctip.feedback",
    "ctip.partnerships",
    "ctip.evidence",
    "ctip.learning",
    "ctip.indicators",
    "ctip.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ctip.core.middleware.RequireTwoFactorMiddleware",
    "ctip.core.middleware.AdminOnlyForSysadminMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctip.urls"
WSGI_APPLICATION = "ctip.wsgi.application"

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
                "ctip.core.context_processors.ctip",
            ],
        },
    },
]


def database_config(url: str, data_dir: Path) -> dict:
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Reports carry hundreds of aggregates per query: PostgreSQL's JIT then spends more
            # time compiling than it saves (bench/README.md: 4.5 s → 2.3 s for a whole report).
            # An `options` given in DATABASE_URL's query string wins.
            config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / "ctip.sqlite3",
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Writers take the lock at BEGIN, so the audit chain never forks under load.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_config(ENV.database_url, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "cases:home"
LOGOUT_REDIRECT_URL = "core:login"

# Lock an account on one address after five failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

# Sessions end after 30 minutes without activity, and with the browser.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

OTP_TOTP_ISSUER = "ctip"

LANGUAGE_CODE = "en"
# DESIGN.md's languages. Django does not know Lao, and names Khmer in English.
LANG_INFO.setdefault("lo", {"bidi": False, "code": "lo", "name": "Lao", "name_local": "ພາສາລາວ"})
LANG_INFO["km"] = {**LANG_INFO["km"], "name_local": "ភាសាខ្មែរ"}
LANGUAGES = [
    ("en", _("English")),
    ("th", _("Thai")),
    ("km", _("Khmer")),
    ("lo", _("Lao")),
    ("my", _("Burmese")),
    ("ne", _("Nepali")),
    ("bn", _("Bengali")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Uploads (e.g. partnership agreements) live under the data dir and are never served publicly:
# there is no MEDIA_URL route; each app serves its files through a scoped view.
MEDIA_ROOT = DATA_DIR / "media"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ctip.core.api_auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ctip API",
    "DESCRIPTION": "Counter-trafficking information system. Every read is scoped and audited.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a `status`; name each choice set after its class, not a hash.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "ctip.cases.models.CaseStatus",
        "NeedStatusEnum": "ctip.cases.models.NeedStatus",
        "EpisodeStatusEnum": "ctip.services.models.EpisodeStatus",
        "ReferralStatusEnum": "ctip.services.models.ReferralStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {"axes": {"level": "WARNING"}},
}
