"""The one place that reads the environment.

Every setting that comes from outside (paths, database, secrets, keys) is read here, so a reader
of the code can see at a glance what a deployment must provide.
"""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Environment:
    data_dir: Path
    database_url: str
    secret_key: str
    field_keys: str
    demo_mode: bool
    allowed_hosts: list[str]
    log_level: str
    # Outgoing mail (reminders); empty host = mail not configured, reminders only print.
    email_host: str = ""
    email_port: int = 587
    email_user: str = ""
    email_password: str = ""
    email_use_tls: bool = True
    email_from: str = ""


def _port(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"CTIP_EMAIL_PORT must be a port number, not {text!r}")
    return int(text)


def read_environment() -> Environment:
    data_dir = Path(os.environ.get("CTIP_DATA_DIR", "var")).resolve()
    hosts = os.environ.get("CTIP_ALLOWED_HOSTS", "127.0.0.1,localhost")
    return Environment(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", ""),
        secret_key=os.environ.get("CTIP_SECRET_KEY", ""),
        field_keys=os.environ.get("CTIP_FIELD_KEYS", ""),
        demo_mode=os.environ.get("CTIP_DEMO_MODE", "") == "1",
        allowed_hosts=[h.strip() for h in hosts.split(",") if h.strip()],
        log_level=os.environ.get("CTIP_LOG_LEVEL", "INFO"),
        email_host=os.environ.get("CTIP_EMAIL_HOST", ""),
        email_port=_port(os.environ.get("CTIP_EMAIL_PORT", "587")),
        email_user=os.environ.get("CTIP_EMAIL_USER", ""),
        email_password=os.environ.get("CTIP_EMAIL_PASSWORD", ""),
        email_use_tls=os.environ.get("CTIP_EMAIL_TLS", "1") != "0",
        email_from=os.environ.get("CTIP_EMAIL_FROM", ""),
    )
