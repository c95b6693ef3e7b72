"""Writes of `learning`. Each service validates, saves and writes the audit entry; callers
check scope first (`selectors.*_for_edit`, `selectors.story_get`); services enforce the rules:

- every programme keeps one open domain, "any other change", created with its first domain;
- a story's consent has a scope when given and none when refused; a teller's survivor record
  can be linked only by someone who can see that survivor;
- a round chooses at most one story per domain, among its candidates, with written reasons;
  with a vote or score, the chosen story must be one of the domain's top-scored;
- a pause-and-reflect session cannot close without at least one decision (a change or an
  explicit "no change").

This module never imports `ctip.indicators`: the indicators app sits above `learning` (its
definitions read learning's models for LRN-1), so the domain layer here stays below it. The
value of an indicator a session looked at is computed by the caller (the view, an adapter at
the top) and handed to `session_add_indicator` as plain numbers to keep.
"""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import Survivor
from ctip.cases.selectors import survivors_visible_to
from ctip.core.audit import Action as AuditAction
from ctip.core.audit import Origin, audit_write
from ctip.core.models import Organisation, User
from ctip.evidence.models import Study
from ctip.feedback import texts as feedback_texts
from ctip.learning.models import (
    LEVEL_OF_KIND,
    PROGRAMME_KINDS,
    Action,
    ActionStatus,
    Choice,
    ConsentScope,
    Decision,
    DecisionKind,
    Domain,
    Evaluation,
    EvaluationKind,
    EvaluationStatus,
    FeedbackMethod,
    Independence,
    IndicatorSnapshot,
    Language,
    LearningQuestion,
    Method,
    QuestionStatus,
    ReflectionSession,
    RoundStatus,
    SelectionRound,
    SessionStatus,
    Story,
    Tally,
    TellerFeedback,
    TellerType,
    ThemeSnapshot,
    Verification,
    VerificationResult,
)
from ctip.learning.selectors import ancestor_ids, round_candidates

OPEN_DOMAIN_NAME = "Any other change"
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _today() -> dt.date:
    return timezone.localdate()


def _audit(origin: Origin, action: str, object_type: str, ref, organisation, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type=object_type,
        object_ref=str(ref),
        organisation_code=organisation.code if organisation else "",
        detail=detail,
    )


def _choice(value: str, choices, field: str) -> None:
    if value not in choices:
        raise ValidationError({field: _("“%(value)s” is not a valid choice.") % {"value": value}})


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _not_future(value: dt.date | None, field: str) -> None:
    if value and value > _today():
        raise ValidationError({field: _("%(date)s is in the future.") % {"date": value}})


# --- domains ------------------------------------------------------------------------------


def _programme(organisation: Organisation) -> None:
    if organisation.kind not in PROGRAMME_KINDS:
        raise ValidationError(
            {
                "organisation": _(
                    "Domains belong to a programme: a country project or the implementer."
                )
            }
        )


def domain_ensure_open(*, origin: Origin, programme: Organisation) -> Domain:
    """The programme's open domain, created if it has none yet."""
    _programme(programme)
    domain = Domain.objects.filter(organisation=programme, is_open=True).first()
    if domain is None:
        domain = Domain.objects.create(
            organisation=programme,
            name=OPEN_DOMAIN_NAME,
            description=_("Any other significant change that fits none of the other domains."),
            is_open=True,
            position=999,
            created_by=origin.user,
        )
        _audit(origin, AuditAction.CREATE, "msc_domain", domain.pk, programme, open=True)
    return domain


@transaction.atomic
def domain_create(
    *, origin: Origin, programme: Organisation, name: str, description: str = "", position: int = 0
) -> Domain:
    """A domain of change; the programme's open domain comes with the first one."""
    _programme(programme)
    name = _required(name, "name", _("A domain needs a name."))
    if Domain.objects.filter(organisation=programme, name__iexact=name).exists():
        raise ValidationError(
            {"name": _("This programme already has a domain “%(name)s”.") % {"name": name}}
        )
    domain = Domain.objects.create(
        organisation=programme,
        name=name,
        description=description.strip(),
        position=position,
        created_by=origin.user,
    )
    _audit(origin, AuditAction.CREATE, "msc_domain", domain.pk, programme)
    domain_ensure_open(origin=origin, programme=programme)
    return domain


