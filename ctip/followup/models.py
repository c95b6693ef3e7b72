"""Follow-up for years: schedules, contact routes and attempts, scored assessments, outcome
events, long-term cohorts, and the definitions organisations load (their licensed wordings and
weight sets).

Every record hangs on a survivor and is read through `cases.selectors.survivors_visible_to`
(see `selectors.py`). Free text and contact details are encrypted; history is kept as
`FollowupEvent` rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Survivor
from ctip.core.fields import EncryptedTextField
from ctip.core.models import ImportBatch, Organisation, OwnedModel

# Months after case opening (issue 4): the default schedule, and the cohort's, to ten years.
DEFAULT_SCHEDULE = [1, 3, 6, 12, 24, 36, 48, 60]
DEFAULT_COHORT_SCHEDULE = [1, 3, 6, 12, 18, 24, 30, 36, 48, 60, 72, 84, 96, 108, 120]
DEFAULT_LOST_AFTER_DAYS = 180


def default_schedule() -> list[int]:
    return list(DEFAULT_SCHEDULE)


def default_cohort_schedule() -> list[int]:
    return list(DEFAULT_COHORT_SCHEDULE)


class FollowupSettings(models.Model):
    """Per country project: when follow-ups fall due, and when silence means lost."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="followup_settings"
    )
    schedule_months = models.JSONField(_("follow-up months"), default=default_schedule)
    cohort_months = models.JSONField(_("cohort follow-up months"), default=default_cohort_schedule)
    lost_after_days = models.PositiveSmallIntegerField(
        _("lost to follow-up after (days unreachable on every route)"),
        default=DEFAULT_LOST_AFTER_DAYS,
    )
    modified_at = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"follow-up settings of {self.organisation}"


class ScheduleKind(models.TextChoices):
    STANDARD = "standard", _("Standard schedule")
    COHORT = "cohort", _("Long-term cohort")
    ADDED = "added", _("Added")
    IMPORTED = "imported", _("Imported")


class FollowupStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowupResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    LOST = "lost", _("Lost to follow-up")


class LostReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("Unreachable on every route")
    NUMBER_CHANGED = "number_changed", _("Changed phone number")
    MOVED = "moved", _("Moved away, address unknown")
    REMIGRATED = "remigrated", _("Migrated again, no contact")
    REFUSED = "refused", _("Does not want contact")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")
    NOT_RECORDED = "not_recorded", _("Not recorded (imported)")


class CancelReason(models.TextChoices):
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Follow-up consent withdrawn")
    LOST = "lost", _("Lost to follow-up")
    SCHEDULE_CHANGED = "schedule_changed", _("Schedule changed")


