"""The append-only, hash-chained audit log.

Every entry's hash covers its own fields and the previous entry's hash, so altering or deleting
any row breaks the chain from that row on; `audit_verify` names the first broken entry.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ctip.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


class Action:
    """The registry of audit action names (one place, so reports can rely on them)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    TWO_FACTOR_ENROLLED = "2fa_enrolled"
    VIEW = "view"
    LIST = "list"
    SEARCH = "search"
    CREATE = "create"
    CHANGE = "change"
    IMPORT = "import"
    EXPORT = "export"
    ERASE = "erase"
    ROTATE_KEYS = "rotate_keys"
    TOKEN_CREATE = "token_create"  # noqa: S105 (an action name)
    TOKEN_REVOKE = "token_revoke"  # noqa: S105 (an action name)


@dataclass(frozen=True)
class Origin:
    """Who acts and from where: a page path, an API path, or a CLI command."""

    user: object | None
    source: str
    reason: str = ""

    @classmethod
    def from_request(cls, request, reason: str = "") -> "Origin":
        user = (
            request.user
            if getattr(request, "user", None) and request.user.is_authenticated
            else None
        )
        return cls(user=user, source=f"{request.method} {request.path}"[:255], reason=reason)

    @classmethod
    def cli(cls, command: str, user=None) -> "Origin":
        return cls(user=user, source=f"cli: {command}"[:255])


def _entry_hash(prev_hash: str, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_ref": entry.object_ref,
        "organisation_code": entry.organisation_code,
        "source": entry.source,
        "reason": entry.reason,
        "detail": entry.detail,
    }


def audit_write(
    *,
    origin: Origin,
    action: str,
    object_type: str = "",
    object_ref: str = "",
    organisation_code: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry. Never put PII into ``detail``: name records by code or uuid."""
    user = origin.user
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, last_hash=GENESIS, last_id=0)
        entry = AuditEntry(
            at=timezone.now(),
            actor=user,
            actor_username=getattr(user, "username", "") or "",
            action=action,
            object_type=object_type,
            object_ref=str(object_ref)[:80],
            organisation_code=organisation_code,
            source=origin.source,
            reason=origin.reason,
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        entry.entry_hash = _entry_hash(entry.prev_hash, _hashed_fields(entry))
        entry.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=entry.entry_hash, last_id=entry.pk)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str = ""


def audit_verify(chunk_size: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    entries = AuditEntry.objects.order_by("id")
    for entry in entries.iterator(chunk_size=chunk_size):
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False,
                checked,
                entry.pk,
                "its link to the previous entry is broken "
                "(an entry before it was deleted or altered)",
            )
        if _entry_hash(entry.prev_hash, _hashed_fields(entry)) != entry.entry_hash:
            return VerifyResult(False, checked, entry.pk, "its content does not match its hash")
        expected_prev = entry.entry_hash
        last_id = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != expected_prev or head.last_id != last_id):
        return VerifyResult(
            False,
            checked,
            head.last_id,
            "the newest entries were deleted (the chain head points past the last entry)",
        )
    return VerifyResult(True, checked)
