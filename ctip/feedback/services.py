"""Writes of `feedback`.

Anonymous writes (``feedback_submit``, ``sender_write_back``) take no user, no request and no
origin: they cannot record who or where from, and they write no audit entry or event row (both
would carry an exact time). Staff writes validate, save, append a ``FeedbackEvent`` (dated by
day) and write the audit entry, as everywhere in ctip.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Organisation
from ctip.feedback import receipts, texts
from ctip.feedback.models import (
    BODY_MAX_CHARS,
    ActionKind,
    Audience,
    Author,
    Channel,
    EventType,
    Feedback,
    FeedbackAction,
    FeedbackEvent,
    FeedbackMessage,
    FeedbackNote,
    FeedbackTag,
    FeedbackTheme,
    PaperBatch,
    PaperSheet,
    Source,
    Status,
)
from ctip.feedback.protection import rate_limit_hit

MAX_SHEETS_PER_PRINT = 200
TAG_MAX_CHARS = 40


class RateLimited(Exception):
    """Too many submissions to this channel in this minute: nothing was saved."""


class ChannelClosed(Exception):
    """The channel takes no new feedback."""


def _today() -> dt.date:
    return timezone.localdate()


def _audit(origin: Origin, action: str, feedback: Feedback, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type="feedback",
        object_ref=str(feedback.uuid),
        organisation_code=feedback.channel.organisation.code,
        detail=detail,
    )


def _event(origin: Origin, feedback: Feedback, event_type: str, **detail) -> FeedbackEvent:
    return FeedbackEvent.objects.create(
        feedback=feedback, event_type=event_type, actor=origin.user, on=_today(), detail=detail
    )


# --- channels ----------------------------------------------------------------------------------


def _channel_defaults(audience: str) -> tuple[list[str], list[str]]:
    if audience == Audience.BENEFICIARIES:
        return list(texts.QUESTIONS_FOR_BENEFICIARIES), list(texts.THEMES_FOR_BENEFICIARIES)
    return list(texts.QUESTIONS_FOR_STAFF), list(texts.THEMES_FOR_STAFF)


def _validate_channel(channel: Channel) -> None:
    errors = {}
    if not channel.languages or any(c not in texts.LANGUAGES for c in channel.languages):
        errors["languages"] = _("Choose at least one of the form's languages.")
    if any(q not in texts.QUESTIONS for q in channel.questions):
        errors["questions"] = _("Unknown question.")
    if any(t not in texts.THEMES for t in channel.themes):
        errors["themes"] = _("Unknown theme.")
    if errors:
        raise ValidationError(errors)
    channel.full_clean()


@transaction.atomic
def channel_create(
    *,
    origin: Origin,
    organisation: Organisation,
    slug: str,
    name: str,
    audience: str,
    languages: list[str],
    questions: list[str] | None = None,
    themes: list[str] | None = None,
    ask_satisfaction: bool = True,
    ask_free_text: bool = True,
    rate_limit_per_minute: int = 60,
) -> Channel:
    """A feedback form with its public address /f/<slug>."""
    default_questions, default_themes = _channel_defaults(audience)
    channel = Channel(
        organisation=organisation,
        created_by=origin.user,
        slug=slug.strip().lower(),
        name=name.strip(),
        audience=audience,
        languages=list(dict.fromkeys(languages)),
        questions=list(default_questions if questions is None else questions),
        themes=list(default_themes if themes is None else themes),
        ask_satisfaction=ask_satisfaction,
        ask_free_text=ask_free_text,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    if channel.slug in ("status",):
        raise ValidationError({"slug": _("This address is reserved.")})
    _validate_channel(channel)
    channel.save()
    audit_write(
        origin=origin,
        action=Action.CREATE,
        object_type="feedback_channel",
        object_ref=channel.slug,
        organisation_code=organisation.code,
    )
    return channel


CHANNEL_FIELDS = (
    "name",
    "audience",
    "languages",
    "questions",
    "themes",
    "ask_satisfaction",
    "ask_free_text",
    "rate_limit_per_minute",
    "is_open",
)


@transaction.atomic
def channel_update(*, origin: Origin, channel: Channel, **values) -> Channel:
    unknown = set(values) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    changed = sorted(k for k, v in values.items() if getattr(channel, k) != v)
    for key, value in values.items():
        setattr(channel, key, value)
    _validate_channel(channel)
    channel.save()
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="feedback_channel",
        object_ref=channel.slug,
        organisation_code=channel.organisation.code,
        detail={"fields": changed},
    )
    return channel


# --- the anonymous submission ------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    feedback: Feedback
    code: str  # shown once to the sender, never stored

    @property
    def code_grouped(self) -> str:
        return receipts.code_grouped(self.code)


def _clean_content(
    channel: Channel,
    *,
    language: str,
    satisfaction: int | None,
    answers: dict[str, str],
    themes: Iterable[str],
    body: str,
) -> tuple[str, dict, list[str], str]:
    body = (body or "").strip()
    if len(body) > BODY_MAX_CHARS:
        raise ValidationError({"body": "too_long"}, code="too_long")
    if satisfaction is not None and satisfaction not in texts.SCALE:
        raise ValidationError({"satisfaction": "invalid"}, code="invalid")
    answers = {k: v for k, v in (answers or {}).items() if v}
    if any(k not in channel.questions or v not in texts.ANSWERS for k, v in answers.items()):
        raise ValidationError({"answers": "invalid"}, code="invalid")
    themes = list(dict.fromkeys(themes or []))
    if any(t not in channel.themes for t in themes):
        raise ValidationError({"themes": "invalid"}, code="invalid")
    if satisfaction is None and not answers and not themes and not body:
        raise ValidationError("empty", code="empty")
    if language not in channel.languages:
        language = channel.languages[0] if channel.languages else texts.DEFAULT_LANGUAGE
    return language, answers, themes, body


def feedback_submit(
    *,
    channel: Channel,
    language: str,
    satisfaction: int | None = None,
    answers: dict[str, str] | None = None,
    themes: Iterable[str] = (),
    body: str = "",
    safeguarding: bool = False,
) -> Submission:
    """Save one anonymous submission and return it with its receipt code (shown once).

    Raises ChannelClosed, RateLimited (nothing saved) or ValidationError (codes: empty,
    too_long, invalid).
    """
    if not channel.is_open:
        raise ChannelClosed
    language, answers, themes, body = _clean_content(
        channel,
        language=language,
        satisfaction=satisfaction,
        answers=answers or {},
        themes=themes,
        body=body,
    )
    for _attempt in range(3):
        # The slow hash runs before the transaction: SQLite writers wait for nobody's scrypt.
        code = receipts.code_new()
        digest = receipts.code_hash(code)
        try:
            with transaction.atomic():
                if not rate_limit_hit(
                    f"submit:{channel.pk}", channel.rate_limit_per_minute
                ).allowed:
                    raise RateLimited
                feedback = Feedback.objects.create(
                    channel=channel,
                    received_on=_today(),
                    source=Source.ONLINE,
                    language=language,
                    satisfaction=satisfaction,
                    answers=answers,
                    body=body,
                    safeguarding=bool(safeguarding),
                    receipt_hash=digest,
                )
                FeedbackTheme.objects.bulk_create(
                    [FeedbackTheme(feedback=feedback, theme=theme) for theme in themes]
                )
        except IntegrityError:  # a receipt hash already taken (1 in 10^15): draw again
            continue
        return Submission(feedback=feedback, code=code)
    raise RuntimeError("could not draw a free receipt code")


def sender_write_back(*, feedback: Feedback, body: str) -> FeedbackMessage:
    """The sender writes again (with the receipt code). A closed item opens again."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("empty", code="empty")
    if len(body) > BODY_MAX_CHARS:
        raise ValidationError("too_long", code="too_long")
    with transaction.atomic():
        if not rate_limit_hit(
            f"submit:{feedback.channel_id}", feedback.channel.rate_limit_per_minute
        ).allowed:
            raise RateLimited
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        message = _message_add(locked, author_kind=Author.SENDER, author=None, body=body)
        locked.awaiting_reply = True
        if locked.status == Status.CLOSED:
            locked.status = Status.IN_PROGRESS
            locked.closed_on = None
        locked.save(update_fields=["awaiting_reply", "status", "closed_on"])
    feedback.refresh_from_db()
    return message