@transaction.atomic
def domain_update(
    *, origin: Origin, domain: Domain, name: str, description: str, position: int, active: bool
) -> Domain:
    name = _required(name, "name", _("A domain needs a name."))
    if domain.is_open and not active:
        raise ValidationError({"active": _("The open domain (any other change) is always in use.")})
    clash = Domain.objects.filter(organisation=domain.organisation, name__iexact=name).exclude(
        pk=domain.pk
    )
    if clash.exists():
        raise ValidationError(
            {"name": _("This programme already has a domain “%(name)s”.") % {"name": name}}
        )
    domain.name, domain.description = name, description.strip()
    domain.position, domain.active = position, active
    domain.save()
    _audit(origin, AuditAction.CHANGE, "msc_domain", domain.pk, domain.organisation)
    return domain


# --- stories ------------------------------------------------------------------------------


def _new_ref() -> str:
    return "MSC-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(6))


def _survivor_for(user: User | None, code: str) -> Survivor:
    """A survivor the user can see, by code; a clear error otherwise (never a hint that the
    code exists elsewhere)."""
    survivor = None
    if user is not None:
        survivor = survivors_visible_to(user).filter(code=code.strip().upper()).first()
    if survivor is None:
        raise ValidationError(
            {"survivor_code": _("No survivor with this code among the records you can see.")}
        )
    return survivor


@transaction.atomic
def story_record(
    *,
    origin: Origin,
    organisation: Organisation,
    domain: Domain,
    teller_type: str,
    language: str,
    title: str,
    text: str,
    why_it_matters: str,
    collected_on: dt.date,
    consent_given: bool,
    consent_scope: str = "",
    teller_name: str = "",
    survivor_code: str = "",
    collected_by: User | None = None,
) -> Story:
    """Record a story, anonymised unless a teller name is given (encrypted either way)."""
    errors = {}
    if domain.organisation_id not in ancestor_ids(organisation) or not domain.active:
        errors["domain"] = _("This domain is not one of the programme's domains in use here.")
    if teller_type not in TellerType.values:
        errors["teller_type"] = _("Choose who told the story.")
    if language not in Language.values:
        errors["language"] = _("Choose the language the story was told in.")
    if not (title or "").strip():
        errors["title"] = _("Give the story a short title.")
    if not (text or "").strip():
        errors["text"] = _("Write the story down.")
    if not (why_it_matters or "").strip():
        errors["why_it_matters"] = _("Write why the change matters to the teller.")
    if collected_on and collected_on > _today():
        errors["collected_on"] = _("%(date)s is in the future.") % {"date": collected_on}
    if consent_given and consent_scope not in ConsentScope.values:
        errors["consent_scope"] = _("Say how far the teller allowed the story to be used.")
    if not consent_given and consent_scope:
        errors["consent_scope"] = _("Without consent there is no scope of use.")
    if survivor_code and teller_type != TellerType.SURVIVOR:
        errors["survivor_code"] = _("Only a survivor's story can be linked to a survivor record.")
    if errors:
        raise ValidationError(errors)
    survivor = _survivor_for(origin.user, survivor_code) if survivor_code.strip() else None
    story = Story(
        ref=_new_ref(),
        organisation=organisation,
        domain=domain,
        teller_type=teller_type,
        teller_name=teller_name.strip(),
        survivor=survivor,
        consent_given=consent_given,
        consent_scope=consent_scope if consent_given else "",
        language=language,
        title=title.strip(),
        text=text.strip(),
        why_it_matters=why_it_matters.strip(),
        collected_on=collected_on,
        collected_by=collected_by or origin.user,
        created_by=origin.user,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                story.save()
            break
        except IntegrityError:
            story.pk, story.ref = None, _new_ref()
    else:  # pragma: no cover (30^6 references: five clashes in a row do not happen)
        raise ValidationError(_("Could not give the story a reference; try again."))
    _audit(
        origin,
        AuditAction.CREATE,
        "msc_story",
        story.ref,
        organisation,
        teller_type=teller_type,
        linked_survivor=survivor.code if survivor else "",
    )
    return story


def story_view_record(*, origin: Origin, story: Story) -> None:
    """Every read of a story's text leaves an audit entry, like a survivor's record."""
    _audit(origin, AuditAction.VIEW, "msc_story", story.ref, story.organisation)


def stories_list_record(*, origin: Origin, organisation: Organisation, count: int) -> None:
    """A list of story titles was shown (titles are encrypted too: they can identify)."""
    _audit(origin, AuditAction.LIST, "msc_story", "", organisation, count=count)


@transaction.atomic
def story_verify(
    *, origin: Origin, story: Story, verified_on: dt.date, result: str, findings: str
) -> Verification:
    _choice(result, VerificationResult.values, "result")
    _not_future(verified_on, "verified_on")
    findings = _required(findings, "findings", _("Write down what the verification found."))
    verification = Verification.objects.create(
        story=story,
        verified_on=verified_on,
        verified_by=origin.user,
        result=result,
        findings=findings,
    )
    _audit(origin, AuditAction.CHANGE, "msc_story", story.ref, story.organisation,
           what="verified", result=result)  # fmt: skip
    return verification


# --- selection rounds ---------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    origin: Origin,
    organisation: Organisation,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    held_on: dt.date,
    panel: str,
    method: str,
) -> SelectionRound:
    """A panel at a partner, a country project or the implementer."""
    errors = {}
    level = LEVEL_OF_KIND.get(organisation.kind)
    if level is None:
        errors["organisation"] = _("Panels sit at a partner, a country project or the implementer.")
    if not (name or "").strip():
        errors["name"] = _("Give the round a name.")
    if not (panel or "").strip():
        errors["panel"] = _("List the panel members.")
    if method not in Method.values:
        errors["method"] = _("Choose how the panel decides.")
    if period_start and period_end and period_start > period_end:
        errors["period_end"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)
    selection_round = SelectionRound.objects.create(
        organisation=organisation,
        name=name.strip(),
        level=level,
        period_start=period_start,
        period_end=period_end,
        held_on=held_on,
        panel=panel.strip(),
        method=method,
        created_by=origin.user,
    )
    _audit(origin, AuditAction.CREATE, "msc_round", selection_round.uuid, organisation,
           level=level, method=method)  # fmt: skip
    return selection_round