class FollowUp(OwnedModel):
    """One follow-up: due on a date, done when its result is recorded."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="followups")
    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    month = models.PositiveSmallIntegerField(_("months after case opening"), null=True, blank=True)
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.STANDARD
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FollowupStatus.choices,
        default=FollowupStatus.PENDING,
    )
    result = models.CharField(
        _("result"), max_length=12, choices=FollowupResult.choices, blank=True
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    lost_reason = models.CharField(
        _("why lost"), max_length=20, choices=LostReason.choices, blank=True
    )
    cancelled_reason = models.CharField(
        _("why cancelled"), max_length=20, choices=CancelReason.choices, blank=True
    )
    note = EncryptedTextField(_("note"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"],
                condition=~Q(ref=""),
                name="followup_ref_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["survivor", "month"],
                condition=Q(month__isnull=False),
                name="followup_one_per_month",
            ),
            models.CheckConstraint(
                condition=(Q(status="done") & ~Q(result="") & Q(done_on__isnull=False))
                | (~Q(status="done") & Q(result="")),
                name="followup_done_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(result="lost") | ~Q(lost_reason=""),
                name="followup_lost_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["survivor", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.survivor_id} due {self.due_on} ({self.status})"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == FollowupStatus.PENDING and self.due_on < timezone.localdate()


class ContactStatus(models.TextChoices):
    IN_CONTACT = "in_contact", _("In contact")
    LOST = "lost", _("Lost to follow-up")


class ContactState(models.Model):
    """Where follow-up stands for one survivor: in contact or lost (and since when)."""

    survivor = models.OneToOneField(
        Survivor, on_delete=models.CASCADE, related_name="followup_state"
    )
    status = models.CharField(
        max_length=12, choices=ContactStatus.choices, default=ContactStatus.IN_CONTACT
    )
    since = models.DateField()
    last_contact_on = models.DateField(null=True, blank=True)
    schedule_started_on = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=20, choices=LostReason.choices, blank=True)
    modified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.status} since {self.since}"


class RouteKind(models.TextChoices):
    OWN_PHONE = "own_phone", _("Own phone")
    RELATIVE = "relative", _("Relative")
    PEER = "peer", _("Peer or friend")
    MESSAGING_APP = "messaging_app", _("Messaging app")
    HOME_VISIT = "home_visit", _("Home visit")
    PARTNER_OFFICE = "partner_office", _("Partner office abroad")


class ContactRoute(OwnedModel):
    """One way to reach a survivor; its details are encrypted and shown only to PII roles."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="contact_routes")
    kind = models.CharField(_("route"), max_length=20, choices=RouteKind.choices)
    detail = EncryptedTextField(_("number, account or address"))
    label = EncryptedTextField(_("whose (e.g. mother, sister's phone)"))
    country = models.CharField(_("country"), max_length=2, blank=True)
    last_worked_on = models.DateField(_("last worked on"), null=True, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-active", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.kind}"


class AttemptResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    MESSAGE_LEFT = "message_left", _("Message left, no reply")
    ROUTE_DEAD = "route_dead", _("Number or account no longer works")
    NOT_FOUND = "not_found", _("Not found at the address")
    REFUSED = "refused", _("Reached, but refused to talk")


class ContactAttempt(models.Model):
    """Every try to reach a survivor: which route, when, what happened."""

    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    route = models.ForeignKey(
        ContactRoute, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    route_kind = models.CharField(_("route"), max_length=20, choices=RouteKind.choices)
    followup = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    attempted_on = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=20, choices=AttemptResult.choices)
    note = EncryptedTextField(_("note"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempted_on", "-id"]
        indexes = [models.Index(fields=["survivor", "-attempted_on"])]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.route_kind} {self.attempted_on} {self.result}"

    @property
    def reached(self) -> bool:
        return self.result in (AttemptResult.REACHED, AttemptResult.REFUSED)


class Assessment(OwnedModel):
    """One scored instrument, stored with the instrument and weight-set versions used.

    ``sequence`` and ``first_score`` (the survivor's first score on the same instrument) are kept
    current by the services, so outcome indicators compare first and last in one query.
    Answers are health data: encrypted, shown only to PII roles.
    """

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="assessments")
    followup = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    instrument_code = models.CharField(_("instrument"), max_length=40)
    instrument_version = models.CharField(_("instrument version"), max_length=80)
    weight_set_version = models.CharField(_("weight set"), max_length=80, blank=True)
    outcome = models.CharField(max_length=20)
    language = models.CharField(_("language"), max_length=10, blank=True)
    taken_on = models.DateField(_("taken on"))
    answers = EncryptedTextField(_("answers"))
    score = models.FloatField(_("score"))
    raw_score = models.FloatField(null=True, blank=True)
    band = models.CharField(_("band"), max_length=40, blank=True)
    cutoff = models.FloatField(null=True, blank=True)
    meets_cutoff = models.BooleanField(null=True, blank=True)
    higher_is_better = models.BooleanField()
    mid = models.FloatField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=1)
    first_score = models.FloatField()
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["taken_on", "id"]
        indexes = [
            models.Index(fields=["survivor", "instrument_code", "taken_on"]),
            models.Index(fields=["outcome", "taken_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.instrument_code} {self.score:g} on {self.taken_on}"


class AssessmentDimension(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="dimension_scores"
    )
    dimension = models.CharField(max_length=40)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension"], name="assessment_dimension_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.score:g}"


class OutcomeKind(models.TextChoices):
    RETRAFFICKED = "retrafficked", _("Re-trafficked")
    REEXPLOITED = "reexploited", _("Re-exploited")
    REMIGRATED = "remigrated", _("Migrated again")
    EMPLOYMENT = "employment", _("Work and income")
    HOUSING = "housing", _("Housing")
    SAFETY = "safety", _("Safety")


class OutcomeSource(models.TextChoices):
    SURVIVOR = "survivor", _("The survivor")
    FAMILY = "family", _("Family")
    COMMUNITY = "community", _("Community or peer")
    PARTNER = "partner", _("Partner organisation")
    AUTHORITIES = "authorities", _("Authorities")
    OTHER = "other", _("Other")


class MigrationSupport(models.TextChoices):
    NONE = "none", _("None")
    SAFE_MIGRATION = "safe_migration", _("Safe-migration counselling or pre-departure training")
    LICENSED_AGENCY = "licensed_agency", _("Licensed recruitment agency")
    GOVERNMENT_SCHEME = "government_scheme", _("Government scheme (e.g. MoU channel)")
    FAMILY_NETWORK = "family_network", _("Family or friends")
    BROKER = "broker", _("Unlicensed broker")
    UNKNOWN = "unknown", _("Unknown")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNPAID_FAMILY = "unpaid_family", _("Unpaid family work")
    STUDYING = "studying", _("Studying")
    UNEMPLOYED = "unemployed", _("Unemployed")


class HousingStatus(models.TextChoices):
    OWN_OR_FAMILY = "own_or_family", _("Own home or with family")
    RENTED = "rented", _("Rented")
    TEMPORARY = "temporary", _("Temporary")
    SHELTER = "shelter", _("Shelter")
    HOMELESS = "homeless", _("No home")


class OutcomeEvent(OwnedModel):
    """Something that happened in a survivor's life after the services: dated, attributed (who
    recorded it, who told it)."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="outcome_events")
    followup = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcome_events"
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=OutcomeKind.choices)
    occurred_on = models.DateField(_("when"))
    source = models.CharField(_("told by"), max_length=20, choices=OutcomeSource.choices)
    destination_country = models.CharField(_("migrated to (country)"), max_length=2, blank=True)
    migration_support = models.CharField(
        _("with what support"), max_length=20, choices=MigrationSupport.choices, blank=True
    )
    employment_status = models.CharField(
        _("work"), max_length=20, choices=EmploymentStatus.choices, blank=True
    )
    monthly_income = models.DecimalField(
        _("monthly income"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    income_currency = models.CharField(_("currency"), max_length=3, blank=True)
    housing_status = models.CharField(
        _("housing"), max_length=20, choices=HousingStatus.choices, blank=True
    )
    feels_safe = models.BooleanField(_("feels safe"), null=True, blank=True)
    note = EncryptedTextField(_("note"))

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["kind", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.kind} {self.occurred_on}"


class DefinitionKind(models.TextChoices):
    INSTRUMENT = "instrument", _("Instrument")
    WEIGHTS = "weights", _("Weight set")
    LICENSED_ITEMS = "licensed_items", _("Licensed item wording")


class LoadedDefinition(models.Model):
    """An organisation's own definition file (its licensed GHQ-12 wording, a weight set, a
    translated or re-thresholded instrument), in force for its subtree."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=DefinitionKind.choices)
    code = models.CharField(max_length=40)
    version = models.CharField(max_length=80)
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "kind", "code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "code", "version"], name="definition_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.version} ({self.organisation_id})"