def _message_add(feedback: Feedback, *, author_kind: str, author, body: str) -> FeedbackMessage:
    last = feedback.messages.aggregate(m=Max("seq"))["m"] or 0
    return FeedbackMessage.objects.create(
        feedback=feedback,
        seq=last + 1,
        author_kind=author_kind,
        author=author,
        body=body,
        sent_on=_today(),
    )


# --- paper -------------------------------------------------------------------------------------


@transaction.atomic
def paper_sheets_print(
    *, origin: Origin, channel: Channel, count: int, language: str
) -> tuple[PaperBatch, list[str]]:
    """Draw ``count`` receipt codes for printed sheets; store their hashes, return the codes
    (to print once: they are never stored, and a lost print run is simply printed again)."""
    if not 1 <= count <= MAX_SHEETS_PER_PRINT:
        raise ValidationError(
            {
                "count": _("Print from 1 to %(max)d sheets at a time.")
                % {"max": MAX_SHEETS_PER_PRINT}
            }
        )
    if language not in channel.languages:
        raise ValidationError({"language": _("The channel does not offer this language.")})
    batch = PaperBatch.objects.create(
        organisation=channel.organisation,
        created_by=origin.user,
        channel=channel,
        language=language,
        count=count,
        printed_on=_today(),
    )
    codes = [receipts.code_new() for _n in range(count)]
    PaperSheet.objects.bulk_create(
        [
            PaperSheet(batch=batch, channel=channel, receipt_hash=receipts.code_hash(c))
            for c in codes
        ]
    )
    audit_write(
        origin=origin,
        action=Action.CREATE,
        object_type="feedback_paper_batch",
        object_ref=str(batch.uuid),
        organisation_code=channel.organisation.code,
        detail={"channel": channel.slug, "sheets": count, "language": language},
    )
    return batch, codes


