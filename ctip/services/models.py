"""Services delivered to survivors, counted by one written rule (INDICATORS.md).

A `ServiceEpisode` is one survivor × one service type × one provider over a span of dates; the
catalogue's `counts_as_service` decides whether it counts. A `Referral` is a loop that closes
only when the service started (or says why not); `CaseTransfer` moves a case between
organisations with consent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Need, NeedCategory, Survivor
from ctip.core.fields import EncryptedTextField
from ctip.core.models import ImportBatch, Organisation, OwnedModel


class ServiceCategory(models.TextChoices):
    """The need categories services answer, plus one-off support that never counts."""

    SHELTER = NeedCategory.SHELTER.value, NeedCategory.SHELTER.label
    BASIC_NEEDS = NeedCategory.BASIC_NEEDS.value, NeedCategory.BASIC_NEEDS.label
    HEALTH = NeedCategory.HEALTH.value, NeedCategory.HEALTH.label
    MENTAL_HEALTH = NeedCategory.MENTAL_HEALTH.value, NeedCategory.MENTAL_HEALTH.label
    LEGAL = NeedCategory.LEGAL.value, NeedCategory.LEGAL.label
    EDUCATION = NeedCategory.EDUCATION.value, NeedCategory.EDUCATION.label
    LIVELIHOOD = NeedCategory.LIVELIHOOD.value, NeedCategory.LIVELIHOOD.label
    FAMILY = NeedCategory.FAMILY.value, NeedCategory.FAMILY.label
    RETURN = NeedCategory.RETURN.value, NeedCategory.RETURN.label
    ONE_OFF = "one_off", _("One-off support")


class ServiceType(models.Model):
    """An entry of the service catalogue. Reference data: retired, never deleted."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    counts_as_service = models.BooleanField(_("counts as a service"), default=True)
    episode_help = models.TextField(
        _("what one episode is"),
        help_text=_("Say what one episode of this service is, so everyone records it alike."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class ProviderProfile(models.Model):
    """What the directory says of an organisation that delivers services."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="provider_profile"
    )
    service_types = models.ManyToManyField(ServiceType, related_name="providers", blank=True)
    accepts_ctip_referrals = models.BooleanField(_("accepts referrals through ctip"), default=False)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=120, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    def __str__(self) -> str:
        return str(self.organisation)


class ProviderArea(models.Model):
    """An area a provider covers: a whole country, or a province, or a district in it."""

    provider = models.ForeignKey(ProviderProfile, on_delete=models.CASCADE, related_name="areas")
    country = models.CharField(_("country"), max_length=2)
    province = models.CharField(_("province"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)

    class Meta:
        ordering = ["country", "province", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "country", "province", "district"], name="provider_area_unique"
            )
        ]

    def __str__(self) -> str:
        return " / ".join(p for p in (self.country, self.province, self.district) if p)


class EpisodeStatus(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


class DiscontinuedReason(models.TextChoices):
    """Why an episode stopped before it was complete: codes, never free text (no PII here)."""

    SURVIVOR_LEFT = "survivor_left", _("The survivor stopped coming")
    MOVED = "moved", _("The survivor moved away")
    SURVIVOR_DECLINED = "survivor_declined", _("The survivor no longer wants it")
    PROVIDER_STOPPED = "provider_stopped", _("The provider stopped the service")
    NEED_MET_OTHERWISE = "need_met_otherwise", _("The need was met another way")
    TRANSFERRED = "transferred", _("The case was transferred")
    OTHER = "other", _("Other")


class ServiceEpisode(OwnedModel):
    """One survivor × one service type × one provider, from `started_on` to `ended_on`."""

    # No single-column index on survivor (the (survivor, started_on) index serves it), on
    # service_type (a dozen types, retired, never deleted), created_by or import_batch (nothing
    # reads episodes by them): each index costs every import of 100k rows (bench/README.md).
    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="episodes", db_index=False
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="episodes_provided"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=EpisodeStatus.choices, default=EpisodeStatus.ONGOING
    )
    discontinued_reason = models.CharField(
        _("why discontinued"), max_length=255, blank=True, choices=DiscontinuedReason.choices
    )
    sessions = models.PositiveIntegerField(_("sessions"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"))
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"], condition=~Q(ref=""), name="episode_ref_unique"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="episode_ends_after_start",
            ),
        ]
        indexes = [
            # "Active in a period" = ended on/after its start (or open) and started by its end:
            # leading with ended_on skips the long-finished history (bench/README.md: -15% for
            # a whole report at 1M episodes).
            models.Index(fields=["ended_on", "started_on"], name="episode_active_idx"),
            models.Index(fields=["survivor", "started_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_id} for {self.survivor_id} from {self.started_on}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SERVICE_STARTED = "service_started", _("Service started")
    COMPLETED = "completed", _("Completed")
    NOT_REACHED = "not_reached", _("Survivor did not reach the service")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The loop: which status may follow which.
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.SENT: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.SERVICE_STARTED,
        ReferralStatus.NOT_REACHED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.ACCEPTED: {
        ReferralStatus.SERVICE_STARTED,
        ReferralStatus.NOT_REACHED,
        ReferralStatus.WITHDRAWN,
    },
    ReferralStatus.SERVICE_STARTED: {ReferralStatus.COMPLETED},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
    ReferralStatus.NOT_REACHED: set(),
    ReferralStatus.WITHDRAWN: set(),
}


class ReferralReason(models.TextChoices):
    """Why a referral was declined, not reached or withdrawn: codes, never free text."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible for this service")
    NO_CAPACITY = "no_capacity", _("No capacity (full, waiting list)")
    OUTSIDE_AREA = "outside_area", _("Outside the provider's area")
    COULD_NOT_CONTACT = "could_not_contact", _("The survivor could not be contacted")
    SURVIVOR_DECLINED = "survivor_declined", _("The survivor did not want it")
    SURVIVOR_MOVED = "survivor_moved", _("The survivor moved away")
    NEED_MET_OTHERWISE = "need_met_otherwise", _("The need was met another way")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The survivor withdrew consent")
    SENT_IN_ERROR = "sent_in_error", _("Sent in error")
    IMPORTED = "imported", _("Recorded by an import")
    OTHER = "other", _("Other")


class Referral(OwnedModel):
    """A referral from the owning organisation to a provider, followed until it closes."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="referrals")
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    to_provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received"
    )
    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    consent_on = models.DateField(_("referral consent given on"))
    sent_on = models.DateField(_("sent on"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    status_on = models.DateField(_("status since"))
    service_started_on = models.DateField(_("service started on"), null=True, blank=True)
    episode = models.OneToOneField(
        ServiceEpisode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referral",
    )
    note = EncryptedTextField(_("note"))
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"], condition=~Q(ref=""), name="referral_ref_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["sent_on"]),
            models.Index(fields=["to_provider", "status"]),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.status})"


class ReferralEvent(models.Model):
    """Each status a referral took, with its date and who set it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True, choices=ReferralReason.choices)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status} {self.on}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving organisation")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class TransferReason(models.TextChoices):
    """Why a case moves, and why a receiver declines it: codes, never free text."""

    RETURNS_HOME = "returns_home", _("The survivor returns to their home country or area")
    MOVES = "moves", _("The survivor moves to the receiver's area")
    SPECIALISED_CARE = "specialised_care", _("The receiver offers the care needed")
    CASELOAD = "caseload", _("Caseload: the sender cannot follow the case")
    NO_CAPACITY = "no_capacity", _("The receiver has no capacity")
    OUTSIDE_AREA = "outside_area", _("Outside the receiver's area")
    OTHER = "other", _("Other")


