"""Private-sector partnerships: one company registry per implementer, shared by its country
projects; each country project's engagement of a company with its pipeline, due diligence,
agreements, work, health checks and (restricted) concerns.

Ownership: a `Company` (and a `Stakeholder`) is owned by the implementer node; an `Engagement`
and everything hanging on it is owned by the country project that engages the company. History
is data: every stage change (and every other step) is an `EngagementEvent` row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.core.fields import EncryptedTextField
from ctip.core.models import ImportBatch, Organisation, OwnedModel

LIST_SEPARATOR = ";"


def list_to_db(values) -> str:
    """A list stored as ';TH;KH;' so one item is found with a plain contains on both engines."""
    cleaned = sorted({str(v).strip().upper() for v in values if str(v).strip()})
    return f";{';'.join(cleaned)};" if cleaned else ""


def list_from_db(value: str) -> list[str]:
    return [item for item in (value or "").split(LIST_SEPARATOR) if item]


# --- the registry ---------------------------------------------------------------------------


class Sector(models.TextChoices):
    SEAFOOD = "seafood", _("Fishing and seafood")
    AGRICULTURE = "agriculture", _("Agriculture and food")
    GARMENTS = "garments", _("Garments and textiles")
    ELECTRONICS = "electronics", _("Electronics")
    CONSTRUCTION = "construction", _("Construction")
    HOSPITALITY = "hospitality", _("Hospitality and tourism")
    RECRUITMENT = "recruitment", _("Recruitment and employment agencies")
    FINANCE = "finance", _("Banking and finance")
    TECHNOLOGY = "technology", _("Technology and telecoms")
    LOGISTICS = "logistics", _("Transport and logistics")
    RETAIL = "retail", _("Retail and consumer goods")
    MANUFACTURING = "manufacturing", _("Other manufacturing")
    OTHER = "other", _("Other")


class Ownership(models.TextChoices):
    MULTINATIONAL = "multinational", _("Multinational")
    LOCAL = "local", _("Local")


class CompanySize(models.TextChoices):
    MICRO = "micro", _("Micro (under 10 staff)")
    SMALL = "small", _("Small (10–49)")
    MEDIUM = "medium", _("Medium (50–249)")
    LARGE = "large", _("Large (250 or more)")


class SupplyChainPosition(models.TextChoices):
    PRODUCER = "producer", _("Primary producer (farms, vessels, mines)")
    PROCESSOR = "processor", _("Processor or manufacturer")
    BRAND = "brand", _("Brand or buyer")
    RETAILER = "retailer", _("Retailer")
    RECRUITER = "recruiter", _("Recruiter or labour supplier")
    LOGISTICS = "logistics", _("Logistics")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class Company(OwnedModel):
    """A company in the implementer's registry (``organisation`` is the implementer)."""

    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    hq_country = models.CharField(_("headquarters country"), max_length=2, blank=True)
    ownership = models.CharField(_("multinational or local"), max_length=15, choices=Ownership)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    operating_countries = models.CharField(
        _("countries of operation"), max_length=200, blank=True, default=""
    )
    supply_chain_position = models.CharField(
        _("supply-chain position"), max_length=15, choices=SupplyChainPosition.choices, blank=True
    )
    has_csr_strategy = models.BooleanField(_("has a human-rights or CSR strategy"), default=False)
    csr_summary = models.TextField(_("strategy in short"), blank=True)
    csr_priorities = models.TextField(_("stated priorities"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_target = models.BooleanField(_("target"), default=False)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"], condition=~Q(ref=""), name="company_ref_unique"
            ),
            models.UniqueConstraint(fields=["organisation", "name"], name="company_name_unique"),
        ]
        indexes = [models.Index(fields=["organisation", "sector"])]

    def __str__(self) -> str:
        return self.name

    @property
    def operating_country_list(self) -> list[str]:
        return list_from_db(self.operating_countries)