def _open(selection_round: SelectionRound) -> None:
    if not selection_round.is_open:
        raise ValidationError(_("This round is closed: its choices can no longer change."))


@transaction.atomic
def round_tally_set(
    *, origin: Origin, selection_round: SelectionRound, values: dict[int, Decimal | None]
) -> None:
    """Votes or scores per candidate story (``values``: story id → number, None to clear)."""
    _open(selection_round)
    if selection_round.method == Method.CONSENSUS:
        raise ValidationError(_("A consensus round records no votes or scores."))
    candidates = set(round_candidates(selection_round).values_list("pk", flat=True))
    unknown = [pk for pk in values if pk not in candidates]
    if unknown:
        raise ValidationError(_("Votes or scores can only go to the round's candidate stories."))
    for story_id, value in values.items():
        if value is None:
            Tally.objects.filter(round=selection_round, story_id=story_id).delete()
            continue
        if value < 0:
            raise ValidationError(_("Votes and scores cannot be negative."))
        Tally.objects.update_or_create(
            round=selection_round, story_id=story_id, defaults={"value": value}
        )
    _audit(origin, AuditAction.CHANGE, "msc_round", selection_round.uuid,
           selection_round.organisation, what="tallies", count=len(values))  # fmt: skip


@transaction.atomic
def round_choose(
    *, origin: Origin, selection_round: SelectionRound, story: Story, reasons: str
) -> Choice:
    """The panel's choice in the story's domain, with its reasons (replaces an earlier choice
    in that domain while the round is open)."""
    _open(selection_round)
    reasons = _required(reasons, "reasons", _("Write down why the panel chose this story."))
    if not round_candidates(selection_round).filter(pk=story.pk).exists():
        raise ValidationError({"story": _("This story is not a candidate of this round.")})
    if selection_round.method != Method.CONSENSUS:
        domain_tallies = Tally.objects.filter(round=selection_round, story__domain=story.domain)
        mine = domain_tallies.filter(story=story).first()
        if mine is None:
            raise ValidationError(
                {"story": _("Record the votes or scores of this domain's stories first.")}
            )
        top = max(t.value for t in domain_tallies)
        if mine.value < top:
            message = _(
                "With a vote or a score the panel chooses a top-ranked story (%(top)s); "
                "this one has %(value)s."
            )
            raise ValidationError({"story": message % {"top": top, "value": mine.value}})
    Choice.objects.filter(round=selection_round, domain=story.domain).delete()
    choice = Choice.objects.create(
        round=selection_round,
        domain=story.domain,
        story=story,
        reasons=reasons,
        chosen_by=origin.user,
    )
    _audit(origin, AuditAction.CHANGE, "msc_round", selection_round.uuid,
           selection_round.organisation, what="chosen", story=story.ref)  # fmt: skip
    return choice