def feedback_enter_paper(
    *,
    origin: Origin,
    sheet: PaperSheet,
    received_on: dt.date,
    language: str,
    satisfaction: int | None = None,
    answers: dict[str, str] | None = None,
    themes: Iterable[str] = (),
    body: str = "",
    safeguarding: bool = False,
) -> Feedback:
    """A clerk types in a returned sheet; it becomes feedback under the sheet's receipt code."""
    if received_on > _today():
        raise ValidationError({"received_on": _("This date is in the future.")})
    channel = sheet.channel
    try:
        language, answers, themes, body = _clean_content(
            channel,
            language=language,
            satisfaction=satisfaction,
            answers=answers or {},
            themes=themes,
            body=body,
        )
    except ValidationError as exc:
        raise ValidationError(_("Fill in at least one answer or the message.")) from exc
    with transaction.atomic():
        locked = PaperSheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.entered:
            raise ValidationError({"code": _("This sheet has been entered already.")})
        feedback = Feedback.objects.create(
            channel=channel,
            received_on=received_on,
            source=Source.PAPER,
            language=language,
            satisfaction=satisfaction,
            answers=answers,
            body=body,
            safeguarding=bool(safeguarding),
            receipt_hash=locked.receipt_hash,
        )
        FeedbackTheme.objects.bulk_create(
            [FeedbackTheme(feedback=feedback, theme=theme) for theme in themes]
        )
        locked.entered = True
        locked.save(update_fields=["entered"])
        _event(origin, feedback, EventType.ENTERED_FROM_PAPER)
        _audit(origin, Action.CREATE, feedback, source="paper")
    return feedback


# --- triage ------------------------------------------------------------------------------------

