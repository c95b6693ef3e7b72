"""Reads of `learning`. Every read path starts from ``learning_access``, the one scoping
function of this app (one condition per line); anything out of scope answers 404.

Who sees what (docs/learning.md):

- Programme manager, M&E officer: everything of learning in their subtree (stories with their
  text, rounds, sessions, actions, questions, evaluations); they run learning (write).
- Case worker, case supervisor: the stories of their subtree (they may record them and tell
  tellers what the panels chose); the rounds, sessions and agenda of their subtree, read-only.
- Donor: the dashboard's aggregates only (small counts suppressed), and the text of chosen
  stories whose teller allowed public use; never a story page, never a teller.
- PSE officer, system administrator: nothing.

A teller's name and a story's link to a survivor record are shown only to roles that read PII
(`core.selectors.user_can_read_pii`), and the link only to those who may see that survivor.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ctip.cases.selectors import survivors_visible_to
from ctip.core.models import Organisation, Role, User
from ctip.core.selectors import user_can_read_pii
from ctip.evidence.models import Study
from ctip.evidence.selectors import studies_visible_to as evidence_studies_visible_to
from ctip.learning.models import (
    LEVEL_ORDER,
    NOT_STARTED,
    PROGRAMME_KINDS,
    Action,
    ActionStatus,
    Choice,
    ConsentScope,
    Domain,
    Evaluation,
    LearningQuestion,
    ReflectionSession,
    RoundStatus,
    SelectionRound,
    Story,
)

WRITE_ROLES = {Role.PROGRAMME_MANAGER, Role.ME_OFFICER}
STORY_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR}
AGGREGATE_ROLES = {Role.DONOR}
DUE_DAYS = 60


@dataclass(frozen=True)
class LearningAccess:
    """What one user may reach: records under ``root``; whether they run learning
    (``can_write``) or may only record stories; or aggregates only."""

    root: Organisation | None = None
    can_read: bool = False
    can_write: bool = False
    can_record_stories: bool = False

    @property
    def aggregates_only(self) -> bool:
        return self.root is not None and not self.can_read


NO_ACCESS = LearningAccess()


def learning_access(user: User) -> LearningAccess:
    """The one scoping function of `learning`."""
    if not user.is_authenticated:
        return NO_ACCESS
    if user.organisation_id is None:
        return NO_ACCESS
    if user.role in WRITE_ROLES:
        return LearningAccess(user.organisation, True, True, True)
    if user.role in STORY_ROLES:
        return LearningAccess(user.organisation, True, False, True)
    if user.role in AGGREGATE_ROLES:
        return LearningAccess(user.organisation)
    return NO_ACCESS


def user_sees_learning(user: User) -> bool:
    """Whether the nav shows "Learning" (records or the aggregate dashboard)."""
    return learning_access(user).root is not None


def user_sees_tellers(user: User) -> bool:
    return learning_access(user).can_read and user_can_read_pii(user)


def _in_scope(user: User, field: str = "organisation") -> Q | None:
    access = learning_access(user)
    if not access.can_read:
        return None
    return Q(**{f"{field}__path__startswith": access.root.path})


def _scoped(queryset: QuerySet, user: User, field: str = "organisation") -> QuerySet:
    condition = _in_scope(user, field)
    return queryset.none() if condition is None else queryset.filter(condition)


def _get(queryset: QuerySet, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc


def _writer(user: User) -> None:
    if not learning_access(user).can_write:
        raise Http404("Not found.")


# --- programmes and domains ---------------------------------------------------------------


def ancestor_ids(node: Organisation) -> list[int]:
    return [int(part) for part in node.path.strip("/").split("/") if part]


def programmes_for_writer(user: User) -> QuerySet[Organisation]:
    """Programmes (country projects, the implementer) whose domains, questions and evaluations
    the user may write."""
    access = learning_access(user)
    if not access.can_write:
        return Organisation.objects.none()
    return Organisation.objects.filter(path__startswith=access.root.path, kind__in=PROGRAMME_KINDS)


def domains_visible_to(user: User) -> QuerySet[Domain]:
    """A programme's domains are visible below it (a partner records stories in its country
    project's domains) and in its own subtree."""
    access = learning_access(user)
    if not access.can_read:
        return Domain.objects.none()
    return Domain.objects.filter(
        Q(organisation__path__startswith=access.root.path)
        | Q(organisation_id__in=ancestor_ids(access.root))
    ).select_related("organisation")


def domains_for(organisation: Organisation) -> QuerySet[Domain]:
    """The active domains a story collected at ``organisation`` may go in."""
    return Domain.objects.filter(organisation_id__in=ancestor_ids(organisation), active=True)