@transaction.atomic
def round_close(*, origin: Origin, selection_round: SelectionRound) -> SelectionRound:
    """Close a round: its choices go up to the next level's panel."""
    _open(selection_round)
    if not selection_round.choices.exists():
        raise ValidationError(_("Choose at least one story before closing the round."))
    selection_round.status = RoundStatus.CLOSED
    selection_round.closed_at = timezone.now()
    selection_round.save(update_fields=["status", "closed_at", "modified_at"])
    _audit(origin, AuditAction.CHANGE, "msc_round", selection_round.uuid,
           selection_round.organisation, what="closed")  # fmt: skip
    return selection_round


@transaction.atomic
def choice_feedback_record(
    *, origin: Origin, choice: Choice, fed_back_on: dt.date, method: str, note: str = ""
) -> TellerFeedback:
    """The choice and its reasons were told back to the teller."""
    _choice(method, FeedbackMethod.values, "method")
    _not_future(fed_back_on, "fed_back_on")
    if fed_back_on < choice.round.held_on:
        raise ValidationError(
            {"fed_back_on": _("The teller cannot hear of a choice before the panel made it.")}
        )
    feedback = TellerFeedback.objects.create(
        choice=choice, fed_back_on=fed_back_on, method=method, by=origin.user, note=note.strip()
    )
    _audit(origin, AuditAction.CHANGE, "msc_story", choice.story.ref, choice.story.organisation,
           what="fed_back", method=method)  # fmt: skip
    return feedback


# --- pause and reflect --------------------------------------------------------------------


@transaction.atomic
def session_create(
    *, origin: Origin, organisation: Organisation, title: str, held_on: dt.date, participants: str
) -> ReflectionSession:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the session a title.")
    if not (participants or "").strip():
        errors["participants"] = _("List who took part.")
    if errors:
        raise ValidationError(errors)
    session = ReflectionSession.objects.create(
        organisation=organisation,
        title=title.strip(),
        held_on=held_on,
        participants=participants.strip(),
        created_by=origin.user,
    )
    _audit(origin, AuditAction.CREATE, "reflection_session", session.uuid, organisation)
    return session


def _session_open(session: ReflectionSession) -> None:
    if not session.is_open:
        raise ValidationError(_("This session is closed."))


@transaction.atomic
def session_update(
    *, origin: Origin, session: ReflectionSession, title: str, participants: str, conclusions: str
) -> ReflectionSession:
    _session_open(session)
    session.title = _required(title, "title", _("Give the session a title."))
    session.participants = _required(participants, "participants", _("List who took part."))
    session.conclusions = conclusions.strip()
    session.save()
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation)
    return session


@transaction.atomic
def session_add_indicator(
    *,
    origin: Origin,
    session: ReflectionSession,
    code: str,
    name: str,
    unit: str,
    period_label: str,
    scope_code: str,
    value: float | None,
    numerator: int | None = None,
    denominator: int | None = None,
) -> IndicatorSnapshot:
    """Keep an indicator's value as the session saw it (the caller computed it)."""
    _session_open(session)
    snapshot, _created = IndicatorSnapshot.objects.update_or_create(
        session=session,
        code=code,
        period_label=period_label,
        scope_code=scope_code,
        defaults={
            "name": name[:200],
            "unit": unit[:40],
            "value": None if value is None else float(value),
            "numerator": numerator,
            "denominator": denominator,
            "taken_at": timezone.now(),
        },
    )
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation,
           what="indicator", code=code, period=period_label)  # fmt: skip
    return snapshot


@transaction.atomic
def session_add_theme(
    *, origin: Origin, session: ReflectionSession, theme: str, period_label: str, count: int
) -> ThemeSnapshot:
    """Keep a feedback theme's count as the session saw it."""
    _session_open(session)
    _choice(theme, feedback_texts.THEMES, "theme")
    snapshot, _created = ThemeSnapshot.objects.update_or_create(
        session=session,
        theme=theme,
        period_label=period_label,
        defaults={"count": count, "taken_at": timezone.now()},
    )
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation,
           what="theme", theme=theme, period=period_label)  # fmt: skip
    return snapshot


@transaction.atomic
def session_link(
    *,
    origin: Origin,
    session: ReflectionSession,
    stories: list[Story] = (),
    evaluations: list[Evaluation] = (),
) -> None:
    """What else the session looked at: stories and evaluations (the caller checked scope)."""
    _session_open(session)
    session.stories.add(*stories)
    session.evaluations.add(*evaluations)
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation,
           what="linked", stories=[s.ref for s in stories],
           evaluations=[str(e.uuid) for e in evaluations])  # fmt: skip


