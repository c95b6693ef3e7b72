"""Keys generated into CTIP_DATA_DIR for demo and test use. Production passes them in."""

import base64
import os
import secrets
from pathlib import Path


def new_field_key() -> str:
    """A fresh 32-byte AES key, url-safe base64, as CTIP_FIELD_KEYS expects."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _read_or_create(path: Path, make) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Created with owner-only permissions: these files are the keys to survivors' names.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def ensure_local_secret_key(data_dir: Path) -> str:
    return _read_or_create(data_dir / "secret-key", lambda: secrets.token_urlsafe(50))


def ensure_local_field_keys(data_dir: Path) -> str:
    return _read_or_create(data_dir / "field-keys", new_field_key)
