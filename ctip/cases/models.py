from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ctip.core.crypto import full_name_index, name_index, phone_index
from ctip.core.fields import EncryptedTextField
from ctip.core.models import ImportBatch, Organisation, OwnedModel


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Exploitation(models.TextChoices):
    LABOUR = "labour", _("Labour exploitation")
    SEXUAL = "sexual", _("Sexual exploitation")
    DOMESTIC = "domestic", _("Domestic servitude")
    FORCED_MARRIAGE = "forced_marriage", _("Forced marriage")
    BEGGING = "begging", _("Forced begging")
    CRIMINALITY = "criminality", _("Forced criminality")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ClosedReason(models.TextChoices):
    REINTEGRATED = "reintegrated", _("Reintegrated")
    TRANSFERRED = "transferred", _("Transferred")
    LOST = "lost_to_follow_up", _("Lost to follow-up")
    DECEASED = "deceased", _("Deceased")
    WITHDREW = "withdrew", _("Withdrew")


class NeedCategory(models.TextChoices):
    """DESIGN.md's need categories (the service catalogue's categories that count)."""

    SHELTER = "shelter", _("Shelter")
    BASIC_NEEDS = "basic_needs", _("Basic needs")
    HEALTH = "health", _("Health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    LEGAL = "legal", _("Legal")
    EDUCATION = "education", _("Education")
    LIVELIHOOD = "livelihood", _("Livelihood")
    FAMILY = "family", _("Family")
    RETURN = "return", _("Return")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentPurpose(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Data processing")
    REFERRAL = "referral", _("Referral to services")
    FOLLOW_UP = "follow_up", _("Follow-up contact")
    DATA_SHARING = "data_sharing", _("Data sharing with other organisations")


class LivelihoodInterest(models.TextChoices):
    """What a survivor says they want to do for a living (OUT-3 compares it with what was given)."""

    SKILLS_TRAINING = "skills_training", _("Skills training")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    BUSINESS_SUPPORT = "business_support", _("Own business")
    EDUCATION = "education", _("Return to education")
    AGRICULTURE = "agriculture", _("Farming")
    OTHER = "other", _("Other")


EXPLOITATION_SEPARATOR = ";"


class Survivor(OwnedModel):
    """A person registered by a partner, known everywhere by ``code``; PII encrypted.

    ``exploitation`` is stored as ';labour;sexual;' so one form can be filtered with a plain
    ``contains ';labour;'`` on both SQLite and PostgreSQL.
    """

    code = models.CharField(_("survivor code"), max_length=20, unique=True)
    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    exploitation = models.CharField(_("forms of exploitation"), max_length=200, blank=True)
    identified_on = models.DateField(_("identified on"), null=True, blank=True)
    identifying_agency = models.ForeignKey(
        Organisation,
        verbose_name=_("identifying agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survivors",
    )
    status = models.CharField(
        _("case status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_on = models.DateField(_("case opened on"))
    closed_on = models.DateField(_("case closed on"), null=True, blank=True)
    closed_reason = models.CharField(
        _("closed because"), max_length=20, choices=ClosedReason.choices, blank=True
    )

    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"))
    phone = EncryptedTextField(_("phone"))
    address = EncryptedTextField(_("address"))
    notes = EncryptedTextField(_("notes"))
    given_name_index = models.CharField(max_length=64, blank=True, db_index=True)
    family_name_index = models.CharField(max_length=64, blank=True, db_index=True)
    full_name_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    pii_erased_on = models.DateTimeField(null=True, blank=True)

    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"],
                condition=~models.Q(ref=""),
                name="survivor_ref_unique_per_org",
            ),
        ]
        indexes = [
            # The list's order: lets the first page stop after 25 rows instead of sorting all.
            models.Index(fields=["-opened_on", "-id"], name="survivor_newest_first"),
            models.Index(fields=["organisation", "status", "-opened_on"]),
            models.Index(fields=["case_worker", "status"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def exploitation_list(self) -> list[str]:
        return [e for e in self.exploitation.split(EXPLOITATION_SEPARATOR) if e]

    def get_exploitation_display(self) -> str:
        labels = dict(Exploitation.choices)
        return ", ".join(str(labels.get(e, e)) for e in self.exploitation_list)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def blind_index_values(self) -> dict[str, str]:
        return {
            "given_name_index": name_index(self.given_name),
            "family_name_index": name_index(self.family_name),
            "full_name_index": full_name_index(self.given_name, self.family_name),
            "phone_index": phone_index(self.phone),
        }


def exploitation_to_db(values) -> str:
    cleaned = sorted({v for v in values if v})
    return f";{';'.join(cleaned)};" if cleaned else ""


class Consent(models.Model):
    """One decision by the survivor for one purpose; the latest per purpose is in force."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("given"))
    decided_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = EncryptedTextField(_("note"))

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["survivor", "purpose", "-decided_on"])]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.purpose} {'given' if self.given else 'withdrawn'}"


class Need(OwnedModel):
    """An assessed need; service episodes (services issue) must answer one."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="needs")
    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    category = models.CharField(_("need"), max_length=20, choices=NeedCategory.choices)
    assessed_on = models.DateField(_("assessed on"))
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    notes = EncryptedTextField(_("notes"))
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"],
                condition=~models.Q(ref=""),
                name="need_ref_unique_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({self.status})"


class StatedInterest(models.Model):
    """A livelihood interest the survivor states at assessment, in their words (encrypted)."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="interests")
    interest = models.CharField(_("interest"), max_length=20, choices=LivelihoodInterest.choices)
    stated_on = models.DateField(_("stated on"))
    detail = EncryptedTextField(_("in their words"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-stated_on", "-id"]

    def __str__(self) -> str:
        return self.interest


class CaseEvent(models.Model):
    """The history of a case: one row per thing that happened, named from `CaseEventType`."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.type}"


class CaseEventType:
    REGISTERED = "registered"
    PROFILE_CHANGED = "profile_changed"
    CONSENT_RECORDED = "consent_recorded"
    NEED_ASSESSED = "need_assessed"
    NEED_STATUS_CHANGED = "need_status_changed"
    INTEREST_STATED = "interest_stated"
    CASE_WORKER_ASSIGNED = "case_worker_assigned"
    CLOSED = "closed"
    REOPENED = "reopened"
    PII_ERASED = "pii_erased"
    IMPORTED = "imported"
    # Written by `services` (cases never imports services; the names live here, in one registry).
    EPISODE_RECORDED = "episode_recorded"
    EPISODE_CHANGED = "episode_changed"
    EPISODE_CLOSED = "episode_closed"
    LIVELIHOOD_RECORDED = "livelihood_recorded"
    REFERRAL_SENT = "referral_sent"
    REFERRAL_STATUS_CHANGED = "referral_status_changed"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_DECLINED = "transfer_declined"
    TRANSFER_CANCELLED = "transfer_cancelled"