@transaction.atomic
def decision_record(
    *, origin: Origin, session: ReflectionSession, kind: str, text: str
) -> Decision:
    """A decision: a change, or an explicit "no change" with its reason."""
    _session_open(session)
    _choice(kind, DecisionKind.values, "kind")
    text = _required(
        text,
        "text",
        _("Say what changes.")
        if kind == DecisionKind.CHANGE
        else _("Say why nothing changes: an explicit “no change” is a decision too."),
    )
    decision = Decision.objects.create(session=session, kind=kind, text=text)
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation,
           what="decision", kind=kind)  # fmt: skip
    return decision


@transaction.atomic
def action_add(
    *,
    origin: Origin,
    session: ReflectionSession,
    description: str,
    owner: User,
    due_on: dt.date,
    decision: Decision | None = None,
) -> Action:
    _session_open(session)
    description = _required(description, "description", _("Say what is to be done."))
    if owner is None:
        raise ValidationError({"owner": _("Every action has an owner.")})
    if due_on is None:
        raise ValidationError({"due_on": _("Every action has a due date.")})
    if decision is not None and decision.session_id != session.pk:
        raise ValidationError({"decision": _("That decision belongs to another session.")})
    action = Action.objects.create(
        session=session, decision=decision, description=description, owner=owner, due_on=due_on
    )
    _audit(origin, AuditAction.CREATE, "reflection_action", action.uuid, session.organisation,
           owner=owner.username, due_on=due_on.isoformat())  # fmt: skip
    return action


@transaction.atomic
def action_update(
    *,
    origin: Origin,
    action: Action,
    status: str,
    done_on: dt.date | None = None,
    progress_note: str = "",
) -> Action:
    """Progress on an action; done needs the date it was done (LRN-1 compares it with the due
    date)."""
    _choice(status, ActionStatus.values, "status")
    if status == ActionStatus.DONE:
        if done_on is None:
            raise ValidationError({"done_on": _("Say when the action was done.")})
        _not_future(done_on, "done_on")
        if done_on < action.session.held_on:
            raise ValidationError(
                {"done_on": _("An action cannot be done before the session that agreed it.")}
            )
    else:
        done_on = None
    action.status, action.done_on = status, done_on
    if progress_note.strip():
        action.progress_note = progress_note.strip()
    action.save()
    _audit(origin, AuditAction.CHANGE, "reflection_action", action.uuid,
           action.session.organisation, status=status)  # fmt: skip
    return action


@transaction.atomic
def session_close(*, origin: Origin, session: ReflectionSession) -> ReflectionSession:
    """Close a session. Refused without at least one decision: a session that changes nothing
    must say so ("no change", with its reason)."""
    _session_open(session)
    if not session.decisions.exists():
        raise ValidationError(
            _(
                "A session cannot be closed without at least one decision. Record what "
                "changes, or an explicit “no change” with the reason."
            )
        )
    session.status = SessionStatus.CLOSED
    session.closed_at = timezone.now()
    session.closed_by = origin.user
    session.save(update_fields=["status", "closed_at", "closed_by", "modified_at"])
    _audit(origin, AuditAction.CHANGE, "reflection_session", session.uuid, session.organisation,
           what="closed")  # fmt: skip
    return session


# --- the learning agenda ------------------------------------------------------------------


@transaction.atomic
def question_create(
    *, origin: Origin, programme: Organisation, text: str, why: str = ""
) -> LearningQuestion:
    _programme(programme)
    text = _required(text, "text", _("Write the question."))
    if LearningQuestion.objects.filter(organisation=programme, text__iexact=text).exists():
        raise ValidationError({"text": _("This programme already asks this question.")})
    question = LearningQuestion.objects.create(
        organisation=programme, text=text, why=why.strip(), created_by=origin.user
    )
    _audit(origin, AuditAction.CREATE, "learning_question", question.uuid, programme)
    return question


@transaction.atomic
def question_update(
    *, origin: Origin, question: LearningQuestion, text: str, why: str, status: str, answer: str
) -> LearningQuestion:
    _choice(status, QuestionStatus.values, "status")
    question.text = _required(text, "text", _("Write the question."))
    question.why, question.status, question.answer = why.strip(), status, answer.strip()
    question.save()
    _audit(origin, AuditAction.CHANGE, "learning_question", question.uuid, question.organisation)
    return question