def domain_for_edit(user: User, pk) -> Domain:
    _writer(user)
    return _get(Domain.objects.filter(organisation__in=programmes_for_writer(user)), pk=pk)


# --- stories ------------------------------------------------------------------------------


def stories_visible_to(user: User) -> QuerySet[Story]:
    return _scoped(Story.objects.all(), user)


def story_get(user: User, uuid) -> Story:
    return _get(
        stories_visible_to(user).select_related("domain", "organisation", "collected_by"),
        uuid=uuid,
    )


def story_survivor_for(user: User, story: Story):
    """The linked survivor record, only for a user who may see it (else None)."""
    if story.survivor_id is None or not user_sees_tellers(user):
        return None
    return survivors_visible_to(user).filter(pk=story.survivor_id).only("code").first()


@dataclass(frozen=True)
class StoryFilters:
    q: str = ""
    domain: str = ""
    teller_type: str = ""
    language: str = ""
    chosen: str = ""  # "", "yes": chosen by some round


def story_list(user: User, filters: StoryFilters) -> QuerySet[Story]:
    """Search by reference (the text is encrypted: it cannot be searched in the database)."""
    stories = stories_visible_to(user).select_related("domain", "organisation")
    if filters.q:
        stories = stories.filter(ref__icontains=filters.q.strip())
    if filters.domain.isdigit():
        stories = stories.filter(domain_id=int(filters.domain))
    if filters.teller_type:
        stories = stories.filter(teller_type=filters.teller_type)
    if filters.language:
        stories = stories.filter(language=filters.language)
    if filters.chosen == "yes":
        stories = stories.filter(choices__isnull=False).distinct()
    return stories


def story_path(story: Story) -> list[Choice]:
    """Every choice of the story, from the partner panel up, with the reasons at each level."""
    choices = list(
        story.choices.select_related("round", "round__organisation", "domain", "chosen_by")
        .prefetch_related("feedback", "feedback__by")
        .order_by("round__held_on", "round_id")
    )
    return sorted(choices, key=lambda c: (LEVEL_ORDER.index(c.round.level), c.round.held_on))


# --- rounds -------------------------------------------------------------------------------


def rounds_visible_to(user: User) -> QuerySet[SelectionRound]:
    return _scoped(SelectionRound.objects.all(), user)


def round_get(user: User, uuid) -> SelectionRound:
    return _get(rounds_visible_to(user).select_related("organisation"), uuid=uuid)


def round_for_edit(user: User, uuid) -> SelectionRound:
    _writer(user)
    return round_get(user, uuid)


def learning_organisations_for(user: User) -> QuerySet[Organisation]:
    """Where a writer may hold a selection panel or a pause-and-reflect session: partners,
    country projects, the implementer."""
    access = learning_access(user)
    if not access.can_write:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        path__startswith=access.root.path,
        kind__in=["partner", "country_project", "implementer"],
    )


def round_candidates(selection_round: SelectionRound) -> QuerySet[Story]:
    """The stories a round chooses from (see `SelectionRound`)."""
    org = selection_round.organisation
    level_index = LEVEL_ORDER.index(selection_round.level)
    if level_index == 0:
        return Story.objects.filter(
            organisation__path__startswith=org.path,
            collected_on__gte=selection_round.period_start,
            collected_on__lte=selection_round.period_end,
        )
    below = LEVEL_ORDER[level_index - 1]
    return Story.objects.filter(
        choices__round__level=below,
        choices__round__status=RoundStatus.CLOSED,
        choices__round__organisation__path__startswith=org.path,
        choices__round__held_on__gte=selection_round.period_start,
        choices__round__held_on__lte=selection_round.period_end,
    ).distinct()


def lower_choice(selection_round: SelectionRound, story: Story) -> Choice | None:
    """The choice of the level below that brought ``story`` into this round (None at a
    partner round)."""
    level_index = LEVEL_ORDER.index(selection_round.level)
    if level_index == 0:
        return None
    return (
        story.choices.filter(
            round__level=LEVEL_ORDER[level_index - 1], round__status=RoundStatus.CLOSED
        )
        .select_related("round", "round__organisation")
        .order_by("-round__held_on")
        .first()
    )


# --- choices and feedback to tellers ------------------------------------------------------


def choice_get(user: User, uuid) -> Choice:
    """A choice whose story the user may see (to tell the teller what was chosen)."""
    access = learning_access(user)
    if not access.can_record_stories:
        raise Http404("Not found.")
    return _get(
        Choice.objects.filter(story__in=stories_visible_to(user)).select_related(
            "story", "round", "round__organisation", "domain"
        ),
        uuid=uuid,
    )


