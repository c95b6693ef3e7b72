import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    IMPLEMENTER = "implementer", _("Implementer")
    COUNTRY_PROJECT = "country_project", _("Country project")
    PARTNER = "partner", _("Partner organisation")
    SITE = "site", _("Site")
    PROVIDER = "provider", _("Provider")


class ProviderType(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    NGO = "ngo", _("NGO")
    INTERNATIONAL = "international", _("International organisation")
    PRIVATE = "private", _("Private sector")
    PROJECT = "project", _("Project")


# Which kinds may sit under which: the tree the issue describes, providers anywhere below the top.
ALLOWED_PARENT_KINDS = {
    OrganisationKind.IMPLEMENTER: {None},
    OrganisationKind.COUNTRY_PROJECT: {OrganisationKind.IMPLEMENTER},
    OrganisationKind.PARTNER: {OrganisationKind.COUNTRY_PROJECT},
    OrganisationKind.SITE: {OrganisationKind.PARTNER},
    OrganisationKind.PROVIDER: {
        OrganisationKind.IMPLEMENTER,
        OrganisationKind.COUNTRY_PROJECT,
        OrganisationKind.PARTNER,
    },
}


class Organisation(models.Model):
    """A node of the tree implementer → country project → partner → site (providers hang below).

    ``path`` is the chain of ids from the root ("/1/4/9/"), so a subtree is one indexed
    ``path LIKE '/1/4/%'`` on both SQLite and PostgreSQL.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    provider_type = models.CharField(
        _("provider type"), max_length=20, choices=ProviderType.choices, blank=True
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # CAP-1 compares open cases per case worker with this.
    caseload_capacity = models.PositiveSmallIntegerField(
        _("cases one case worker can carry"), default=25
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def is_provider(self) -> bool:
        return bool(self.provider_type)

    def country_code(self) -> str:
        """The country of this node or the nearest ancestor that has one."""
        node = self
        while node is not None:
            if node.country:
                return node.country
            node = node.parent
        return ""


class Role(models.TextChoices):
    CASE_WORKER = "case_worker", _("Case worker")
    CASE_SUPERVISOR = "case_supervisor", _("Case supervisor")
    ME_OFFICER = "me_officer", _("M&E officer")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    PSE_OFFICER = "pse_officer", _("Private-sector engagement officer")
    DONOR = "donor", _("Donor / viewer")
    SYSADMIN = "sysadmin", _("System administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # A programme manager may be granted PII for a reason (e.g. a transnational case).
    pii_granted = models.BooleanField(_("may read survivor PII"), default=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class OwnedModel(models.Model):
    """Base of every record an organisation owns: public id, times, author, owner."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class ImportBatch(models.Model):
    """One run of `ctip import`: every record it wrote points back here."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind} import {self.file_name} ({self.created_at:%Y-%m-%d})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """The security record: who did what to which record, from where; chained by hash.

    Never holds PII: records are named by pseudonymous code or uuid. A database trigger refuses
    UPDATE (and DELETE on PostgreSQL); `ctip audit verify` finds what got past it anyway.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True, db_index=True)
    object_ref = models.CharField(max_length=80, blank=True, db_index=True)
    organisation_code = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """One row holding the last entry's hash; locking it serialises writers of the chain."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_id}"


class ApiToken(models.Model):
    """An API token: only its SHA-256 is stored, so a copied database grants no API access."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
