"""Learning: most significant change (MSC) stories and their selection up the hierarchy of
panels, pause-and-reflect sessions with their decisions and actions, the learning agenda and
the evaluation register.

Stories can identify people: their title, text, "why it matters", the teller's name, the
panels' reasons, verification findings and the notes of feedback to tellers are encrypted
field by field (`EncryptedTextField`). Every read of a story's text is audited
(`services.story_view_record`). See docs/learning.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.core.fields import EncryptedTextField
from ctip.core.models import OrganisationKind, OwnedModel


class Language(models.TextChoices):
    """The programme's languages (DESIGN.md, "Translations")."""

    EN = "en", _("English")
    TH = "th", _("Thai")
    KM = "km", _("Khmer")
    LO = "lo", _("Lao")
    BN = "bn", _("Bengali")
    NE = "ne", _("Nepali")
    MY = "my", _("Burmese")


# --- most significant change: domains ------------------------------------------------------

# Programmes that own domains of change, learning questions and sessions' scope.
PROGRAMME_KINDS = (OrganisationKind.IMPLEMENTER, OrganisationKind.COUNTRY_PROJECT)


class Domain(OwnedModel):
    """A domain of change of one programme (``organisation``: a country project or the
    implementer). Every programme has exactly one open domain, "any other change", created with
    its first domain and never retired, so a story that fits no domain still has a home."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what belongs here"), blank=True)
    is_open = models.BooleanField(_("open domain (any other change)"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["organisation__path", "is_open", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="learning_domain_name_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_open=True),
                name="learning_one_open_domain",
            ),
            models.CheckConstraint(
                condition=Q(is_open=False) | Q(active=True), name="learning_open_domain_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- most significant change: stories ------------------------------------------------------


class TellerType(models.TextChoices):
    SURVIVOR = "survivor", _("Survivor")
    STAFF = "staff", _("Staff")
    PARTNER = "partner", _("Partner")
    COMPANY = "company", _("Company")
    COMMUNITY = "community", _("Community member")


class ConsentScope(models.TextChoices):
    """How far the teller allowed the story to travel (always without their name)."""

    INTERNAL = "internal", _("Inside the programme only")
    REPORTS = "reports", _("Programme and donor reports")
    PUBLIC = "public", _("Public use (publications, website)")


class Story(OwnedModel):
    """One MSC story (``organisation``: where it was collected, usually a partner)."""

    ref = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="stories", verbose_name=_("domain")
    )
    teller_type = models.CharField(_("told by"), max_length=12, choices=TellerType.choices)
    # Anonymised by default: the name is optional and encrypted.
    teller_name = EncryptedTextField(_("teller's name (optional)"))
    survivor = models.ForeignKey(
        "cases.Survivor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="msc_stories",
        verbose_name=_("survivor record"),
    )
    consent_given = models.BooleanField(_("consent to use the story"), default=False)
    consent_scope = models.CharField(
        _("consent scope"), max_length=10, choices=ConsentScope.choices, blank=True
    )
    language = models.CharField(_("language told in"), max_length=2, choices=Language.choices)
    title = EncryptedTextField(_("title"))
    text = EncryptedTextField(_("the story"))
    why_it_matters = EncryptedTextField(_("why it matters to the teller"))
    collected_on = models.DateField(_("collected on"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("collected by"),
    )

    class Meta:
        ordering = ["-collected_on", "-id"]
        verbose_name_plural = "stories"
        constraints = [
            models.CheckConstraint(
                condition=(Q(consent_given=True) & ~Q(consent_scope=""))
                | (Q(consent_given=False) & Q(consent_scope="")),
                name="learning_story_consent_scope",
            ),
            models.CheckConstraint(
                condition=Q(survivor__isnull=True) | Q(teller_type="survivor"),
                name="learning_story_survivor_link_only_for_survivors",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "collected_on"])]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_public(self) -> bool:
        return self.consent_given and self.consent_scope == ConsentScope.PUBLIC


class VerificationResult(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PARTLY = "partly", _("Partly confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")


class Verification(models.Model):
    """Someone checked what a story says happened, and wrote down what they found."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="verifications")
    verified_on = models.DateField(_("verified on"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(_("result"), max_length=15, choices=VerificationResult.choices)
    findings = EncryptedTextField(_("what was found"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-verified_on", "-id"]

    def __str__(self) -> str:
        return f"{self.story_id} verified {self.verified_on}"


# --- selection rounds ----------------------------------------------------------------------


class Level(models.TextChoices):
    """Panels climb the tree: partner → country project → implementer."""

    PARTNER = "partner", _("Partner")
    COUNTRY_PROJECT = "country_project", _("Country project")
    IMPLEMENTER = "implementer", _("Implementer")


LEVEL_ORDER = [Level.PARTNER, Level.COUNTRY_PROJECT, Level.IMPLEMENTER]
LEVEL_OF_KIND = {
    OrganisationKind.PARTNER: Level.PARTNER,
    OrganisationKind.COUNTRY_PROJECT: Level.COUNTRY_PROJECT,
    OrganisationKind.IMPLEMENTER: Level.IMPLEMENTER,
}


class Method(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus")
    VOTE = "vote", _("Vote")
    SCORE = "score", _("Score")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SelectionRound(OwnedModel):
    """A panel's selection at one level (``organisation``: the panel's partner, country project
    or implementer). Candidates: at a partner, the stories collected in its subtree in the
    period; higher up, the stories chosen by the closed rounds of the level below, in the
    subtree, held in the period."""

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, editable=False)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    held_on = models.DateField(_("held on"))
    panel = models.TextField(_("panel members"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="learning_round_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class Tally(models.Model):
    """Votes for, or the total score of, one candidate story in a round (vote/score methods)."""

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="tallies")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="tallies")
    value = models.DecimalField(_("votes or score"), max_digits=7, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "story"], name="learning_tally_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="learning_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.value}"


class Choice(models.Model):
    """The story a round chose in one domain, with the panel's written reasons."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="choices")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="choices")
    reasons = EncryptedTextField(_("why the panel chose it"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "domain__position", "domain__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "domain"], name="learning_one_choice_per_domain"
            ),
            models.UniqueConstraint(fields=["round", "story"], name="learning_story_chosen_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.domain_id}: {self.story_id}"


class FeedbackMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message (text or chat)")
    LETTER = "letter", _("Letter")
    GROUP = "group", _("Group meeting")


class TellerFeedback(models.Model):
    """The panel's choice and reasons were told back to the teller: when, how, by whom."""

    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="feedback")
    fed_back_on = models.DateField(_("told on"))
    method = models.CharField(_("how"), max_length=12, choices=FeedbackMethod.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(_("note (their response)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fed_back_on", "id"]

    def __str__(self) -> str:
        return f"feedback on {self.choice_id} ({self.fed_back_on})"


# --- evaluations ---------------------------------------------------------------------------


class EvaluationKind(models.TextChoices):
    PROCESS = "process", _("Process evaluation")
    OUTCOME = "outcome", _("Outcome evaluation")


class Independence(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    INDEPENDENT = "independent", _("Independent")


class EvaluationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMMISSIONED = "commissioned", _("Commissioned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


NOT_STARTED = (EvaluationStatus.PLANNED, EvaluationStatus.COMMISSIONED)


class Evaluation(OwnedModel):
    """One entry of the evaluation register, planned at design time (``organisation``: the
    programme it evaluates)."""

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=EvaluationKind.choices)
    independence = models.CharField(
        _("internal or independent"), max_length=12, choices=Independence.choices
    )
    evaluator = models.CharField(_("evaluator"), max_length=200, blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.PLANNED,
    )
    findings = models.TextField(_("findings"), blank=True)
    management_response = models.TextField(_("management response"), blank=True)

    class Meta:
        ordering = ["planned_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__lte=models.F("planned_end")),
                name="learning_evaluation_planned_ordered",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | ~Q(currency=""),
                name="learning_evaluation_budget_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in NOT_STARTED and self.planned_start < today


# --- pause and reflect ---------------------------------------------------------------------


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReflectionSession(OwnedModel):
    """A pause-and-reflect session: what the team looked at, concluded and decided."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    conclusions = models.TextField(_("what we concluded"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stories = models.ManyToManyField(Story, blank=True, related_name="sessions")
    evaluations = models.ManyToManyField(Evaluation, blank=True, related_name="sessions")

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN


class IndicatorSnapshot(models.Model):
    """An indicator as the session saw it: the value is copied when the link is made, so the
    record keeps what the team looked at even after the data behind it changes."""

    session = models.ForeignKey(
        ReflectionSession, on_delete=models.CASCADE, related_name="indicator_snapshots"
    )
    code = models.CharField(_("indicator"), max_length=20)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    period_label = models.CharField(_("period"), max_length=10)
    scope_code = models.CharField(_("organisation"), max_length=40)
    value = models.FloatField(null=True, blank=True)
    numerator = models.IntegerField(null=True, blank=True)
    denominator = models.IntegerField(null=True, blank=True)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["code", "period_label"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "code", "period_label", "scope_code"],
                name="learning_snapshot_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period_label} {self.scope_code} = {self.value}"


class ThemeSnapshot(models.Model):
    """A feedback theme as the session saw it: how many feedback items carried it."""

    session = models.ForeignKey(
        ReflectionSession, on_delete=models.CASCADE, related_name="theme_snapshots"
    )
    theme = models.CharField(_("feedback theme"), max_length=30)
    period_label = models.CharField(_("period"), max_length=10)
    count = models.PositiveIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["theme"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "theme", "period_label"], name="learning_theme_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.theme} {self.period_label}: {self.count}"


class DecisionKind(models.TextChoices):
    CHANGE = "change", _("Change")
    NO_CHANGE = "no_change", _("No change")


class Decision(models.Model):
    session = models.ForeignKey(
        ReflectionSession, on_delete=models.CASCADE, related_name="decisions"
    )
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    text = models.TextField(_("what changes (or why nothing changes)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Action(models.Model):
    """Something a session asked someone to do by a date; open until done (LRN-1)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(ReflectionSession, on_delete=models.CASCADE, related_name="actions")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="learning_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    progress_note = models.TextField(_("progress note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_on__isnull=False))
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="learning_action_done_has_date",
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.description[:60]

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status != ActionStatus.DONE and self.due_on < today


# --- the learning agenda -------------------------------------------------------------------


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    RETIRED = "retired", _("Retired")


class LearningQuestion(OwnedModel):
    """A question of a programme's learning agenda and what addresses it."""

    text = models.CharField(_("question"), max_length=400)
    why = models.TextField(_("why we ask it"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    answer = models.TextField(_("what we know so far"), blank=True)
    stories = models.ManyToManyField(Story, blank=True, related_name="learning_questions")
    sessions = models.ManyToManyField(
        ReflectionSession, blank=True, related_name="learning_questions"
    )
    evaluations = models.ManyToManyField(Evaluation, blank=True, related_name="learning_questions")
    studies = models.ManyToManyField(
        "evidence.Study", blank=True, related_name="learning_questions"
    )

    class Meta:
        ordering = ["organisation__path", "status", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "text"], name="learning_question_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text
