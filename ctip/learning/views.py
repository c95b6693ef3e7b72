"""Pages of `learning`: thin adapters over the selectors (scope, 404) and services (rules).

Reads start from `selectors.learning_access`; writes need a writer (programme manager, M&E
officer) except recording a story, which case workers and supervisors may do too. Reading a
story's text writes an audit entry.

This module is an adapter at the top of the stack, so it may import `ctip.indicators` (as the
partnerships pages do): it computes an indicator's value when a session links it and hands the
plain numbers to `services.session_add_indicator`, which keeps them. The services never call the
indicator engine, because the indicators app imports learning's models (LRN-1).
"""

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ctip.cases.forms import add_service_errors
from ctip.core.audit import Origin
from ctip.core.charts import bar_chart, line_chart
from ctip.core.models import Organisation, OrganisationKind
from ctip.core.suppression import suppress_breakdown, suppress_count
from ctip.feedback import texts as feedback_texts
from ctip.feedback.selectors import counted_feedback, theme_counts
from ctip.indicators.engine import compute as indicator_compute
from ctip.indicators.periods import Period, PeriodError
from ctip.indicators.registry import REGISTRY, indicators
from ctip.learning import forms as f
from ctip.learning import selectors, services
from ctip.learning.models import (
    LEVEL_ORDER,
    Action,
    ActionStatus,
    Evaluation,
    EvaluationStatus,
    Language,
    LearningQuestion,
    Level,
    Method,
    QuestionStatus,
    Story,
    Tally,
    TellerType,
)

PAGE_SIZE = 25
QUARTERS = 8


def _origin(request) -> Origin:
    return Origin.from_request(request)


def _reader(request):
    if not selectors.learning_access(request.user).can_read:
        raise Http404
    return request.user


def _writer(request):
    if not selectors.learning_access(request.user).can_write:
        raise Http404
    return request.user


def _story_recorder(request):
    if not selectors.learning_access(request.user).can_record_stories:
        raise Http404
    return request.user


def _today() -> dt.date:
    return timezone.localdate()


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _form_page(request, form, *, title, submit, back, intro=""):
    return render(
        request,
        "learning/form.html",
        {"form": form, "title": title, "submit": submit, "back": back, "intro": intro},
    )


# --- the dashboard ------------------------------------------------------------------------


def _short(label: str, length: int = 20) -> str:
    """Chart labels have a fixed width: long domain names are cut with an ellipsis."""
    return label if len(label) <= length else label[: length - 1] + "…"


def _quarter_label(year: int, month: int) -> str:
    return f"{year}-Q{(month - 1) // 3 + 1}"


def _story_series(stories, quarters: list[Period]):
    """Stories per quarter and per teller type per quarter, in the database."""
    start = quarters[0].start
    rows = (
        stories.filter(collected_on__gte=start, collected_on__lte=quarters[-1].end)
        .order_by()
        .annotate(y=ExtractYear("collected_on"), m=ExtractMonth("collected_on"))
        .values("y", "m", "teller_type")
        .annotate(n=Count("pk"))
    )
    per_quarter: Counter = Counter()
    per_cell: Counter = Counter()
    for row in rows:
        label = _quarter_label(row["y"], row["m"])
        per_quarter[label] += row["n"]
        per_cell[(label, row["teller_type"])] += row["n"]
    return per_quarter, per_cell