def public_chosen_stories(root: Organisation) -> QuerySet[Story]:
    """Stories chosen by some closed round whose teller allowed public use: the only story
    text a donor ever reads."""
    return (
        Story.objects.filter(
            organisation__path__startswith=root.path,
            consent_given=True,
            consent_scope=ConsentScope.PUBLIC,
            choices__round__status=RoundStatus.CLOSED,
        )
        .select_related("domain")
        .distinct()
        .order_by("-collected_on", "-id")
    )


# --- sessions and actions -----------------------------------------------------------------


def sessions_visible_to(user: User) -> QuerySet[ReflectionSession]:
    return _scoped(ReflectionSession.objects.all(), user)


def session_get(user: User, uuid) -> ReflectionSession:
    return _get(sessions_visible_to(user).select_related("organisation"), uuid=uuid)


def session_for_edit(user: User, uuid) -> ReflectionSession:
    _writer(user)
    return session_get(user, uuid)


def actions_visible_to(user: User) -> QuerySet[Action]:
    """Actions of sessions in scope, and the user's own actions wherever the session was held
    (a partner's supervisor may own an action of the country project's session)."""
    condition = _in_scope(user, "session__organisation")
    if condition is None:
        return Action.objects.none()
    return Action.objects.filter(condition | Q(owner=user))


def action_for_update(user: User, uuid) -> Action:
    """Writers update any action in scope; everyone updates their own."""
    actions = actions_visible_to(user)
    if not learning_access(user).can_write:
        actions = actions.filter(owner=user)
    return _get(actions.select_related("session", "owner"), uuid=uuid)


def open_actions(user: User) -> QuerySet[Action]:
    return (
        actions_visible_to(user)
        .exclude(status=ActionStatus.DONE)
        .select_related("session", "owner", "session__organisation")
        .order_by("due_on", "id")
    )


def action_owners_for(session: ReflectionSession) -> QuerySet[User]:
    """Who may own an action of a session: active staff of the session's organisation, of its
    subtree and of the programmes above it."""
    return User.objects.filter(
        Q(organisation__path__startswith=session.organisation.path)
        | Q(organisation_id__in=ancestor_ids(session.organisation)),
        is_active=True,
        role__in=[Role.PROGRAMME_MANAGER, Role.ME_OFFICER, Role.CASE_SUPERVISOR, Role.CASE_WORKER],
    ).order_by("first_name", "username")


# --- questions and evaluations ------------------------------------------------------------


def questions_visible_to(user: User) -> QuerySet[LearningQuestion]:
    return _scoped(LearningQuestion.objects.all(), user)


def question_get(user: User, uuid) -> LearningQuestion:
    return _get(questions_visible_to(user).select_related("organisation"), uuid=uuid)


def question_for_edit(user: User, uuid) -> LearningQuestion:
    _writer(user)
    return question_get(user, uuid)


def with_evidence_counts(questions: QuerySet[LearningQuestion]) -> QuerySet[LearningQuestion]:
    """How much addresses each question (one query; distinct counts per kind)."""
    return questions.annotate(
        n_studies=Count("studies", distinct=True),
        n_stories=Count("stories", distinct=True),
        n_sessions=Count("sessions", distinct=True),
        n_evaluations=Count("evaluations", distinct=True),
    )


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    return _scoped(Evaluation.objects.all(), user)


def evaluation_get(user: User, uuid) -> Evaluation:
    return _get(evaluations_visible_to(user).select_related("organisation"), uuid=uuid)


def evaluation_for_edit(user: User, uuid) -> Evaluation:
    _writer(user)
    return evaluation_get(user, uuid)


def evaluations_due(
    evaluations: QuerySet[Evaluation], today: dt.date, days: int = DUE_DAYS
) -> QuerySet[Evaluation]:
    """Not started yet (planned or commissioned) and planned to start within ``days`` days,
    or already past their planned start (overdue)."""
    return evaluations.filter(
        status__in=NOT_STARTED, planned_start__lte=today + dt.timedelta(days=days)
    ).order_by("planned_start", "id")


def studies_visible_to(user: User) -> QuerySet[Study]:
    """Studies a question may link to: the evidence library as `evidence`'s own scoping function
    shows it to the user (read-only use of `evidence`)."""
    if not learning_access(user).can_read:
        return Study.objects.none()
    return evidence_studies_visible_to(user)