class CompanyContact(models.Model):
    """A person at the company: names, e-mail and phone encrypted like any personal data."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = EncryptedTextField(_("name"))
    position = models.CharField(_("position"), max_length=120, blank=True)
    email = EncryptedTextField(_("e-mail"))
    phone = EncryptedTextField(_("phone"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"contact {self.pk} of {self.company_id}"


# --- the pipeline ---------------------------------------------------------------------------


class Stage(models.TextChoices):
    LANDSCAPE = "landscape", _("Landscape")
    FIRST_MEETING = "first_meeting", _("First meeting")
    INTERESTS_ALIGNED = "interests_aligned", _("Interests aligned")
    DUE_DILIGENCE = "due_diligence", _("Due diligence")
    CONCEPT_NOTE = "concept_note", _("Concept note")
    NEGOTIATION = "negotiation", _("Negotiation")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    CO_CREATION = "co_creation", _("Co-creation")
    IMPLEMENTATION = "implementation", _("Implementation")
    SUSTAINED = "sustained", _("Sustained")
    CLOSED = "closed", _("Closed")


# The pipeline in order; `closed` is outside it (an engagement may close from any stage).
PIPELINE: tuple[str, ...] = tuple(s for s in Stage.values if s != Stage.CLOSED)
STAGE_ORDER: dict[str, int] = {stage: index for index, stage in enumerate(PIPELINE)}
# Stages of a partnership (a signed agreement), for PSE-3's "active partnerships".
PARTNERSHIP_STAGES: tuple[str, ...] = PIPELINE[STAGE_ORDER[Stage.AGREEMENT_SIGNED] :]
# Steady states: no movement there is expected, so they are never flagged as stalled.
NEVER_STALLED: tuple[str, ...] = (Stage.IMPLEMENTATION, Stage.SUSTAINED, Stage.CLOSED)


def stages_from(stage: str) -> list[str]:
    """``stage`` and every pipeline stage after it."""
    return list(PIPELINE[STAGE_ORDER[stage] :])


class ClosedReason(models.TextChoices):
    NO_SHARED_INTEREST = "no_shared_interest", _("No shared interest")
    FUNDING = "funding", _("Funding")
    COMPANY_WITHDREW = "company_withdrew", _("Company withdrew")
    DUE_DILIGENCE = "due_diligence", _("Due diligence risk too high")
    PROJECT_WITHDREW = "project_withdrew", _("Project withdrew")
    COMPLETED = "completed", _("Completed, nothing continues")
    OTHER = "other", _("Other")


class Stream(models.TextChoices):
    MECHANISMS = "mechanisms", _("Co-creating mechanisms against trafficking risk")
    EMPLOYMENT = "employment", _("Training and employing survivors")
    BOTH = "both", _("Both")


class Engagement(OwnedModel):
    """One country project's engagement of one company (``organisation``: the country project)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="engagements")
    stream = models.CharField(
        _("work stream"), max_length=12, choices=Stream.choices, default=Stream.MECHANISMS
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    # The date of the last stage change (kept beside the events for the board and stalls).
    stage_since = models.DateField(_("in this stage since"))
    closed_reason = models.CharField(
        _("closed because"), max_length=20, choices=ClosedReason.choices, blank=True
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    framing = models.CharField(
        _("framing agreed with the company"),
        max_length=200,
        blank=True,
        help_text=_("The words the company is comfortable with, e.g. “safe migration”."),
    )
    avoided_terms = models.TextField(
        _("terms the company asked us to avoid"),
        blank=True,
        help_text=_("One term or phrase per line, e.g. “trafficking”."),
    )
    check_in_days = models.PositiveSmallIntegerField(
        _("check in every (days)"), null=True, blank=True
    )

    class Meta:
        ordering = ["company__name", "organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "organisation"], name="one_engagement_per_project"
            ),
            models.CheckConstraint(
                condition=~Q(stage="closed") | ~Q(closed_reason=""),
                name="closed_engagement_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "stage", "stage_since"])]

    def __str__(self) -> str:
        return f"{self.company} · {self.organisation.code}"

    @property
    def avoided_term_list(self) -> list[str]:
        return [line.strip() for line in self.avoided_terms.splitlines() if line.strip()]

    @property
    def stage_order(self) -> int:
        return STAGE_ORDER.get(self.stage, -1)


class EventType:
    """The registry of engagement event names."""

    CREATED = "created"
    STAGE_CHANGED = "stage_changed"
    ALIGNMENT_RECORDED = "alignment_recorded"
    DUE_DILIGENCE_RECORDED = "due_diligence_recorded"
    DRAFT_SAVED = "draft_saved"
    AGREEMENT_RECORDED = "agreement_recorded"
    COMMITMENT_RECORDED = "commitment_recorded"
    DOCUMENT_ADDED = "document_added"
    WORKSTREAM_ADDED = "workstream_added"
    ACTIVITY_RECORDED = "activity_recorded"
    OPENING_ADDED = "opening_added"
    PLACEMENT_LINKED = "placement_linked"
    ACTION_LOGGED = "action_logged"
    CHECK_IN = "check_in"
    HEALTH_CHECK = "health_check"
    STAKEHOLDER_LINKED = "stakeholder_linked"
    DETAILS_CHANGED = "details_changed"


class EngagementEvent(models.Model):
    """One step of an engagement: dated (``on``), attributed (``by``), never edited."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ClosedReason.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["engagement", "type", "on"])]

    def __str__(self) -> str:
        return f"{self.engagement_id} {self.type} {self.on}"


class AlignmentRecord(models.Model):
    """Shared interests first: what the company wants beside what the project wants."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="alignment"
    )
    company_priorities = models.TextField(_("the company's stated priorities"))
    project_objectives = models.TextField(_("the project's objectives"))
    shared_goals = models.TextField(_("what both want"))
    project_will_not_do = models.TextField(_("what the project will not do"), blank=True)
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    modified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"alignment of {self.engagement_id}"


class RiskRating(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


# The checklist (DESIGN.md, issue 6): each criterion scored 1 (no concern) to 3 (serious).
DUE_DILIGENCE_CRITERIA: tuple[tuple[str, str], ...] = (
    ("csr_objectives", _("CSR objectives")),
    ("financial_profile", _("Financial profile")),
    ("reputation_media", _("Reputation and media")),
    ("litigation", _("Litigation, past and present")),
    ("sector_country_risk", _("Sector and country risk")),
    ("sanctions", _("Sanctions")),
)


class DueDiligence(OwnedModel):
    """One review of a company for one engagement; the latest one that has not expired counts."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="due_diligence"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    csr_objectives = models.PositiveSmallIntegerField(_("CSR objectives"))
    financial_profile = models.PositiveSmallIntegerField(_("financial profile"))
    reputation_media = models.PositiveSmallIntegerField(_("reputation and media"))
    litigation = models.PositiveSmallIntegerField(_("litigation, past and present"))
    sector_country_risk = models.PositiveSmallIntegerField(_("sector and country risk"))
    sanctions = models.PositiveSmallIntegerField(_("sanctions"))
    notes = models.TextField(_("notes per criterion"), blank=True)
    evidence_links = models.TextField(_("evidence links"), blank=True)
    rating = models.CharField(_("risk rating"), max_length=10, choices=RiskRating.choices)
    reasons = models.TextField(_("reasons for the rating"))
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csr_objectives__gte=1, csr_objectives__lte=3)
                & Q(financial_profile__gte=1, financial_profile__lte=3)
                & Q(reputation_media__gte=1, reputation_media__lte=3)
                & Q(litigation__gte=1, litigation__lte=3)
                & Q(sector_country_risk__gte=1, sector_country_risk__lte=3)
                & Q(sanctions__gte=1, sanctions__lte=3),
                name="due_diligence_scores_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"due diligence {self.reviewed_on} ({self.rating})"

    @property
    def scores(self) -> list[tuple[str, str, int]]:
        return [(name, label, getattr(self, name)) for name, label in DUE_DILIGENCE_CRITERIA]

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name, _label in DUE_DILIGENCE_CRITERIA)

    @property
    def evidence_link_list(self) -> list[str]:
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]


class PartnershipSettings(models.Model):
    """Per implementer: how long a due-diligence review stays current (configurable)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="partnership_settings"
    )
    due_diligence_valid_days = models.PositiveSmallIntegerField(
        _("a due-diligence review stays current for (days)"), default=365
    )

    class Meta:
        verbose_name_plural = "partnership settings"

    def __str__(self) -> str:
        return f"partnership settings of {self.organisation}"


class DraftKind(models.TextChoices):
    CONCEPT_NOTE = "concept_note", _("Concept note")
    MESSAGE = "message", _("Message")


class Draft(OwnedModel):
    """A concept note or a message drafted in ctip (checked for avoided terms when saved)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(_("kind"), max_length=15, choices=DraftKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["-modified_at", "-id"]

    def __str__(self) -> str:
        return self.title


# --- agreements -----------------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    NDA = "nda", _("Non-disclosure agreement")
    MOU = "mou", _("Memorandum of understanding")
    PARTNERSHIP = "partnership", _("Partnership agreement")


# What PSE-1 counts and what the "agreement signed" stage needs.
PARTNERSHIP_AGREEMENTS = (AgreementKind.MOU, AgreementKind.PARTNERSHIP)


class Agreement(OwnedModel):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("type"), max_length=12, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    nda_restrictions = models.TextField(
        _("what the NDA restricts"),
        blank=True,
        help_text=_("What staff may not share, and what they may."),
    )
    sustainability_plan = models.TextField(_("what continues after the project ends"), blank=True)
    sustainability_owner = models.CharField(
        _("who owns it after the project"), max_length=200, blank=True
    )

    class Meta:
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["kind", "signed_on"])]

    def __str__(self) -> str:
        return self.title


class Side(models.TextChoices):
    COMPANY = "company", _("Company")
    PROJECT = "project", _("Project")


class CommitmentKind(models.TextChoices):
    MONEY = "money", _("Money")
    STAFF = "staff", _("Staff time")
    IN_KIND = "in_kind", _("In kind")


class Commitment(models.Model):
    """What one side commits: money and in-kind in a currency, staff time in person-days."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=CommitmentKind.choices)
    description = models.CharField(_("what"), max_length=255)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    unit = models.CharField(
        _("currency or unit"),
        max_length=12,
        help_text=_("A currency code (USD, THB) for money and in-kind; person-days for staff."),
    )

    class Meta:
        ordering = ["side", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="commitment_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.kind} {self.amount} {self.unit}"


def document_path(instance, filename: str) -> str:
    """Files are stored under a random name: the original name stays in the database only."""
    suffix = ""
    if "." in filename:
        suffix = "." + filename.rsplit(".", 1)[1].lower()[:10]
    return f"partnerships/{instance.uuid}{suffix}"


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    CONCEPT_NOTE = "concept_note", _("Concept note")
    PERIODIC_REPORT = "periodic_report", _("Periodic report")
    OTHER = "other", _("Other")


class Document(OwnedModel):
    """A file attached to an engagement (or one of its agreements); served by a scoped view."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="documents")
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    period = models.CharField(_("period covered"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class FundingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    EXPECTED = "expected", _("Expected")


class FundingYear(OwnedModel):
    """PSE budget of a country project (``organisation``) for one fiscal year."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    amount = models.DecimalField(_("PSE budget"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    status = models.CharField(_("status"), max_length=10, choices=FundingStatus.choices)

    class Meta:
        ordering = ["organisation", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fiscal_year"], name="one_funding_row_per_year"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="funding_year_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} FY{self.fiscal_year} ({self.status})"


# --- stream 1: co-created work --------------------------------------------------------------


class Workstream(OwnedModel):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="workstreams")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IMPLEMENTED = "implemented", _("Implemented")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(OwnedModel):
    """A co-created activity: planned for a date, implemented (or not) with a result."""

    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("title"), max_length=200)
    planned_on = models.DateField(_("planned for"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    done_on = models.DateField(_("implemented on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="implemented") | Q(done_on__isnull=False),
                name="implemented_activity_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- stream 2: openings and placements ------------------------------------------------------


class OpeningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class JobOpening(OwnedModel):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="openings")
    role = models.CharField(_("role"), max_length=120)
    skills = models.TextField(_("skills needed"), blank=True)
    location = models.CharField(_("location"), max_length=120)
    wage = models.DecimalField(_("wage"), max_digits=12, decimal_places=2, null=True, blank=True)
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True)
    wage_period = models.CharField(
        _("wage per"),
        max_length=10,
        blank=True,
        choices=[("day", _("day")), ("month", _("month"))],
    )
    positions = models.PositiveSmallIntegerField(_("positions"), default=1)
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(
        _("status"), max_length=10, choices=OpeningStatus.choices, default=OpeningStatus.OPEN
    )

    class Meta:
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return self.role


class Placement(OwnedModel):
    """A survivor placed through an opening: the link to their job-placement service."""

    opening = models.ForeignKey(JobOpening, on_delete=models.PROTECT, related_name="placements")
    job_placement = models.OneToOneField(
        "services.JobPlacement", on_delete=models.CASCADE, related_name="partnership_placement"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"placement {self.pk} in {self.opening_id}"


# --- actions, communication, health ---------------------------------------------------------


class ActionLevel(models.TextChoices):
    HIGH = "high", _("High: signed agreement with resources committed")
    MEDIUM = "medium", _("Medium: private-sector/government meeting, policy change expected")
    LOW = "low", _("Low: meeting, training or event")


class PartnerAction(OwnedModel):
    """An action in the donors' log (PSE-2), with the level's definition enforced."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="actions")
    on = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=10, choices=ActionLevel.choices)
    description = models.CharField(_("what happened"), max_length=255)
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    government_present = models.BooleanField(_("government took part"), default=False)
    expected_policy_change = models.CharField(
        _("policy change expected"), max_length=255, blank=True
    )

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["on", "level"])]

    def __str__(self) -> str:
        return f"{self.level} action {self.on}"


class CheckInMode(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Site visit")


class CheckIn(OwnedModel):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="check_ins")
    on = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=10, choices=CheckInMode.choices)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"check-in {self.on}"


HEALTH_FACTORS: tuple[tuple[str, str], ...] = (
    ("shared_goals", _("Shared goals")),
    ("trust", _("Trust")),
    ("communication", _("Communication")),
    ("resource_parity", _("Resource parity")),
    ("decision_making", _("Decision-making")),
    ("progress", _("Progress")),
    ("sustainability", _("Sustainability")),
)
STRENGTH_AT_LEAST = 4.0
CONCERN_AT_MOST = 2.9


class HealthCheck(OwnedModel):
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="health_checks"
    )
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"health check {self.on}"


class HealthRating(models.Model):
    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="ratings")
    side = models.CharField(max_length=10, choices=Side.choices)
    factor = models.CharField(max_length=20, choices=HEALTH_FACTORS)
    score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["factor", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "side", "factor"], name="one_rating_each"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="health_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.factor} {self.side} {self.score}"


# --- stakeholders ---------------------------------------------------------------------------


class StakeholderKind(models.TextChoices):
    GOVERNMENT = "government", _("Government agency")
    INDUSTRY = "industry", _("Industry association")
    UN = "un", _("UN body")
    NGO = "ngo", _("NGO")
    OTHER = "other", _("Other")


class Stakeholder(OwnedModel):
    """Government agencies, industry associations, UN bodies, NGOs (owned by the implementer)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=StakeholderKind.choices)
    country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="stakeholder_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StakeholderLink(models.Model):
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="stakeholder_links"
    )
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.PROTECT, related_name="links")
    relationship = models.CharField(_("relationship"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stakeholder__kind", "stakeholder__name"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "stakeholder"], name="stakeholder_once")
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder_id} on {self.engagement_id}"


# --- concerns (restricted) ------------------------------------------------------------------

CONCERNS_GROUP = "pse-concerns"


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ConcernStepKind(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    REPORTED = "reported", _("Reported under the code of conduct")
    NDA_REVIEWED = "nda_reviewed", _("NDA reviewed: what may be shared")
    DECISION = "decision", _("Decision")
    REFERRED = "referred", _("Referred to the authorities")
    CLOSED = "closed", _("Closed")


class Concern(OwnedModel):
    """A suspected labour abuse in a partner's supply chain. Restricted: only members of the
    `pse-concerns` group who can see the engagement ever learn that it exists."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="concerns")
    found_on = models.DateField(_("found on"))
    summary = EncryptedTextField(_("what was found"))
    nda_allows = EncryptedTextField(_("what the NDA allows us to share"))
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )

    class Meta:
        ordering = ["-found_on", "-id"]

    def __str__(self) -> str:
        return f"concern {self.uuid}"


class ConcernStep(models.Model):
    """One step of the protocol: who decided what, and when."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=15, choices=ConcernStepKind.choices)
    on = models.DateField(_("date"))
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    note = EncryptedTextField(_("note"))
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"