ALLOWED_STATUS = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.IN_PROGRESS: {Status.ACKNOWLEDGED, Status.CLOSED},
    Status.CLOSED: {Status.IN_PROGRESS},
}
STATUS_EVENTS = {
    Status.ACKNOWLEDGED: EventType.ACKNOWLEDGED,
    Status.IN_PROGRESS: EventType.IN_PROGRESS,
    Status.CLOSED: EventType.CLOSED,
}


def _has_staff_reply(feedback: Feedback) -> bool:
    return feedback.messages.filter(author_kind=Author.STAFF).exists()


def _set_status(origin: Origin, feedback: Feedback, status: str) -> None:
    if status == feedback.status:
        return
    if status not in ALLOWED_STATUS[Status(feedback.status)]:
        raise ValidationError({"status": _("This change of status is not possible.")})
    if status == Status.CLOSED and not _has_staff_reply(feedback):
        raise ValidationError(
            {"status": _("Write a reply the sender can read before closing the feedback.")}
        )
    reopened = feedback.status == Status.CLOSED
    feedback.status = status
    if feedback.acknowledged_on is None:
        feedback.acknowledged_on = _today()
    feedback.closed_on = _today() if status == Status.CLOSED else None
    feedback.save(update_fields=["status", "acknowledged_on", "closed_on"])
    _event(origin, feedback, EventType.REOPENED if reopened else STATUS_EVENTS[status])


@transaction.atomic
def feedback_set_status(*, origin: Origin, feedback: Feedback, status: str) -> Feedback:
    """new → acknowledged → in progress → closed (closing needs a reply the sender can read)."""
    before = feedback.status
    _set_status(origin, feedback, status)
    _audit(origin, Action.CHANGE, feedback, status=[before, feedback.status])
    return feedback


