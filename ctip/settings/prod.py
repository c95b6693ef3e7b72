"""Production: every secret must come from the environment; the server refuses to start without."""

from django.core.exceptions import ImproperlyConfigured

from ctip.settings.base import *  # noqa: F403
from ctip.settings.base import ENV

if not ENV.secret_key:
    raise ImproperlyConfigured("CTIP_SECRET_KEY must be set in production.")
if not ENV.field_keys:
    raise ImproperlyConfigured(
        "CTIP_FIELD_KEYS must be set in production (generate one with `ctip genkey`)."
    )
CTIP_GENERATE_FIELD_KEYS = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