LINKS = {"studies": Study, "stories": Story, "sessions": ReflectionSession,
         "evaluations": Evaluation}  # fmt: skip


@transaction.atomic
def question_link(
    *, origin: Origin, question: LearningQuestion, kind: str, items: list, unlink: bool = False
) -> None:
    """Link (or unlink) studies, stories, sessions or evaluations that address the question;
    the caller checked that the user may see each item."""
    if kind not in LINKS:
        raise ValidationError(_("Unknown kind of link."))
    relation = getattr(question, kind)
    if unlink:
        relation.remove(*items)
    else:
        relation.add(*items)
    _audit(origin, AuditAction.CHANGE, "learning_question", question.uuid, question.organisation,
           what="unlinked" if unlink else "linked", kind=kind, count=len(items))  # fmt: skip


# --- evaluations --------------------------------------------------------------------------

EVALUATION_FIELDS = (
    "title",
    "kind",
    "independence",
    "evaluator",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "status",
    "findings",
    "management_response",
)


def _evaluation_values(values: dict) -> dict:
    cleaned = {key: values.get(key) for key in EVALUATION_FIELDS if key in values}
    errors = {}
    cleaned["title"] = (cleaned.get("title") or "").strip()
    if not cleaned["title"]:
        errors["title"] = _("Give the evaluation a title.")
    for field, choices in (
        ("kind", EvaluationKind.values),
        ("independence", Independence.values),
        ("status", EvaluationStatus.values),
    ):
        if cleaned.get(field) not in choices:
            errors[field] = _("Choose one.")
    start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
    if not start:
        errors["planned_start"] = _("Plan a start date: evaluations are planned at design time.")
    if not end:
        errors["planned_end"] = _("Plan an end date.")
    if start and end and end < start:
        errors["planned_end"] = _("The planned end is before the planned start.")
    actual_start, actual_end = cleaned.get("actual_start"), cleaned.get("actual_end")
    if actual_end and not actual_start:
        errors["actual_start"] = _("An evaluation that ended has started.")
    if actual_start and actual_end and actual_end < actual_start:
        errors["actual_end"] = _("The actual end is before the actual start.")
    for field in ("actual_start", "actual_end"):
        if cleaned.get(field) and cleaned[field] > _today():
            errors[field] = _("%(date)s is in the future.") % {"date": cleaned[field]}
    status = cleaned.get("status")
    if status in (EvaluationStatus.IN_PROGRESS, EvaluationStatus.COMPLETED) and not actual_start:
        errors["actual_start"] = _("Give the date it actually started.")
    if status == EvaluationStatus.COMPLETED and not actual_end:
        errors["actual_end"] = _("Give the date it actually ended.")
    currency = (cleaned.get("currency") or "").strip().upper()
    cleaned["currency"] = currency
    if cleaned.get("budget") is not None:
        if cleaned["budget"] < 0:
            errors["budget"] = _("A budget cannot be negative.")
        if len(currency) != 3 or not currency.isalpha():
            errors["currency"] = _("Give the budget's currency as a three-letter code (USD, THB).")
    elif currency and len(currency) != 3:
        errors["currency"] = _("A three-letter currency code (USD, THB).")
    if errors:
        raise ValidationError(errors)
    for field in ("evaluator", "findings", "management_response"):
        cleaned[field] = (cleaned.get(field) or "").strip()
    return cleaned


@transaction.atomic
def evaluation_create(*, origin: Origin, programme: Organisation, **values) -> Evaluation:
    _programme(programme)
    values.setdefault("status", EvaluationStatus.PLANNED)
    evaluation = Evaluation.objects.create(
        organisation=programme, created_by=origin.user, **_evaluation_values(values)
    )
    _audit(origin, AuditAction.CREATE, "evaluation", evaluation.uuid, programme,
           status=evaluation.status)  # fmt: skip
    return evaluation


@transaction.atomic
def evaluation_update(*, origin: Origin, evaluation: Evaluation, **values) -> Evaluation:
    merged = {field: getattr(evaluation, field) for field in EVALUATION_FIELDS}
    merged.update(values)
    for field, value in _evaluation_values(merged).items():
        setattr(evaluation, field, value)
    evaluation.save()
    _audit(origin, AuditAction.CHANGE, "evaluation", evaluation.uuid, evaluation.organisation,
           status=evaluation.status)  # fmt: skip
    return evaluation
