"""The test suite: fast hashing, generated keys in a throwaway data dir, same DB rules."""

import os
import tempfile
from pathlib import Path

from ctip.settings.base import *  # noqa: F403
from ctip.settings.base import CONTENT_SECURITY_POLICY, ENV  # noqa: F401

DATA_DIR = Path(tempfile.mkdtemp(prefix="ctip-test-"))
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CTIP_GENERATE_FIELD_KEYS = True
CTIP_DEMO_MODE = False
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
if not ENV.database_url:
    from ctip.settings.base import database_config

    DATABASES = {"default": database_config("", DATA_DIR)}
    # A file, not memory: tests read its bytes to prove no plaintext PII reaches the disk.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # A name of its own per run, so parallel runs on one server never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_ctip_{os.getpid()}"}  # noqa: F405