@never_cache
@login_required
def dashboard(request):
    user = request.user
    access = selectors.learning_access(user)
    if access.root is None:
        raise Http404
    public = access.aggregates_only
    root = access.root
    today = _today()
    stories = Story.objects.filter(organisation__path__startswith=root.path)
    quarters = Period.containing(today).last(QUARTERS)
    per_quarter, per_cell = _story_series(stories, quarters)
    by_domain_rows = (
        stories.order_by()
        .values("domain__name", "domain__organisation__code")
        .annotate(n=Count("pk"))
        .order_by("domain__organisation__code", "-n")
    )
    by_domain_rows = list(by_domain_rows)
    names = Counter(r["domain__name"] for r in by_domain_rows)
    by_domain = {
        _short(
            r["domain__name"]
            if names[r["domain__name"]] == 1
            else f"{r['domain__organisation__code']}: {r['domain__name']}"
        ): r["n"]
        for r in by_domain_rows
    }
    teller_labels = dict(TellerType.choices)
    by_teller_raw = dict(
        stories.order_by().values_list("teller_type").annotate(n=Count("pk")).order_by()
    )
    by_teller = {str(teller_labels[t]): by_teller_raw.get(t, 0) for t in TellerType.values}
    total = stories.count()
    quarter_table = [
        [q.label, per_quarter.get(q.label, 0)]
        + [per_cell.get((q.label, t), 0) for t in TellerType.values]
        for q in quarters
    ]
    if public:
        by_domain = suppress_breakdown(by_domain)
        by_teller = suppress_breakdown(by_teller)
        total = suppress_count(total)
        quarter_table = [
            [row[0], suppress_count(row[1])]
            + list(suppress_breakdown(dict(enumerate(row[2:]))).values())
            for row in quarter_table
        ]
    actions = Action.objects.filter(session__organisation__path__startswith=root.path)
    open_actions = actions.exclude(status=ActionStatus.DONE)
    evaluations = Evaluation.objects.filter(organisation__path__startswith=root.path)
    due = selectors.evaluations_due(evaluations, today)
    questions = selectors.with_evidence_counts(
        LearningQuestion.objects.filter(organisation__path__startswith=root.path)
        .exclude(status=QuestionStatus.RETIRED)
        .select_related("organisation")
    ).order_by("organisation__path", "status", "id")
    context = {
        "public": public,
        "root": root,
        "total": total,
        "chosen": stories.filter(choices__isnull=False).distinct().count(),
        "quarter_chart": line_chart(
            [(q.label[2:], per_quarter.get(q.label, 0)) for q in quarters]
            if not public
            else [(q.label[2:], row[1]) for q, row in zip(quarters, quarter_table, strict=True)],
            title=_("Stories collected per quarter"),
        ),
        "domain_chart": bar_chart(list(by_domain.items()), title=_("Stories by domain")),
        "teller_chart": bar_chart(list(by_teller.items()), title=_("Stories by teller")),
        "by_domain": by_domain,
        "by_teller": by_teller,
        "teller_headers": [teller_labels[t] for t in TellerType.values],
        "quarter_table": quarter_table,
        "open_count": open_actions.count(),
        "overdue_count": open_actions.filter(due_on__lt=today).count(),
        "open_actions": list(open_actions.select_related("owner", "session").order_by("due_on")[:8])
        if not public
        else [],
        "due": list(due.select_related("organisation")[:8]),
        "due_days": selectors.DUE_DAYS,
        "sessions": list(selectors.sessions_visible_to(user).select_related("organisation")[:5])
        if not public
        else [],
        "questions": list(questions[:20]),
        "public_stories": list(selectors.public_chosen_stories(root)[:5]) if public else [],
        "today": today,
    }
    return render(request, "learning/dashboard.html", context)