class Cohort(OwnedModel):
    """A long-term cohort: a stratified random sample whose seed is recorded, so the draw can be
    repeated and checked (`services.cohort_verify`)."""

    name = models.CharField(_("name"), max_length=120)
    size_requested = models.PositiveSmallIntegerField(_("size"))
    seed = models.BigIntegerField(_("seed"))
    as_of = models.DateField(_("sampling frame as of"))
    strata = models.CharField(max_length=100)
    algorithm = models.CharField(max_length=40)
    frame_size = models.PositiveIntegerField()
    frame_sha256 = models.CharField(max_length=64)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return self.name


class CohortMember(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    stratum = models.CharField(max_length=120)
    draw_order = models.PositiveIntegerField()
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["cohort", "draw_order"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "survivor"], name="cohort_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.survivor_id}"


class FollowupEvent(models.Model):
    """The history of follow-up for one survivor; types from `FollowupEventType`."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="followup_events")
    type = models.CharField(max_length=40)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.survivor_id} {self.type} {self.on}"


class FollowupEventType:
    SCHEDULE_CREATED = "schedule_created"
    FOLLOWUP_RECORDED = "followup_recorded"
    FOLLOWUP_ADDED = "followup_added"
    ATTEMPT_RECORDED = "attempt_recorded"
    ROUTE_ADDED = "route_added"
    ROUTE_CHANGED = "route_changed"
    ROUTE_RETIRED = "route_retired"
    ASSESSMENT_RECORDED = "assessment_recorded"
    OUTCOME_RECORDED = "outcome_recorded"
    LOST = "lost"
    FOUND = "found"
    STOPPED = "stopped"  # follow-up consent withdrawn: pending follow-ups cancelled
    COHORT_JOINED = "cohort_joined"
    COHORT_LEFT = "cohort_left"
    IMPORTED = "imported"
