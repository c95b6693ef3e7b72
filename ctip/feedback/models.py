"""Anonymous feedback: channels, submissions (online and paper), receipts, triage, replies.

What is NOT here is the point. A submission row holds no IP address, user agent, cookie or
session, and no exact time: only the day it arrived (``received_on``). Rows a sender creates
(feedback, its themes, the sender's messages, pre-printed paper sheets) take a random 62-bit
primary key instead of a counter, so neither the ids nor (on SQLite) the physical order of rows
tell who wrote before whom on a given day. Free text (the feedback, messages, staff notes) is
encrypted field by field: a sender may have written a name despite the warning.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.core.fields import EncryptedTextField
from ctip.core.models import OwnedModel

BODY_MAX_CHARS = 4000
RESERVED_SLUGS = ("status",)


def random_id() -> int:
    """A primary key that says nothing about when its row was written."""
    return secrets.randbelow(2**62) + 1


class RandomIdModel(models.Model):
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)

    class Meta:
        abstract = True


class Audience(models.TextChoices):
    BENEFICIARIES = "beneficiaries", _("Beneficiaries (survivors and families)")
    STAFF = "staff", _("Project staff")
    PARTNERS = "partners", _("Partner organisations")


class Channel(OwnedModel):
    """One feedback form with its public address ``/f/<slug>``, owned by an organisation node."""

    slug = models.SlugField(_("short address"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    # Language codes from texts.LANGUAGES, the first is the default of the form.
    languages = models.JSONField(_("languages"), default=list)
    # Closed question codes from texts.QUESTIONS, in the order asked.
    questions = models.JSONField(_("closed questions"), default=list)
    # Theme codes from texts.THEMES offered on the form.
    themes = models.JSONField(_("themes to pick"), default=list)
    ask_satisfaction = models.BooleanField(_("ask the picture scale (faces)"), default=True)
    ask_free_text = models.BooleanField(_("ask for free text"), default=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("submissions accepted per minute"), default=60
    )
    is_open = models.BooleanField(_("open for new feedback"), default=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_SLUGS), name="feedback_channel_slug_not_reserved"
            ),
            models.CheckConstraint(
                condition=Q(rate_limit_per_minute__gte=1), name="feedback_channel_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (/f/{self.slug})"

    @property
    def staff_audience(self) -> bool:
        return self.audience != Audience.BENEFICIARIES


class Source(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Feedback(RandomIdModel):
    """One anonymous submission. ``received_on`` is a day, never a time."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="feedback")
    received_on = models.DateField(_("received on"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    language = models.CharField(_("language"), max_length=5)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    # question code -> one of texts.ANSWERS
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    body = EncryptedTextField(_("message"))
    # The sender said it is about a staff member's conduct, or staff escalated it: only the
    # safeguarding group outside the project line sees it (selectors.feedback_visible_to).
    safeguarding = models.BooleanField(_("about staff conduct (safeguarding)"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    spam = models.BooleanField(_("spam"), default=False)
    # The sender wrote (first or again) and no staff reply has followed yet.
    awaiting_reply = models.BooleanField(default=True)
    # scrypt of the receipt code (receipts.code_hash); the code itself is never stored.
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-received_on", "id"]
        indexes = [models.Index(fields=["channel", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="feedback_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"feedback {self.uuid} ({self.received_on})"

    @property
    def ref(self) -> str:
        """A short reference staff can say aloud (never the receipt code)."""
        return str(self.uuid)[:8].upper()


class FeedbackTheme(RandomIdModel):
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="theme_rows")
    theme = models.CharField(max_length=30)
    # False: the sender picked it; True: staff added it during triage.
    by_staff = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "theme"], name="feedback_theme_once")
        ]

    def __str__(self) -> str:
        return self.theme


class FeedbackTag(models.Model):
    """A free label staff put on an item during triage (e.g. "shelter food", "Chiang Mai")."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="tags")
    label = models.CharField(max_length=40)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "label"], name="feedback_tag_once")
        ]

    def __str__(self) -> str:
        return self.label


class Author(models.TextChoices):
    SENDER = "sender", _("Sender")
    STAFF = "staff", _("Staff")


class FeedbackMessage(RandomIdModel):
    """The two-way conversation after the first message: replies the sender reads with the
    receipt code, and what the sender writes back. Dated by day; ``seq`` keeps the order."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField()
    sent_on = models.DateField()

    class Meta:
        ordering = ["feedback", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "seq"], name="feedback_message_seq"),
            models.CheckConstraint(
                condition=Q(author_kind="staff") | Q(author__isnull=True),
                name="feedback_message_sender_has_no_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_kind} message {self.seq} on {self.feedback_id}"


class FeedbackNote(models.Model):
    """An internal note: staff only, never shown to the sender; encrypted (it may identify)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField()
    written_on = models.DateField()

    class Meta:
        ordering = ["written_on", "id"]

    def __str__(self) -> str:
        return f"note on {self.feedback_id}"


class EventType(models.TextChoices):
    """The registry of triage event names (staff actions; a sender's acts are messages)."""

    ENTERED_FROM_PAPER = "entered_from_paper", _("Entered from a paper sheet")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("Marked in progress")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    REPLIED = "replied", _("Replied to the sender")
    ASSIGNED = "assigned", _("Assigned")
    THEMES_CHANGED = "themes_changed", _("Themes changed")
    TAGS_CHANGED = "tags_changed", _("Tags changed")
    MARKED_SPAM = "marked_spam", _("Marked as spam")
    UNMARKED_SPAM = "unmarked_spam", _("No longer spam")
    ESCALATED = "escalated", _("Sent to safeguarding")
    NOTE_ADDED = "note_added", _("Internal note added")
    LINKED_ACTION = "linked_action", _("Linked to an action taken")


class FeedbackEvent(models.Model):
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    on = models.DateField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.event_type} on {self.feedback_id}"


class PaperBatch(OwnedModel):
    """One print run of feedback sheets for a channel (the codes were shown once, then lost)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="paper_batches")
    language = models.CharField(max_length=5)
    count = models.PositiveIntegerField()
    printed_on = models.DateField()

    class Meta:
        ordering = ["-printed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.count} sheets for {self.channel.slug} ({self.printed_on})"


class PaperSheet(RandomIdModel):
    """A pre-printed sheet: the hash of its receipt code, stored when it was printed."""

    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="sheets")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    receipt_hash = models.CharField(max_length=64, unique=True)
    entered = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"sheet of {self.batch_id}"


class ActionKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    SERVICE_CHANGE = "service_change", _("Service change")
    POLICY = "policy", _("Policy or procedure")
    STAFFING = "staffing", _("Staffing or training")
    DESIGN = "design", _("Project design")
    OTHER = "other", _("Other")


class FeedbackAction(OwnedModel):
    """What changed: an action taken because of feedback, linked to the items that led to it."""

    title = models.CharField(_("what was done"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    description = EncryptedTextField(_("details"))
    taken_on = models.DateField(_("taken on"))
    feedback = models.ManyToManyField(Feedback, related_name="actions", blank=True)

    class Meta:
        ordering = ["-taken_on", "-id"]

    def __str__(self) -> str:
        return self.title


class RateCounter(models.Model):
    """Submissions per bucket (a channel's form, a status page) in one clock minute.

    Shared by every gunicorn worker through the database. Rows older than the previous minute
    are deleted as soon as a new minute starts, so the table never holds more than a count for
    the last two minutes (and no link to any submission).
    """

    bucket = models.CharField(max_length=40)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "minute"], name="feedback_rate_bucket_minute")
        ]

    def __str__(self) -> str:
        return f"{self.bucket}@{self.minute}: {self.count}"
