"""Local use and `ctip demo`: SQLite under CTIP_DATA_DIR, generated keys, demo helpers."""

from ctip.core.keyfiles import ensure_local_secret_key
from ctip.settings.base import *  # noqa: F403
from ctip.settings.base import DATA_DIR, ENV

DEBUG = False
SECRET_KEY = ENV.secret_key or ensure_local_secret_key(DATA_DIR)
CTIP_GENERATE_FIELD_KEYS = True
CTIP_DEMO_MODE = ENV.demo_mode
# Static files come from the apps through whitenoise's finders; the folder only has to exist.
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
