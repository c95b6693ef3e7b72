"""Abuse without identity: cookie-free form tokens, a minimum fill time, per-channel rates.

Django's CSRF protection needs a cookie, so the anonymous forms use a signed, time-limited token
instead: ``TimestampSigner`` (HMAC under SECRET_KEY) over the form's purpose and channel, put in
a hidden field and checked on POST. The token's own timestamp gives the minimum fill time (a
person takes seconds to answer; a script posts at once) and the maximum age. Nothing of it is
stored. Rate limits count in the database, per bucket and clock minute, so every gunicorn worker
sees the same count.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import connection

from ctip.feedback.models import RateCounter

TOKEN_SALT = "ctip.feedback.form"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = 4 * 60 * 60  # a form left open for a while still sends


def min_fill_seconds() -> float:
    return float(getattr(settings, "CTIP_FEEDBACK_MIN_FILL_SECONDS", 3))


def status_limit_per_minute() -> int:
    return int(getattr(settings, "CTIP_FEEDBACK_STATUS_PER_MINUTE", 120))


class TokenProblem(Exception):
    """``kind`` is a key of the texts' ``errors``: expired, too_fast or invalid."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def form_token(purpose: str, scope: str) -> str:
    """A token for one form (``purpose``: submit, status) of one channel (``scope``: slug)."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{purpose}:{scope}")


def form_token_check(token: str, purpose: str, scope: str, *, min_age: float = 0.0) -> None:
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        value = signer.unsign(token or "", max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise TokenProblem("expired") from exc
    except signing.BadSignature as exc:
        raise TokenProblem("invalid") from exc
    if value != f"{purpose}:{scope}":
        raise TokenProblem("invalid")
    # The signature held, so the timestamp between value and signature is the one we signed.
    issued = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    if time.time() - issued < min_age:
        raise TokenProblem("too_fast")


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    count: int


def rate_limit_hit(bucket: str, limit: int, *, now: float | None = None) -> RateResult:
    """Count one attempt in ``bucket`` for the current minute; allowed while count ≤ limit.

    One statement (an upsert returning the new count; SQLite ≥ 3.35 and PostgreSQL both have
    it), so concurrent workers never lose a count. Call it inside the transaction that writes
    the submission, so one commit covers both.
    """
    minute = int((time.time() if now is None else now) // 60)
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({quote('bucket')}, {quote('minute')}, {quote('count')}) "  # noqa: S608
        f"VALUES (%s, %s, 1) ON CONFLICT ({quote('bucket')}, {quote('minute')}) "
        f"DO UPDATE SET {quote('count')} = {table}.{quote('count')} + 1 RETURNING {quote('count')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [bucket, minute])
        count = cursor.fetchone()[0]
    if count == 1:
        # A new minute began here: forget everything before the previous one.
        RateCounter.objects.filter(minute__lt=minute - 1).delete()
    return RateResult(allowed=count <= limit, count=count)
