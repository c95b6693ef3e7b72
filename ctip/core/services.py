"""Writes of `core`: organisations, users, tokens, key rotation. Each one writes its audit entry."""

import hashlib
import secrets

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.crypto import keyring
from ctip.core.fields import encrypted_fields
from ctip.core.models import (
    ALLOWED_PARENT_KINDS,
    ApiToken,
    ImportBatch,
    Organisation,
    OrganisationKind,
    Role,
    User,
)


def _validate_placement(kind: str, parent: Organisation | None, provider_type: str) -> None:
    allowed = ALLOWED_PARENT_KINDS[OrganisationKind(kind)]
    parent_kind = parent.kind if parent else None
    if parent_kind not in allowed:
        if parent is None:
            raise ValidationError({"parent": _("A %(kind)s needs a parent.") % {"kind": kind}})
        raise ValidationError(
            {
                "parent": _("A %(kind)s cannot sit under a %(parent)s.")
                % {"kind": kind, "parent": parent_kind}
            }
        )
    if kind == OrganisationKind.PROVIDER and not provider_type:
        raise ValidationError({"provider_type": _("A provider needs a provider type.")})


def _set_path(org: Organisation) -> None:
    prefix = org.parent.path if org.parent_id else "/"
    org.path = f"{prefix}{org.pk}/"


@transaction.atomic
def organisation_create(
    *,
    origin: Origin,
    code: str,
    name: str,
    kind: str,
    parent: Organisation | None = None,
    provider_type: str = "",
    country: str = "",
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> Organisation:
    """Create a node of the tree (providers are organisations with a provider type)."""
    _validate_placement(kind, parent, provider_type)
    org = Organisation(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        provider_type=provider_type,
        country=country.upper(),
        import_batch=import_batch,
    )
    org.full_clean(exclude=["path"])
    org.save()
    _set_path(org)
    org.save(update_fields=["path"])
    if audit:
        audit_write(
            origin=origin,
            action=Action.CREATE,
            object_type="organisation",
            object_ref=code,
            organisation_code=code,
        )
    return org


@transaction.atomic
def organisation_update(
    *,
    origin: Origin,
    org: Organisation,
    name: str,
    kind: str,
    parent: Organisation | None,
    provider_type: str = "",
    country: str = "",
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> Organisation:
    """Change a node; moving it rewrites the paths of its whole subtree."""
    _validate_placement(kind, parent, provider_type)
    if parent is not None and parent.path.startswith(org.path):
        raise ValidationError({"parent": _("An organisation cannot sit under itself.")})
    old_path = org.path
    org.name, org.kind, org.parent = name, kind, parent
    org.provider_type, org.country = provider_type, country.upper()
    if import_batch is not None:
        org.import_batch = import_batch
    org.full_clean(exclude=["path"])
    _set_path(org)
    org.save()
    if org.path != old_path:
        for node in Organisation.objects.filter(path__startswith=old_path).exclude(pk=org.pk):
            node.path = org.path + node.path[len(old_path) :]
            node.save(update_fields=["path"])
    if audit:
        audit_write(
            origin=origin,
            action=Action.CHANGE,
            object_type="organisation",
            object_ref=org.code,
            organisation_code=org.code,
        )
    return org


@transaction.atomic
def user_create(
    *,
    origin: Origin,
    username: str,
    password: str,
    role: str,
    organisation: Organisation | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    pii_granted: bool = False,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        pii_granted=pii_granted,
        is_staff=role == Role.SYSADMIN,
        is_superuser=role == Role.SYSADMIN,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_write(
        origin=origin,
        action=Action.CREATE,
        object_type="user",
        object_ref=username,
        organisation_code=organisation.code if organisation else "",
    )
    return user


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def api_token_create(*, origin: Origin, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the key, which is shown once and never stored."""
    key = "ctip_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[5:13], key_hash=token_hash(key)
    )
    audit_write(
        origin=origin, action=Action.TOKEN_CREATE, object_type="user", object_ref=user.username
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, origin: Origin, prefix: str) -> ApiToken:
    """Revoke the one active token whose key starts with ``prefix`` (as `ctip token` lists)."""
    tokens = list(
        ApiToken.objects.select_for_update()
        .select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True)
    )
    if not tokens:
        raise ValidationError(
            {"prefix": _("No active token starts with %(prefix)s.") % {"prefix": prefix}}
        )
    if len(tokens) > 1:
        raise ValidationError(
            {"prefix": _("Several active tokens start with %(prefix)s.") % {"prefix": prefix}}
        )
    token = tokens[0]
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_write(
        origin=origin,
        action=Action.TOKEN_REVOKE,
        object_type="user",
        object_ref=token.user.username,
        detail={"token": token.prefix},
    )
    return token


def models_with_encrypted_fields() -> list:
    return [m for m in apps.get_models() if encrypted_fields(m)]


@transaction.atomic
def field_keys_rotate(*, origin: Origin, chunk_size: int = 1000) -> dict[str, int]:
    """Re-encrypt every encrypted field under the first key and recompute blind indexes.

    Models that keep blind indexes expose ``blind_index_values()``; their index columns are
    rewritten in the same save, since the index key derives from the first key.
    """
    ring = keyring()
    counts: dict[str, int] = {}
    for model in models_with_encrypted_fields():
        names = [f.name for f in encrypted_fields(model)]
        rewritten = 0
        for obj in model.objects.all().order_by("pk").iterator(chunk_size=chunk_size):
            update = list(names)
            if hasattr(obj, "blind_index_values"):
                for column, value in obj.blind_index_values().items():
                    setattr(obj, column, value)
                    update.append(column)
            obj.save(update_fields=update)
            rewritten += 1
        counts[model._meta.label] = rewritten
    audit_write(
        origin=origin,
        action=Action.ROTATE_KEYS,
        object_type="keyring",
        object_ref=ring.primary_id,
        detail=counts,
    )
    return counts