class CaseTransfer(models.Model):
    """A case handed from one organisation to another (also across country projects)."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, choices=TransferReason.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True, choices=TransferReason.choices)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survivor"],
                condition=Q(status="pending"),
                name="one_pending_transfer_per_survivor",
            )
        ]

    def __str__(self) -> str:
        return f"transfer of {self.survivor_id} ({self.status})"


# --- livelihood -----------------------------------------------------------------------------


class SkillsTraining(models.Model):
    episode = models.OneToOneField(
        ServiceEpisode, on_delete=models.CASCADE, related_name="skills_training"
    )
    course = models.CharField(_("course"), max_length=150)
    trade = models.CharField(_("trade"), max_length=100, blank=True)
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    certificate = models.BooleanField(_("certificate obtained"), default=False)

    def __str__(self) -> str:
        return self.course


class JobPlacement(models.Model):
    episode = models.OneToOneField(
        ServiceEpisode, on_delete=models.CASCADE, related_name="job_placement"
    )
    employer = models.CharField(_("employer"), max_length=150)
    role = models.CharField(_("role"), max_length=120)
    wage = models.DecimalField(_("wage"), max_digits=12, decimal_places=2, null=True, blank=True)
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True)
    wage_period = models.CharField(
        _("wage per"),
        max_length=10,
        blank=True,
        choices=[("day", _("day")), ("month", _("month"))],
    )
    start_date = models.DateField(_("start date"))
    employed_at_3_months = models.BooleanField(_("still employed at 3 months"), null=True)
    employed_at_6_months = models.BooleanField(_("still employed at 6 months"), null=True)

    def __str__(self) -> str:
        return f"{self.role} at {self.employer}"


class BusinessSupport(models.Model):
    episode = models.OneToOneField(
        ServiceEpisode, on_delete=models.CASCADE, related_name="business_support"
    )
    business = models.CharField(_("business"), max_length=150)
    grant_amount = models.DecimalField(
        _("grant amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    grant_currency = models.CharField(_("currency"), max_length=3, blank=True)
    microfinance_referral = models.BooleanField(_("referred to microfinance"), default=False)

    def __str__(self) -> str:
        return self.business


class ProjectServiceSettings(models.Model):
    """Per country project: the standard business grant (grants that differ are listed)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="service_settings"
    )
    standard_grant_amount = models.DecimalField(
        _("standard grant amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    standard_grant_currency = models.CharField(_("currency"), max_length=3, blank=True)

    def __str__(self) -> str:
        return f"service settings of {self.organisation}"


class FrameworkKind(models.TextChoices):
    LAW = "law", _("Law")
    POLICY = "policy", _("Policy")
    SOP = "sop", _("Standard operating procedure")
    NATIONAL_REFERRAL = "national_referral", _("National referral mechanism")
    TRANSNATIONAL_REFERRAL = "transnational_referral", _("Transnational referral mechanism")
    AGREEMENT = "agreement", _("Bilateral or multilateral agreement")


class ProtectionFramework(models.Model):
    """One instrument of the reference directory of protection frameworks: a law, policy,
    standard operating procedure or referral mechanism governing identification and assistance.

    Kept here, below `screening` (which owns the directory's pages and writes), so that the
    referral pages of `services` can list a country's entries without importing upward.
    ``country`` is blank for a regional or international instrument; ``countries`` then lists
    the countries it applies to as ';TH;KH;' (one ``contains`` test on both databases).
    Dates are ISO and as precise as known: '2008', '2008-06' or '2008-06-06'.
    """

    title = models.CharField(_("title"), max_length=300)
    country = models.CharField(_("country"), max_length=2, blank=True)
    countries = models.CharField(_("applies to (regional instruments)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=FrameworkKind.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    adopted = models.CharField(_("adopted"), max_length=10, blank=True)
    amended = models.CharField(_("amended"), max_length=100, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    active = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["country", "kind", "-adopted", "title"]
        indexes = [models.Index(fields=["country", "active"])]

    def __str__(self) -> str:
        return self.title

    @property
    def country_list(self) -> list[str]:
        return [code for code in self.countries.split(";") if code]