@transaction.atomic
def feedback_reply(
    *, origin: Origin, feedback: Feedback, body: str, close: bool = False
) -> FeedbackMessage:
    """A reply the sender reads with the receipt code. Replying acknowledges a new item."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the reply.")})
    if len(body) > BODY_MAX_CHARS:
        raise ValidationError({"body": _("A reply holds up to 4000 characters.")})
    message = _message_add(feedback, author_kind=Author.STAFF, author=origin.user, body=body)
    feedback.awaiting_reply = False
    feedback.save(update_fields=["awaiting_reply"])
    _event(origin, feedback, EventType.REPLIED)
    if feedback.status == Status.NEW:
        _set_status(origin, feedback, Status.ACKNOWLEDGED)
    if close:
        _set_status(origin, feedback, Status.CLOSED)
    _audit(origin, Action.CHANGE, feedback, replied=True, closed=close)
    return message


@transaction.atomic
def feedback_assign(*, origin: Origin, feedback: Feedback, assignee) -> Feedback:
    from ctip.feedback.selectors import users_who_can_triage

    if assignee is not None and not users_who_can_triage(feedback).filter(pk=assignee.pk).exists():
        raise ValidationError({"assigned_to": _("This person cannot see this feedback.")})
    feedback.assigned_to = assignee
    feedback.save(update_fields=["assigned_to"])
    _event(origin, feedback, EventType.ASSIGNED, to=getattr(assignee, "username", ""))
    _audit(origin, Action.CHANGE, feedback, assigned_to=getattr(assignee, "username", ""))
    return feedback


@transaction.atomic
def feedback_set_themes(*, origin: Origin, feedback: Feedback, themes: Iterable[str]) -> Feedback:
    wanted = list(dict.fromkeys(themes))
    if any(t not in texts.THEMES for t in wanted):
        raise ValidationError({"themes": _("Unknown theme.")})
    current = set(feedback.theme_rows.values_list("theme", flat=True))
    feedback.theme_rows.exclude(theme__in=wanted).delete()
    FeedbackTheme.objects.bulk_create(
        [
            FeedbackTheme(feedback=feedback, theme=t, by_staff=True)
            for t in wanted
            if t not in current
        ]
    )
    _event(origin, feedback, EventType.THEMES_CHANGED, themes=sorted(wanted))
    _audit(origin, Action.CHANGE, feedback, themes=sorted(wanted))
    return feedback


@transaction.atomic
def feedback_set_tags(*, origin: Origin, feedback: Feedback, labels: Iterable[str]) -> Feedback:
    wanted = list(dict.fromkeys(label.strip().lower() for label in labels if label.strip()))
    if any(len(label) > TAG_MAX_CHARS for label in wanted):
        raise ValidationError({"tags": _("A tag holds up to 40 characters.")})
    feedback.tags.exclude(label__in=wanted).delete()
    current = set(feedback.tags.values_list("label", flat=True))
    FeedbackTag.objects.bulk_create(
        [FeedbackTag(feedback=feedback, label=label) for label in wanted if label not in current]
    )
    _event(origin, feedback, EventType.TAGS_CHANGED, tags=sorted(wanted))
    _audit(origin, Action.CHANGE, feedback, tags=len(wanted))
    return feedback


@transaction.atomic
def feedback_mark_spam(*, origin: Origin, feedback: Feedback, spam: bool) -> Feedback:
    """Spam is hidden from lists, counts and indicators, and its receipt stops working."""
    if feedback.spam == spam:
        return feedback
    feedback.spam = spam
    feedback.save(update_fields=["spam"])
    _event(origin, feedback, EventType.MARKED_SPAM if spam else EventType.UNMARKED_SPAM)
    _audit(origin, Action.CHANGE, feedback, spam=spam)
    return feedback


@transaction.atomic
def feedback_escalate(*, origin: Origin, feedback: Feedback) -> Feedback:
    """Send an item to the safeguarding group. One way: it leaves the project line for good."""
    if feedback.safeguarding:
        return feedback
    feedback.safeguarding = True
    feedback.assigned_to = None
    feedback.save(update_fields=["safeguarding", "assigned_to"])
    _event(origin, feedback, EventType.ESCALATED)
    _audit(origin, Action.CHANGE, feedback, safeguarding=True)
    return feedback


@transaction.atomic
def feedback_note_add(*, origin: Origin, feedback: Feedback, body: str) -> FeedbackNote:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the note.")})
    if len(body) > BODY_MAX_CHARS:
        raise ValidationError({"body": _("A note holds up to 4000 characters.")})
    note = FeedbackNote.objects.create(
        feedback=feedback, author=origin.user, body=body, written_on=_today()
    )
    _event(origin, feedback, EventType.NOTE_ADDED)
    _audit(origin, Action.CHANGE, feedback, note=True)
    return note


# --- what changed ------------------------------------------------------------------------------


@transaction.atomic
def action_create(
    *,
    origin: Origin,
    organisation: Organisation,
    title: str,
    kind: str,
    taken_on: dt.date,
    description: str = "",
    feedback: Iterable[Feedback] = (),
) -> FeedbackAction:
    """Record an action taken because of feedback (a decision, a service change, …)."""
    if kind not in ActionKind.values:
        raise ValidationError({"kind": _("Unknown kind of action.")})
    if taken_on > _today():
        raise ValidationError({"taken_on": _("This date is in the future.")})
    action = FeedbackAction(
        organisation=organisation,
        created_by=origin.user,
        title=title.strip(),
        kind=kind,
        description=description.strip(),
        taken_on=taken_on,
    )
    action.full_clean()
    action.save()
    audit_write(
        origin=origin,
        action=Action.CREATE,
        object_type="feedback_action",
        object_ref=str(action.uuid),
        organisation_code=organisation.code,
    )
    for item in feedback:
        action_link(origin=origin, action=action, feedback=item)
    return action


@transaction.atomic
def action_link(*, origin: Origin, action: FeedbackAction, feedback: Feedback) -> None:
    if not feedback.channel.organisation.path.startswith(action.organisation.path) and not (
        action.organisation.path.startswith(feedback.channel.organisation.path)
    ):
        raise ValidationError(_("This action belongs to another part of the programme."))
    action.feedback.add(feedback)
    _event(origin, feedback, EventType.LINKED_ACTION, action=str(action.uuid))
    _audit(origin, Action.CHANGE, feedback, linked_action=str(action.uuid))