# --- domains ------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def domain_list(request):
    user = _reader(request)
    access = selectors.learning_access(user)
    form = None
    if access.can_write:
        programmes = selectors.programmes_for_writer(user)
        form = f.DomainForm(request.POST or None, programmes=programmes)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                domain = services.domain_create(
                    origin=_origin(request),
                    programme=data["programme"],
                    name=data["name"],
                    description=data["description"],
                    position=data["position"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Domain “%(name)s” added.") % {"name": domain.name})
                return redirect("learning:domain_list")
    elif request.method == "POST":
        raise Http404
    domains = (
        selectors.domains_visible_to(user)
        .annotate(n_stories=Count("stories"))
        .order_by("organisation__path", "is_open", "position", "name")
    )
    return render(
        request,
        "learning/domain_list.html",
        {"domains": domains, "form": form, "can_write": access.can_write},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def domain_edit(request, pk):
    user = _writer(request)
    domain = selectors.domain_for_edit(user, pk)
    form = f.DomainEditForm(
        request.POST or None,
        initial={
            "name": domain.name,
            "description": domain.description,
            "position": domain.position,
            "active": domain.active,
        },  # fmt: skip
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.domain_update(origin=_origin(request), domain=domain, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Domain saved."))
            return redirect("learning:domain_list")
    return _form_page(
        request,
        form,
        title=_("Domain: %(name)s") % {"name": domain.name},
        submit=_("Save"),
        back=reverse("learning:domain_list"),
    )


# --- stories ------------------------------------------------------------------------------


@never_cache
@login_required
def story_list(request):
    user = _reader(request)
    filters = selectors.StoryFilters(
        q=request.GET.get("q", "")[:20],
        domain=request.GET.get("domain", ""),
        teller_type=request.GET.get("teller_type", ""),
        language=request.GET.get("language", ""),
        chosen=request.GET.get("chosen", ""),
    )
    stories = selectors.story_list(user, filters)
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    services.stories_list_record(
        origin=_origin(request), organisation=user.organisation, count=len(page.object_list)
    )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "learning/story_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "domains": selectors.domains_visible_to(user),
            "teller_types": TellerType.choices,
            "languages": Language.choices,
            "can_record": selectors.learning_access(user).can_record_stories,
        },
    )


def _story_organisations(user):
    access = selectors.learning_access(user)
    return Organisation.objects.filter(
        path__startswith=access.root.path,
        kind__in=[
            OrganisationKind.PARTNER,
            OrganisationKind.SITE,
            OrganisationKind.COUNTRY_PROJECT,
            OrganisationKind.IMPLEMENTER,
        ],
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def story_create(request):
    user = _story_recorder(request)
    organisations = _story_organisations(user)
    form = f.StoryForm(
        request.POST or None,
        organisations=organisations,
        domains=selectors.domains_visible_to(user).filter(active=True),
        can_link_survivors=selectors.user_sees_tellers(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            story = services.story_record(
                origin=_origin(request),
                organisation=data["organisation"],
                domain=data["domain"],
                teller_type=data["teller_type"],
                language=data["language"],
                title=data["title"],
                text=data["text"],
                why_it_matters=data["why_it_matters"],
                collected_on=data["collected_on"],
                consent_given=data["consent"] == "yes",
                consent_scope=data["consent_scope"],
                teller_name=data.get("teller_name", ""),
                survivor_code=data.get("survivor_code", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Story %(ref)s recorded.") % {"ref": story.ref})
            return redirect("learning:story_detail", story.uuid)
    return _form_page(
        request,
        form,
        title=_("Record a story of change"),
        submit=_("Save the story"),
        back=reverse("learning:story_list"),
        intro=_(
            "Ask: “Looking back over the last months, what do you think was the most "
            "significant change …?” and “Why is it significant to you?”"
        ),
    )


@never_cache
@login_required
def story_detail(request, uuid):
    """The story, its verification, and its path up the hierarchy with every level's reasons."""
    user = _reader(request)
    story = selectors.story_get(user, uuid)
    services.story_view_record(origin=_origin(request), story=story)
    path = selectors.story_path(story)
    levels = {choice.round.level for choice in path}
    access = selectors.learning_access(user)
    return render(
        request,
        "learning/story_detail.html",
        {
            "story": story,
            "path": path,
            "not_reached": [label for value, label in Level.choices if value not in levels],
            "verifications": list(story.verifications.select_related("verified_by")),
            "show_teller": selectors.user_sees_tellers(user),
            "survivor": selectors.story_survivor_for(user, story),
            "can_write": access.can_write,
            "can_feed_back": access.can_record_stories,
            "questions": list(story.learning_questions.all()),
            "sessions": list(story.sessions.all()),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def story_verify(request, uuid):
    user = _writer(request)
    story = selectors.story_get(user, uuid)
    form = f.VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.story_verify(origin=_origin(request), story=story, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Verification recorded."))
            return redirect("learning:story_detail", story.uuid)
    return _form_page(
        request,
        form,
        title=_("Verify story %(ref)s") % {"ref": story.ref},
        submit=_("Save the verification"),
        back=reverse("learning:story_detail", args=[story.uuid]),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def choice_feedback(request, uuid):
    user = _story_recorder(request)
    choice = selectors.choice_get(user, uuid)
    form = f.TellerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.choice_feedback_record(
                origin=_origin(request), choice=choice, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recorded that the teller was told."))
            return redirect("learning:story_detail", choice.story.uuid)
    return _form_page(
        request,
        form,
        title=_("Tell the teller of story %(ref)s") % {"ref": choice.story.ref},
        submit=_("Save"),
        back=reverse("learning:story_detail", args=[choice.story.uuid]),
        intro=_("The %(panel)s panel chose this story on %(date)s. Its reasons: %(reasons)s")
        % {
            "panel": choice.round.organisation.name,
            "date": choice.round.held_on.isoformat(),
            "reasons": choice.reasons,
        },
    )


# --- rounds -------------------------------------------------------------------------------


@never_cache
@login_required
def round_list(request):
    user = _reader(request)
    rounds = (
        selectors.rounds_visible_to(user)
        .select_related("organisation")
        .annotate(n_choices=Count("choices"))
        .order_by("-held_on", "-id")
    )
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/round_list.html",
        {"page": page, "can_write": selectors.learning_access(user).can_write},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    user = _writer(request)
    organisations = selectors.learning_organisations_for(user)
    form = f.RoundForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            selection_round = services.round_create(origin=_origin(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Round created: now choose a story per domain."))
            return redirect("learning:round_detail", selection_round.uuid)
    return _form_page(
        request,
        form,
        title=_("New selection round"),
        submit=_("Create the round"),
        back=reverse("learning:round_list"),
    )


def _round_domains(selection_round, user):
    """Candidates grouped by domain, each with its tally, the choice below and this round's
    choice."""
    candidates = list(
        selectors.round_candidates(selection_round)
        .select_related("domain", "domain__organisation", "organisation")
        .order_by("domain__position", "domain__name", "collected_on")
    )
    tallies = dict(Tally.objects.filter(round=selection_round).values_list("story_id", "value"))
    chosen = {c.domain_id: c for c in selection_round.choices.select_related("story")}
    groups: dict[int, dict] = {}
    for story in candidates:
        group = groups.setdefault(
            story.domain_id,
            {"domain": story.domain, "stories": [], "choice": chosen.get(story.domain_id)},
        )
        story.tally = tallies.get(story.pk)
        story.below = selectors.lower_choice(selection_round, story)
        group["stories"].append(story)
    return list(groups.values())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, uuid):
    user = _reader(request)
    selection_round = selectors.round_get(user, uuid)
    access = selectors.learning_access(user)
    if request.method == "POST":
        if not access.can_write:
            raise Http404
        return _round_post(request, selection_round)
    groups = _round_domains(selection_round, user)
    if groups:
        services.stories_list_record(
            origin=_origin(request),
            organisation=selection_round.organisation,
            count=sum(len(g["stories"]) for g in groups),
        )
    return render(
        request,
        "learning/round_detail.html",
        {
            "round": selection_round,
            "groups": groups,
            "can_write": access.can_write and selection_round.is_open,
            "tallied": selection_round.method != Method.CONSENSUS,
            "below": LEVEL_ORDER.index(selection_round.level) > 0,
        },
    )


def _round_post(request, selection_round):
    action = request.POST.get("action")
    origin = _origin(request)
    try:
        if action == "tally":
            values = {}
            for key, raw in request.POST.items():
                if not key.startswith("tally-"):
                    continue
                story_id = int(key.removeprefix("tally-"))
                raw = raw.strip().replace(",", ".")
                try:
                    values[story_id] = Decimal(raw) if raw else None
                except InvalidOperation as exc:
                    raise ValidationError(
                        _("“%(value)s” is not a number of votes or a score.") % {"value": raw}
                    ) from exc
            services.round_tally_set(origin=origin, selection_round=selection_round,
                                     values=values)  # fmt: skip
            messages.success(request, _("Votes and scores saved."))
        elif action == "choose":
            story = (
                selectors.round_candidates(selection_round)
                .filter(pk=request.POST.get("story") or 0)
                .first()
            )
            if story is None:
                raise ValidationError(_("Choose one of the candidate stories."))
            services.round_choose(
                origin=origin,
                selection_round=selection_round,
                story=story,
                reasons=request.POST.get("reasons", ""),
            )
            messages.success(
                request,
                _("Story %(ref)s chosen for “%(domain)s”.")
                % {"ref": story.ref, "domain": story.domain.name},
            )
        elif action == "close":
            services.round_close(origin=origin, selection_round=selection_round)
            messages.success(request, _("Round closed: its choices go to the next panel up."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("learning:round_detail", selection_round.uuid)


# --- pause and reflect sessions -----------------------------------------------------------


@never_cache
@login_required
def session_list(request):
    user = _reader(request)
    sessions = (
        selectors.sessions_visible_to(user)
        .select_related("organisation")
        .annotate(
            n_decisions=Count("decisions", distinct=True),
            n_actions=Count("actions", distinct=True),
            n_open=Count("actions", filter=~Q(actions__status=ActionStatus.DONE), distinct=True),
        )
        .order_by("-held_on", "-id")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/session_list.html",
        {"page": page, "can_write": selectors.learning_access(user).can_write},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    user = _writer(request)
    form = f.SessionForm(
        request.POST or None, organisations=selectors.learning_organisations_for(user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(origin=_origin(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Session created."))
            return redirect("learning:session_detail", session.uuid)
    return _form_page(
        request,
        form,
        title=_("New pause-and-reflect session"),
        submit=_("Create the session"),
        back=reverse("learning:session_list"),
    )


def _session_forms(request, session, data=None, which=""):
    user = request.user
    period = Period.last_complete("quarter", _today()).label

    def bound(name):
        return data if which == name else None

    stories = selectors.stories_visible_to(user).exclude(pk__in=session.stories.all())
    evaluations = selectors.evaluations_visible_to(user).exclude(pk__in=session.evaluations.all())
    return {
        "edit_form": f.SessionEditForm(
            bound("edit"),
            initial={
                "title": session.title,
                "participants": session.participants,
                "conclusions": session.conclusions,
            },  # fmt: skip
        ),
        "indicator_form": f.IndicatorPickForm(
            bound("indicator"), indicators=indicators(), initial={"period": period}
        ),
        "theme_form": f.ThemePickForm(
            bound("theme"), language=_language(), initial={"period": period}
        ),
        "link_form": f.SessionLinkForm(bound("link"), stories=stories, evaluations=evaluations),
        "decision_form": f.DecisionForm(bound("decision")),
        "action_form": f.ActionForm(
            bound("action"),
            owners=selectors.action_owners_for(session),
            decisions=session.decisions.all(),
        ),
    }


def _snapshot_indicator(request, session, data):
    """Compute the indicator now, for the session's organisation, and keep its value."""
    period = Period.parse(data["period"])
    indicator = REGISTRY[data["code"]]
    result = indicator_compute(indicator, session.organisation, period)
    value = result.value if isinstance(result.value, int | float) else None
    return services.session_add_indicator(
        origin=_origin(request),
        session=session,
        code=indicator.code,
        name=str(indicator.name),
        unit=str(indicator.unit),
        period_label=period.label,
        scope_code=session.organisation.code,
        value=value,
        numerator=result.numerator,
        denominator=result.denominator,
    )


def _theme_count(session, theme: str, period: Period) -> int:
    items = counted_feedback(session.organisation.path, period.start, period.end)
    return theme_counts(items).get(theme, 0)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request, uuid):
    user = _reader(request)
    session = selectors.session_get(user, uuid)
    access = selectors.learning_access(user)
    forms_ = _session_forms(request, session)
    if request.method == "POST":
        if not access.can_write:
            raise Http404
        which = request.POST.get("form", "")
        forms_ = _session_forms(request, session, request.POST, which)
        done = _session_post(request, session, which, forms_)
        if done:
            return redirect(reverse("learning:session_detail", args=[session.uuid]) + done)
    session_stories = list(session.stories.select_related("domain"))
    if session_stories:
        services.stories_list_record(
            origin=_origin(request), organisation=session.organisation, count=len(session_stories)
        )
    context = {
        "session": session,
        "can_write": access.can_write and session.is_open,
        "can_update_actions": access.can_read,
        "is_writer": access.can_write,
        "snapshots": list(session.indicator_snapshots.all()),
        "themes": [
            (t, feedback_texts.theme_name(t.theme, _language()))
            for t in session.theme_snapshots.all()
        ],
        "stories": session_stories,
        "evaluations": list(session.evaluations.all()),
        "decisions": list(session.decisions.all()),
        "actions": list(session.actions.select_related("owner", "decision")),
        "questions": list(session.learning_questions.all()),
        "today": _today(),
        **forms_,
    }
    return render(request, "learning/session_detail.html", context)


def _session_post(request, session, which, forms_) -> str:
    """Handle one of the session page's forms; returns the anchor to go back to ("" when the
    form has errors and the page is shown again)."""
    origin = _origin(request)
    try:
        if which == "close":
            services.session_close(origin=origin, session=session)
            messages.success(request, _("Session closed."))
            return "#decisions"
        form = forms_.get(f"{which}_form")
        if form is None:
            raise ValidationError(_("Unknown action."))
        if not form.is_valid():
            return ""
        data = form.cleaned_data
        if which == "edit":
            services.session_update(origin=origin, session=session, **data)
            messages.success(request, _("Session saved."))
            return "#summary"
        if which == "indicator":
            try:
                snapshot = _snapshot_indicator(request, session, data)
            except PeriodError as error:
                form.add_error("period", str(error))
                return ""
            messages.success(
                request,
                _("%(code)s for %(period)s kept as it stands today.")
                % {"code": snapshot.code, "period": snapshot.period_label},
            )
            return "#looked-at"
        if which == "theme":
            try:
                period = Period.parse(data["period"])
            except PeriodError as error:
                form.add_error("period", str(error))
                return ""
            services.session_add_theme(
                origin=origin,
                session=session,
                theme=data["theme"],
                period_label=period.label,
                count=_theme_count(session, data["theme"], period),
            )
            messages.success(request, _("Feedback theme kept with its count."))
            return "#looked-at"
        if which == "link":
            services.session_link(
                origin=origin,
                session=session,
                stories=list(data["stories"]),
                evaluations=list(data["evaluations"]),
            )
            messages.success(request, _("Linked."))
            return "#looked-at"
        if which == "decision":
            services.decision_record(origin=origin, session=session, **data)
            messages.success(request, _("Decision recorded."))
            return "#decisions"
        if which == "action":
            services.action_add(origin=origin, session=session, **data)
            messages.success(request, _("Action added."))
            return "#actions"
    except ValidationError as error:
        form = forms_.get(f"{which}_form")
        if form is not None and form.is_bound:
            add_service_errors(form, error)
        else:
            for message in error.messages:
                messages.error(request, message)
            return "#decisions"
    return ""


# --- actions ------------------------------------------------------------------------------


@never_cache
@login_required
def action_list(request):
    """Open actions until done; overdue first and highlighted."""
    user = _reader(request)
    mine = request.GET.get("mine") == "1"
    actions = selectors.open_actions(user)
    if mine:
        actions = actions.filter(owner=user)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    today = _today()
    root = selectors.learning_access(user).root
    for action in page.object_list:
        action.days_overdue = (today - action.due_on).days
        action.session_visible = action.session.organisation.path.startswith(root.path)
    return render(
        request,
        "learning/action_list.html",
        {
            "page": page,
            "mine": mine,
            "query": "mine=1" if mine else "",
            "today": today,
            "overdue": actions.filter(due_on__lt=today).count(),
            "is_writer": selectors.learning_access(user).can_write,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def action_update(request, uuid):
    user = _reader(request)
    action = selectors.action_for_update(user, uuid)
    form = f.ActionUpdateForm(
        request.POST or None,
        initial={
            "status": action.status,
            "done_on": action.done_on or _today(),
            "progress_note": action.progress_note,
        },  # fmt: skip
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(origin=_origin(request), action=action, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action updated."))
            return redirect("learning:action_list")
    return _form_page(
        request,
        form,
        title=_("Action due %(date)s") % {"date": action.due_on.isoformat()},
        submit=_("Save"),
        back=reverse("learning:action_list"),
        intro=action.description,
    )


# --- learning questions -------------------------------------------------------------------


@never_cache
@login_required
def question_list(request):
    user = _reader(request)
    status = request.GET.get("status", "")
    questions = selectors.with_evidence_counts(
        selectors.questions_visible_to(user).select_related("organisation")
    )
    if status in QuestionStatus.values:
        questions = questions.filter(status=status)
    questions = questions.order_by("organisation__path", "status", "id")
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/question_list.html",
        {
            "page": page,
            "status": status,
            "statuses": QuestionStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "can_write": selectors.learning_access(user).can_write,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def question_create(request):
    user = _writer(request)
    form = f.QuestionForm(request.POST or None, programmes=selectors.programmes_for_writer(user))
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_create(origin=_origin(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Question added to the learning agenda."))
            return redirect("learning:question_detail", question.uuid)
    return _form_page(
        request,
        form,
        title=_("New learning question"),
        submit=_("Add the question"),
        back=reverse("learning:question_list"),
    )


def _link_querysets(user, question):
    stories = selectors.stories_visible_to(user).exclude(pk__in=question.stories.all())
    sessions = selectors.sessions_visible_to(user).exclude(pk__in=question.sessions.all())
    evaluations = selectors.evaluations_visible_to(user).exclude(pk__in=question.evaluations.all())
    studies = selectors.studies_visible_to(user).exclude(pk__in=question.studies.all())
    return {
        "studies": (studies, _("Studies (evidence library)")),
        "stories": (stories, _("Stories")),
        "sessions": (sessions, _("Pause-and-reflect sessions")),
        "evaluations": (evaluations, _("Evaluations")),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def question_detail(request, uuid):
    user = _reader(request)
    question = selectors.question_get(user, uuid)
    access = selectors.learning_access(user)
    kinds = _link_querysets(user, question)
    link_forms = {
        kind: f.QuestionLinkForm(queryset=qs, label=label, prefix=kind)
        for kind, (qs, label) in kinds.items()
    }
    edit_form = f.QuestionEditForm(
        initial={
            "text": question.text,
            "why": question.why,
            "status": question.status,
            "answer": question.answer,
        }  # fmt: skip
    )
    if request.method == "POST":
        question = selectors.question_for_edit(user, uuid)
        which = request.POST.get("form", "")
        try:
            if which == "edit":
                edit_form = f.QuestionEditForm(request.POST)
                if edit_form.is_valid():
                    services.question_update(
                        origin=_origin(request), question=question, **edit_form.cleaned_data
                    )
                    messages.success(request, _("Question saved."))
                    return redirect("learning:question_detail", question.uuid)
            elif which == "unlink":
                kind = request.POST.get("kind", "")
                if kind not in kinds:
                    raise ValidationError(_("Unknown kind of link."))
                items = list(getattr(question, kind).filter(pk=request.POST.get("pk") or 0))
                services.question_link(origin=_origin(request), question=question, kind=kind,
                                       items=items, unlink=True)  # fmt: skip
                messages.success(request, _("Link removed."))
                return redirect("learning:question_detail", question.uuid)
            elif which in kinds:
                qs, label = kinds[which]
                form = f.QuestionLinkForm(request.POST, queryset=qs, label=label, prefix=which)
                link_forms[which] = form
                if form.is_valid():
                    services.question_link(origin=_origin(request), question=question, kind=which,
                                           items=list(form.cleaned_data["items"]))  # fmt: skip
                    messages.success(request, _("Linked."))
                    return redirect("learning:question_detail", question.uuid)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    stories = list(question.stories.select_related("domain"))
    if stories:
        services.stories_list_record(
            origin=_origin(request), organisation=question.organisation, count=len(stories)
        )
    return render(
        request,
        "learning/question_detail.html",
        {
            "question": question,
            "studies": list(question.studies.all()),
            "stories": stories,
            "sessions": list(question.sessions.all()),
            "evaluations": list(question.evaluations.all()),
            "can_write": access.can_write,
            "edit_form": edit_form,
            "link_forms": [(kind, link_forms[kind]) for kind in kinds],
        },
    )


# --- evaluations --------------------------------------------------------------------------


@never_cache
@login_required
def evaluation_list(request):
    user = _reader(request)
    today = _today()
    evaluations = selectors.evaluations_visible_to(user).select_related("organisation")
    status = request.GET.get("status", "")
    if status:
        evaluations = evaluations.filter(status=status)
    due = list(selectors.evaluations_due(selectors.evaluations_visible_to(user), today))
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/evaluation_list.html",
        {
            "page": page,
            "due": due,
            "due_days": selectors.DUE_DAYS,
            "today": today,
            "status": status,
            "statuses": EvaluationStatus.choices,
            "query": urlencode({"status": status}) if status else "",
            "can_write": selectors.learning_access(user).can_write,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request):
    user = _writer(request)
    form = f.EvaluationForm(request.POST or None, programmes=selectors.programmes_for_writer(user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        programme = data.pop("programme")
        try:
            evaluation = services.evaluation_create(
                origin=_origin(request), programme=programme, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Evaluation added to the register."))
            return redirect("learning:evaluation_detail", evaluation.uuid)
    return _form_page(
        request,
        form,
        title=_("Plan an evaluation"),
        submit=_("Add to the register"),
        back=reverse("learning:evaluation_list"),
    )


@never_cache
@login_required
def evaluation_detail(request, uuid):
    user = _reader(request)
    evaluation = selectors.evaluation_get(user, uuid)
    return render(
        request,
        "learning/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "overdue": evaluation.is_overdue(_today()),
            "questions": list(evaluation.learning_questions.all()),
            "sessions": list(evaluation.sessions.all()),
            "can_write": selectors.learning_access(user).can_write,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request, uuid):
    user = _writer(request)
    evaluation = selectors.evaluation_for_edit(user, uuid)
    initial = {field: getattr(evaluation, field) for field in services.EVALUATION_FIELDS}
    form = f.EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_update(
                origin=_origin(request), evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Evaluation saved."))
            return redirect("learning:evaluation_detail", evaluation.uuid)
    return _form_page(
        request,
        form,
        title=evaluation.title,
        submit=_("Save"),
        back=reverse("learning:evaluation_detail", args=[evaluation.uuid]),
    )
